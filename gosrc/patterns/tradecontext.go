package patterns

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"gobench/registry"
)

// A TradeContext is the per-request state of the order gateway in section
// 2.3 of the seed article: the order's fields, a short slice of legs and a
// fixed-size scratch buffer the outbound FIX message is encoded into. It is
// 2048 bytes (TestTradeContextSize). Because it holds a pointer (Legs) and is
// larger than 512 bytes, the heap adds an 8-byte malloc header and serves it
// from the 2304-byte size class: new(TradeContext) costs 2304 B, not 2048.
//
// Four ways of obtaining one are measured, each doing the same work per
// request (acquire, fill, encode, checksum, release):
//
//   - TradeContextNew: new(TradeContext) per request (the baseline);
//   - TradeContextPool: a sync.Pool of *TradeContext;
//   - TradeSlab: the article's "arena", a per-connection 1 MiB block of 512
//     contexts handed out in order and reset (never freed) when exhausted;
//   - TradeArena (tradecontext_arena.go, GOEXPERIMENT=arenas only): Go's
//     experimental arena package, one arena per 512 requests.
//
// When it does not pay: the "patterns" section of gobench/analyse/claims.json,
// printed in the report (one place for that analysis).
type TradeContext struct {
	RequestID   uint64
	SessionID   uint64
	AccountID   uint64
	ClientOrdID uint64
	Price       int64 // fixed point, 1e-8 units
	Qty         int64
	StopPrice   int64
	ReceivedAt  int64 // unix nanoseconds
	Instrument  uint32
	Venue       uint16
	Side        uint8
	OrdType     uint8
	// Legs is a short slice (at most TradeContextInlineLegs without
	// allocating) backed by legStore, so that a recycled context keeps its
	// capacity.
	Legs     []TradeLeg
	legStore [TradeContextInlineLegs]TradeLeg
	msgLen   int
	// Msg is the scratch buffer the outbound message is encoded into;
	// Message returns the used part.
	Msg [1848]byte
}

// A TradeLeg is one leg of a multi-leg order (a spread or a basket).
type TradeLeg struct {
	Instrument uint32
	Ratio      int32
	Price      int64
	Qty        int64
}

// TradeContextInlineLegs is how many legs a context holds without allocating.
const TradeContextInlineLegs = 4

// TradeContextBytes is the size of a TradeContext, the slot size of a TradeSlab.
const TradeContextBytes = 2048

// TradeSlabBytes is the size of one per-connection slab (the article's 1 MB arena).
const TradeSlabBytes = 1 << 20

// reset prepares a recycled context (pool, slab) for a new request. It
// clears the fields and lengths but not the 1848-byte message buffer, whose
// used part is always rewritten before it is read: zeroing 2 KiB per request
// is part of what new(TradeContext) costs and what recycling saves.
func (c *TradeContext) reset() {
	c.RequestID, c.SessionID, c.AccountID, c.ClientOrdID = 0, 0, 0, 0
	c.Price, c.Qty, c.StopPrice, c.ReceivedAt = 0, 0, 0, 0
	c.Instrument, c.Venue, c.Side, c.OrdType = 0, 0, 0, 0
	c.legStore = [TradeContextInlineLegs]TradeLeg{}
	c.Legs = c.legStore[:0]
	c.msgLen = 0
}

// fill writes realistic values for request i: order fields, 1 to 3 legs and
// the encoded outbound message (about 150 bytes of FIX-like tag=value text).
func (c *TradeContext) fill(i int) {
	u := uint64(i)
	c.RequestID = 9_000_000 + u
	c.SessionID = 7
	c.AccountID = 42 + u%1024
	c.ClientOrdID = 5_000_000_000 + u
	c.Price = 101_2500_0000 + int64(i%200)*25_0000
	c.Qty = int64(1 + i%100)
	c.StopPrice = c.Price - 5000_0000
	c.ReceivedAt = 1_732_000_000_000_000_000 + int64(i)*1000
	c.Instrument = uint32(i % 5000)
	c.Venue = uint16(i % 7)
	c.Side = uint8(i & 1)
	c.OrdType = uint8(1 + i%2)
	if c.Legs == nil {
		c.Legs = c.legStore[:0]
	}
	c.Legs = c.Legs[:0]
	for k := 0; k <= i%3; k++ {
		c.Legs = append(c.Legs, TradeLeg{
			Instrument: c.Instrument + uint32(k),
			Ratio:      int32(1 + k),
			Price:      c.Price + int64(k)*1_0000_0000,
			Qty:        c.Qty * int64(1+k),
		})
	}
	m := c.Msg[:0]
	m = append(m, "8=FIX.4.4\x0135=D\x0149=GOBENCH\x0156=XCHG\x0111="...)
	m = strconv.AppendUint(m, c.ClientOrdID, 10)
	m = append(m, "\x011="...)
	m = strconv.AppendUint(m, c.AccountID, 10)
	m = append(m, "\x0155="...)
	m = strconv.AppendUint(m, uint64(c.Instrument), 10)
	m = append(m, "\x0154="...)
	m = strconv.AppendUint(m, uint64(c.Side)+1, 10)
	m = append(m, "\x0138="...)
	m = strconv.AppendInt(m, c.Qty, 10)
	m = append(m, "\x0140="...)
	m = strconv.AppendUint(m, uint64(c.OrdType), 10)
	m = append(m, "\x0144="...)
	m = strconv.AppendInt(m, c.Price, 10)
	m = append(m, "\x0199="...)
	m = strconv.AppendInt(m, c.StopPrice, 10)
	m = append(m, "\x0160="...)
	m = strconv.AppendInt(m, c.ReceivedAt, 10)
	m = append(m, "\x01555="...)
	m = strconv.AppendInt(m, int64(len(c.Legs)), 10)
	m = append(m, '\x01')
	c.msgLen = len(m)
}

// Message is the encoded outbound message of the current request.
func (c *TradeContext) Message() []byte { return c.Msg[:c.msgLen] }

// work is what the request does with its context: the FIX checksum of the
// message (sum of its bytes) and the notional of its legs, so that every
// field written by fill is read.
func (c *TradeContext) work() uint64 {
	var sum uint64
	for _, b := range c.Msg[:c.msgLen] {
		sum += uint64(b)
	}
	sum %= 256
	var notional int64
	for _, l := range c.Legs {
		notional += l.Price * l.Qty * int64(l.Ratio)
	}
	return sum ^ uint64(notional) ^ c.RequestID ^ c.AccountID ^ uint64(c.StopPrice) ^ uint64(c.ReceivedAt) ^
		uint64(c.Venue) ^ uint64(c.OrdType) ^ c.SessionID
}

var sinkCtx *TradeContext

// escapeCtx makes its argument escape (as a context handed to a handler
// chain would) without a shared write on the hot path.
//
//go:noinline
func escapeCtx(c *TradeContext) {
	if c.RequestID == 0 && c.Qty == -1 { // never true for a filled context
		sinkCtx = c
	}
}

// TradeContextNew serves n requests with new(TradeContext) each: one heap
// allocation of 2304 B per request, zeroed by the allocator.
func TradeContextNew(n int) {
	var acc uint64
	for i := 0; i < n; i++ {
		c := new(TradeContext)
		c.fill(i)
		escapeCtx(c)
		acc += c.work()
	}
	sinkChecksum.Add(acc)
}

// A TradeContextPool recycles contexts through a sync.Pool of pointers.
// Ownership: a context belongs to the request between Get and Put; after
// Put the caller must not keep any reference to it.
type TradeContextPool struct {
	pool     sync.Pool
	newCalls atomic.Int64
}

// NewTradeContextPool returns an empty pool whose New counts its calls.
func NewTradeContextPool() *TradeContextPool {
	p := &TradeContextPool{}
	p.pool.New = func() any {
		p.newCalls.Add(1)
		c := new(TradeContext)
		c.Legs = c.legStore[:0]
		return c
	}
	return p
}

// NewCalls is how many contexts the pool had to allocate.
func (p *TradeContextPool) NewCalls() int64 { return p.newCalls.Load() }

// Run serves n requests, each with a context taken from the pool and put
// back once the request is done.
func (p *TradeContextPool) Run(n int) {
	var acc uint64
	for i := 0; i < n; i++ {
		c := p.pool.Get().(*TradeContext)
		c.fill(i)
		escapeCtx(c)
		acc += c.work()
		c.reset() // a recycled context must not leak the previous order
		p.pool.Put(c)
	}
	sinkChecksum.Add(acc)
}

// A TradeSlab is the article's per-connection arena: one 1 MiB block of 512
// contexts, allocated once, handed out in order, and reset (not freed) when
// the last slot has been used. It belongs to one connection, so one
// goroutine: it has no locks.
//
// Lifetime contract: a context obtained from Acquire is valid until the slab
// wraps around, 512 requests later. Requests on a connection are served one
// after another, so that holds as long as no request keeps its context
// beyond its own end; nothing checks it.
type TradeSlab struct {
	slots  []TradeContext
	next   int
	resets int64
}

// NewTradeSlab allocates the 1 MiB block (one allocation, at connection setup).
func NewTradeSlab() *TradeSlab {
	s := &TradeSlab{slots: make([]TradeContext, TradeSlabBytes/TradeContextBytes)}
	for i := range s.slots {
		s.slots[i].Legs = s.slots[i].legStore[:0]
	}
	return s
}

// Slots is how many contexts the slab holds (512).
func (s *TradeSlab) Slots() int { return len(s.slots) }

// Resets is how many times the slab has wrapped around.
func (s *TradeSlab) Resets() int64 { return s.resets }

// Acquire hands out the next slot, resetting the slab when it is exhausted.
func (s *TradeSlab) Acquire() *TradeContext {
	if s.next == len(s.slots) {
		s.next = 0
		s.resets++
	}
	c := &s.slots[s.next]
	s.next++
	c.reset()
	return c
}

// Run serves n requests on this connection, one slab slot each. Releasing
// a slot is a no-op: the whole slab is reset when it wraps.
func (s *TradeSlab) Run(n int) {
	var acc uint64
	for i := 0; i < n; i++ {
		c := s.Acquire()
		c.fill(i)
		escapeCtx(c)
		acc += c.work()
	}
	sinkChecksum.Add(acc)
}

// tradePoolInstance is the scenario Instance of a TradeContextPool; it
// reports how many contexts the pool had to allocate per request.
type tradePoolInstance struct {
	p       *TradeContextPool
	lastNew int64
}

func (t *tradePoolInstance) Run(n int) error { t.p.Run(n); return nil }
func (t *tradePoolInstance) Close() error    { return nil }

func (t *tradePoolInstance) Report(n int, _ time.Duration, m *registry.Metrics) {
	now := t.p.NewCalls()
	m.Report("pool_new_per_op", float64(now-t.lastNew)/float64(n))
	t.lastNew = now
}

// tradeSlabInstance is the scenario Instance of a TradeSlab (one
// connection); it reports how often the slab wrapped around per request
// (1/512 in steady state).
type tradeSlabInstance struct {
	s          *TradeSlab
	lastResets int64
}

func (t *tradeSlabInstance) Run(n int) error { t.s.Run(n); return nil }
func (t *tradeSlabInstance) Close() error    { return nil }

func (t *tradeSlabInstance) Report(n int, _ time.Duration, m *registry.Metrics) {
	now := t.s.Resets()
	m.Report("slab_resets_per_op", float64(now-t.lastResets)/float64(n))
	t.lastResets = now
}

const tradeContextDoc = " One request: acquire a 2 KiB TradeContext, fill order fields, legs and a FIX message, checksum it, release (claims C3-C5)."

func init() {
	registry.Register(registry.Scenario{
		Family: "TradeContext", Variant: "heap",
		Doc:  "new(TradeContext) per request (2048 B, served from the 2304 B size class)." + tradeContextDoc,
		Open: func(registry.Params) (registry.Instance, error) { return registry.Batch(TradeContextNew), nil },
	})
	registry.Register(registry.Scenario{
		Family: "TradeContext", Variant: "pool",
		Doc: "sync.Pool of *TradeContext: Get, use, reset, Put." + tradeContextDoc,
		Metrics: []registry.Metric{
			{Name: "pool_new_per_op", Unit: "new/op", Doc: "calls of the pool's New per request: contexts the pool could not hand out"},
		},
		Open: func(registry.Params) (registry.Instance, error) {
			return &tradePoolInstance{p: NewTradeContextPool()}, nil
		},
	})
	registry.Register(registry.Scenario{
		Family: "TradeContext", Variant: "slab",
		Doc: "The article's arena: a per-connection 1 MiB block of 512 contexts, reset (not freed) when exhausted." +
			tradeContextDoc,
		Metrics: []registry.Metric{
			{Name: "slab_resets_per_op", Unit: "resets/op", Doc: "times the slab wrapped around per request (1/512 in steady state)"},
		},
		Open: func(registry.Params) (registry.Instance, error) {
			return &tradeSlabInstance{s: NewTradeSlab()}, nil
		},
	})
	// The load kinds serve one request as a batch of one: TradeContextNew(1)
	// is exactly one request. Every request then carries the field values of
	// the first request of a batch; the work does not depend on them. Each
	// batch of one also adds to the package checksum (one atomic add), the
	// same for every such kind.
	registry.RegisterKind(registry.Kind{
		Name:    "tradecontext-heap",
		Doc:     "One 2 KiB TradeContext per request with new (2304 B size class) (claims C3-C5, baseline).",
		Default: true,
		Open: func(registry.Params, int) (registry.Handler, error) {
			return registry.ServeBatch(TradeContextNew), nil
		},
	})
	registry.RegisterKind(registry.Kind{
		Name: "tradecontext-pool",
		Doc:  "One TradeContext per request from a sync.Pool shared by all workers (claims C3-C5).",
		Open: func(registry.Params, int) (registry.Handler, error) {
			return registry.ServeBatch(NewTradeContextPool().Run), nil
		},
	})
	registry.RegisterKind(registry.Kind{
		Name: "tradecontext-slab",
		Doc: "The article's per-connection arena: each worker (connection) owns a 1 MiB slab of 512 " +
			"TradeContexts, reset not freed when exhausted (claims C3-C5).",
		Default: true,
		Open: func(_ registry.Params, workers int) (registry.Handler, error) {
			run := make([]func(int), workers)
			for w := range run {
				run[w] = NewTradeSlab().Run
			}
			return registry.PerWorker{Run: run}, nil
		},
	})
}
