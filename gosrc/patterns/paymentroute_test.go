package patterns

import (
	"strings"
	"testing"
)

// Both variants build the same key, byte for byte, so they do the same work.
func TestPaymentRouteKeysMatch(t *testing.T) {
	for _, m := range paymentMethods {
		for _, i := range []int{0, 1, 99, 12345, 999_999, 1_000_000} {
			amt := paymentAmount(i)
			want := paymentRouteKeyAny(m, amt)
			got := string(m.AppendRouteKey(nil, amt))
			if got != want {
				t.Fatalf("concrete key %q, interface key %q", got, want)
			}
			if !strings.HasPrefix(want, "route:{"+m.Name+" ") || len(want) > 64 {
				t.Fatalf("unexpected key %q (the concrete buffer is 64 bytes)", want)
			}
		}
	}
}

// The interface version allocates three objects per payment: the boxed
// method, the boxed float64 and the Sprintf result; the concrete one none;
// the article's concrete version, still calling Sprintf, as many as the
// interface one.
func TestPaymentRouteAllocs(t *testing.T) {
	skipUnderRace(t)
	const n = 60
	cases := []struct {
		name string
		fn   func(int)
		want float64
	}{
		{"interface", PaymentRouteInterface, 3 * n},
		{"concrete", PaymentRouteConcrete, 0},
		// the article's concrete version: boxed name, boxed amount, result string
		{"concrete-article", PaymentRouteConcreteArticle, 3 * n},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := testing.AllocsPerRun(20, func() { c.fn(n) }); got != c.want {
				t.Fatalf("allocs per %d payments = %v, want %v", n, got, c.want)
			}
		})
	}
}

func TestPaymentRouteSameWork(t *testing.T) {
	const n = 1000
	delta := func(fn func(int)) uint64 {
		before := sinkChecksum.Load()
		fn(n)
		return sinkChecksum.Load() - before
	}
	a, b := delta(PaymentRouteInterface), delta(PaymentRouteConcrete)
	if a != b || a == 0 {
		t.Fatalf("interface routed to %d, concrete to %d", a, b)
	}
}
