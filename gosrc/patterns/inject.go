package patterns

import (
	"fmt"
	"math"
	"strconv"
)

// Test-only regression injection for the CI performance gate's self-test
// (gobench/gate.py, tests/test_gate.py).
//
// Each knob is a compile-time constant chosen by a build tag, so the default
// build compiles the injected code away entirely: the knob costs nothing
// unless the library is built with the tag (the test-only build variants
// "inject-slow" and "inject-alloc" in gobench/variants.py).
//
//	-tags gobench_inject_slow   extra work on OrderItemNew's critical path, no
//	                            allocation: injectSlowPercent percent of an
//	                            item's time (nominal), set with
//	                            -ldflags "-X gobench/patterns.injectSlowPercent=5"
//	-tags gobench_inject_alloc  one extra small heap allocation in every
//	                            injectAllocEvery-th OrderItemNew item
//	                            (+1/injectAllocEvery alloc/op, 8 B each), set
//	                            with -X gobench/patterns.injectAllocEvery=10
//
// Never ship a library built with these tags: its numbers are wrong on purpose.

// injectSlowPercent and injectAllocEvery are strings so that the linker's -X
// can set them; init parses them. They are read only when a tag is set.
var (
	injectSlowPercent = "20"
	injectAllocEvery  = "1"
)

// injectChunk is the length of one burst of injected work, in iterations of
// a dependent multiply-add: about 1000 cycles, far more than the CPU's
// reorder window, so a burst cannot hide behind the allocation work around
// it and adds its full time to the operation.
const injectChunk = 256

// injectSpinPerItem is how many iterations of injectSpin take as long as one
// OrderItemNew item on the project VM: BenchmarkInjectSpin 2.7 ns per
// iteration, BenchmarkScenarios/OrderItem/new 54 ns per item (best of 4,
// go test -bench -ldflags=-funcalign=64, load average 10 on 2 vCPUs). The
// percentages are nominal: the gate's self-test reports the slowdown it
// measured next to them.
const injectSpinPerItem = 20

// injectSlowEvery and injectAllocPeriod are how many items pass between two
// injections (a countdown, not i%k: a division per item would itself be
// extra work).
var injectSlowEvery, injectAllocPeriod = injectPeriods(injectSlowPercent, injectAllocEvery)

func injectPeriods(percent, every string) (slow, alloc int) {
	pct, err := strconv.ParseFloat(percent, 64)
	if err != nil || pct <= 0 || pct > 1000 {
		panic(fmt.Sprintf("patterns: injectSlowPercent %q must be a number in (0, 1000]", percent))
	}
	alloc, err = strconv.Atoi(every)
	if err != nil || alloc < 1 {
		panic(fmt.Sprintf("patterns: injectAllocEvery %q must be a positive integer", every))
	}
	slow = int(math.Round(injectChunk * 100 / (pct * injectSpinPerItem)))
	return max(slow, 1), alloc
}

// injectSpin is the injected work: a chain of dependent multiply-adds, which
// no compiler or CPU can shorten, that allocates nothing.
func injectSpin(x uint64) uint64 {
	for j := 0; j < injectChunk; j++ {
		x = x*6364136223846793005 + 1442695040888963407
	}
	return x
}

// An injectBox is the extra allocation of gobench_inject_alloc. It holds a
// pointer so that it is not a "tiny" object: the runtime's
// /gc/heap/allocs:objects metric, which the harness reads, does not count
// tiny (pointer-free, under 16 B) allocations.
type injectBox struct{ item *OrderItem }

// sinkBox keeps the injected allocation escaping to the heap.
var sinkBox *injectBox
