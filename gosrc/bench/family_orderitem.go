package bench

import (
	"time"

	"gobench/patterns"
)

// poolInstance adapts a patterns.OrderItemPool and reports its hit rate.
type poolInstance struct {
	p        *patterns.OrderItemPool
	parallel bool
	lastNew  int64
}

func (pi *poolInstance) Run(n int) error {
	if pi.parallel {
		return pi.p.RunParallel(n)
	}
	pi.p.Run(n)
	return nil
}

func (pi *poolInstance) Close() error { return nil }

func (pi *poolInstance) Report(n int, _ time.Duration) []float64 {
	now := pi.p.NewCalls()
	news := float64(now-pi.lastNew) / float64(n)
	pi.lastNew = now
	return []float64{news, 1 - news}
}

var poolExtra = []string{"pool_new_per_op", "pool_hit_rate"}

func init() {
	Register(Scenario{
		Family: "OrderItem", Variant: "new",
		Doc:  "new(OrderItem) per item (48 B, one heap allocation each), serial (claim C1).",
		Open: func(Params) (Instance, error) { return Batch(patterns.OrderItemNew), nil },
	})
	Register(Scenario{
		Family: "OrderItem", Variant: "pool",
		Doc:   "sync.Pool of *OrderItem: Get, fill, use, clear, Put; serial (claim C1).",
		Extra: poolExtra,
		Open: func(Params) (Instance, error) {
			return &poolInstance{p: patterns.NewOrderItemPool()}, nil
		},
	})
	Register(Scenario{
		Family: "OrderItemParallel", Variant: "new",
		Doc:  "new(OrderItem) per item on GOMAXPROCS goroutines at once.",
		Open: func(Params) (Instance, error) { return Func(patterns.OrderItemNewParallel), nil },
	})
	Register(Scenario{
		Family: "OrderItemParallel", Variant: "pool",
		Doc:   "One shared sync.Pool used from GOMAXPROCS goroutines at once.",
		Extra: poolExtra,
		Open: func(Params) (Instance, error) {
			return &poolInstance{p: patterns.NewOrderItemPool(), parallel: true}, nil
		},
	})
}
