//go:build goexperiment.arenas

package patterns

import (
	"arena"
	"time"

	"gobench/registry"
)

// A TradeArena serves requests from Go's experimental arena package
// (GOEXPERIMENT=arenas, proposal golang/go#51317, on hold and unsupported):
// contexts are allocated with arena.New and the arena is freed and replaced
// after TradeArenaRequests requests, the same 1 MiB worth of contexts as a
// TradeSlab holds.
//
// Go's arenas are not the article's arena: they cannot be reset, only freed
// and replaced; their memory comes in 8 MiB chunks (so a "1 MiB arena" still
// takes a whole chunk), and freed chunks are reused only after a GC cycle
// has run, so heap in use grows between cycles. An Arena must never be used
// by two goroutines at once, and memory from a freed arena must never be
// touched again: the runtime may fault on it, or may not.
//
// When it does not pay: the "patterns" section of gobench/analyse/claims.json,
// printed in the report (one place for that analysis).
type TradeArena struct {
	a     *arena.Arena
	used  int
	frees int64
}

// TradeArenaRequests is how many contexts one arena serves before it is freed.
const TradeArenaRequests = TradeSlabBytes / TradeContextBytes

// NewTradeArena starts the first arena.
func NewTradeArena() *TradeArena { return &TradeArena{a: arena.NewArena()} }

// Frees is how many arenas have been freed and replaced.
func (t *TradeArena) Frees() int64 { return t.frees }

// Run serves n requests, each with a context allocated in the current arena.
func (t *TradeArena) Run(n int) {
	var acc uint64
	for i := 0; i < n; i++ {
		if t.used == TradeArenaRequests {
			t.a.Free() // every context of this arena is dead: their requests ended
			t.a = arena.NewArena()
			t.used = 0
			t.frees++
		}
		c := arena.New[TradeContext](t.a)
		t.used++
		c.fill(i)
		escapeCtx(c) // never stores c: a global must not point into an arena
		acc += c.work()
	}
	sinkChecksum.Add(acc)
}

// Close frees the current arena; the TradeArena must not be used afterwards.
func (t *TradeArena) Close() {
	if t.a != nil {
		t.a.Free()
		t.a = nil
	}
}

// tradeArenaInstance is the scenario Instance of a TradeArena; it reports
// how many arenas were freed and replaced per request (1/512 in steady
// state).
type tradeArenaInstance struct {
	a         *TradeArena
	lastFrees int64
}

func (t *tradeArenaInstance) Run(n int) error { t.a.Run(n); return nil }
func (t *tradeArenaInstance) Close() error    { t.a.Close(); return nil }

func (t *tradeArenaInstance) Report(n int, _ time.Duration, m *registry.Metrics) {
	now := t.a.Frees()
	m.Report("arena_frees_per_op", float64(now-t.lastFrees)/float64(n))
	t.lastFrees = now
}

// tradeArenaChunkBytes is the size of the chunks arena.New takes its memory in.
const tradeArenaChunkBytes = 8 << 20

func init() {
	// TradeContext/arena and the tradecontext-arena load kind exist only in
	// libraries built with GOEXPERIMENT=arenas (this file's build tag).
	registry.Register(registry.Scenario{
		Family: "TradeContext", Variant: "arena", Requires: "arenas",
		Doc: "Go's experimental arena package: arena.New per request, Free and a new arena every 512 requests." +
			tradeContextDoc,
		Metrics: []registry.Metric{
			{Name: "arena_frees_per_op", Unit: "frees/op", Doc: "arenas freed and replaced per request (1/512 in steady state)"},
		},
		// arena.New takes memory in 8 MiB chunks, so B/op is a chunk count
		// amortised over the round's N: at N = 17,526 rounds of the same code
		// read 1885 or 2356 B/op (one chunk more or less), and a session's
		// median flipped between them (2026 vs 2245 B/op against the
		// baseline). The gate tolerates one chunk per round. allocs/op stays
		// exact.
		Gate: &registry.Gate{BytesPerRound: tradeArenaChunkBytes},
		Open: func(registry.Params) (registry.Instance, error) {
			return &tradeArenaInstance{a: NewTradeArena()}, nil
		},
	})
	// Each worker owns its arena (an arena must never be used by two
	// goroutines at once), like the per-connection slab.
	registry.RegisterKind(registry.Kind{
		Name:     "tradecontext-arena",
		Requires: "arenas",
		Doc: "Go's experimental arena package: each worker allocates its TradeContexts with arena.New " +
			"and frees and replaces its arena every 512 requests (claims C3-C5).",
		Open: func(_ registry.Params, workers int) (registry.Handler, error) {
			arenas := make([]*TradeArena, workers)
			run := make([]func(int), workers)
			for w := range arenas {
				arenas[w] = NewTradeArena()
				run[w] = arenas[w].Run
			}
			return registry.PerWorker{Run: run, Release: func() {
				for _, a := range arenas {
					a.Close()
				}
			}}, nil
		},
	})
}
