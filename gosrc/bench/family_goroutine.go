package bench

import "gobench/patterns"

const goroutineDoc = " One request: build a 56 B request, start a goroutine (via safe.Group) that handles it, wait (claim C12)."

func init() {
	Register(Scenario{
		Family: "Goroutine", Variant: "closure",
		Doc:  "The goroutine's closure captures the request and only reads it (the article's \"bad\" version)." + goroutineDoc,
		Open: func(Params) (Instance, error) { return Func(patterns.GoroutineClosure), nil },
	})
	Register(Scenario{
		Family: "Goroutine", Variant: "param",
		Doc:  "The request is passed as an argument; the goroutine owns a copy (the article's \"good\" version)." + goroutineDoc,
		Open: func(Params) (Instance, error) { return Func(patterns.GoroutineParam), nil },
	})
	Register(Scenario{
		Family: "Goroutine", Variant: "closure-write",
		Doc: "The closure writes its result into the captured request: captured by reference, moved to the heap." +
			goroutineDoc,
		Open: func(Params) (Instance, error) { return Func(patterns.GoroutineClosureWrite), nil },
	})
}
