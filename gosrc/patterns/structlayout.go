package patterns

import (
	"time"
	"unsafe"

	"gobench/registry"
)

// A TradeRequestPadded is the trade request of section 4.2 of the seed
// article with its fields in declaration order as a programmer might write
// them: the leading bool is followed by 7 bytes of padding so that OrderID
// is 8-byte aligned, and the trailing fields leave 1 more. It is 48 bytes
// (TestStructLayoutSizes).
type TradeRequestPadded struct {
	IsBuy      bool
	OrderID    uint64
	Price      int64 // fixed point, 1e-8 units
	Qty        int64
	Timestamp  int64 // unix nanoseconds
	Instrument uint32
	Venue      uint16
	IOC        bool
}

// A TradeRequestPacked has the same fields ordered from the largest
// alignment to the smallest: no padding, 40 bytes.
//
// What the reordering buys on the heap, and when it does not pay: the
// "patterns" section of gobench/analyse/claims.json, printed in the report.
type TradeRequestPacked struct {
	OrderID    uint64
	Price      int64
	Qty        int64
	Timestamp  int64
	Instrument uint32
	Venue      uint16
	IsBuy      bool
	IOC        bool
}

// A TradeRequestArticle is the trade request of section 4.2 as the article
// writes it (in C, as a packed struct aligned to 8): timestamp 8 B, side and
// order_type 4 B each, price 8 B and qty 8 B, at offsets 0/8/12/16/24 by the
// article's own table. That is 32 bytes, in C and in Go alike, not the 40
// the article states (nor 48 "with default alignment": these fields have no
// padding in any order that keeps the two int32 together). On the Go heap it
// is served from the 32 B size class.
type TradeRequestArticle struct {
	Timestamp uint64
	Side      int32
	OrderType int32
	Price     float64
	Qty       int64
}

// Sizes of the layouts, as the compiler lays them out (TestStructLayoutSizes).
const (
	TradeRequestPaddedBytes  = unsafe.Sizeof(TradeRequestPadded{})
	TradeRequestPackedBytes  = unsafe.Sizeof(TradeRequestPacked{})
	TradeRequestArticleBytes = unsafe.Sizeof(TradeRequestArticle{})
)

var (
	sinkPadded  *TradeRequestPadded
	sinkPacked  *TradeRequestPacked
	sinkArticle *TradeRequestArticle
)

// StructPadded allocates n padded trade requests on the heap, one at a time,
// fills each and publishes it to a sink (so that each escapes).
func StructPadded(n int) {
	var acc uint64
	for i := 0; i < n; i++ {
		r := new(TradeRequestPadded)
		r.OrderID = 1_000_000 + uint64(i)
		r.Price = 101_2500_0000 + int64(i%200)*25_0000
		r.Qty = int64(1 + i%100)
		r.Timestamp = 1_732_000_000_000_000_000 + int64(i)*1000
		r.Instrument = uint32(i % 5000)
		r.Venue = uint16(i % 7)
		r.IsBuy = i&1 == 0
		r.IOC = i%3 == 0
		acc += r.OrderID ^ uint64(r.Price*r.Qty) ^ uint64(r.Timestamp) ^ uint64(r.Instrument) ^ uint64(r.Venue)
		sinkPadded = r
	}
	sinkChecksum.Add(acc)
}

// StructPacked is StructPadded for the packed layout: the same fields, values and work.
func StructPacked(n int) {
	var acc uint64
	for i := 0; i < n; i++ {
		r := new(TradeRequestPacked)
		r.OrderID = 1_000_000 + uint64(i)
		r.Price = 101_2500_0000 + int64(i%200)*25_0000
		r.Qty = int64(1 + i%100)
		r.Timestamp = 1_732_000_000_000_000_000 + int64(i)*1000
		r.Instrument = uint32(i % 5000)
		r.Venue = uint16(i % 7)
		r.IsBuy = i&1 == 0
		r.IOC = i%3 == 0
		acc += r.OrderID ^ uint64(r.Price*r.Qty) ^ uint64(r.Timestamp) ^ uint64(r.Instrument) ^ uint64(r.Venue)
		sinkPacked = r
	}
	sinkChecksum.Add(acc)
}

// StructArticle is StructPadded for the article's own struct: it has fewer
// fields (no order id, instrument, venue or IOC flag), so its work is not
// the same as the other two variants'; it is measured for its size and
// size class, not for its time.
func StructArticle(n int) {
	var acc uint64
	for i := 0; i < n; i++ {
		r := new(TradeRequestArticle)
		r.Timestamp = 1_732_000_000_000_000_000 + uint64(i)*1000
		r.Side = int32(i & 1)
		r.OrderType = int32(i % 3)
		r.Price = float64(101_2500+i%200*25) / 10_000
		r.Qty = int64(1 + i%100)
		acc += r.Timestamp ^ uint64(r.Side) ^ uint64(r.OrderType) ^ uint64(r.Qty) ^ uint64(int64(r.Price))
		sinkArticle = r
	}
	sinkChecksum.Add(acc)
}

// HeapSizeClass returns how many bytes the Go allocator charges for one
// pointer-free heap object of the given size: the size rounded up to its
// size class. It asks the runtime rather than copying its table: growing a
// nil []byte to size bytes rounds the capacity up to the same size class
// (runtime.growslice calls roundupsize). It allocates; call it outside
// measured code. Pointerful objects above 512 bytes add an 8-byte header
// first (see TradeContext).
func HeapSizeClass(size int) int {
	return cap(append([]byte(nil), make([]byte, size)...))
}

// layoutInstance runs one StructLayout batch function and reports the
// struct's size and the size class the allocator serves it from.
type layoutInstance struct {
	run       func(n int)
	sizeof    float64
	sizeClass float64
}

func (l *layoutInstance) Run(n int) error { l.run(n); return nil }
func (l *layoutInstance) Close() error    { return nil }

func (l *layoutInstance) Report(_ int, _ time.Duration, m *registry.Metrics) {
	m.Report("sizeof_bytes", l.sizeof)
	m.Report("size_class_bytes", l.sizeClass)
}

func openLayout(run func(int), sizeof uintptr) *layoutInstance {
	return &layoutInstance{run: run, sizeof: float64(sizeof), sizeClass: float64(HeapSizeClass(int(sizeof)))}
}

var layoutMetrics = []registry.Metric{
	{Name: "sizeof_bytes", Unit: "B", Doc: "unsafe.Sizeof of the struct"},
	{Name: "size_class_bytes", Unit: "B", Doc: "bytes the allocator charges for one such object (its size class)"},
}

func init() {
	registry.Register(registry.Scenario{
		Family: "StructLayout", Variant: "padded",
		Doc:     "new(TradeRequestPadded) per op: fields in a padded order, 48 B (claim C10).",
		Metrics: layoutMetrics,
		Open: func(registry.Params) (registry.Instance, error) {
			return openLayout(StructPadded, TradeRequestPaddedBytes), nil
		},
	})
	registry.Register(registry.Scenario{
		Family: "StructLayout", Variant: "packed",
		Doc:     "new(TradeRequestPacked) per op: the same fields reordered, 40 B, still a 48 B size class on the heap (claim C10).",
		Metrics: layoutMetrics,
		Open: func(registry.Params) (registry.Instance, error) {
			return openLayout(StructPacked, TradeRequestPackedBytes), nil
		},
	})
	registry.Register(registry.Scenario{
		Family: "StructLayout", Variant: "article",
		Doc: "new(TradeRequestArticle) per op: the article's own struct as written (timestamp, side, order_type, " +
			"price, qty; as in the article), 32 B, not the 40 B it states (claim C10).",
		Metrics: layoutMetrics,
		Open: func(registry.Params) (registry.Instance, error) {
			return openLayout(StructArticle, TradeRequestArticleBytes), nil
		},
	})
}
