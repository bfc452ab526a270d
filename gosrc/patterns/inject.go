package patterns

// Test-only regression injection for the CI performance gate's self-test
// (gobench/gate.py, tests/test_gate.py).
//
// Each knob is a compile-time constant chosen by a build tag, so the default
// build compiles the injected code away entirely: the knob costs nothing
// unless the library is built with the tag (the test-only build variants
// "inject-slow" and "inject-alloc" in gobench/variants.py).
//
//	-tags gobench_inject_slow   every 5th OrderItemNew item is created twice
//	                            (about +20% work; also +0.2 allocs/op)
//	-tags gobench_inject_alloc  one extra small heap allocation per
//	                            OrderItemNew item (+1 alloc/op, +8 B/op)
//
// Never ship a library built with these tags: its numbers are wrong on purpose.

// An injectBox is the extra allocation of gobench_inject_alloc. It holds a
// pointer so that it is not a "tiny" object: the runtime's
// /gc/heap/allocs:objects metric, which the harness reads, does not count
// tiny (pointer-free, under 16 B) allocations.
type injectBox struct{ item *OrderItem }

// sinkBox keeps the injected allocation escaping to the heap.
var sinkBox *injectBox
