package patterns

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"gobench/registry"
	"gobench/safe"
)

// An OrderItem is one line of an order in the trading system of the seed
// article (section 2.2): about 48 bytes of identifiers, fixed-point prices and
// a timestamp. Its size is checked by TestOrderItemSize.
type OrderItem struct {
	OrderID    uint64
	AccountID  uint64
	Price      int64 // fixed point, 1e-8 units
	Qty        int64
	Timestamp  int64 // unix nanoseconds
	Instrument uint32
	Side       uint8
	Flags      uint8
	Venue      uint16
}

// fill writes realistic field values for the i-th item of a batch.
func (it *OrderItem) fill(i int) {
	u := uint64(i)
	it.OrderID = 1_000_000 + u
	it.AccountID = 42 + u%1024
	it.Price = 101_2500_0000 + int64(i%200)*25_0000
	it.Qty = int64(1 + i%100)
	it.Timestamp = 1_732_000_000_000_000_000 + int64(i)*1000
	it.Instrument = uint32(i % 5000)
	it.Side = uint8(i & 1)
	it.Flags = uint8(i % 4)
	it.Venue = uint16(i % 7)
}

// notional is the work done with an item before it is released: enough to
// read every field, so that filling it cannot be optimised away.
func (it *OrderItem) notional() uint64 {
	return uint64(it.Price*it.Qty) ^ it.OrderID ^ it.AccountID ^ uint64(it.Timestamp) ^
		uint64(it.Instrument) ^ uint64(it.Side) ^ uint64(it.Flags) ^ uint64(it.Venue)
}

// OrderItemNew creates n order items with new(OrderItem): one heap
// allocation per item. Each item escapes (it is published to a sink), as an
// item handed to an order book or a channel would.
func OrderItemNew(n int) {
	var acc uint64
	slowLeft, allocLeft := injectSlowEvery, injectAllocPeriod // test-only countdowns (inject.go)
	for i := 0; i < n; i++ {
		it := new(OrderItem)
		it.fill(i)
		acc += it.notional()
		sinkItem = it
		if injectSlow { // test-only, compiled away by default (inject.go)
			if slowLeft--; slowLeft == 0 {
				slowLeft = injectSlowEvery
				acc = injectSpin(acc)
			}
		}
		if injectAlloc { // test-only, compiled away by default (inject.go)
			if allocLeft--; allocLeft == 0 {
				allocLeft = injectAllocPeriod
				sinkBox = &injectBox{it}
			}
		}
	}
	sinkChecksum.Add(acc)
}

// An OrderItemPool recycles order items through a sync.Pool of pointers.
//
// When it does not pay: the "patterns" section of gobench/analyse/claims.json,
// printed in the report (one place for that analysis).
type OrderItemPool struct {
	pool     sync.Pool
	newCalls atomic.Int64
}

// NewOrderItemPool returns an empty pool; its New counts its calls so the
// hit rate can be reported.
func NewOrderItemPool() *OrderItemPool {
	return newOrderItemPool(func() *OrderItem { return new(OrderItem) })
}

// newOrderItemPool is an empty pool whose New counts its calls and takes
// a fresh item from alloc.
func newOrderItemPool(alloc func() *OrderItem) *OrderItemPool {
	p := &OrderItemPool{}
	p.pool.New = func() any {
		p.newCalls.Add(1)
		return alloc()
	}
	return p
}

// pooledItem is an OrderItem with a 64-byte cache line to itself: the 64 B
// size class is line-aligned, the 48 B one is not. Two 48 B items allocated
// back to back share a line, and when two Ps each write "their" pooled item,
// the line bounces between cores: in a plain Go program two goroutines
// sharing a pool took 13.8 ns/op with two such items against 5.5 with items
// from different spans. Which items each P gets depends on which P allocated
// them, so OrderItemParallel/pool read about 8 ns/op in one process and 14.5
// in the next (harness or go test alike) until its items were padded.
type pooledItem struct {
	OrderItem
	_ [cacheLine - unsafe.Sizeof(OrderItem{})]byte
}

const cacheLine = 64

// newLinePaddedOrderItemPool is NewOrderItemPool whose New hands out items
// on cache lines of their own, for the scenario that shares the pool
// between Ps; false sharing between two items is not what it measures.
func newLinePaddedOrderItemPool() *OrderItemPool {
	return newOrderItemPool(func() *OrderItem { return &new(pooledItem).OrderItem })
}

// NewCalls is how many times the pool had to allocate a fresh item.
func (p *OrderItemPool) NewCalls() int64 { return p.newCalls.Load() }

// Run creates n order items taken from the pool, doing the same work per item
// as OrderItemNew, and returns each item to the pool after use.
func (p *OrderItemPool) Run(n int) {
	var acc uint64
	for i := 0; i < n; i++ {
		it := p.pool.Get().(*OrderItem)
		it.fill(i)
		acc += it.notional()
		sinkItem = it
		*it = OrderItem{} // a recycled item must not leak the previous order
		p.pool.Put(it)
	}
	sinkItem = nil
	sinkChecksum.Add(acc)
}

// parallel splits n operations over GOMAXPROCS goroutines, each running
// body(count) on its share, and waits for all of them.
func parallel(n int, body func(count int)) error {
	procs := runtime.GOMAXPROCS(0)
	var g safe.Group
	for w := 0; w < procs; w++ {
		count := n / procs
		if w < n%procs {
			count++
		}
		g.Go(func() error { body(count); return nil })
	}
	return g.Wait()
}

// OrderItemNewParallel is OrderItemNew on GOMAXPROCS goroutines at once.
func OrderItemNewParallel(n int) error {
	return parallel(n, orderItemNewLocal)
}

// orderItemNewLocal is OrderItemNew without the shared pointer sink, which
// would otherwise be a contended cache line between goroutines.
func orderItemNewLocal(n int) {
	var acc uint64
	var keep *OrderItem
	for i := 0; i < n; i++ {
		it := new(OrderItem)
		it.fill(i)
		acc += it.notional()
		keep = it
		escapeItem(keep)
	}
	sinkChecksum.Add(acc)
}

// escapeItem forces its argument to the heap without a shared write.
//
//go:noinline
func escapeItem(it *OrderItem) {
	if it.OrderID == 0 && it.Qty == -1 { // never true for filled items
		sinkItem = it
	}
}

// RunParallel is Run on GOMAXPROCS goroutines at once sharing one pool, the
// way request handlers on several Ps share a package-level pool.
func (p *OrderItemPool) RunParallel(n int) error {
	return parallel(n, func(count int) {
		var acc uint64
		for i := 0; i < count; i++ {
			it := p.pool.Get().(*OrderItem)
			it.fill(i)
			acc += it.notional()
			escapeItem(it)
			*it = OrderItem{}
			p.pool.Put(it)
		}
		sinkChecksum.Add(acc)
	})
}

// Per-request forms of the pattern, served by the load kinds registered
// below: one call is one order of several items, the unit of work a request
// handler of the seed article's trading system does. The batch functions
// above time the allocation alone; these put it inside request-shaped work
// so that latency under load can be measured.

// MaxOrderItems bounds the items of one order; the items held during a
// request live in a fixed array on the stack.
const MaxOrderItems = 64

// NewOrder creates one order of items OrderItems (clamped to
// [1, MaxOrderItems]) with new(OrderItem): one 48-byte heap allocation per
// item, each escaping as an item handed to an order book would. seq numbers
// the order so that the field values vary. It returns a checksum of the
// order so the work cannot be removed.
func NewOrder(seq uint64, items int) uint64 {
	items = min(max(items, 1), MaxOrderItems)
	var acc uint64
	base := int(seq % (1 << 40) * uint64(items))
	for k := 0; k < items; k++ {
		it := new(OrderItem)
		it.fill(base + k)
		acc += it.notional()
		escapeItem(it)
	}
	return acc
}

// Order creates one order of items OrderItems taken from the pool: all the
// order's items are held until the order is done, then cleared and returned,
// as a handler returns its objects when the response is sent. Apart from
// the pool traffic it does the same work as NewOrder. Safe for concurrent
// use (the pool is shared, as a package-level pool is between handlers).
func (p *OrderItemPool) Order(seq uint64, items int) uint64 {
	items = min(max(items, 1), MaxOrderItems)
	var held [MaxOrderItems]*OrderItem
	var acc uint64
	base := int(seq % (1 << 40) * uint64(items))
	for k := 0; k < items; k++ {
		it := p.pool.Get().(*OrderItem)
		it.fill(base + k)
		acc += it.notional()
		escapeItem(it)
		held[k] = it
	}
	for k := 0; k < items; k++ {
		*held[k] = OrderItem{} // a recycled item must not leak the previous order
		p.pool.Put(held[k])
		held[k] = nil
	}
	return acc
}

// orderPoolInstance is the scenario Instance of an OrderItemPool, serial or
// parallel; it reports how often the pool had to call New.
type orderPoolInstance struct {
	p        *OrderItemPool
	parallel bool
	lastNew  int64
}

func (o *orderPoolInstance) Run(n int) error {
	if o.parallel {
		return o.p.RunParallel(n)
	}
	o.p.Run(n)
	return nil
}

func (o *orderPoolInstance) Close() error { return nil }

func (o *orderPoolInstance) Report(n int, _ time.Duration, m *registry.Metrics) {
	now := o.p.NewCalls()
	news := float64(now-o.lastNew) / float64(n)
	o.lastNew = now
	m.Report("pool_new_per_op", news)
	m.Report("pool_hit_rate", 1-news)
}

// orderPoolMetrics are the metrics of both pool scenarios.
var orderPoolMetrics = []registry.Metric{
	{Name: "pool_new_per_op", Unit: "new/op", Doc: "calls of the pool's New per item: items the pool could not hand out"},
	{Name: "pool_hit_rate", Unit: "hits/get", Doc: "share of Gets served from the pool (1 - pool_new_per_op)"},
}

// orderItemsParam is the order size of the order load kinds.
var orderItemsParam = registry.Param{
	Name: "items", Default: 8, Min: 1, Max: MaxOrderItems, Unit: "items",
	Doc: "OrderItems created per order (per request)",
}

// orderNewHandler serves each request with NewOrder.
type orderNewHandler struct{ items int }

func (o orderNewHandler) Serve(_ int, seq uint64) uint64 { return NewOrder(seq, o.items) }
func (o orderNewHandler) Close() error                   { return nil }

// orderPoolHandler serves each request from one pool shared by all workers,
// as a package-level pool is shared by the handlers of a server.
type orderPoolHandler struct {
	p     *OrderItemPool
	items int
}

func (o orderPoolHandler) Serve(_ int, seq uint64) uint64 { return o.p.Order(seq, o.items) }
func (o orderPoolHandler) Close() error                   { return nil }

func init() {
	registry.Register(registry.Scenario{
		Family: "OrderItem", Variant: "new",
		Doc:  "new(OrderItem) per item (48 B, one heap allocation each), serial (claim C1).",
		Open: func(registry.Params) (registry.Instance, error) { return registry.Batch(OrderItemNew), nil },
	})
	registry.Register(registry.Scenario{
		Family: "OrderItem", Variant: "pool",
		Doc:     "sync.Pool of *OrderItem: Get, fill, use, clear, Put; serial (claim C1).",
		Metrics: orderPoolMetrics,
		Open: func(registry.Params) (registry.Instance, error) {
			return &orderPoolInstance{p: NewOrderItemPool()}, nil
		},
	})
	registry.Register(registry.Scenario{
		Family: "OrderItemParallel", Variant: "new",
		Doc:  "new(OrderItem) per item on GOMAXPROCS goroutines at once.",
		Open: func(registry.Params) (registry.Instance, error) { return registry.Func(OrderItemNewParallel), nil },
	})
	registry.Register(registry.Scenario{
		Family: "OrderItemParallel", Variant: "pool",
		Doc:     "One shared sync.Pool used from GOMAXPROCS goroutines at once (its items on cache lines of their own).",
		Metrics: orderPoolMetrics,
		Open: func(registry.Params) (registry.Instance, error) {
			return &orderPoolInstance{p: newLinePaddedOrderItemPool(), parallel: true}, nil
		},
	})
	registry.RegisterKind(registry.Kind{
		Name:    "order-new",
		Doc:     "One order of `items` OrderItems, each new(OrderItem) on the heap (claims C1, C2).",
		Params:  []registry.Param{orderItemsParam},
		Default: true, Sweep: true,
		Open: func(p registry.Params, _ int) (registry.Handler, error) {
			return orderNewHandler{items: int(p["items"])}, nil
		},
	})
	registry.RegisterKind(registry.Kind{
		Name:    "order-pool",
		Doc:     "One order of `items` OrderItems taken from a shared sync.Pool and returned when the order is done (claims C1, C2).",
		Params:  []registry.Param{orderItemsParam},
		Default: true,
		Open: func(p registry.Params, _ int) (registry.Handler, error) {
			return orderPoolHandler{p: NewOrderItemPool(), items: int(p["items"])}, nil
		},
	})
}
