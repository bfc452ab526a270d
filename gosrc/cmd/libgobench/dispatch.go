package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"

	"gobench/registry"
)

// A Method answers a gb_call request. Capabilities that need richer input or
// output than a round (the load generator, load.go) register here, so
// the C ABI stays fixed.
type Method func(request []byte) (any, error)

var methods = map[string]Method{
	"info": func([]byte) (any, error) { return info(), nil },
}

func dispatch(name string, request []byte) ([]byte, error) {
	m, ok := methods[name]
	if !ok {
		var known []string
		for k := range methods {
			known = append(known, k)
		}
		sort.Strings(known)
		return nil, fmt.Errorf("unknown method %q; known: %s", name, strings.Join(known, ", "))
	}
	v, err := m(request)
	if err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// info reports the facts a result needs next to it: which runtime, which
// experiments, which knobs were in force, and what the library can measure:
// "scenarios" (scenarioInfo) and "load_kinds" (loadKindInfo), both sorted
// by name.
func info() map[string]any {
	var experiment string
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "GOEXPERIMENT" {
				experiment = s.Value
			}
		}
	}
	scenarios := []scenarioInfo{}
	for _, s := range registry.Scenarios() {
		scenarios = append(scenarios, newScenarioInfo(s))
	}
	kinds := []loadKindInfo{}
	for _, k := range registry.Kinds() {
		kinds = append(kinds, loadKindInfo{
			Name: k.Name, Doc: k.Doc, Params: orEmpty(k.Params), Requires: k.Requires, Default: k.Default, Sweep: k.Sweep,
		})
	}
	return map[string]any{
		"abi_version":  abiVersion,
		"go_version":   runtime.Version(),
		"goos":         runtime.GOOS,
		"goarch":       runtime.GOARCH,
		"goexperiment": experiment,
		"gomaxprocs":   runtime.GOMAXPROCS(0),
		"num_cpu":      runtime.NumCPU(),
		"gc_percent":   currentGCPercent(),
		"memory_limit": debug.SetMemoryLimit(-1),
		"env_gogc":     os.Getenv("GOGC"),
		"scenarios":    scenarios,
		"load_kinds":   kinds,
	}
}

// scenarioInfo is one entry of info's "scenarios": what Python reads to
// list, validate, open and label a scenario.
type scenarioInfo struct {
	Family  string           `json:"family"`
	Variant string           `json:"variant"`
	Doc     string           `json:"doc"`
	Params  []registry.Param `json:"params"`
	// Metrics name the scenario's own metrics with their units, in the
	// order of gb_result.extra.
	Metrics []registry.Metric `json:"metrics"`
	// Smoke holds small parameter values for quick tests ({} when the
	// defaults are small enough); parameters not in it take their defaults.
	Smoke registry.Params `json:"smoke"`
	// Gate, present only where the gate's defaults do not fit, holds the
	// scenario's own tolerances, e.g. {"bytes_rel_tol": 0.1}.
	Gate *registry.Gate `json:"gate,omitempty"`
	// Benchmark is the -test.bench expression that selects exactly this
	// scenario in the patterns package's tests, e.g.
	// "^BenchmarkScenarios$/^OrderItem$/^new$"; go test prints its result
	// as "BenchmarkScenarios/OrderItem/new-P". Absent for Fault scenarios.
	Benchmark string `json:"benchmark,omitempty"`
	Hidden    bool   `json:"hidden"`             // test-only: not run by default
	Requires  string `json:"requires,omitempty"` // the GOEXPERIMENT the scenario needs
}

func newScenarioInfo(s *registry.Scenario) scenarioInfo {
	smoke := s.Smoke
	if smoke == nil {
		smoke = registry.Params{}
	}
	metrics := s.Metrics
	if metrics == nil {
		metrics = []registry.Metric{}
	}
	return scenarioInfo{
		Family: s.Family, Variant: s.Variant, Doc: s.Doc, Params: orEmpty(s.Params), Metrics: metrics,
		Smoke: smoke, Gate: s.Gate, Benchmark: s.Benchmark(), Hidden: s.Hidden, Requires: s.Requires,
	}
}

// loadKindInfo is one entry of info's "load_kinds": what Python reads to
// validate a load request and to choose the kinds of a default load run
// ("default": true) and of load sweeps ("sweep": true, one kind).
type loadKindInfo struct {
	Name     string           `json:"name"`
	Doc      string           `json:"doc"`
	Params   []registry.Param `json:"params"`
	Requires string           `json:"requires,omitempty"`
	Default  bool             `json:"default"`
	Sweep    bool             `json:"sweep"`
}

// orEmpty makes an absent parameter list marshal as [] rather than null.
func orEmpty(p []registry.Param) []registry.Param {
	if p == nil {
		return []registry.Param{}
	}
	return p
}

func currentGCPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}
