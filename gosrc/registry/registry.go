// Package registry is the list of everything gobench can measure: scenarios
// (family/variant pairs timed in rounds) and load kinds (request handlers
// driven by the load generator), each with its parameters, the metrics it
// reports, its smoke-test parameters and its gate tolerances.
//
// It sits at the start of the pipeline, measure (Go) -> collect -> store ->
// analyse -> present: package patterns registers its scenarios and kinds
// from init functions, package bench measures rounds of a scenario, package
// load drives a kind under load, and cmd/libgobench publishes the registry
// to Python (gb_call "info") and opens entries by name. The registry knows
// nothing about measuring: it only describes, validates and opens.
package registry

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// A Param describes one integer parameter of a scenario or a load kind.
// Python validates user input against these bounds before any Go call;
// Resolve checks them again.
type Param struct {
	Name    string `json:"name"`
	Default int64  `json:"default"`
	Min     int64  `json:"min"`
	Max     int64  `json:"max"`
	Unit    string `json:"unit,omitempty"`
	Doc     string `json:"doc"`
}

// Params are parameter values by name: resolved ones (every declared
// parameter present) or a partial set such as Scenario.Smoke.
type Params map[string]int64

// Resolve checks user values against the declared parameters and fills in
// the defaults of the others. owner names the scenario or kind in errors.
// It is the one implementation behind Scenario.Resolve and Kind.Resolve.
func Resolve(owner string, decl []Param, user map[string]int64) (Params, error) {
	p := Params{}
	for _, d := range decl {
		p[d.Name] = d.Default
	}
	for k, v := range user {
		var d *Param
		for i := range decl {
			if decl[i].Name == k {
				d = &decl[i]
			}
		}
		if d == nil {
			names := make([]string, len(decl))
			for i, x := range decl {
				names[i] = x.Name
			}
			return nil, fmt.Errorf("%s: unknown parameter %q; allowed: [%s]", owner, k, strings.Join(names, ", "))
		}
		if v < d.Min || v > d.Max {
			return nil, fmt.Errorf("%s: parameter %s=%d out of range [%d, %d]", owner, k, v, d.Min, d.Max)
		}
		p[k] = v
	}
	return p, nil
}

// checkParams panics unless every declared parameter has a name, bounds
// that hold its default, and a name used once.
func checkParams(owner string, decl []Param) {
	seen := map[string]bool{}
	for _, d := range decl {
		if d.Name == "" || strings.ContainsAny(d.Name, " /") || seen[d.Name] || d.Min > d.Default || d.Default > d.Max {
			panic(fmt.Sprintf("registry: %s: malformed parameter %+v", owner, d))
		}
		seen[d.Name] = true
	}
}

// An Instance is an opened scenario: its setup is done and it can run
// rounds. Run performs n operations; Close releases what Open acquired
// (files, mappings, slabs). An Instance is used by one goroutine at a time.
// It may also be a Verifier and a Reporter.
type Instance interface {
	Run(n int) error
	Close() error
}

// A Verifier is an Instance whose output is checked after each round,
// outside the timed region (a snapshot is read back from its file). A
// failed check makes the round an error: wrong output never yields numbers.
// Verify runs before Report.
type Verifier interface {
	Verify() error
}

// Func adapts a stateless batch function into an Instance: one call of the
// function per round, no call per operation.
type Func func(n int) error

// Run calls f(n).
func (f Func) Run(n int) error { return f(n) }

// Close does nothing: a Func holds no resources.
func (f Func) Close() error { return nil }

// Batch adapts a batch function that cannot fail into an Instance.
func Batch(f func(n int)) Instance { return Func(func(n int) error { f(n); return nil }) }

// A Fault marks a test-only scenario that fails on purpose, to test that
// failures are contained. Tests and benchmarks that walk the registry treat
// such scenarios apart.
type Fault int

const (
	// NoFault is every real scenario.
	NoFault Fault = iota
	// FaultPanic scenarios panic in every round (in the caller's goroutine
	// or one it started); the round must end in an error, not a crash.
	FaultPanic
	// FaultFatal scenarios end the process with a fatal runtime error that
	// no recover stops; only a separate worker process contains them.
	FaultFatal
)

// A Gate holds a scenario's own tolerances for the performance gate, where
// the gate's defaults do not fit the way the scenario allocates.
type Gate struct {
	// BytesRelTol is the relative B/op change tolerated (0.10 is 10%).
	BytesRelTol float64 `json:"bytes_rel_tol,omitempty"`
	// BytesPerRound is a B/op change tolerated as bytes per round, divided by
	// the round's N: for memory taken in chunks (an arena's 8 MiB), one chunk
	// more or less per round is not a change of the code.
	BytesPerRound int64 `json:"bytes_per_round,omitempty"`
}

// A Scenario is one variant of one family, e.g. OrderItem/pool: what the
// harness opens by name and measures in rounds.
type Scenario struct {
	Family  string
	Variant string
	Doc     string  // one or two sentences: what one operation does
	Params  []Param // integer parameters with bounds
	// Smoke are small parameter values that make a round quick, for tests
	// and quick runs; parameters not given here take their defaults.
	Smoke Params
	// Metrics are the scenario's own metrics, reported by the Instance as a
	// Reporter in every round, in this order in gb_result.extra.
	Metrics []Metric
	Gate    *Gate // nil: the gate's defaults apply
	Hidden  bool  // test-only: not run by default
	Fault   Fault // test-only scenarios that fail on purpose
	// Requires names the GOEXPERIMENT the scenario needs (e.g. "arenas"); a
	// file behind that build tag registers it.
	Requires string
	Open     func(p Params) (Instance, error)
}

// Name is "Family/Variant", the name used everywhere: results, claims,
// baselines and, after "BenchmarkScenarios/", `go test -bench` output.
func (s *Scenario) Name() string { return s.Family + "/" + s.Variant }

// Resolve checks user parameters against the scenario's declared ones and
// fills in defaults.
func (s *Scenario) Resolve(user map[string]int64) (Params, error) {
	return Resolve(s.Name(), s.Params, user)
}

// OpenWith resolves user parameters (defaults for the rest) and opens the
// scenario; closing the Instance is the caller's. A panic in Open is the
// caller's to recover.
func (s *Scenario) OpenWith(user map[string]int64) (Instance, error) {
	p, err := s.Resolve(user)
	if err != nil {
		return nil, err
	}
	return s.Open(p)
}

// BenchmarkFunc is the go test benchmark that runs every registered
// scenario as a sub-benchmark Family/Variant (package patterns,
// BenchmarkScenarios). go test prints a result as
// "BenchmarkScenarios/Family/Variant-P", P being GOMAXPROCS (no "-P" when 1).
const BenchmarkFunc = "BenchmarkScenarios"

// Benchmark is the -test.bench regular expression that selects exactly
// this scenario's sub-benchmark of BenchmarkFunc, e.g.
// "^BenchmarkScenarios$/^OrderItem$/^new$". It is "" for Fault scenarios,
// which the benchmark skips.
func (s *Scenario) Benchmark() string {
	if s.Fault != NoFault {
		return ""
	}
	return "^" + BenchmarkFunc + "$/^" + regexp.QuoteMeta(s.Family) + "$/^" + regexp.QuoteMeta(s.Variant) + "$"
}

// MaxMetrics is how many metrics a scenario may declare: the size of the
// extra array in gobench.h's gb_result.
const MaxMetrics = 16

var (
	mu        sync.Mutex
	scenarios = map[string]*Scenario{}
	kinds     = map[string]*Kind{}
)

// validName is what a family, variant, kind or metric name may be: it
// appears in file names, -test.bench patterns and benchmark units.
var validName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`)

// Register adds a scenario. It panics on a duplicate or malformed entry
// (bad names, parameters, smoke values or metrics), a programming error
// that the first test run catches.
func Register(s Scenario) {
	name := s.Name()
	if !validName.MatchString(s.Family) || !validName.MatchString(s.Variant) || s.Doc == "" || s.Open == nil {
		panic(fmt.Sprintf("registry: malformed scenario %q", name))
	}
	checkParams(name, s.Params)
	if _, err := s.Resolve(s.Smoke); err != nil {
		panic(fmt.Sprintf("registry: bad smoke parameters: %v", err))
	}
	checkMetrics(name, s.Metrics)
	if s.Gate != nil && !(s.Gate.BytesRelTol >= 0 && s.Gate.BytesRelTol < 1 && s.Gate.BytesPerRound >= 0 &&
		s.Gate.BytesRelTol+float64(s.Gate.BytesPerRound) > 0) {
		panic(fmt.Sprintf("registry: %s: gate needs bytes_rel_tol in (0, 1) or bytes_per_round > 0, got %+v", name, *s.Gate))
	}
	mu.Lock()
	defer mu.Unlock()
	if _, dup := scenarios[name]; dup {
		panic("registry: duplicate scenario " + name)
	}
	scenarios[name] = &s
}

// Scenarios returns every registered scenario sorted by name.
func Scenarios() []*Scenario {
	mu.Lock()
	defer mu.Unlock()
	out := make([]*Scenario, 0, len(scenarios))
	for _, s := range scenarios {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out
}

// Lookup finds a scenario by "Family/Variant"; the error lists what exists.
func Lookup(name string) (*Scenario, error) {
	mu.Lock()
	s, ok := scenarios[name]
	mu.Unlock()
	if ok {
		return s, nil
	}
	var known []string
	for _, s := range Scenarios() {
		known = append(known, s.Name())
	}
	return nil, fmt.Errorf("unknown scenario %q; known: %s", name, strings.Join(known, ", "))
}
