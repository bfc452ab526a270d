package bench

import (
	"time"

	"gobench/patterns"
)

// tradePoolInstance adapts a patterns.TradeContextPool and reports how many
// contexts the pool had to allocate per request.
type tradePoolInstance struct {
	p       *patterns.TradeContextPool
	lastNew int64
}

func (t *tradePoolInstance) Run(n int) error { t.p.Run(n); return nil }
func (t *tradePoolInstance) Close() error    { return nil }

func (t *tradePoolInstance) Report(n int, _ time.Duration) []float64 {
	now := t.p.NewCalls()
	news := float64(now-t.lastNew) / float64(n)
	t.lastNew = now
	return []float64{news}
}

// tradeSlabInstance adapts a patterns.TradeSlab (one connection) and reports
// how often it wrapped around per request (1/512 in steady state).
type tradeSlabInstance struct {
	s          *patterns.TradeSlab
	lastResets int64
}

func (t *tradeSlabInstance) Run(n int) error { t.s.Run(n); return nil }
func (t *tradeSlabInstance) Close() error    { return nil }

func (t *tradeSlabInstance) Report(n int, _ time.Duration) []float64 {
	now := t.s.Resets()
	r := float64(now-t.lastResets) / float64(n)
	t.lastResets = now
	return []float64{r}
}

const tradeContextDoc = " One request: acquire a 2 KiB TradeContext, fill order fields, legs and a FIX message, checksum it, release (claims C3-C5)."

func init() {
	Register(Scenario{
		Family: "TradeContext", Variant: "heap",
		Doc:  "new(TradeContext) per request (2048 B, served from the 2304 B size class)." + tradeContextDoc,
		Open: func(Params) (Instance, error) { return Batch(patterns.TradeContextNew), nil },
	})
	Register(Scenario{
		Family: "TradeContext", Variant: "pool",
		Doc:   "sync.Pool of *TradeContext: Get, use, reset, Put." + tradeContextDoc,
		Extra: []string{"pool_new_per_op"},
		Open: func(Params) (Instance, error) {
			return &tradePoolInstance{p: patterns.NewTradeContextPool()}, nil
		},
	})
	Register(Scenario{
		Family: "TradeContext", Variant: "slab",
		Doc: "The article's arena: a per-connection 1 MiB block of 512 contexts, reset (not freed) when exhausted." +
			tradeContextDoc,
		Extra: []string{"slab_resets_per_op"},
		Open: func(Params) (Instance, error) {
			return &tradeSlabInstance{s: patterns.NewTradeSlab()}, nil
		},
	})
}
