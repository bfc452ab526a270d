package load

import (
	"runtime/debug"
	"testing"
	"time"
)

func TestAdaptiveGOGC(t *testing.T) {
	cases := []struct {
		qps, p99Ms float64
		want       int
	}{
		{0, 0, 100},       // idle: both factors 1
		{100, 10, 120},    // qpsFactor 1.2
		{75, 0, 115},      // 100*1.15 must not truncate to 114
		{250, 0, 150},     // qpsFactor saturates at 1.5
		{12000, 0.2, 150}, // the article's load with a fast p99
		{12000, 50, 150},  // at the 50 ms knee the latency factor is still 1
		{12000, 60, 135},  // latencyFactor 0.9
		{12000, 100, 75},  // latencyFactor floor 0.5
		{12000, 1000, 75}, // still the floor
		{0, 100, 50},      // idle and slow
		{-1000, 0, 80},    // qpsFactor floor 0.8 (not reachable with real QPS)
		{-1000, 5000, 40}, // smallest product: the outer clamp never binds
		{1e7, 0, 150},     // largest product
		{500, 75.5, 111},  // 100*1.5*0.745 = 111.75, truncated
	}
	for _, c := range cases {
		if got := AdaptiveGOGC(c.qps, c.p99Ms); got != c.want {
			t.Errorf("AdaptiveGOGC(qps=%v, p99=%v ms) = %d, want %d", c.qps, c.p99Ms, got, c.want)
		}
	}
}

func TestControllerTick(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	srcs := []*LiveHistogram{{}, {}}
	start := time.Now()
	for _, enabled := range []bool{false, true} {
		debug.SetGCPercent(100)
		c := newController(ControllerConfig{Enabled: enabled, Interval: time.Second}, srcs, start, 100)
		// Interval 1: 1000 requests at 100 us, then interval 2: 300 at 80 ms.
		for i := 0; i < 500; i++ {
			srcs[0].Record(100_000)
			srcs[1].Record(100_000)
		}
		c.tick(start.Add(time.Second))
		for i := 0; i < 300; i++ {
			srcs[i%2].Record(80_000_000)
		}
		c.tick(start.Add(2 * time.Second))
		tl := c.report.Timeline
		if len(tl) != 2 {
			t.Fatalf("timeline %+v", tl)
		}
		if tl[0].Count != 1000 || tl[0].QPS != 1000 || tl[0].P99Ms < 0.099 || tl[0].P99Ms > 0.101 || tl[0].Formula != 150 {
			t.Errorf("enabled=%v interval 1: %+v", enabled, tl[0])
		}
		if tl[1].Count != 300 || tl[1].QPS != 300 || tl[1].P99Ms < 79.5 || tl[1].P99Ms > 80.5 || tl[1].Formula != 105 {
			t.Errorf("enabled=%v interval 2: %+v (want formula 100*1.5*0.7 = 105)", enabled, tl[1])
		}
		gogcNow := debug.SetGCPercent(100)
		if enabled {
			if tl[1].GOGC != 105 || !tl[1].Applied || gogcNow != 105 {
				t.Errorf("enabled: gogc %d applied %v, runtime %d; want 105 applied", tl[1].GOGC, tl[1].Applied, gogcNow)
			}
		} else if tl[1].GOGC != 100 || tl[1].Applied || gogcNow != 100 {
			t.Errorf("observe-only: gogc %d applied %v, runtime %d; want 100 untouched", tl[1].GOGC, tl[1].Applied, gogcNow)
		}
		// The next run's controller starts from fresh live histograms.
		srcs = []*LiveHistogram{{}, {}}
	}
}

func TestControllerRunStops(t *testing.T) {
	c := newController(ControllerConfig{Interval: 5 * time.Millisecond}, []*LiveHistogram{{}}, time.Now(), 100)
	stop := make(chan struct{})
	done := make(chan error)
	go func() { done <- c.run(stop) }()
	time.Sleep(30 * time.Millisecond)
	close(stop)
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatal("controller did not stop")
	}
	if n := len(c.report.Timeline); n < 2 {
		t.Errorf("%d ticks in 30 ms at 5 ms", n)
	}
	if c.report.IntervalMs != 5 {
		t.Errorf("interval_ms %v", c.report.IntervalMs)
	}
}
