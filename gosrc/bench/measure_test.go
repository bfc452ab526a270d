package bench

import (
	"errors"
	"math"
	"runtime"
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
	inst, err := s.OpenWith(nil)
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

// The protocol's own reads must add nothing to a round's counts, and what a
// scenario allocates is counted exactly. The runtime's background goroutines
// allocate now and then, inside a round too (seen: the scavenger growing its
// P's timer heap, 1 object of 16 or 32 B; a mark worker's sudog), and only
// ever add: so each case takes the smallest count of several rounds, which
// shows any allocation the harness or the scenario makes in every round.
// Seen once in 20 runs: one more 32-byte runtime object in every round of
// a process, hence a slack of two objects for the scenarios (a per-op
// allocation would add 20,000).
func TestRoundCountsAllocations(t *testing.T) {
	skipUnderRace(t)
	newInst, newM := open(t, "OrderItem/new")
	poolInst, poolM := open(t, "OrderItem/pool")
	cases := []struct {
		name           string
		inst           registry.Instance
		m              *registry.Metrics
		objects, bytes uint64 // per round of n
	}{
		{"nothing", registry.Batch(func(int) {}), registry.NewMetrics(nil), 0, 0},
		{"new", newInst, newM, n20k, 48 * n20k},
		// The round's runtime.GC() moves the pool's items to its victim
		// cache and drops its per-P array; the first Put re-makes the array
		// (one 128-byte poolLocal per P) and re-registers the pool in
		// allPools (one 8-byte slice): 2 objects per round, whatever n.
		{"pool", poolInst, poolM, 2, 128*uint64(runtime.GOMAXPROCS(0)) + 8},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rd := NewReader() // fresh: its first round must count nothing of its own
			if c.name != "nothing" {
				if _, err := RunRound(c.inst, 10, rd, c.m); err != nil { // the pool fills its per-P slots
					t.Fatal(err)
				}
			}
			minObjects, minBytes := uint64(math.MaxUint64), uint64(math.MaxUint64)
			for i := 0; i < 5; i++ {
				res, err := RunRound(c.inst, n20k, rd, c.m)
				if err != nil {
					t.Fatal(err)
				}
				if res.ElapsedNs <= 0 || res.N != n20k {
					t.Fatalf("round %d: bad timing %+v", i, res)
				}
				minObjects, minBytes = min(minObjects, res.AllocObjects), min(minBytes, res.AllocBytes)
			}
			// "nothing" must count exactly nothing; a scenario's count may
			// also hold a runtime object or two that came every round.
			slackObjects, slackBytes := uint64(2), uint64(128)
			if c.name == "nothing" {
				slackObjects, slackBytes = 0, 0
			}
			if minObjects < c.objects || minObjects > c.objects+slackObjects ||
				minBytes < c.bytes || minBytes > c.bytes+slackBytes {
				t.Fatalf("fewest of 5 rounds of %d ops: %d objects, %d bytes; want %d, %d",
					n20k, minObjects, minBytes, c.objects, c.bytes)
			}
		})
	}
}

const n20k = 20000

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
