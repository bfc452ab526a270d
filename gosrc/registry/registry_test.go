package registry

import (
	"math"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestResolveParams(t *testing.T) {
	s := &Scenario{Family: "F", Variant: "v", Params: []Param{{Name: "size", Default: 4, Min: 1, Max: 10}}}
	if p, err := s.Resolve(nil); err != nil || p["size"] != 4 {
		t.Fatalf("defaults: %v %v", p, err)
	}
	if p, err := s.Resolve(map[string]int64{"size": 10}); err != nil || p["size"] != 10 {
		t.Fatalf("user value: %v %v", p, err)
	}
	for bad, msg := range map[string]map[string]int64{
		"out of range":      {"size": 11},
		"unknown parameter": {"other": 1},
	} {
		if _, err := s.Resolve(msg); err == nil || !strings.Contains(err.Error(), bad) || !strings.HasPrefix(err.Error(), "F/v: ") {
			t.Errorf("%v: %v", msg, err)
		}
	}
	k := &Kind{Name: "k", Params: s.Params}
	if _, err := k.Resolve(map[string]int64{"size": 0}); err == nil || !strings.Contains(err.Error(), "load kind k: parameter size=0 out of range") {
		t.Errorf("kind: %v", err)
	}
}

func okOpen(Params) (Instance, error) { return Batch(func(int) {}), nil }

func mustPanic(t *testing.T, what string, fn func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s: no panic", what)
		}
	}()
	fn()
}

func TestRegisterRejectsMalformed(t *testing.T) {
	size := []Param{{Name: "size", Default: 4, Min: 1, Max: 10}}
	for what, s := range map[string]Scenario{
		"no open":         {Family: "T", Variant: "x", Doc: "d"},
		"no doc":          {Family: "T", Variant: "x", Open: okOpen},
		"slash":           {Family: "T/U", Variant: "x", Doc: "d", Open: okOpen},
		"space":           {Family: "T", Variant: "x y", Doc: "d", Open: okOpen},
		"default outside": {Family: "T", Variant: "x", Doc: "d", Open: okOpen, Params: []Param{{Name: "a", Default: 0, Min: 1, Max: 2}}},
		"bad smoke":       {Family: "T", Variant: "x", Doc: "d", Open: okOpen, Params: size, Smoke: Params{"size": 11}},
		"unknown smoke":   {Family: "T", Variant: "x", Doc: "d", Open: okOpen, Smoke: Params{"size": 1}},
		"metric no unit":  {Family: "T", Variant: "x", Doc: "d", Open: okOpen, Metrics: []Metric{{Name: "a"}}},
		"metric twice":    {Family: "T", Variant: "x", Doc: "d", Open: okOpen, Metrics: []Metric{{Name: "a", Unit: "u"}, {Name: "a", Unit: "u"}}},
		"metric slash":    {Family: "T", Variant: "x", Doc: "d", Open: okOpen, Metrics: []Metric{{Name: "a/op", Unit: "u"}}},
		"too many":        {Family: "T", Variant: "x", Doc: "d", Open: okOpen, Metrics: make([]Metric, MaxMetrics+1)},
		"gate tolerance":  {Family: "T", Variant: "x", Doc: "d", Open: okOpen, Gate: &Gate{BytesRelTol: 0}},
	} {
		mustPanic(t, what, func() { Register(s) })
	}
	Register(Scenario{Family: "TestRegister", Variant: "ok", Doc: "d", Open: okOpen, Params: size, Smoke: Params{"size": 1}})
	mustPanic(t, "duplicate", func() {
		Register(Scenario{Family: "TestRegister", Variant: "ok", Doc: "d", Open: okOpen})
	})
	if _, err := Lookup("TestRegister/ok"); err != nil {
		t.Fatal(err)
	}
	if _, err := Lookup("Nope/x"); err == nil || !strings.Contains(err.Error(), "TestRegister/ok") {
		t.Fatalf("error should list known scenarios: %v", err)
	}
}

func TestRegisterKindRejectsMalformed(t *testing.T) {
	open := func(Params, int) (Handler, error) { return ServeBatch(func(int) {}), nil }
	RegisterKind(Kind{Name: "test-kind", Doc: "d", Open: open})
	for _, k := range []Kind{{Name: ""}, {Name: "a b", Open: open}, {Name: "test-kind", Open: open}} {
		mustPanic(t, "kind "+k.Name, func() { RegisterKind(k) })
	}
	if _, err := LookupKind("test-bogus"); err == nil || !strings.Contains(err.Error(), "test-kind") || !strings.Contains(err.Error(), `"test-bogus"`) {
		t.Fatalf("error %v should name the kind and list the known ones", err)
	}
}

// The benchmark expression selects its own scenario's sub-benchmark and
// no other, level by level, as go test matches it.
func TestBenchmarkRegexp(t *testing.T) {
	s := &Scenario{Family: "Snapshot", Variant: "write"}
	got := s.Benchmark()
	if got != "^BenchmarkScenarios$/^Snapshot$/^write$" {
		t.Fatalf("Benchmark() = %q", got)
	}
	levels := strings.Split(got, "/")
	for _, c := range []struct {
		name []string
		want bool
	}{
		{[]string{"BenchmarkScenarios", "Snapshot", "write"}, true},
		{[]string{"BenchmarkScenarios", "Snapshot", "write-fdatasync"}, false},
		{[]string{"BenchmarkScenarios", "SnapshotTick", "write"}, false},
	} {
		match := true
		for i, re := range levels {
			match = match && regexp.MustCompile(re).MatchString(c.name[i])
		}
		if match != c.want {
			t.Errorf("%v: matched %v", c.name, match)
		}
	}
	if (&Scenario{Family: "Fault", Variant: "panic", Fault: FaultPanic}).Benchmark() != "" {
		t.Error("a Fault scenario has no benchmark")
	}
}

// reporter reports whatever its function does.
type reporter struct {
	Func
	report func(m *Metrics)
}

func (r reporter) Report(_ int, _ time.Duration, m *Metrics) { r.report(m) }

func TestMetricsCollect(t *testing.T) {
	decl := []Metric{{Name: "a", Unit: "x/op"}, {Name: "b", Unit: "B"}}
	m := NewMetrics(decl)
	run := Func(func(int) error { return nil })
	inst := reporter{run, func(m *Metrics) { m.Report("b", 2); m.Report("a", 1); m.Report("a", 1.5) }}
	vals, err := m.Collect(inst, 10, time.Millisecond)
	if err != nil || len(vals) != 2 || vals[0] != 1.5 || vals[1] != 2 {
		t.Fatalf("declaration order, last report wins: %v %v", vals, err)
	}
	for what, inst := range map[string]Instance{
		"undeclared metric \"c\"":              reporter{run, func(m *Metrics) { m.Report("a", 1); m.Report("b", 2); m.Report("c", 3) }},
		"did not report declared metrics b":    reporter{run, func(m *Metrics) { m.Report("a", math.Pi) }},
		"did not report declared metrics a, b": run, // no Reporter at all
	} {
		if vals, err := m.Collect(inst, 10, time.Millisecond); err == nil || !strings.Contains(err.Error(), what) || vals != nil {
			t.Errorf("want %q, got %v %v", what, vals, err)
		}
	}
	// A failed round does not leak into the next one.
	if vals, err := m.Collect(inst, 10, time.Millisecond); err != nil || vals[0] != 1.5 {
		t.Fatalf("after a failure: %v %v", vals, err)
	}
	if vals, err := NewMetrics(nil).Collect(run, 1, time.Millisecond); err != nil || len(vals) != 0 {
		t.Fatalf("no metrics: %v %v", vals, err)
	}
}
