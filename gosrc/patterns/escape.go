package patterns

// This file holds the small functions behind claim C13 (section 4.1 of the
// seed article): three things the article says escape to the heap, each
// next to a twin that shows what actually decides. The compiler's verdicts
// (`go build -gcflags=-m=2`) are checked by `invoke escape`
// (gobench/escape.py) against escape_expectations.json; the allocations
// each function really makes are counted by escape_test.go. The two do not
// always agree: escape analysis decides where a variable may live, and the
// code generator and the runtime still allocate in cases it calls "does not
// escape" (see EscapeLargeInInterfaceLocal and EscapeAppendPastCapacity).
//
// The compiler's rule: a value goes to the heap when it may be reachable
// after the function that created it returns, or when it is too large for
// the stack. "return &x", "store in interface{}" and "append" are common
// ways of making that happen, not rules of their own. Avoiding them does not
// pay off the hot path: one small allocation costs tens of nanoseconds.

// An escapeBook is a 4 KiB value, large as values go.
type escapeBook [4096]byte

// An escapePage is a 1 KiB value: the largest the compiler will hold on the
// stack for an interface conversion.
type escapePage [1024]byte

// EscapeReturnAddr returns the address of a local variable: the variable
// must outlive the call, so the compiler moves it to the heap ("moved to
// heap: it"). One allocation per call.
func EscapeReturnAddr(id uint64) *OrderItem {
	it := OrderItem{OrderID: id, Qty: 1}
	return &it
}

// EscapeReturnValue is EscapeReturnAddr returning a copy: nothing escapes,
// the caller receives the 48 bytes by value. No allocation.
func EscapeReturnValue(id uint64) OrderItem {
	it := OrderItem{OrderID: id, Qty: 1}
	return it
}

// EscapeLargeInInterface stores a 4 KiB value in an interface{} that is
// returned: the interface outlives the call, so the value is copied into a
// heap object ("book escapes to heap"). This happens for a value of any
// size above one byte, except small integers (< 256), zero-sized values and
// read-only globals, which the runtime serves from static memory.
func EscapeLargeInInterface(seed byte) any {
	var book escapeBook
	book[0], book[len(book)-1] = seed, seed
	return book
}

// EscapeLargeInInterfaceLocal stores the same 4 KiB value in an interface{}
// that only a non-escaping callee sees. Escape analysis says "book does not
// escape", yet the call allocates once: the code generator only uses a stack
// temporary for a non-escaping interface conversion of at most 1024 bytes
// (cmd/compile/internal/walk/convert.go) and calls runtime.convT for larger
// values. Here the article's "large" really matters.
func EscapeLargeInInterfaceLocal(seed byte) int {
	var book escapeBook
	book[0], book[len(book)-1] = seed, seed
	return escapeInspect(book)
}

// EscapeKiBInInterfaceLocal is EscapeLargeInInterfaceLocal with a 1 KiB
// value: stack temporary, no allocation.
func EscapeKiBInInterfaceLocal(seed byte) int {
	var page escapePage
	page[0], page[len(page)-1] = seed, seed
	return escapeInspect(page)
}

// escapeInspect reads an interface without keeping it.
//
//go:noinline
func escapeInspect(v any) int {
	switch b := v.(type) {
	case escapeBook:
		return int(b[0]) + int(b[len(b)-1])
	case escapePage:
		return int(b[0]) + int(b[len(b)-1])
	}
	return -1
}

// EscapeAppendPastCapacity appends n values to a slice made with capacity
// 4 that never leaves the function. The compiler reports "make([]int, 0, 4)
// does not escape" and "append does not escape", and the first array does
// live on the stack; but growing past it is runtime.growslice's job, and
// growslice allocates on the heap: with n = 5 the call allocates once
// although no message says "escapes".
func EscapeAppendPastCapacity(n int) int {
	s := make([]int, 0, 4)
	for i := 0; i < n; i++ {
		s = append(s, i)
	}
	sum := 0
	for _, v := range s {
		sum += v
	}
	return sum
}

// EscapeAppendReturned appends n values to dst and returns the result: an
// array grown here outlives the call, and the compiler says so ("append
// escapes to heap"). On go1.27 (see TestEscapeAllocs) the compiler grows a
// slice appended to in a loop in a 32-byte stack buffer first and moves it
// to the heap only when it leaves or outgrows the buffer, so appending 1 to
// 8 ints to nil costs one allocation, not one per capacity step (1, 2, 4, 8).
func EscapeAppendReturned(dst []int, n int) []int {
	for i := 0; i < n; i++ {
		dst = append(dst, i)
	}
	return dst
}
