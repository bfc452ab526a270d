package patterns

import (
	"runtime/debug"
	"testing"
	"unsafe"
)

func TestOrderItemSize(t *testing.T) {
	if got := unsafe.Sizeof(OrderItem{}); got != 48 {
		t.Fatalf("OrderItem is %d bytes, the article's item is about 48", got)
	}
}

func TestOrderItemAllocs(t *testing.T) {
	skipUnderRace(t)
	defer debug.SetGCPercent(debug.SetGCPercent(-1)) // a GC would empty the pool
	p := NewOrderItemPool()
	p.Run(1) // warm: one New
	cases := []struct {
		name string
		fn   func()
		want float64
	}{
		{"new", func() { OrderItemNew(100) }, 100 + injectedAllocs(100)},
		{"pool", func() { p.Run(100) }, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := testing.AllocsPerRun(20, c.fn); got != c.want {
				t.Fatalf("allocs per 100 items = %v, want %v", got, c.want)
			}
		})
	}
}

func TestOrderItemPoolReusesAndClears(t *testing.T) {
	skipUnderRace(t)
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	p := NewOrderItemPool()
	p.Run(1000)
	if p.NewCalls() != 1 {
		t.Fatalf("serial pool with GC off should allocate once, New called %d times", p.NewCalls())
	}
	it := p.pool.Get().(*OrderItem)
	if *it != (OrderItem{}) {
		t.Fatalf("pooled item not cleared: %+v", *it)
	}
}

func TestOrderItemParallelDoesAllWork(t *testing.T) {
	before := Checksum()
	if err := OrderItemNewParallel(1001); err != nil {
		t.Fatal(err)
	}
	if Checksum() == before {
		t.Fatal("checksum unchanged: work was not done")
	}
	if err := NewOrderItemPool().RunParallel(1001); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkOrderItem has the harness's names: OrderItem/new, OrderItem/pool.
func BenchmarkOrderItem(b *testing.B) {
	b.Run("new", func(b *testing.B) {
		b.ReportAllocs()
		OrderItemNew(b.N)
	})
	p := NewOrderItemPool() // warm across calibration runs, as in the harness
	b.Run("pool", func(b *testing.B) {
		b.ReportAllocs()
		start := p.NewCalls()
		p.Run(b.N)
		b.ReportMetric(float64(p.NewCalls()-start)/float64(b.N), "news/op")
	})
}

// BenchmarkOrderItemParallel: OrderItemParallel/new, OrderItemParallel/pool.
func BenchmarkOrderItemParallel(b *testing.B) {
	b.Run("new", func(b *testing.B) {
		b.ReportAllocs()
		if err := OrderItemNewParallel(b.N); err != nil {
			b.Fatal(err)
		}
	})
	p := NewOrderItemPool()
	b.Run("pool", func(b *testing.B) {
		b.ReportAllocs()
		start := p.NewCalls()
		if err := p.RunParallel(b.N); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(p.NewCalls()-start)/float64(b.N), "news/op")
	})
}
