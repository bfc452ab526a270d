package patterns

import (
	"fmt"
	"testing"
)

// injectedAllocs is how many heap allocations the build's test-only knobs
// add to OrderItemNew(n): none in a normal build.
func injectedAllocs(n int) float64 {
	if injectAlloc {
		return float64(n / injectAllocPeriod) // items injectAllocEvery, 2*injectAllocEvery, ... (1-based)
	}
	return 0 // the slow knob allocates nothing
}

// TestInjectKnobAllocs checks the exact allocation count of OrderItemNew
// under whichever knobs this test binary was built with. Run it with
// -tags gobench_inject_slow, -tags gobench_inject_alloc, both, or neither.
func TestInjectKnobAllocs(t *testing.T) {
	t.Logf("injectSlow=%v injectAlloc=%v", injectSlow, injectAlloc)
	for _, n := range []int{1, 5, 6, 100, 1000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			want := float64(n) + injectedAllocs(n)
			if got := testing.AllocsPerRun(20, func() { OrderItemNew(n) }); got != want {
				t.Fatalf("OrderItemNew(%d): %v allocs, want %v (injectSlow=%v injectAlloc=%v)",
					n, got, want, injectSlow, injectAlloc)
			}
		})
	}
}

func TestInjectPeriods(t *testing.T) {
	for _, c := range []struct {
		pct, every  string
		slow, alloc int
	}{{"20", "1", 64, 1}, {"5", "10", 256, 10}, {"10", "3", 128, 3}, {"1000", "1", 1, 1}} {
		slow, alloc := injectPeriods(c.pct, c.every)
		if slow != c.slow || alloc != c.alloc {
			t.Errorf("injectPeriods(%q, %q) = %d, %d; want %d, %d", c.pct, c.every, slow, alloc, c.slow, c.alloc)
		}
	}
	for _, bad := range [][2]string{{"0", "1"}, {"x", "1"}, {"1001", "1"}, {"5", "0"}, {"5", "-2"}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("injectPeriods(%q, %q) did not panic", bad[0], bad[1])
				}
			}()
			injectPeriods(bad[0], bad[1])
		}()
	}
}

// BenchmarkInjectSpin measures one iteration of the injected work; with
// BenchmarkScenarios/OrderItem/new it gives injectSpinPerItem (ns per item /
// ns per iteration).
func BenchmarkInjectSpin(b *testing.B) {
	var x uint64
	for i := 0; i < b.N; i += injectChunk {
		x = injectSpin(x)
	}
	sinkChecksum.Add(x)
}
