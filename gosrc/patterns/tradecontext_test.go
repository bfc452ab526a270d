package patterns

import (
	"bytes"
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"unsafe"
)

func TestTradeContextSize(t *testing.T) {
	if got := unsafe.Sizeof(TradeContext{}); got != TradeContextBytes {
		t.Fatalf("TradeContext is %d bytes, want %d (the article's 2 KB slot)", got, TradeContextBytes)
	}
	if got := NewTradeSlab().Slots() * TradeContextBytes; got != TradeSlabBytes {
		t.Fatalf("slab holds %d bytes of contexts, want %d", got, TradeSlabBytes)
	}
}

// heapBytesPerObject allocates through fn (which must make exactly `objects`
// heap objects) and returns the bytes the allocator charged per object.
// ReadMemStats flushes the per-P caches, so the count is exact, but the
// runtime or another goroutine of the test binary may allocate meanwhile:
// only ever adding bytes, so the least of five tries is the answer.
func heapBytesPerObject(objects int, fn func()) float64 {
	var a, b runtime.MemStats
	least := uint64(math.MaxUint64)
	for try := 0; try < 5; try++ {
		runtime.GC()
		runtime.ReadMemStats(&a)
		fn()
		runtime.ReadMemStats(&b)
		least = min(least, b.TotalAlloc-a.TotalAlloc)
	}
	return float64(least) / float64(objects)
}

// A pointerful object larger than 512 B carries an 8-byte malloc header, so
// a 2048-byte context is served from the 2304-byte size class.
func TestTradeContextHeapBytes(t *testing.T) {
	if got := heapBytesPerObject(1000, func() { TradeContextNew(1000) }); got != 2304 {
		t.Fatalf("new(TradeContext) costs %v B, want 2304 (2048 + malloc header, rounded to the size class)", got)
	}
}

func TestTradeContextAllocs(t *testing.T) {
	skipUnderRace(t)
	defer debug.SetGCPercent(debug.SetGCPercent(-1)) // a GC would empty the pool
	p := NewTradeContextPool()
	p.Run(1) // warm: one New
	s := NewTradeSlab()
	cases := []struct {
		name string
		fn   func()
		want float64
	}{
		{"heap", func() { TradeContextNew(100) }, 100},
		{"pool", func() { p.Run(100) }, 0},
		{"slab", func() { s.Run(100) }, 0}, // wraps every 512: still nothing
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := testing.AllocsPerRun(20, c.fn); got != c.want {
				t.Fatalf("allocs per 100 requests = %v, want %v", got, c.want)
			}
		})
	}
}

// Every variant must do the same work: same fields, same message, same checksum.
func TestTradeContextSameWork(t *testing.T) {
	const n = 1500 // wraps the slab twice
	delta := func(fn func()) uint64 {
		before := sinkChecksum.Load()
		fn()
		return sinkChecksum.Load() - before
	}
	want := delta(func() { TradeContextNew(n) })
	if want == 0 {
		t.Fatal("no work done")
	}
	p, s := NewTradeContextPool(), NewTradeSlab()
	for name, fn := range map[string]func(){"pool": func() { p.Run(n) }, "slab": func() { s.Run(n) }} {
		if got := delta(fn); got != want {
			t.Errorf("%s: checksum delta %d, heap's is %d", name, got, want)
		}
	}
}

func TestTradeContextFill(t *testing.T) {
	for _, i := range []int{0, 1, 2, 4999, 123456} {
		var c TradeContext
		c.fill(i)
		if len(c.Legs) != 1+i%3 || len(c.Legs) > TradeContextInlineLegs || &c.Legs[0] != &c.legStore[0] {
			t.Fatalf("request %d: %d legs, not backed by legStore", i, len(c.Legs))
		}
		msg := c.Message()
		if !bytes.HasPrefix(msg, []byte("8=FIX.4.4\x01")) || msg[len(msg)-1] != 1 || len(msg) > 250 {
			t.Fatalf("request %d: bad message %q", i, msg)
		}
		if !bytes.Contains(msg, []byte("\x0111=5000")) {
			t.Fatalf("request %d: client order id missing from %q", i, msg)
		}
	}
}

func TestTradeSlabWrapsAndResets(t *testing.T) {
	s := NewTradeSlab()
	first := s.Acquire()
	first.fill(3)
	for i := 1; i < s.Slots(); i++ {
		s.Acquire()
	}
	if s.Resets() != 0 {
		t.Fatalf("resets = %d before the slab is exhausted", s.Resets())
	}
	again := s.Acquire()
	if again != first || s.Resets() != 1 {
		t.Fatalf("slot 0 not reused after %d acquisitions (resets %d)", s.Slots(), s.Resets())
	}
	if again.RequestID != 0 || len(again.Legs) != 0 || len(again.Message()) != 0 || cap(again.Legs) != TradeContextInlineLegs {
		t.Fatalf("reused slot not reset: %+v", again.Legs)
	}
}

func TestTradeContextPoolClears(t *testing.T) {
	skipUnderRace(t)
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	p := NewTradeContextPool()
	p.Run(1000)
	if p.NewCalls() != 1 {
		t.Fatalf("serial pool with GC off allocated %d times, want 1", p.NewCalls())
	}
	c := p.pool.Get().(*TradeContext)
	if c.RequestID != 0 || c.AccountID != 0 || len(c.Legs) != 0 || len(c.Message()) != 0 {
		t.Fatalf("pooled context not cleared: id %d, %d legs", c.RequestID, len(c.Legs))
	}
}

// A fresh slab wraps at requests 512, 1024 and 1536 of 2048; a pool with
// the GC off allocates once.
func TestTradeContextMetrics(t *testing.T) {
	if got := scenarioMetrics(t, "TradeContext/slab", nil, 2048)["slab_resets_per_op"]; got != 3.0/2048 {
		t.Errorf("slab_resets_per_op = %v, want 3/2048", got)
	}
	skipUnderRace(t)
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	if got := scenarioMetrics(t, "TradeContext/pool", nil, 1000)["pool_new_per_op"]; got != 1.0/1000 {
		t.Errorf("pool_new_per_op = %v, want 1/1000", got)
	}
}
