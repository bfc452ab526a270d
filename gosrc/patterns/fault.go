package patterns

import (
	"runtime/debug"

	"gobench/registry"
	"gobench/safe"
)

// The Fault family is no pattern: it exists only to test that failures are
// contained. A panic in the exported call and a panic in a goroutine the
// scenario started must both become an error (a Python GoBenchError), and
// a fatal runtime error that no recover can stop must cost only its own
// worker process. The scenarios are hidden (never run by default) and
// marked with their registry.Fault, so that the tests and the benchmark
// that walk the registry know what to expect of them.

func init() {
	registry.Register(registry.Scenario{
		Family: "Fault", Variant: "panic", Hidden: true, Fault: registry.FaultPanic,
		Doc: "Panics in the calling goroutine (test-only).",
		Open: func(registry.Params) (registry.Instance, error) {
			return registry.Func(func(int) error { panic("gobench test panic in scenario") }), nil
		},
	})
	registry.Register(registry.Scenario{
		Family: "Fault", Variant: "panic-goroutine", Hidden: true, Fault: registry.FaultPanic,
		Doc: "Panics in a goroutine the scenario started (test-only).",
		Open: func(registry.Params) (registry.Instance, error) {
			return registry.Func(func(int) error {
				var g safe.Group
				g.Go(func() error { panic("gobench test panic in goroutine") })
				return g.Wait()
			}), nil
		},
	})
	registry.Register(registry.Scenario{
		Family: "Fault", Variant: "fatal", Hidden: true, Fault: registry.FaultFatal,
		Doc: "Overflows a tiny goroutine stack: a fatal error that kills the process (test-only).",
		Open: func(registry.Params) (registry.Instance, error) {
			return registry.Func(func(n int) error {
				debug.SetMaxStack(64 << 10)
				return recurse(n + 1<<30)
			}), nil
		},
	})
}

// recurse calls itself n deep with a 256-byte frame, which overflows any
// small stack limit.
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
