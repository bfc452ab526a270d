package bench

import (
	"errors"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"gobench/patterns"
	"gobench/safe"
)

// issue3Scenarios are the families of this file's siblings, with small
// parameters so that a round is quick.
var issue3Scenarios = map[string]map[string]int64{
	"TradeContext/heap": nil, "TradeContext/pool": nil, "TradeContext/slab": nil,
	"Goroutine/closure": nil, "Goroutine/param": nil, "Goroutine/closure-write": nil,
	"PaymentRoute/interface": nil, "PaymentRoute/concrete": nil,
	"StructLayout/padded": nil, "StructLayout/packed": nil,
	"Snapshot/write": {"records": 2000}, "Snapshot/write-fdatasync": {"records": 2000},
	"Snapshot/mmap": {"records": 2000}, "Snapshot/mmap-msync": {"records": 2000},
	"Snapshot/memcpy":     {"records": 2000},
	"SnapshotTick/pwrite": {"records": 2000, "changed": 100}, "SnapshotTick/mmap": {"records": 2000, "changed": 100},
}

// openScenario looks a scenario up, resolves its parameters and opens it;
// closing it is the caller's.
func openScenario(t *testing.T, name string, user map[string]int64) (Instance, *Scenario) {
	t.Helper()
	s, err := Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Resolve(user)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := s.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	return inst, s
}

// Every scenario opens with its parameters, runs rounds through the real
// protocol, reports as many extras as it declares, and closes.
func TestIssue3ScenariosRun(t *testing.T) {
	rd := NewReader()
	for name, user := range issue3Scenarios {
		t.Run(name, func(t *testing.T) {
			inst, s := openScenario(t, name, user)
			defer func() {
				if err := inst.Close(); err != nil {
					t.Fatal(err)
				}
			}()
			for i := 0; i < 2; i++ {
				res, err := RunRound(inst, 50, rd)
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Extra) != len(s.Extra) {
					t.Fatalf("%d extras for %d names %v", len(res.Extra), len(s.Extra), s.Extra)
				}
				for k, v := range res.Extra {
					if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
						t.Fatalf("extra %s = %v", s.Extra[k], v)
					}
				}
			}
		})
	}
}

func TestIssue3ExtrasValues(t *testing.T) {
	rd := NewReader()
	open := func(name string, user map[string]int64) (Instance, *Scenario) {
		inst, s := openScenario(t, name, user)
		t.Cleanup(func() { inst.Close() })
		return inst, s
	}
	small := map[string]int64{"records": 100}
	cases := []struct {
		name  string
		user  map[string]int64
		n     int
		index int
		want  float64
	}{
		{"StructLayout/padded", nil, 100, 0, 48}, {"StructLayout/padded", nil, 100, 1, 48},
		{"StructLayout/packed", nil, 100, 0, 40}, {"StructLayout/packed", nil, 100, 1, 48},
		{"Snapshot/write", small, 4, 3, 0},
		{"Snapshot/write-fdatasync", small, 4, 3, 1},
		{"Snapshot/mmap", small, 4, 3, 0},
		{"Snapshot/mmap-msync", small, 4, 3, 1},
		{"Snapshot/memcpy", small, 4, 3, 0},
		{"TradeContext/slab", nil, 2048, 0, 3.0 / 2048}, // a fresh slab wraps at requests 512, 1024, 1536
	}
	for _, c := range cases {
		inst, s := open(c.name, c.user)
		res, err := RunRound(inst, c.n, rd)
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Extra[c.index]; got != c.want {
			t.Errorf("%s %s = %v, want %v", c.name, s.Extra[c.index], got, c.want)
		}
	}
}

func TestIssue3SnapshotParamBounds(t *testing.T) {
	for _, name := range []string{"Snapshot/write", "SnapshotTick/mmap"} {
		s, err := Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []int64{0, -1, patterns.SnapshotMaxRecords + 1} {
			if _, err := s.Resolve(map[string]int64{"records": bad}); err == nil {
				t.Errorf("%s accepted records=%d", name, bad)
			}
		}
	}
	s, _ := Lookup("SnapshotTick/pwrite")
	p, err := s.Resolve(map[string]int64{"records": 10})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Open(p); err == nil || !strings.Contains(err.Error(), "records=10") {
		t.Fatalf("changed=1000 > records=10 not rejected clearly: %v", err)
	}
}

// A snapshot that does not read back as written fails the round with an
// error, never numbers, and keeps failing.
func TestIssue3CorruptSnapshotFailsRound(t *testing.T) {
	s, _ := Lookup("Snapshot/write")
	p, _ := s.Resolve(map[string]int64{"records": 100})
	inst, err := s.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	rd := NewReader()
	if _, err := RunRound(inst, 3, rd); err != nil {
		t.Fatal(err)
	}
	snap := inst.(*snapshotInstance).p.(*patterns.Snapshot)
	// Corrupt the file behind the benchmark's back after its next write.
	corrupting := Func(func(n int) error {
		if err := inst.Run(n); err != nil {
			return err
		}
		f, err := os.OpenFile(snap.Path(), os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = f.WriteAt([]byte("garbage"), 100)
		return err
	})
	wrapped := &corruptingInstance{Func: corrupting, si: inst.(*snapshotInstance)}
	var res Result
	err = func() (err error) {
		defer safe.Recover(&err)
		res, err = RunRound(wrapped, 2, rd)
		return err
	}()
	var pe *safe.PanicError
	if err == nil || !errors.As(err, &pe) || !strings.Contains(err.Error(), "corrupt") || res.Extra != nil {
		t.Fatalf("corrupt snapshot gave err=%v extras=%v", err, res.Extra)
	}
	if err := inst.Run(1); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("the next round was allowed to run: %v", err)
	}
}

// corruptingInstance runs Func but reports through the snapshot instance.
type corruptingInstance struct {
	Func
	si *snapshotInstance
}

func (c *corruptingInstance) Report(n int, d time.Duration) []float64 { return c.si.Report(n, d) }
