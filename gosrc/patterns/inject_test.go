package patterns

import (
	"fmt"
	"testing"
)

// injectedAllocs is how many heap allocations the build's test-only knobs
// add to OrderItemNew(n): none in a normal build.
func injectedAllocs(n int) float64 {
	extra := 0
	if injectSlow {
		extra += (n + 4) / 5 // items 0, 5, 10, ... are created twice
	}
	if injectAlloc {
		extra += n
	}
	return float64(extra)
}

// TestInjectKnobAllocs checks the exact allocation count of OrderItemNew
// under whichever knobs this test binary was built with. Run it with
// -tags gobench_inject_slow, -tags gobench_inject_alloc, both, or neither.
func TestInjectKnobAllocs(t *testing.T) {
	t.Logf("injectSlow=%v injectAlloc=%v", injectSlow, injectAlloc)
	for _, n := range []int{1, 5, 6, 100} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			want := float64(n) + injectedAllocs(n)
			if got := testing.AllocsPerRun(20, func() { OrderItemNew(n) }); got != want {
				t.Fatalf("OrderItemNew(%d): %v allocs, want %v (injectSlow=%v injectAlloc=%v)",
					n, got, want, injectSlow, injectAlloc)
			}
		})
	}
}
