// Package bench is the measuring end of gobench: a registry of scenarios
// (family/variant pairs that wrap the batch functions of package patterns)
// and the round protocol that times them and reads runtime/metrics deltas.
//
// Data flows one way: patterns do the work, bench measures one round of it,
// cmd/libgobench hands the numbers across the C ABI, and Python collects,
// stores, analyses and presents them. Adding a scenario means adding a
// family_*.go file that calls Register; the C ABI does not change.
package bench

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// A Param describes one integer parameter of a scenario. Python validates
// user input against these bounds before any Go call.
type Param struct {
	Name    string `json:"name"`
	Default int64  `json:"default"`
	Min     int64  `json:"min"`
	Max     int64  `json:"max"`
	Unit    string `json:"unit,omitempty"`
	Doc     string `json:"doc"`
}

// Params are the validated parameter values of one scenario instance.
type Params map[string]int64

// An Instance is an opened scenario: its setup is done and it can run rounds.
// Run performs n operations; Close releases what Open acquired (files,
// mappings, slabs). An Instance is used by one goroutine at a time.
type Instance interface {
	Run(n int) error
	Close() error
}

// A Reporter is an Instance with scenario-specific metrics for the round
// just run (pool New calls per op, MB/s, page faults). The values are in the
// order of Scenario.Extra and cover the operations since the previous Report.
type Reporter interface {
	Report(n int, elapsed time.Duration) []float64
}

// A Verifier is an Instance whose output is checked after each round,
// outside the timed region (a snapshot is read back from its file). A
// failed check makes the round an error: wrong output never yields numbers.
type Verifier interface {
	Verify() error
}

// A Scenario is one variant of one family, e.g. OrderItem/pool.
type Scenario struct {
	Family  string   `json:"family"`
	Variant string   `json:"variant"`
	Doc     string   `json:"doc"`
	Params  []Param  `json:"params"`
	Extra   []string `json:"extra"`  // names (with units) of Reporter values
	Hidden  bool     `json:"hidden"` // test-only: not run by default
	// Requires names the GOEXPERIMENT a scenario needs (e.g. "arenas");
	// it is registered only in libraries built with it.
	Requires string                           `json:"requires,omitempty"`
	Open     func(p Params) (Instance, error) `json:"-"`
}

// Name is "Family/Variant", the name used everywhere: results, claims,
// baselines and `go test -bench` output.
func (s *Scenario) Name() string { return s.Family + "/" + s.Variant }

// MaxExtra is the size of the extra array in the C result struct.
const MaxExtra = 16

var (
	regMu    sync.Mutex
	registry = map[string]*Scenario{}
)

// Register adds a scenario; it panics on a duplicate or malformed entry,
// which is a programming error caught by the first test run.
func Register(s Scenario) {
	regMu.Lock()
	defer regMu.Unlock()
	if s.Family == "" || s.Variant == "" || strings.ContainsAny(s.Family+s.Variant, " /") || s.Open == nil {
		panic(fmt.Sprintf("bench: malformed scenario %q/%q", s.Family, s.Variant))
	}
	if len(s.Extra) > MaxExtra {
		panic(fmt.Sprintf("bench: %s has %d extra metrics, at most %d", s.Name(), len(s.Extra), MaxExtra))
	}
	if _, dup := registry[s.Name()]; dup {
		panic("bench: duplicate scenario " + s.Name())
	}
	if s.Params == nil {
		s.Params = []Param{}
	}
	if s.Extra == nil {
		s.Extra = []string{}
	}
	registry[s.Name()] = &s
}

// Scenarios returns every registered scenario sorted by name.
func Scenarios() []*Scenario {
	regMu.Lock()
	defer regMu.Unlock()
	out := make([]*Scenario, 0, len(registry))
	for _, s := range registry {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out
}

// Lookup finds a scenario by "Family/Variant". The error lists what exists.
func Lookup(name string) (*Scenario, error) {
	regMu.Lock()
	s, ok := registry[name]
	regMu.Unlock()
	if ok {
		return s, nil
	}
	var known []string
	for _, s := range Scenarios() {
		known = append(known, s.Name())
	}
	return nil, fmt.Errorf("unknown scenario %q; known: %s", name, strings.Join(known, ", "))
}

// ListJSON is the registry as JSON, the form the Python side reads.
func ListJSON() ([]byte, error) { return json.Marshal(Scenarios()) }

// Resolve checks user parameters against the scenario's declared ones and
// fills in defaults. Python validates first; this is the last line.
func (s *Scenario) Resolve(user map[string]int64) (Params, error) {
	p := Params{}
	for _, d := range s.Params {
		p[d.Name] = d.Default
	}
	for k, v := range user {
		var d *Param
		for i := range s.Params {
			if s.Params[i].Name == k {
				d = &s.Params[i]
			}
		}
		if d == nil {
			var names []string
			for _, x := range s.Params {
				names = append(names, x.Name)
			}
			return nil, fmt.Errorf("%s: unknown parameter %q; allowed: [%s]", s.Name(), k, strings.Join(names, ", "))
		}
		if v < d.Min || v > d.Max {
			return nil, fmt.Errorf("%s: parameter %s=%d out of range [%d, %d]", s.Name(), k, v, d.Min, d.Max)
		}
		p[k] = v
	}
	return p, nil
}

// Func adapts a stateless batch function into an Instance.
type Func func(n int) error

func (f Func) Run(n int) error { return f(n) }
func (f Func) Close() error    { return nil }

// Batch adapts a batch function that cannot fail.
func Batch(f func(n int)) Instance { return Func(func(n int) error { f(n); return nil }) }
