package bench

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"gobench/registry"
)

// open opens a registered scenario with its default parameters and closes
// it when the test ends.
func open(t *testing.T, name string) (registry.Instance, *registry.Metrics) {
	t.Helper()
	s, err := registry.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Resolve(nil)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := s.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := inst.Close(); err != nil {
			t.Error(err)
		}
	})
	return inst, registry.NewMetrics(s.Metrics)
}

// The protocol's own reads must add nothing to a round's counts; what a
// scenario allocates is counted to within runtime noise (the GC itself and a
// sync.Pool re-creating its per-P array after a cycle allocate a few objects).
func TestRoundCountsAllocations(t *testing.T) {
	skipUnderRace(t)
	rd := NewReader()
	newInst, newM := open(t, "OrderItem/new")
	poolInst, poolM := open(t, "OrderItem/pool")
	cases := []struct {
		name       string
		inst       registry.Instance
		m          *registry.Metrics
		objsPerOp  float64
		bytesPerOp float64
		exact      bool
	}{
		{"nothing", registry.Batch(func(int) {}), registry.NewMetrics(nil), 0, 0, true},
		{"new", newInst, newM, 1, 48, false},
		{"pool", poolInst, poolM, 0, 0, false},
	}
	const n = 20000
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for i := 0; i < 3; i++ { // the first rounds of a process see one-off runtime allocations
				if _, err := RunRound(c.inst, 10, rd, c.m); err != nil {
					t.Fatal(err)
				}
			}
			for i := 0; i < 3; i++ {
				res, err := RunRound(c.inst, n, rd, c.m)
				if err != nil {
					t.Fatal(err)
				}
				objs, bytes := float64(res.AllocObjects)/n, float64(res.AllocBytes)/n
				if c.exact && (res.AllocObjects != 0 || res.AllocBytes != 0) {
					t.Fatalf("round %d: harness itself allocated %d objects, %d bytes", i, res.AllocObjects, res.AllocBytes)
				}
				if math.Abs(objs-c.objsPerOp) > 1e-3 || math.Abs(bytes-c.bytesPerOp) > 0.05 {
					t.Fatalf("round %d: %.5f allocs/op, %.4f B/op; want %v, %v", i, objs, bytes, c.objsPerOp, c.bytesPerOp)
				}
				if res.ElapsedNs <= 0 || res.N != n {
					t.Fatalf("round %d: bad timing %+v", i, res)
				}
			}
		})
	}
}

func TestRunRoundRejectsBadN(t *testing.T) {
	if _, err := RunRound(registry.Batch(func(int) {}), 0, NewReader(), registry.NewMetrics(nil)); err == nil {
		t.Fatal("n=0 accepted")
	}
}

// checked is an Instance whose verification and metrics a test controls.
type checked struct {
	registry.Func
	verify error
	report func(m *registry.Metrics)
}

func (c *checked) Verify() error { return c.verify }

func (c *checked) Report(_ int, _ time.Duration, m *registry.Metrics) { c.report(m) }

// A round whose output fails verification, or whose metrics do not match
// their declarations, is an error and yields no numbers.
func TestRoundFailsOnBadOutput(t *testing.T) {
	rd := NewReader()
	decl := []registry.Metric{{Name: "hits_per_op", Unit: "hits/op"}}
	reportOK := func(m *registry.Metrics) { m.Report("hits_per_op", 0.5) }
	inst := &checked{Func: func(int) error { return nil }, report: reportOK}
	res, err := RunRound(inst, 10, rd, registry.NewMetrics(decl))
	if err != nil || len(res.Extra) != 1 || res.Extra[0] != 0.5 {
		t.Fatalf("good round: %v %v", res.Extra, err)
	}
	inst.verify = errors.New("read back corrupt")
	inst.report = func(*registry.Metrics) { t.Error("Report called after a failed verification") }
	if res, err := RunRound(inst, 10, rd, registry.NewMetrics(decl)); err == nil || !strings.Contains(err.Error(), "corrupt") || res.Extra != nil {
		t.Fatalf("failed verification: %v %v", res.Extra, err)
	}
	inst.verify = nil
	inst.report = func(m *registry.Metrics) { reportOK(m); m.Report("misses_per_op", 0.5) }
	if res, err := RunRound(inst, 10, rd, registry.NewMetrics(decl)); err == nil || !strings.Contains(err.Error(), `undeclared metric "misses_per_op"`) || res.Extra != nil {
		t.Fatalf("undeclared metric: %v %v", res.Extra, err)
	}
}
