package bench

import (
	"errors"
	"math"
	"testing"

	_ "gobench/patterns" // registers every scenario
	"gobench/registry"
	"gobench/safe"
)

// TestScenarios walks the registry: every scenario opens with its smoke
// parameters (defaults where it has none), runs rounds through the real
// protocol, reports exactly its declared metrics, passes its verification
// and closes. A FaultPanic scenario must instead end each round in a
// *safe.PanicError; a FaultFatal one would end this process, so it is left
// to the Python tests, which run it in a worker process of its own.
func TestScenarios(t *testing.T) {
	rd := NewReader()
	for _, s := range registry.Scenarios() {
		t.Run(s.Name(), func(t *testing.T) {
			if s.Fault == registry.FaultFatal {
				t.Skip("ends the process by design")
			}
			inst, err := s.OpenWith(s.Smoke)
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := inst.Close(); err != nil {
					t.Error(err)
				}
			}()
			m := registry.NewMetrics(s.Metrics)
			for i := 0; i < 2; i++ {
				var res Result
				err := func() (err error) {
					defer safe.Recover(&err) // as the export layer does
					res, err = RunRound(inst, 50, rd, m)
					return err
				}()
				if s.Fault == registry.FaultPanic {
					var pe *safe.PanicError
					if !errors.As(err, &pe) {
						t.Fatalf("round %d: want a recovered panic, got %v", i, err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("round %d: %v", i, err)
				}
				if len(res.Extra) != len(s.Metrics) {
					t.Fatalf("round %d: %d values for %d declared metrics", i, len(res.Extra), len(s.Metrics))
				}
				for k, v := range res.Extra {
					if math.IsNaN(v) || math.IsInf(v, 0) {
						t.Errorf("round %d: %s = %v", i, s.Metrics[k].Name, v)
					}
				}
			}
		})
	}
}
