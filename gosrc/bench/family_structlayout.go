package bench

import (
	"time"

	"gobench/patterns"
)

// layoutInstance runs one StructLayout batch function and reports the
// struct's size and the size class the allocator serves it from.
type layoutInstance struct {
	run       func(n int)
	sizeof    float64
	sizeClass float64
}

func (l *layoutInstance) Run(n int) error { l.run(n); return nil }
func (l *layoutInstance) Close() error    { return nil }

func (l *layoutInstance) Report(int, time.Duration) []float64 {
	return []float64{l.sizeof, l.sizeClass}
}

func openLayout(run func(int), sizeof uintptr) *layoutInstance {
	return &layoutInstance{run: run, sizeof: float64(sizeof), sizeClass: float64(patterns.HeapSizeClass(int(sizeof)))}
}

var layoutExtra = []string{"sizeof_bytes", "size_class_bytes"}

func init() {
	Register(Scenario{
		Family: "StructLayout", Variant: "padded",
		Doc:   "new(TradeRequestPadded) per op: fields in a padded order, 48 B (claim C10).",
		Extra: layoutExtra,
		Open: func(Params) (Instance, error) {
			return openLayout(patterns.StructPadded, patterns.TradeRequestPaddedBytes), nil
		},
	})
	Register(Scenario{
		Family: "StructLayout", Variant: "packed",
		Doc:   "new(TradeRequestPacked) per op: the same fields reordered, 40 B, still a 48 B size class on the heap (claim C10).",
		Extra: layoutExtra,
		Open: func(Params) (Instance, error) {
			return openLayout(patterns.StructPacked, patterns.TradeRequestPackedBytes), nil
		},
	})
}
