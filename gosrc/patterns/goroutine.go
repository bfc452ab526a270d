package patterns

import (
	"fmt"
	"io"
	"sync"

	"gobench/registry"
	"gobench/safe"
)

// A QuoteRequest is the value a per-request goroutine works on (56 bytes).
type QuoteRequest struct {
	ID         uint64
	AccountID  uint64
	Price      int64 // fixed point, 1e-8 units
	Qty        int64
	ReceivedAt int64
	Fee        int64 // written by GoroutineClosureWrite's goroutine
	Instrument uint32
	Side       uint8
}

func newQuoteRequest(i int) QuoteRequest {
	return QuoteRequest{
		ID:         3_000_000 + uint64(i),
		AccountID:  42 + uint64(i%1024),
		Price:      101_2500_0000 + int64(i%200)*25_0000,
		Qty:        int64(1 + i%100),
		ReceivedAt: 1_732_000_000_000_000_000 + int64(i)*1000,
		Instrument: uint32(i % 5000),
		Side:       uint8(i & 1),
	}
}

// quoteFee is the request's work: a fee of 2.5 basis points of the notional.
func quoteFee(r QuoteRequest) int64 { return r.Price / 100_000_000 * r.Qty * 25 / 10_000 }

func handleQuote(r QuoteRequest) error {
	sinkChecksum.Add(uint64(quoteFee(r)) ^ r.ID ^ r.AccountID ^ uint64(r.ReceivedAt) ^ uint64(r.Instrument) ^ uint64(r.Side))
	return nil
}

// The Goroutine family measures section 4.4 of the seed article (claim C12):
// per request, start a goroutine that handles a request value and wait for
// it, the value either captured by a closure or passed as an argument. Every
// goroutine is started through safe.Group, whose Go allocates a small
// wrapper closure per call, the same for every variant.
//
// What the compiler really does (go1.27, `go build -gcflags=-m=2`), which
// is not what the article says: a closure captures a variable by value
// (copies it into the closure object) when the variable is never assigned
// after capture, its address is never taken and it is at most 128 bytes;
// only otherwise does it capture by reference and report "moved to heap: x".
// The article's example (a read-only request captured by a goroutine) is the
// by-value case: GoroutineClosure and GoroutineParam make the same
// allocations (the escaping closure object, which holds the copy). The
// variable really moves to the heap when the goroutine writes into it
// (GoroutineClosureWrite), or when it is larger than 128 bytes. And a plain
// `go func(r QuoteRequest){...}(req)` statement, the article's "good"
// version, allocates one object more than `go func(){...}()`: the compiler
// wraps a go statement with arguments in a second closure that holds them.
//
// When it does not pay: the "patterns" section of gobench/analyse/claims.json,
// printed in the report (one place for that analysis).

// GoroutineClosure serves n requests, each in a goroutine whose closure
// captures the request variable and only reads it.
func GoroutineClosure(n int) error {
	var g safe.Group
	for i := 0; i < n; i++ {
		req := newQuoteRequest(i)
		g.Go(func() error { return handleQuote(req) })
		if err := g.Wait(); err != nil {
			return err
		}
	}
	return nil
}

// GoroutineParam serves n requests, each in a goroutine that receives the
// request as an argument of goHandleQuote: the goroutine owns its own copy.
func GoroutineParam(n int) error {
	var g safe.Group
	for i := 0; i < n; i++ {
		req := newQuoteRequest(i)
		goHandleQuote(&g, req)
		if err := g.Wait(); err != nil {
			return err
		}
	}
	return nil
}

// goHandleQuote starts handleQuote(r) in g. r is copied when goHandleQuote
// is called, exactly as `go handleQuote(r)` copies its argument; it is a
// real call (not inlined) so that the copy is a parameter.
//
//go:noinline
func goHandleQuote(g *safe.Group, r QuoteRequest) {
	g.Go(func() error { return handleQuote(r) })
}

// GoroutineClosureWrite serves n requests, each in a goroutine whose closure
// writes its result (the fee) into the captured request, which the caller
// reads after Wait. Assigning to a captured variable makes the closure
// capture it by reference: the request is moved to the heap.
func GoroutineClosureWrite(n int) error {
	var g safe.Group
	var acc uint64
	for i := 0; i < n; i++ {
		req := newQuoteRequest(i)
		g.Go(func() error { req.Fee = quoteFee(req); return nil })
		if err := g.Wait(); err != nil {
			return err
		}
		acc += uint64(req.Fee) ^ req.ID ^ req.AccountID ^ uint64(req.ReceivedAt) ^ uint64(req.Instrument) ^ uint64(req.Side)
	}
	sinkChecksum.Add(acc)
	return nil
}

// goroutineArticleName is the string the article's goroutines print, one per
// request, cycled like the payment methods.
func goroutineArticleName(i int) string { return paymentMethods[i%len(paymentMethods)].Name }

// GoroutineClosureArticle is the article's "bad" version as written (section
// 4.4): `go func() { fmt.Println(name) }()`, a raw go statement whose closure
// captures a string. It prints to io.Discard instead of stdout and waits on a
// WaitGroup so that one request is one goroutine; fmt's boxing of name is
// kept. A raw go statement is not panic-safe (safe.Group is): fmt.Fprintln to
// io.Discard does not panic.
func GoroutineClosureArticle(n int) error {
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		name := goroutineArticleName(i)
		wg.Add(1)
		go func() { defer wg.Done(); fmt.Fprintln(io.Discard, name) }()
		wg.Wait()
	}
	return nil
}

// GoroutineParamArticle is the article's "good" version as written:
// `go func(n string) { fmt.Println(n) }(name)`, the string passed as an
// argument, with the same changes as GoroutineClosureArticle.
func GoroutineParamArticle(n int) error {
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		name := goroutineArticleName(i)
		wg.Add(1)
		go func(s string) { defer wg.Done(); fmt.Fprintln(io.Discard, s) }(name)
		wg.Wait()
	}
	return nil
}

const goroutineDoc = " One request: build a 56 B request, start a goroutine (via safe.Group) that handles it, wait (claim C12)."

func init() {
	registry.Register(registry.Scenario{
		Family: "Goroutine", Variant: "closure",
		Doc:  "The goroutine's closure captures the request and only reads it (the article's \"bad\" version)." + goroutineDoc,
		Open: func(registry.Params) (registry.Instance, error) { return registry.Func(GoroutineClosure), nil },
	})
	registry.Register(registry.Scenario{
		Family: "Goroutine", Variant: "param",
		Doc:  "The request is passed as an argument; the goroutine owns a copy (the article's \"good\" version)." + goroutineDoc,
		Open: func(registry.Params) (registry.Instance, error) { return registry.Func(GoroutineParam), nil },
	})
	registry.Register(registry.Scenario{
		Family: "Goroutine", Variant: "closure-write",
		Doc: "The closure writes its result into the captured request: captured by reference, moved to the heap." +
			goroutineDoc,
		Open: func(registry.Params) (registry.Instance, error) { return registry.Func(GoroutineClosureWrite), nil },
	})
	registry.Register(registry.Scenario{
		Family: "Goroutine", Variant: "closure-article",
		Doc: "As in the article: `go func() { fmt.Println(name) }()` capturing a string (printed to io.Discard), " +
			"a raw go statement and a WaitGroup (claim C12).",
		Open: func(registry.Params) (registry.Instance, error) { return registry.Func(GoroutineClosureArticle), nil },
	})
	registry.Register(registry.Scenario{
		Family: "Goroutine", Variant: "param-article",
		Doc: "As in the article: `go func(n string) { fmt.Println(n) }(name)`, the string passed as an argument " +
			"(printed to io.Discard), a raw go statement and a WaitGroup (claim C12).",
		Open: func(registry.Params) (registry.Instance, error) { return registry.Func(GoroutineParamArticle), nil },
	})
}
