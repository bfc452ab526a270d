//go:build !race

package patterns

import "testing"

func skipUnderRace(t *testing.T) { t.Helper() }
