package load

import (
	"runtime/metrics"
	"sync/atomic"
	"time"

	"gobench/bench"
	"gobench/safe"
)

// Metrics read at both ends of the measured interval. See
// GOROOT/src/runtime/metrics/description.go.
const (
	mGCCycles    = "/gc/cycles/total:gc-cycles"
	mGCCPU       = "/cpu/classes/gc/total:cpu-seconds"
	mTotalCPU    = "/cpu/classes/total:cpu-seconds"
	mAllocBytes  = "/gc/heap/allocs:bytes"
	mAllocObjs   = "/gc/heap/allocs:objects"
	mSTW         = "/sched/pauses/total/gc:seconds"
	mHeapObjects = "/memory/classes/heap/objects:bytes"
	mHeapLive    = "/gc/heap/live:bytes"
	mHeapGoal    = "/gc/heap/goal:bytes"
)

// GCStats is the GC activity over one measured interval (warm-up excluded),
// from runtime/metrics deltas. It does not stop the world to read them.
type GCStats struct {
	IntervalS    float64 `json:"interval_s"`
	Cycles       uint64  `json:"cycles"`
	CyclesPerMin float64 `json:"cycles_per_min"`
	// Stop-the-world pauses of the GC (2 per cycle), from the runtime's
	// histogram: 4 buckets per power of two, so percentiles and the maximum
	// are bucket upper edges, within about 25% above the true value.
	STWCount   uint64        `json:"stw_count"`
	STWP50Ns   float64       `json:"stw_p50_ns"`
	STWP99Ns   float64       `json:"stw_p99_ns"`
	STWMaxNs   float64       `json:"stw_max_ns"`
	STWTotalNs float64       `json:"stw_total_ns"` // bucket midpoints times counts
	STWBuckets []FloatBucket `json:"stw_buckets"`
	// GC CPU time over total CPU time available (GOMAXPROCS x wall time),
	// named for its denominator: the micro benchmarks' GC CPU metric divides
	// by one goroutine's wall time instead. Old load records call it
	// gc_cpu_fraction. The runtime updates both only when a GC cycle ends,
	// so they cover the cycles that ended inside the interval; 0 when none
	// did (a cycle still marking at the end is not attributed).
	GCCPUSeconds      float64 `json:"gc_cpu_seconds"`
	TotalCPUSeconds   float64 `json:"total_cpu_seconds"`
	GCCPUShareOfProcs float64 `json:"gc_cpu_share_of_procs"`
	// Peaks of heap samples taken every HeapSampleEvery: objects (live and
	// not yet swept, the footprint the GC trigger works on), live heap as of
	// the last GC mark, and the heap goal.
	PeakHeapBytes     uint64  `json:"peak_heap_bytes"`
	PeakHeapLiveBytes uint64  `json:"peak_heap_live_bytes"`
	PeakHeapGoalBytes uint64  `json:"peak_heap_goal_bytes"`
	HeapSamples       int     `json:"heap_samples"`
	HeapSampleEveryMs float64 `json:"heap_sample_every_ms"`
	AllocBytes        uint64  `json:"alloc_bytes"`
	AllocObjects      uint64  `json:"alloc_objects"`
	AllocBytesPerS    float64 `json:"alloc_bytes_per_s"`
}

// A FloatBucket is one non-empty bucket of a runtime/metrics histogram, in
// ns: values v with LoNs <= v < HiNs. An unbounded edge is reported as the
// other edge (-Inf as 0, +Inf as LoNs).
type FloatBucket = bench.Bucket

// gcReading is one read of the interval metrics.
type gcReading struct {
	at                      time.Time
	cycles, allocB, allocN  uint64
	gcCPU, totalCPU         float64
	stw                     *metrics.Float64Histogram
	heapObj, heapLive, goal uint64
}

func readGC(samples []metrics.Sample) gcReading {
	metrics.Read(samples)
	r := gcReading{at: time.Now()}
	for _, s := range samples {
		switch s.Value.Kind() {
		case metrics.KindUint64:
			v := s.Value.Uint64()
			switch s.Name {
			case mGCCycles:
				r.cycles = v
			case mAllocBytes:
				r.allocB = v
			case mAllocObjs:
				r.allocN = v
			case mHeapObjects:
				r.heapObj = v
			case mHeapLive:
				r.heapLive = v
			case mHeapGoal:
				r.goal = v
			}
		case metrics.KindFloat64:
			switch s.Name {
			case mGCCPU:
				r.gcCPU = s.Value.Float64()
			case mTotalCPU:
				r.totalCPU = s.Value.Float64()
			}
		case metrics.KindFloat64Histogram:
			h := s.Value.Float64Histogram()
			r.stw = &metrics.Float64Histogram{Counts: append([]uint64(nil), h.Counts...), Buckets: h.Buckets}
		}
	}
	return r
}

func newSamples(names ...string) []metrics.Sample {
	s := make([]metrics.Sample, len(names))
	for i, n := range names {
		s[i].Name = n // unsupported names read as KindBad and are skipped
	}
	return s
}

// A gcWindow measures GC activity from its start to Stop, sampling the heap
// in a goroutine of the caller's group.
type gcWindow struct {
	before   gcReading
	every    time.Duration
	stop     chan struct{}
	finished chan struct{}
	peakObj  atomic.Uint64
	peakLive atomic.Uint64
	peakGoal atomic.Uint64
	nSamples atomic.Int64
}

// startGCWindow reads the counters now and starts the heap sampler in g.
// Stop must be called, or the sampler runs until the group's other
// goroutines stop waiting for it.
func startGCWindow(g *safe.Group, every time.Duration) *gcWindow {
	if every <= 0 {
		every = 10 * time.Millisecond
	}
	w := &gcWindow{every: every, stop: make(chan struct{}), finished: make(chan struct{})}
	w.before = readGC(newSamples(mGCCycles, mGCCPU, mTotalCPU, mAllocBytes, mAllocObjs, mSTW, mHeapObjects, mHeapLive, mHeapGoal))
	w.observe(w.before)
	g.Go(func() error {
		defer close(w.finished)
		samples := newSamples(mHeapObjects, mHeapLive, mHeapGoal)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-w.stop:
				return nil
			case <-t.C:
				w.observe(readGC(samples))
			}
		}
	})
	return w
}

func atomicMax(a *atomic.Uint64, v uint64) {
	for {
		old := a.Load()
		if v <= old || a.CompareAndSwap(old, v) {
			return
		}
	}
}

func (w *gcWindow) observe(r gcReading) {
	atomicMax(&w.peakObj, r.heapObj)
	atomicMax(&w.peakLive, r.heapLive)
	atomicMax(&w.peakGoal, r.goal)
	w.nSamples.Add(1)
}

// Stop ends the window: it stops the sampler, reads the counters again and
// returns the deltas.
func (w *gcWindow) Stop() GCStats {
	after := readGC(newSamples(mGCCycles, mGCCPU, mTotalCPU, mAllocBytes, mAllocObjs, mSTW, mHeapObjects, mHeapLive, mHeapGoal))
	close(w.stop)
	<-w.finished
	w.observe(after)
	return gcDelta(w.before, after, w)
}

func gcDelta(b, a gcReading, w *gcWindow) GCStats {
	s := GCStats{IntervalS: a.at.Sub(b.at).Seconds()}
	s.Cycles = a.cycles - b.cycles
	if s.IntervalS > 0 {
		s.CyclesPerMin = float64(s.Cycles) / s.IntervalS * 60
	}
	stw := bench.HistDelta(a.stw, b.stw)
	sum := bench.SummarizeSeconds(stw)
	s.STWCount, s.STWTotalNs, s.STWMaxNs = sum.Count, sum.TotalNs, sum.MaxNs
	if s.STWCount > 0 {
		s.STWP50Ns, s.STWP99Ns = bench.Quantile(stw, 0.5), bench.Quantile(stw, 0.99)
	}
	s.STWBuckets = floatBuckets(stw)
	s.GCCPUSeconds = a.gcCPU - b.gcCPU
	s.TotalCPUSeconds = a.totalCPU - b.totalCPU
	if s.TotalCPUSeconds > 0 {
		s.GCCPUShareOfProcs = s.GCCPUSeconds / s.TotalCPUSeconds
	}
	s.AllocBytes, s.AllocObjects = a.allocB-b.allocB, a.allocN-b.allocN
	if s.IntervalS > 0 {
		s.AllocBytesPerS = float64(s.AllocBytes) / s.IntervalS
	}
	if w != nil {
		s.PeakHeapBytes, s.PeakHeapLiveBytes, s.PeakHeapGoalBytes = w.peakObj.Load(), w.peakLive.Load(), w.peakGoal.Load()
		s.HeapSamples = int(w.nSamples.Load())
		s.HeapSampleEveryMs = float64(w.every) / 1e6
	}
	return s
}

// floatBuckets lists the non-empty buckets of a seconds histogram in ns.
func floatBuckets(h *metrics.Float64Histogram) []FloatBucket { return bench.Buckets(h) }
