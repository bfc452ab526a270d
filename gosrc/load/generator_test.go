package load

import (
	"encoding/json"
	"errors"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "gobench/patterns" // registers the order kinds
	"gobench/registry"
	"gobench/safe"
)

// busyHandler spins for a fixed service time per request.
type busyHandler struct{ d time.Duration }

func (b busyHandler) Serve(_ int, seq uint64) uint64 {
	t := time.Now()
	for time.Since(t) < b.d {
	}
	return seq
}
func (busyHandler) Close() error { return nil }

type panicHandler struct{ at uint64 }

func (p panicHandler) Serve(_ int, seq uint64) uint64 {
	if seq == p.at {
		panic("test handler panic")
	}
	return seq
}
func (panicHandler) Close() error { return nil }

type nopHandler struct{}

func (nopHandler) Serve(_ int, seq uint64) uint64 { return seq | 1 }
func (nopHandler) Close() error                   { return nil }

func init() {
	registry.RegisterKind(registry.Kind{Name: "test-nop", Doc: "test only: does nothing",
		Open: func(registry.Params, int) (registry.Handler, error) { return nopHandler{}, nil }})
	registry.RegisterKind(registry.Kind{Name: "test-busy-1ms", Doc: "test only: 1 ms of CPU per request",
		Open: func(registry.Params, int) (registry.Handler, error) { return busyHandler{time.Millisecond}, nil }})
	registry.RegisterKind(registry.Kind{Name: "test-panic", Doc: "test only: request 10 panics",
		Open: func(registry.Params, int) (registry.Handler, error) { return panicHandler{10}, nil }})
}

// TestOpenLoopNoCoordinatedOmission injects a 50 ms stall into one request
// of a single-worker open-loop run at 10k req/s. Every request scheduled
// during the stall must carry the rest of it in its latency (it could not
// start before the stall ended), and the tail percentiles must show it. A
// generator that timed requests from their actual start would report those
// ~500 requests as fast, and p99 would stay at microseconds.
func TestOpenLoopNoCoordinatedOmission(t *testing.T) {
	const (
		rate     = 10_000
		stallAt  = 300 * time.Millisecond
		stallFor = 50 * time.Millisecond
	)
	n := int(rate * time.Second / time.Second)
	lat := make([]int64, n)
	sched := make([]int64, n)
	res, err := Run(Config{
		Kind: "test-nop", Rate: rate, Duration: time.Second, Workers: 1,
		StallAt: stallAt, StallFor: stallFor,
		Observe: func(seq uint64, s, l int64) { lat[seq], sched[seq] = l, s },
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Latency.Count != uint64(n) || res.Rate.Scheduled != int64(n) || res.Rate.Unserved != 0 {
		t.Fatalf("count %d scheduled %d unserved %d, want %d/%d/0", res.Latency.Count, res.Rate.Scheduled, res.Rate.Unserved, n, n)
	}
	stalled := -1
	for i := range sched {
		if sched[i] >= int64(stallAt) {
			stalled = i
			break
		}
	}
	stallEnd := sched[stalled] + int64(stallFor)
	var during, carried int
	for i := stalled + 1; i < n && sched[i] < stallEnd; i++ {
		during++
		if remaining := stallEnd - sched[i]; lat[i] >= remaining {
			carried++
		} else {
			t.Errorf("request %d scheduled %.3f ms into the stall: latency %.3f ms < remaining stall %.3f ms",
				i, float64(sched[i]-sched[stalled])/1e6, float64(lat[i])/1e6, float64(remaining)/1e6)
		}
	}
	if during < 490 || carried != during {
		t.Fatalf("%d requests scheduled during the stall, %d carried it; want ~500, all", during, carried)
	}
	// The 100 slowest of 10000 include requests scheduled within the first
	// 10 ms of the stall, so p99 >= 50 - 10 ms; p99.9 >= 49 ms.
	if res.Latency.P99Ns < 39e6 || res.Latency.P999Ns < 48e6 || res.Latency.MaxNs < int64(stallFor) {
		t.Errorf("p99 %.2f ms, p99.9 %.2f ms, max %.2f ms: the stall must show in the tail",
			res.Latency.P99Ns/1e6, res.Latency.P999Ns/1e6, float64(res.Latency.MaxNs)/1e6)
	}
	t.Logf("p50 %.1f us, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms, achieved %.0f/s, kept_up %v",
		res.Latency.P50Ns/1e3, res.Latency.P99Ns/1e6, res.Latency.P999Ns/1e6, float64(res.Latency.MaxNs)/1e6,
		res.Rate.AchievedPerS, res.Rate.KeptUp)
}

func TestOpenLoopWarmupExcluded(t *testing.T) {
	var observed atomic.Int64
	res, err := Run(Config{
		Kind: "test-nop", Rate: 1000, Warmup: 200 * time.Millisecond, Duration: 300 * time.Millisecond, Workers: 1,
		StallAt: 50 * time.Millisecond, StallFor: 100 * time.Millisecond, // inside the warm-up
		Observe: func(uint64, int64, int64) { observed.Add(1) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if observed.Load() != 500 || res.Latency.Count != 300 || res.Rate.Scheduled != 300 {
		t.Fatalf("ran %d, measured %d, scheduled %d; want 500 run, 300 measured", observed.Load(), res.Latency.Count, res.Rate.Scheduled)
	}
	// Counts, not times, tell that the stall stayed in the warm-up: a latency bound would also fail when a
	// busy machine delays one measured request. The measured interval cannot be shorter than the
	// duration, and with the warm-up in it, it would be at least 0.5 s.
	if res.GC.IntervalS < 0.29 || res.GC.IntervalS >= 0.5 {
		t.Errorf("GC interval %.3f s, want the 0.3 s measured interval", res.GC.IntervalS)
	}
}

func TestOpenLoopFallingBehindIsReported(t *testing.T) {
	res, err := Run(Config{
		Kind: "test-busy-1ms", Rate: 5000, Duration: 200 * time.Millisecond, Workers: 1,
		Grace: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rate.KeptUp {
		t.Fatalf("1 worker at 1 ms per request kept up with 5000/s? %+v", res.Rate)
	}
	if res.Rate.AchievedPerS > 1100 || res.Rate.Backlog < 500 || res.Rate.Unserved < 500 || res.Rate.BacklogLagMs < 100 {
		t.Errorf("rate report %+v: want achieved <= ~1000/s, backlog and unserved in the hundreds", res.Rate)
	}
	if len(res.Warnings) == 0 || !strings.Contains(res.Warnings[0], "fell behind") {
		t.Errorf("warnings %q", res.Warnings)
	}
}

func TestClosedLoop(t *testing.T) {
	res, err := Run(Config{Kind: "test-busy-1ms", Mode: ModeClosed, Duration: 200 * time.Millisecond, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Rate.KeptUp || res.Rate.TargetPerS != 0 || res.Latency.MeasuredFrom != "start" {
		t.Errorf("closed loop has no schedule: %+v, measured from %q", res.Rate, res.Latency.MeasuredFrom)
	}
	// Two workers at 1 ms or more each: at most 2000/s, however slow the machine makes them.
	if res.Latency.Count == 0 || res.Rate.AchievedPerS > 2100 {
		t.Errorf("achieved %.0f/s in %d requests", res.Rate.AchievedPerS, res.Latency.Count)
	}
	if res.Latency.P50Ns < 1e6 {
		t.Errorf("p50 %.0f ns below the 1 ms service time", res.Latency.P50Ns)
	}
}

func TestRunHandlerPanicBecomesError(t *testing.T) {
	start := time.Now()
	_, err := Run(Config{Kind: "test-panic", Rate: 1000, Duration: 3 * time.Second})
	var pe *safe.PanicError
	if !errors.As(err, &pe) || !strings.Contains(pe.Error(), "test handler panic") {
		t.Fatalf("err %v, want the handler's panic", err)
	}
	if d := time.Since(start); d > 2500*time.Millisecond { // under the 3 s asked for, with room for a busy machine
		t.Errorf("a panic at request 10 took %v to stop a 3 s run", d)
	}
}

func TestConfigValidate(t *testing.T) {
	ok := Config{Kind: "test-nop", Rate: 100, Duration: time.Second}
	cases := []struct {
		name string
		edit func(c *Config)
		want string
	}{
		{"rate zero", func(c *Config) { c.Rate = 0 }, "rate must be in (0, 1e+07]"},
		{"rate too high", func(c *Config) { c.Rate = 2e7 }, "rate must be in"},
		{"duration short", func(c *Config) { c.Duration = 99 * time.Millisecond }, "duration must be in [100ms, 1h0m0s]"},
		{"duration long", func(c *Config) { c.Duration = time.Hour + 1 }, "duration must be in"},
		{"warmup negative", func(c *Config) { c.Warmup = -1 }, "warmup must be in"},
		{"workers", func(c *Config) { c.Workers = -1 }, "workers must be"},
		{"mode", func(c *Config) { c.Mode = "half-open" }, `mode must be "open" or "closed"`},
		{"controller", func(c *Config) { c.Controller.Interval = time.Microsecond }, "controller interval"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := ok
			c.edit(&cfg)
			if _, err := Run(cfg); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v, want %q", err, c.want)
			}
		})
	}
	cfg := ok
	cfg.Mode, cfg.Rate = ModeClosed, 0 // rate is not used in closed mode
	if err := cfg.Validate(); err != nil || cfg.Workers < 1 || cfg.Grace <= 0 || cfg.Controller.Interval != DefaultInterval {
		t.Errorf("defaults: %v %+v", err, cfg)
	}
	cfg = ok
	cfg.Kind = "nope"
	if _, err := Run(cfg); err == nil || !strings.Contains(err.Error(), "known: ") {
		t.Errorf("unknown kind: %v", err)
	}
}

func TestOrderKindsUnderLoadWithController(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	for _, kind := range []string{"order-new", "order-pool"} {
		t.Run(kind, func(t *testing.T) {
			debug.SetGCPercent(100)
			res, err := Run(Config{
				Kind: kind, Rate: 2000, Warmup: 50 * time.Millisecond, Duration: 300 * time.Millisecond,
				Params:     map[string]int64{"items": 16},
				Controller: ControllerConfig{Enabled: true, Interval: 50 * time.Millisecond},
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.Params["items"] != 16 || res.Latency.Count != 600 {
				t.Errorf("params %v, count %d (want 600)", res.Params, res.Latency.Count)
			}
			tl := res.Controller.Timeline
			if len(tl) < 4 {
				t.Fatalf("timeline %+v: want a decision every 50 ms over 350 ms", tl)
			}
			for _, p := range tl {
				if !p.Applied || p.GOGC != p.Formula || p.GOGC != AdaptiveGOGC(p.QPS, p.P99Ms) {
					t.Errorf("decision %+v does not follow the formula", p)
				}
			}
			if res.GOGCEnd != tl[len(tl)-1].GOGC {
				t.Errorf("GOGC at the end %d, last decision %d", res.GOGCEnd, tl[len(tl)-1].GOGC)
			}
			if kind == "order-new" && res.GC.AllocBytes < 600*16*48 {
				t.Errorf("order-new allocated %d bytes, want >= 600 orders x 16 items x 48 B", res.GC.AllocBytes)
			}
			if _, err := json.Marshal(res); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestOverloadKeepsNeverStartedRequestsInTheHistogram is the case where
// 2000 req/s meet a 1 ms service on one worker: 800 requests are scheduled
// in 400 ms, and about 450 start before the 50 ms grace runs out. Those
// that never start must still be in the histogram (at the end of the run),
// and the percentiles must say they are lower bounds.
func TestOverloadKeepsNeverStartedRequestsInTheHistogram(t *testing.T) {
	res, err := Run(Config{Kind: "test-busy-1ms", Rate: 2000, Duration: 400 * time.Millisecond, Workers: 1,
		Grace: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	r, l := res.Rate, res.Latency
	if r.Scheduled != 800 || r.Unserved <= 0 || r.KeptUp {
		t.Fatalf("rate %+v: want 800 scheduled, some never started", r)
	}
	if l.Count != 800 || l.Censored != r.Unserved || !l.LowerBound {
		t.Fatalf("histogram has %d of 800, censored %d of %d never started, lower bound %v", l.Count, l.Censored, r.Unserved, l.LowerBound)
	}
	if !strings.Contains(res.Warnings[0], "lower bounds") {
		t.Errorf("warning %q must say the percentiles are lower bounds", res.Warnings[0])
	}
	t.Logf("scheduled %d, started %d, recorded %d, p99 %.0f ms", r.Scheduled, r.Scheduled-r.Unserved, l.Count, l.P99Ns/1e6)
}

// TestAchievedRateCountsAndDividesOverOneWindow checks that the achieved
// rate is the completions counted inside the measured interval divided by
// that interval's length, not by the time the run happened to wake.
func TestAchievedRateCountsAndDividesOverOneWindow(t *testing.T) {
	res, err := Run(Config{Kind: "test-nop", Rate: 1000, Warmup: 100 * time.Millisecond, Duration: 300 * time.Millisecond, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	r := res.Rate
	if r.WindowS != 0.3 || r.AchievedPerS != float64(r.Completed)/0.3 {
		t.Errorf("window %v s, achieved %v for %d completions: want Completed / 0.3", r.WindowS, r.AchievedPerS, r.Completed)
	}
	if res.Latency.Censored != 0 || res.Latency.LowerBound {
		t.Errorf("a run that kept up has no censored requests: %+v", res.Latency)
	}
}
