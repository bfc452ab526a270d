package patterns

import "testing"

var (
	escapeSinkAny  any
	escapeSinkInts []int
	escapeSinkInt  int
)

// What each C13 function allocates per call; the compiler's messages for the
// same functions are checked by `invoke escape` (tests/test_escape.py).
func TestEscapeAllocs(t *testing.T) {
	skipUnderRace(t)
	cases := []struct {
		name string
		fn   func()
		want float64
	}{
		{"return &x", func() { sinkItem = EscapeReturnAddr(7) }, 1},
		{"return x", func() { escapeSinkInt = int(EscapeReturnValue(7).OrderID) }, 0},
		{"4 KiB value in escaping interface", func() { escapeSinkAny = EscapeLargeInInterface(7) }, 1},
		{"4 KiB value in local interface", func() { escapeSinkInt = EscapeLargeInInterfaceLocal(7) }, 1},
		{"1 KiB value in local interface", func() { escapeSinkInt = EscapeKiBInInterfaceLocal(7) }, 0},
		{"append within capacity", func() { escapeSinkInt = EscapeAppendPastCapacity(4) }, 0},
		{"append past capacity, local slice", func() { escapeSinkInt = EscapeAppendPastCapacity(5) }, 1},
		{"append past capacity, 100 ints", func() { escapeSinkInt = EscapeAppendPastCapacity(100) }, 5}, // 8, 16, 32, 64, 128
		{"append 4 to nil, returned", func() { escapeSinkInts = EscapeAppendReturned(nil, 4) }, 1},
		{"append 8 to nil, returned", func() { escapeSinkInts = EscapeAppendReturned(nil, 8) }, 1},
		{"append 9 to nil, returned", func() { escapeSinkInts = EscapeAppendReturned(nil, 9) }, 2},
		{"append within capacity, returned", func() { escapeSinkInts = EscapeAppendReturned(make([]int, 0, 8), 4) }, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := testing.AllocsPerRun(50, c.fn); got != c.want {
				t.Fatalf("allocs per call = %v, want %v", got, c.want)
			}
		})
	}
	if EscapeAppendPastCapacity(5) != 10 || EscapeLargeInInterfaceLocal(3) != 6 || EscapeKiBInInterfaceLocal(4) != 8 || EscapeReturnAddr(2).OrderID != 2 {
		t.Fatal("C13 functions compute the wrong values")
	}
}
