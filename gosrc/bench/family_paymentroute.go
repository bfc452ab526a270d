package bench

import "gobench/patterns"

func init() {
	Register(Scenario{
		Family: "PaymentRoute", Variant: "interface",
		Doc: "Route key built by fmt.Sprintf(\"route:%v,amt:%.2f\") from a method passed as interface{} " +
			"(boxed method, boxed amount, result string) (claim C11).",
		Open: func(Params) (Instance, error) { return Batch(patterns.PaymentRouteInterface), nil },
	})
	Register(Scenario{
		Family: "PaymentRoute", Variant: "concrete",
		Doc:  "The same key appended from the concrete PaymentMethod with strconv into a stack buffer: no boxing, 0 B (claim C11).",
		Open: func(Params) (Instance, error) { return Batch(patterns.PaymentRouteConcrete), nil },
	})
}
