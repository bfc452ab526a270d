package load

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"gobench/bench"
	"gobench/patterns"
)

// A Handler serves the requests of one load run. Serve handles request seq
// on worker w (0 <= w < the workers given to Open) and returns a checksum of
// its work. Calls with the same w never overlap; calls with different w run
// concurrently, so per-connection state (an arena, a buffer) is kept per
// worker. Close releases what Open acquired.
type Handler interface {
	Serve(w int, seq uint64) uint64
	Close() error
}

// A Kind is one kind of request, e.g. "order-pool". Open prepares a run with
// the resolved parameters and the number of workers.
type Kind struct {
	Name   string
	Doc    string
	Params []bench.Param
	// Requires names the GOEXPERIMENT the kind needs (e.g. "arenas"); a file
	// behind that build tag registers it.
	Requires string
	Open     func(p bench.Params, workers int) (Handler, error)
}

var (
	kindMu sync.Mutex
	kinds  = map[string]*Kind{}
)

// RegisterKind adds a request kind; it panics on a duplicate or malformed
// entry, a programming error caught by the first test run. Kinds for new
// patterns are added by a small file calling RegisterKind from init.
func RegisterKind(k Kind) {
	kindMu.Lock()
	defer kindMu.Unlock()
	if k.Name == "" || strings.ContainsAny(k.Name, " /") || k.Open == nil {
		panic(fmt.Sprintf("load: malformed request kind %q", k.Name))
	}
	if _, dup := kinds[k.Name]; dup {
		panic("load: duplicate request kind " + k.Name)
	}
	if k.Params == nil {
		k.Params = []bench.Param{}
	}
	kinds[k.Name] = &k
}

// Kinds returns every registered kind sorted by name.
func Kinds() []*Kind {
	kindMu.Lock()
	defer kindMu.Unlock()
	out := make([]*Kind, 0, len(kinds))
	for _, k := range kinds {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// KindNames returns the names of the registered kinds, sorted.
func KindNames() []string {
	var names []string
	for _, k := range Kinds() {
		names = append(names, k.Name)
	}
	return names
}

// LookupKind finds a kind by name; the error lists the known kinds.
func LookupKind(name string) (*Kind, error) {
	kindMu.Lock()
	k, ok := kinds[name]
	kindMu.Unlock()
	if !ok {
		return nil, fmt.Errorf("unknown request kind %q; known: %s", name, strings.Join(KindNames(), ", "))
	}
	return k, nil
}

// Resolve checks user parameters against the kind's declared ones and fills
// in defaults, with the same rules and messages as a bench scenario.
func (k *Kind) Resolve(user map[string]int64) (bench.Params, error) {
	s := bench.Scenario{Family: "load", Variant: k.Name, Params: k.Params}
	return s.Resolve(user)
}

// itemsParam is the order size of the order kinds.
var itemsParam = bench.Param{
	Name: "items", Default: 8, Min: 1, Max: patterns.MaxOrderItems, Unit: "items",
	Doc: "OrderItems created per order (per request)",
}

// orderNew serves each request with patterns.NewOrder.
type orderNew struct{ items int }

func (o orderNew) Serve(_ int, seq uint64) uint64 { return patterns.NewOrder(seq, o.items) }
func (o orderNew) Close() error                   { return nil }

// orderPool serves each request from one pool shared by all workers, as a
// package-level pool is shared by the handlers of a server.
type orderPool struct {
	p     *patterns.OrderItemPool
	items int
}

func (o orderPool) Serve(_ int, seq uint64) uint64 { return o.p.Order(seq, o.items) }
func (o orderPool) Close() error                   { return nil }

func init() {
	RegisterKind(Kind{
		Name:   "order-new",
		Doc:    "One order of `items` OrderItems, each new(OrderItem) on the heap (claims C1, C2).",
		Params: []bench.Param{itemsParam},
		Open: func(p bench.Params, _ int) (Handler, error) {
			return orderNew{items: int(p["items"])}, nil
		},
	})
	RegisterKind(Kind{
		Name:   "order-pool",
		Doc:    "One order of `items` OrderItems taken from a shared sync.Pool and returned when the order is done (claims C1, C2).",
		Params: []bench.Param{itemsParam},
		Open: func(p bench.Params, _ int) (Handler, error) {
			return orderPool{p: patterns.NewOrderItemPool(), items: int(p["items"])}, nil
		},
	})
}

// Kinds built on the batch functions of other patterns serve one request as
// a batch of one: patterns.TradeContextNew(1) is exactly one request. Every
// request then carries the field values of the first request of a batch;
// the work does not depend on them. Each batch of one also adds to the
// patterns checksum (one atomic add), the same for every such kind.

// batchOfOne serves every request with fn(1); it has no per-worker state.
type batchOfOne func(n int)

func (f batchOfOne) Serve(_ int, seq uint64) uint64 { f(1); return seq }
func (f batchOfOne) Close() error                   { return nil }

// perWorker serves request of worker w with run[w](1): per-connection state
// such as a slab, used by one goroutine at a time.
type perWorker struct {
	run   []func(n int)
	close func()
}

func (p perWorker) Serve(w int, seq uint64) uint64 { p.run[w](1); return seq }
func (p perWorker) Close() error {
	if p.close != nil {
		p.close()
	}
	return nil
}

func init() {
	RegisterKind(Kind{
		Name: "tradecontext-heap",
		Doc:  "One 2 KiB TradeContext per request with new (2304 B size class) (claims C3-C5, baseline).",
		Open: func(bench.Params, int) (Handler, error) { return batchOfOne(patterns.TradeContextNew), nil },
	})
	RegisterKind(Kind{
		Name: "tradecontext-pool",
		Doc:  "One TradeContext per request from a sync.Pool shared by all workers (claims C3-C5).",
		Open: func(bench.Params, int) (Handler, error) {
			return batchOfOne(patterns.NewTradeContextPool().Run), nil
		},
	})
	RegisterKind(Kind{
		Name: "tradecontext-slab",
		Doc: "The article's per-connection arena: each worker (connection) owns a 1 MiB slab of 512 " +
			"TradeContexts, reset not freed when exhausted (claims C3-C5).",
		Open: func(_ bench.Params, workers int) (Handler, error) {
			run := make([]func(int), workers)
			for w := range run {
				run[w] = patterns.NewTradeSlab().Run
			}
			return perWorker{run: run}, nil
		},
	})
	RegisterKind(Kind{
		Name: "payment-interface",
		Doc:  "Payment routing with the method passed as interface{} and fmt.Sprintf (claim C11).",
		Open: func(bench.Params, int) (Handler, error) { return batchOfOne(patterns.PaymentRouteInterface), nil },
	})
	RegisterKind(Kind{
		Name: "payment-concrete",
		Doc:  "Payment routing with the concrete method type appending into a stack buffer (claim C11).",
		Open: func(bench.Params, int) (Handler, error) { return batchOfOne(patterns.PaymentRouteConcrete), nil },
	})
}
