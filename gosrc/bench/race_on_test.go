//go:build race

package bench

import "testing"

// skipUnderRace skips exact allocation-count tests: under -race, sync.Pool
// drops one Put in four on purpose and instrumentation changes what
// escapes, so counts are only exact in a normal build (which also runs).
func skipUnderRace(t *testing.T) {
	t.Helper()
	t.Skip("allocation counts are not exact under -race")
}
