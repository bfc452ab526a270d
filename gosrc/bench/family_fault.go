package bench

import (
	"runtime/debug"

	"gobench/safe"
)

// The Fault family exists only to test that failures are contained: a panic
// in the exported call, a panic in a goroutine the scenario started (both
// must become a Python GoBenchError), and a fatal runtime error that no
// recover can stop (it must cost only its own worker process). Hidden
// scenarios are never run by default.
func init() {
	Register(Scenario{
		Family: "Fault", Variant: "panic", Hidden: true,
		Doc: "Panics in the calling goroutine (test-only).",
		Open: func(Params) (Instance, error) {
			return Func(func(int) error { panic("gobench test panic in scenario") }), nil
		},
	})
	Register(Scenario{
		Family: "Fault", Variant: "panic-goroutine", Hidden: true,
		Doc: "Panics in a goroutine the scenario started (test-only).",
		Open: func(Params) (Instance, error) {
			return Func(func(int) error {
				var g safe.Group
				g.Go(func() error { panic("gobench test panic in goroutine") })
				return g.Wait()
			}), nil
		},
	})
	Register(Scenario{
		Family: "Fault", Variant: "fatal", Hidden: true,
		Doc: "Overflows a tiny goroutine stack: a fatal error that kills the process (test-only).",
		Open: func(Params) (Instance, error) {
			return Func(func(n int) error {
				debug.SetMaxStack(64 << 10)
				return recurse(n + 1<<30)
			}), nil
		},
	})
}

func recurse(n int) error {
	var pad [256]byte
	pad[n%256] = byte(n)
	if n == 0 {
		return nil
	}
	if err := recurse(n - 1); err != nil {
		return err
	}
	if pad[0] == 1 {
		return nil
	}
	return nil
}
