package patterns

import (
	"runtime/debug"
	"testing"
	"unsafe"

	"gobench/registry"
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

func TestParallelPoolItemsHaveCacheLinesOfTheirOwn(t *testing.T) {
	s, err := registry.Lookup("OrderItemParallel/pool")
	if err != nil {
		t.Fatal(err)
	}
	inst, err := s.Open(nil)
	if err != nil {
		t.Fatal(err)
	}
	p := inst.(*orderPoolInstance).p
	for i := 0; i < 16; i++ { // nothing is Put back: every Get calls New
		it := p.pool.Get().(*OrderItem)
		if addr := uintptr(unsafe.Pointer(it)); addr%cacheLine != 0 {
			t.Fatalf("item %d at %#x is not on a %d-byte line of its own: two Ps writing neighbours would share a line", i, addr, cacheLine)
		}
	}
}

func TestOrderAllocs(t *testing.T) {
	skipUnderRace(t)
	defer debug.SetGCPercent(debug.SetGCPercent(-1)) // a GC would empty the pool
	p := NewOrderItemPool()
	p.Order(0, MaxOrderItems) // warm: fill the pool
	cases := []struct {
		name  string
		items int
		fn    func(seq uint64, items int) uint64
		want  float64
	}{
		{"new/8", 8, NewOrder, 8},
		{"new/1", 1, NewOrder, 1},
		{"new/clamped", 1000, NewOrder, MaxOrderItems},
		{"pool/8", 8, p.Order, 0},
		{"pool/64", 64, p.Order, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			seq := uint64(0)
			if got := testing.AllocsPerRun(50, func() { seq++; c.fn(seq, c.items) }); got != c.want {
				t.Fatalf("allocs per order of %d items = %v, want %v", c.items, got, c.want)
			}
		})
	}
}

func TestOrderSameWork(t *testing.T) {
	p := NewOrderItemPool()
	for seq := uint64(0); seq < 100; seq++ {
		if a, b := NewOrder(seq, 8), p.Order(seq, 8); a != b || a == 0 {
			t.Fatalf("order %d: checksum new %d, pool %d: the two must do the same work", seq, a, b)
		}
	}
	it := p.pool.Get().(*OrderItem)
	if *it != (OrderItem{}) {
		t.Fatalf("pooled item not cleared: %+v", *it)
	}
}

// With the GC off a serial pool allocates once: 1 New in 1000 Gets.
func TestOrderItemPoolMetrics(t *testing.T) {
	skipUnderRace(t)
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	m := scenarioMetrics(t, "OrderItem/pool", nil, 1000)
	if m["pool_new_per_op"] != 0.001 || m["pool_hit_rate"] != 0.999 {
		t.Fatalf("metrics %v, want pool_new_per_op 0.001, pool_hit_rate 0.999", m)
	}
}
