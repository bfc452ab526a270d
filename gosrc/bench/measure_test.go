package bench

import (
	"math"
	"strings"
	"testing"

	"gobench/patterns"
)

// The protocol's own reads must add nothing to a round's counts; what a
// scenario allocates is counted to within runtime noise (the GC itself and a
// sync.Pool re-creating its per-P array after a cycle allocate a few objects).
func TestRoundCountsAllocations(t *testing.T) {
	skipUnderRace(t)
	rd := NewReader()
	cases := []struct {
		name       string
		inst       Instance
		objsPerOp  float64
		bytesPerOp float64
		exact      bool
	}{
		{"nothing", Batch(func(int) {}), 0, 0, true},
		{"new", Batch(patterns.OrderItemNew), 1, 48, false},
		{"pool", &poolInstance{p: patterns.NewOrderItemPool()}, 0, 0, false},
	}
	const n = 20000
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for i := 0; i < 3; i++ { // the first rounds of a process see one-off runtime allocations
				if _, err := RunRound(c.inst, 10, rd); err != nil {
					t.Fatal(err)
				}
			}
			for i := 0; i < 3; i++ {
				res, err := RunRound(c.inst, n, rd)
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
	if _, err := RunRound(Batch(func(int) {}), 0, NewReader()); err == nil {
		t.Fatal("n=0 accepted")
	}
}

func TestResolveParams(t *testing.T) {
	s := &Scenario{Family: "F", Variant: "v", Params: []Param{{Name: "size", Default: 4, Min: 1, Max: 10}}}
	if p, err := s.Resolve(nil); err != nil || p["size"] != 4 {
		t.Fatalf("defaults: %v %v", p, err)
	}
	for _, bad := range []map[string]int64{{"size": 0}, {"size": 11}, {"other": 1}} {
		if _, err := s.Resolve(bad); err == nil {
			t.Fatalf("accepted %v", bad)
		}
	}
}

func TestLookupListsKnown(t *testing.T) {
	_, err := Lookup("Nope/x")
	if err == nil || !strings.Contains(err.Error(), "OrderItem/new") {
		t.Fatalf("error should list known scenarios: %v", err)
	}
}
