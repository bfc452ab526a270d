package load

import (
	"math"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"gobench/safe"
)

var sinkBytes []byte

func TestGCWindowCountsForcedCycles(t *testing.T) {
	var g safe.Group
	w := startGCWindow(&g, 2*time.Millisecond)
	const big = 64 << 20
	sinkBytes = make([]byte, big) // live for several samples
	for i := range sinkBytes {
		sinkBytes[i] = byte(i)
	}
	for i := 0; i < 3; i++ {
		runtime.GC()
	}
	time.Sleep(20 * time.Millisecond)
	s := w.Stop()
	sinkBytes = nil
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	if s.Cycles < 3 {
		t.Errorf("cycles %d, want >= 3 forced", s.Cycles)
	}
	if s.STWCount < s.Cycles {
		t.Errorf("stw_count %d < cycles %d (each cycle stops the world twice)", s.STWCount, s.Cycles)
	}
	var inBuckets uint64
	for _, b := range s.STWBuckets {
		inBuckets += b.Count
		if b.HiNs < b.LoNs || b.LoNs < 0 {
			t.Errorf("bad bucket %+v", b)
		}
	}
	if inBuckets != s.STWCount {
		t.Errorf("stw buckets hold %d pauses, stw_count %d", inBuckets, s.STWCount)
	}
	if !(s.STWP50Ns > 0 && s.STWP50Ns <= s.STWP99Ns && s.STWP99Ns <= s.STWMaxNs) {
		t.Errorf("pause quantiles out of order: p50 %v p99 %v max %v", s.STWP50Ns, s.STWP99Ns, s.STWMaxNs)
	}
	if s.AllocBytes < big {
		t.Errorf("alloc_bytes %d < the %d allocated", s.AllocBytes, big)
	}
	if s.PeakHeapBytes < big || s.PeakHeapLiveBytes < big {
		t.Errorf("peak heap %d, peak live %d: want >= %d held live", s.PeakHeapBytes, s.PeakHeapLiveBytes, big)
	}
	if s.HeapSamples < 3 {
		t.Errorf("only %d heap samples in 20+ ms at 2 ms", s.HeapSamples)
	}
	if s.GCCPUShareOfProcs < 0 || s.GCCPUShareOfProcs > 1 {
		t.Errorf("gc_cpu_share_of_procs %v outside [0, 1]", s.GCCPUShareOfProcs)
	}
	if s.IntervalS <= 0 || math.Abs(s.CyclesPerMin-float64(s.Cycles)/s.IntervalS*60) > 1e-6 {
		t.Errorf("cycles_per_min %v for %d cycles in %v s", s.CyclesPerMin, s.Cycles, s.IntervalS)
	}
}

func TestFloatBucketsUnboundedEdges(t *testing.T) {
	h := &metrics.Float64Histogram{
		Buckets: []float64{math.Inf(-1), 1e-6, 2e-6, math.Inf(1)},
		Counts:  []uint64{1, 0, 2},
	}
	got := floatBuckets(h)
	want := []FloatBucket{{LoNs: 0, HiNs: 1000, Count: 1}, {LoNs: 2000, HiNs: 2000, Count: 2}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if b := floatBuckets(nil); b == nil || len(b) != 0 {
		t.Errorf("nil histogram: %v, want empty non-nil", b)
	}
}
