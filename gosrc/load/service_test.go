package load

import (
	"strings"
	"testing"
	"time"

	"gobench/registry"
)

func TestOrderBookHoldsTheAskedBytesAsPointerRichOrders(t *testing.T) {
	const orders = 6400
	b := NewOrderBook(orders * RestingOrderSize)
	if b.Orders != orders || RestingOrderSize != 64 {
		t.Fatalf("%d orders of %d B, want %d of 64 B", b.Orders, RestingOrderSize, orders)
	}
	seen := 0
	for _, lv := range b.Levels {
		n := 0
		for o := lv.Head; o != nil; o = o.Next {
			if o.Level != lv || o.Account == nil || o.Tag == nil || o.Price != lv.Price {
				t.Fatalf("order %d is not linked into its level", o.ID)
			}
			n++
		}
		if n != lv.Orders {
			t.Fatalf("level %d: %d linked, %d counted", lv.Price, n, lv.Orders)
		}
		seen += n
	}
	if seen != orders {
		t.Fatalf("%d orders linked, want %d", seen, orders)
	}
	// every order, level and account is its own object: the GC traces each
	allocs := testing.AllocsPerRun(3, func() { NewOrderBook(orders * RestingOrderSize) })
	want := float64(orders + bookLevels + orders/64 + 1 + 4) // + the book and its 3 slices (the builder's tails stay on the stack)
	if allocs != want {
		t.Errorf("building the book made %v allocations, want %v", allocs, want)
	}
	if NewOrderBook(0).Orders != 0 || NewOrderBook(RestingOrderSize-1).Levels != nil {
		t.Error("a book smaller than one order must be empty")
	}
}

// TestServiceRequestAllocatesOnlyTheKinds checks that parse, validate and
// match allocate nothing, so a request's allocations are the kind's own
// plus the one extra buffer when asked for.
func TestServiceRequestAllocatesOnlyTheKinds(t *testing.T) {
	for _, tc := range []struct {
		extra int64
		want  float64
	}{{0, 0}, {1000, 1}} {
		s := newService(ServiceConfig{LiveHeapBytes: 1 << 20, WorkSteps: 50, ExtraAllocBytes: tc.extra}, nopHandler{}, 2)
		var seq uint64
		got := testing.AllocsPerRun(100, func() { seq++; s.Serve(int(seq%2), seq) })
		if got != tc.want {
			t.Errorf("extra %d B: %v allocations per request, want %v", tc.extra, got, tc.want)
		}
		if r := s.report(); r.WorkSteps != 50 || r.BookOrders != int((1<<20)/RestingOrderSize) || r.ExtraAllocBytes != tc.extra {
			t.Errorf("report %+v", r)
		}
	}
	// the kind's handler runs inside the request: order-new's 8 OrderItems
	kind, err := registry.LookupKind("order-new")
	if err != nil {
		t.Fatal(err)
	}
	p, _ := kind.Resolve(nil)
	h, _ := kind.Open(p, 1)
	s := newService(ServiceConfig{LiveHeapBytes: 1 << 20, WorkSteps: 20}, h, 1)
	if got := testing.AllocsPerRun(100, func() { s.Serve(0, 7) }); got != float64(p["items"]) {
		t.Errorf("order-new in the service: %v allocations per request, want %d", got, p["items"])
	}
}

func TestServiceWorkIsDeterministicAndScalesWithSteps(t *testing.T) {
	s := newService(ServiceConfig{LiveHeapBytes: 1 << 20, WorkSteps: 1}, nopHandler{}, 1)
	if s.work(0, 42, 10) != s.work(0, 42, 10) {
		t.Fatal("the same request must do the same work")
	}
	if s.work(0, 42, 10) == s.work(0, 42, 11) {
		t.Error("one more step must change the checksum")
	}
	if s := newService(ServiceConfig{WorkNs: 20_000}, nopHandler{}, 1); s.steps < 1 {
		t.Errorf("calibrated %d steps for 20 us", s.steps)
	}
}

func TestServiceConfigValidate(t *testing.T) {
	for _, c := range []struct {
		cfg  ServiceConfig
		want string
	}{
		{ServiceConfig{LiveHeapBytes: -1}, "live heap must be in"},
		{ServiceConfig{WorkNs: int64(time.Second)}, "work must be in"},
		{ServiceConfig{WorkSteps: -1}, "work steps"},
		{ServiceConfig{ExtraAllocBytes: 1 << 30}, "extra allocation must be in"},
	} {
		if err := c.cfg.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.cfg, err, c.want)
		}
	}
}

func TestRunInTheServiceModel(t *testing.T) {
	res, err := Run(Config{Kind: "order-new", Rate: 1000, Duration: 200 * time.Millisecond, Workers: 1,
		Service: ServiceConfig{LiveHeapBytes: 4 << 20, WorkSteps: 10}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Service.BookOrders != int((4<<20)/RestingOrderSize) || res.Service.WorkSteps != 10 || res.Latency.Count != 200 {
		t.Errorf("service %+v, %d requests", res.Service, res.Latency.Count)
	}
}
