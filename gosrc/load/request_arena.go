//go:build goexperiment.arenas

package load

import (
	"gobench/bench"
	"gobench/patterns"
)

// tradecontext-arena exists only in libraries built with
// GOEXPERIMENT=arenas. Each worker owns its arena (an arena must never be
// used by two goroutines at once), like the per-connection slab.
func init() {
	RegisterKind(Kind{
		Name:     "tradecontext-arena",
		Requires: "arenas",
		Doc: "Go's experimental arena package: each worker allocates its TradeContexts with arena.New " +
			"and frees and replaces its arena every 512 requests (claims C3-C5).",
		Open: func(_ bench.Params, workers int) (Handler, error) {
			arenas := make([]*patterns.TradeArena, workers)
			run := make([]func(int), workers)
			for w := range arenas {
				arenas[w] = patterns.NewTradeArena()
				run[w] = arenas[w].Run
			}
			return perWorker{run: run, close: func() {
				for _, a := range arenas {
					a.Close()
				}
			}}, nil
		},
	})
}
