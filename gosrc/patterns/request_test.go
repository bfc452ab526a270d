package patterns

import (
	"runtime/debug"
	"testing"
)

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
