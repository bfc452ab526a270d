package patterns

import (
	"fmt"
	"strconv"

	"gobench/registry"
)

// A PaymentMethod is how a payment is paid, as in section 4.3 of the seed
// article: a channel name and a channel code (24 bytes).
type PaymentMethod struct {
	Name string
	Code int
}

// paymentMethods are the channels the router sees, cycled through by request.
var paymentMethods = [...]PaymentMethod{
	{"alipay", 1}, {"wechatpay", 2}, {"unionpay", 3}, {"card", 4}, {"applepay", 5}, {"bank_transfer", 6},
}

// paymentAmount is the amount of request i, in currency units with cents
// (a float64, as in the article).
func paymentAmount(i int) float64 { return float64(100+i%1_000_000) / 100 }

// paymentGateways is how many gateways the router spreads payments over.
const paymentGateways = 16

// paymentGateway picks a gateway from the route key (FNV-1a), the work both
// variants do with the key once it is built.
func paymentGateway(key []byte) uint32 {
	h := uint32(2166136261)
	for _, b := range key {
		h ^= uint32(b)
		h *= 16777619
	}
	return h % paymentGateways
}

// paymentGatewayString is paymentGateway for a string key, without converting it.
func paymentGatewayString(key string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(key); i++ {
		h ^= uint32(key[i])
		h *= 16777619
	}
	return h % paymentGateways
}

// The PaymentRoute family measures section 4.3 of the seed article (claim
// C11): building a payment's route key "route:{alipay 1},amt:12.34" from a
// method passed as interface{} and formatted by fmt.Sprintf, against the
// same bytes appended from the concrete type into a reused buffer.
//
// Where the bytes go in the interface version: boxing the 24-byte method
// into an interface{} allocates it (24 B), boxing the float64 amount for
// Sprintf's ...any allocates 8 B, and Sprintf's result string is a third
// object; fmt then formats the struct through reflection. The article's own
// "concrete" version, fmt.Sprintf("route:%s,amt:%.2f", method.Name, amount),
// would still box both arguments and allocate the result: only avoiding fmt
// altogether (strconv.Append* into a buffer the caller owns) reaches 0 B.
//
// When it does not pay: the "patterns" section of gobench/analyse/claims.json,
// printed in the report (one place for that analysis).

// paymentRouteKeyAny formats the route key of a method passed as interface{}.
// It is not inlined, so that the method really crosses a call as an
// interface value, as in a router whose entry point takes interface{}.
//
//go:noinline
func paymentRouteKeyAny(method interface{}, amount float64) string {
	return fmt.Sprintf("route:%v,amt:%.2f", method, amount)
}

// PaymentRouteInterface routes n payments, each method passed as interface{}.
func PaymentRouteInterface(n int) {
	var acc uint64
	for i := 0; i < n; i++ {
		method := paymentMethods[i%len(paymentMethods)]
		key := paymentRouteKeyAny(method, paymentAmount(i))
		acc += uint64(paymentGatewayString(key))
	}
	sinkChecksum.Add(acc)
}

// AppendRouteKey appends the route key of a payment of amount by m to dst
// and returns the extended buffer; byte for byte what paymentRouteKeyAny
// returns. m is only read: it does not escape.
func (m *PaymentMethod) AppendRouteKey(dst []byte, amount float64) []byte {
	dst = append(dst, "route:{"...)
	dst = append(dst, m.Name...)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(m.Code), 10)
	dst = append(dst, "},amt:"...)
	return strconv.AppendFloat(dst, amount, 'f', 2, 64)
}

// PaymentRouteConcrete routes n payments with the concrete method type, the
// key built in a buffer on the stack.
func PaymentRouteConcrete(n int) {
	var acc uint64
	var buf [64]byte
	for i := 0; i < n; i++ {
		method := paymentMethods[i%len(paymentMethods)]
		key := method.AppendRouteKey(buf[:0], paymentAmount(i))
		acc += uint64(paymentGateway(key))
	}
	sinkChecksum.Add(acc)
}

// paymentRouteKeyArticle is the article's concrete version as written
// (section 4.3): the method is a concrete PaymentMethod, but the key is still
// built by fmt.Sprintf, so the name and the amount are boxed for its ...any
// and the result string is allocated. Not inlined, like paymentRouteKeyAny.
//
//go:noinline
func paymentRouteKeyArticle(method PaymentMethod, amount float64) string {
	return fmt.Sprintf("route:%s,amt:%.2f", method.Name, amount)
}

// PaymentRouteConcreteArticle routes n payments with the article's concrete
// version as written: a concrete parameter, still formatted by fmt.Sprintf.
// Its key has no method code ("route:alipay,amt:1.00"), as in the article.
func PaymentRouteConcreteArticle(n int) {
	var acc uint64
	for i := 0; i < n; i++ {
		method := paymentMethods[i%len(paymentMethods)]
		key := paymentRouteKeyArticle(method, paymentAmount(i))
		acc += uint64(paymentGatewayString(key))
	}
	sinkChecksum.Add(acc)
}

func init() {
	registry.Register(registry.Scenario{
		Family: "PaymentRoute", Variant: "concrete-article",
		Doc: "The article's concrete version as written: a concrete PaymentMethod parameter, the key still built by " +
			"fmt.Sprintf(\"route:%s,amt:%.2f\", method.Name, amount), which boxes and allocates (as in the article; claim C11).",
		Open: func(registry.Params) (registry.Instance, error) {
			return registry.Batch(PaymentRouteConcreteArticle), nil
		},
	})
	registry.Register(registry.Scenario{
		Family: "PaymentRoute", Variant: "interface",
		Doc: "Route key built by fmt.Sprintf(\"route:%v,amt:%.2f\") from a method passed as interface{} " +
			"(boxed method, boxed amount, result string) (claim C11).",
		Open: func(registry.Params) (registry.Instance, error) { return registry.Batch(PaymentRouteInterface), nil },
	})
	registry.Register(registry.Scenario{
		Family: "PaymentRoute", Variant: "concrete",
		Doc:  "The same key appended from the concrete PaymentMethod with strconv into a stack buffer: no boxing, 0 B (best version; claim C11).",
		Open: func(registry.Params) (registry.Instance, error) { return registry.Batch(PaymentRouteConcrete), nil },
	})
	// The load kinds serve one payment per request, as a batch of one.
	registry.RegisterKind(registry.Kind{
		Name: "payment-interface",
		Doc:  "Payment routing with the method passed as interface{} and fmt.Sprintf (claim C11).",
		Open: func(registry.Params, int) (registry.Handler, error) {
			return registry.ServeBatch(PaymentRouteInterface), nil
		},
	})
	registry.RegisterKind(registry.Kind{
		Name: "payment-concrete",
		Doc:  "Payment routing with the concrete method type appending into a stack buffer (claim C11).",
		Open: func(registry.Params, int) (registry.Handler, error) {
			return registry.ServeBatch(PaymentRouteConcrete), nil
		},
	})
}
