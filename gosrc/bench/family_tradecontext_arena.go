//go:build goexperiment.arenas

package bench

import (
	"time"

	"gobench/patterns"
)

// tradeArenaInstance adapts a patterns.TradeArena and reports how many
// arenas were freed and replaced per request (1/512 in steady state).
type tradeArenaInstance struct {
	a         *patterns.TradeArena
	lastFrees int64
}

func (t *tradeArenaInstance) Run(n int) error { t.a.Run(n); return nil }
func (t *tradeArenaInstance) Close() error    { t.a.Close(); return nil }

func (t *tradeArenaInstance) Report(n int, _ time.Duration) []float64 {
	now := t.a.Frees()
	f := float64(now-t.lastFrees) / float64(n)
	t.lastFrees = now
	return []float64{f}
}

func init() {
	Register(Scenario{
		Family: "TradeContext", Variant: "arena", Requires: "arenas",
		Doc: "Go's experimental arena package: arena.New per request, Free and a new arena every 512 requests." +
			tradeContextDoc,
		Extra: []string{"arena_frees_per_op"},
		Open: func(Params) (Instance, error) {
			return &tradeArenaInstance{a: patterns.NewTradeArena()}, nil
		},
	})
}
