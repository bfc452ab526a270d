//go:build !race

package bench

import "testing"

func skipUnderRace(t *testing.T) { t.Helper() }
