package patterns

import (
	"testing"
	"time"

	"gobench/registry"
)

// BenchmarkScenarios runs every registered scenario as the sub-benchmark
// Family/Variant, so that `go test -bench 'Scenarios/OrderItem/new'` runs
// one and Scenario.Benchmark() is the exact -test.bench expression for it;
// go test prints the result as BenchmarkScenarios/OrderItem/new-P (P is
// GOMAXPROCS, no suffix when 1). Each scenario is opened once with its
// default parameters, as a harness worker opens it, and stays open across
// go test's calibration runs, so a pool or a slab is warm as in the
// harness's later rounds. Every run calls the very Instance.Run(b.N) that
// the harness's rounds call, then, with the timer stopped, verifies the
// output and reports the scenario's declared metrics under their names (the
// units go test prints). Fault scenarios are left out.
func BenchmarkScenarios(b *testing.B) {
	var families []string
	variants := map[string][]*registry.Scenario{}
	for _, s := range registry.Scenarios() {
		if s.Fault != registry.NoFault {
			continue
		}
		if variants[s.Family] == nil {
			families = append(families, s.Family)
		}
		variants[s.Family] = append(variants[s.Family], s)
	}
	for _, fam := range families {
		b.Run(fam, func(b *testing.B) {
			for _, s := range variants[fam] {
				benchmarkScenario(b, s)
			}
		})
	}
}

// benchmarkScenario runs s as the sub-benchmark s.Variant of b. It opens s
// in the first run (outside the measurement) and closes it when go test is
// done with it.
func benchmarkScenario(b *testing.B, s *registry.Scenario) {
	var (
		inst registry.Instance
		m    = registry.NewMetrics(s.Metrics)
	)
	defer func() {
		if inst != nil {
			if err := inst.Close(); err != nil {
				b.Error(err)
			}
		}
	}()
	b.Run(s.Variant, func(b *testing.B) {
		if inst == nil {
			var err error
			if inst, err = s.OpenWith(nil); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
		}
		b.ReportAllocs()
		if err := inst.Run(b.N); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if v, ok := inst.(registry.Verifier); ok {
			if err := v.Verify(); err != nil {
				b.Fatal(err)
			}
		}
		vals, err := m.Collect(inst, b.N, b.Elapsed())
		if err != nil {
			b.Fatal(err)
		}
		for i, d := range s.Metrics {
			b.ReportMetric(vals[i], d.Name)
		}
	})
}

// scenarioMetrics opens a registered scenario with user parameters, runs n
// operations, verifies them and returns the scenario's metrics by name.
func scenarioMetrics(t *testing.T, name string, user map[string]int64, n int) map[string]float64 {
	t.Helper()
	s, err := registry.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := s.OpenWith(user)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := inst.Close(); err != nil {
			t.Error(err)
		}
	}()
	start := time.Now()
	if err := inst.Run(n); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	if v, ok := inst.(registry.Verifier); ok {
		if err := v.Verify(); err != nil {
			t.Fatal(err)
		}
	}
	vals, err := registry.NewMetrics(s.Metrics).Collect(inst, n, elapsed)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for i, d := range s.Metrics {
		out[d.Name] = vals[i]
	}
	return out
}
