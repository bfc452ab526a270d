//go:build goexperiment.arenas

package patterns

import "testing"

func TestTradeArenaFreesAndDoesSameWork(t *testing.T) {
	const n = 1500
	before := sinkChecksum.Load()
	TradeContextNew(n)
	want := sinkChecksum.Load() - before

	a := NewTradeArena()
	defer a.Close()
	before = sinkChecksum.Load()
	a.Run(n)
	if got := sinkChecksum.Load() - before; got != want {
		t.Fatalf("arena checksum delta %d, heap's is %d", got, want)
	}
	if a.Frees() != int64((n-1)/TradeArenaRequests) {
		t.Fatalf("frees = %d after %d requests, want %d", a.Frees(), n, (n-1)/TradeArenaRequests)
	}
}
