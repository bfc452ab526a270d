package bench

import (
	"math"
	"runtime"
	"runtime/metrics"
)

// Metric names read around every round. See GOROOT/src/runtime/metrics/description.go.
const (
	mAllocObjects = "/gc/heap/allocs:objects"
	mAllocBytes   = "/gc/heap/allocs:bytes"
	mGCCycles     = "/gc/cycles/total:gc-cycles"
	mGCCPU        = "/cpu/classes/gc/total:cpu-seconds"
	mHeapObjects  = "/memory/classes/heap/objects:bytes"
	mSTW          = "/sched/pauses/total/gc:seconds"
	mTinyObjects  = "/gc/heap/tiny/allocs:objects"
	// mSTWBefore122 is what Go 1.21 calls the same histogram (deprecated since 1.22, when mSTW came).
	mSTWBefore122 = "/gc/pauses:seconds"
)

// A Snapshot is one reading of the runtime counters the protocol uses.
// Reading it does not stop the world (unlike runtime.ReadMemStats).
type Snapshot struct {
	AllocObjects uint64
	AllocBytes   uint64
	GCCycles     uint64
	GCCPUSeconds float64
	HeapObjects  uint64
	STW          *metrics.Float64Histogram
}

// A Reader reads Snapshots; it owns its sample slice so that reading
// repeatedly allocates nothing but histogram copies.
type Reader struct {
	samples            []metrics.Sample
	before, mid, after Snapshot // RunRound's reusable readings
	ms                 runtime.MemStats
	done               chan struct{} // RunRound's batch goroutine reports here
}

// NewReader prepares the samples once.
func NewReader() *Reader {
	names := []string{mAllocObjects, mAllocBytes, mGCCycles, mGCCPU, mHeapObjects, mSTW, mTinyObjects, mSTWBefore122}
	r := &Reader{samples: make([]metrics.Sample, len(names)), done: make(chan struct{}, 1)}
	for i, n := range names {
		r.samples[i].Name = n
	}
	// Size every reading's histogram buffer now: a first ReadInto allocates
	// it, and inside a round that allocation would be counted (2 objects,
	// 1456 B in the first round of a fresh Reader).
	r.ReadInto(&r.before)
	r.ReadInto(&r.mid)
	r.ReadInto(&r.after)
	return r
}

// Read takes a reading into a new Snapshot (allocates).
func (r *Reader) Read() Snapshot {
	var s Snapshot
	r.ReadInto(&s)
	return s
}

// ReadInto takes a reading into s, reusing s.STW's buffers: once s has been
// filled once, reading allocates nothing, so it can sit between the two
// allocation-counter reads of a round. Unsupported metrics read as zero.
func (r *Reader) ReadInto(s *Snapshot) {
	metrics.Read(r.samples)
	u := func(i int) uint64 {
		if r.samples[i].Value.Kind() == metrics.KindUint64 {
			return r.samples[i].Value.Uint64()
		}
		return 0
	}
	// AllocObjects counts what runtime.MemStats.Mallocs (and so go test
	// -benchmem) counts: /gc/heap/allocs:objects has each 16-byte tiny block
	// but not the tiny objects packed into it, which are counted apart.
	s.AllocObjects, s.AllocBytes, s.GCCycles, s.HeapObjects = u(0)+u(6), u(1), u(2), u(4)
	if r.samples[3].Value.Kind() == metrics.KindFloat64 {
		s.GCCPUSeconds = r.samples[3].Value.Float64()
	}
	stw := 5
	if r.samples[stw].Value.Kind() != metrics.KindFloat64Histogram {
		stw = 7 // an older Go: the histogram under its earlier name
	}
	if r.samples[stw].Value.Kind() == metrics.KindFloat64Histogram {
		h := r.samples[stw].Value.Float64Histogram()
		if s.STW == nil || cap(s.STW.Counts) < len(h.Counts) {
			s.STW = &metrics.Float64Histogram{Counts: make([]uint64, len(h.Counts))}
		}
		s.STW.Counts = s.STW.Counts[:len(h.Counts)]
		copy(s.STW.Counts, h.Counts)
		s.STW.Buckets = h.Buckets // bucket edges are immutable for a metric
	}
}

// HistDelta subtracts two cumulative readings of the same histogram.
func HistDelta(after, before *metrics.Float64Histogram) *metrics.Float64Histogram {
	if after == nil {
		return nil
	}
	d := &metrics.Float64Histogram{Counts: make([]uint64, len(after.Counts)), Buckets: after.Buckets}
	for i, c := range after.Counts {
		d.Counts[i] = c
		if before != nil && i < len(before.Counts) {
			d.Counts[i] -= before.Counts[i]
		}
	}
	return d
}

// HistSummary is what a round reports of a time histogram, in nanoseconds.
// Bucket edges are 4 per power of two, so values are within about 25%.
type HistSummary struct {
	Count   uint64
	TotalNs float64 // sum of bucket midpoints times counts
	MaxNs   float64 // upper edge of the highest non-empty bucket
}

// A Bucket is one non-empty bucket of a seconds histogram, edges in ns.
// An infinite lower edge reads as 0, an infinite upper edge as the lower.
type Bucket struct {
	LoNs  float64 `json:"lo_ns"`
	HiNs  float64 `json:"hi_ns"`
	Count uint64  `json:"count"`
}

// Buckets lists the non-empty buckets of a histogram whose values are seconds.
func Buckets(h *metrics.Float64Histogram) []Bucket {
	out := []Bucket{}
	if h == nil {
		return out
	}
	for i, c := range h.Counts {
		if c == 0 {
			continue
		}
		lo, hi := h.Buckets[i], h.Buckets[i+1]
		if math.IsInf(lo, -1) {
			lo = 0
		}
		if math.IsInf(hi, 1) {
			hi = lo
		}
		out = append(out, Bucket{LoNs: lo * 1e9, HiNs: hi * 1e9, Count: c})
	}
	return out
}

// SummarizeSeconds summarises a histogram whose values are seconds.
func SummarizeSeconds(h *metrics.Float64Histogram) HistSummary {
	var s HistSummary
	for _, b := range Buckets(h) {
		s.Count += b.Count
		s.TotalNs += float64(b.Count) * (b.LoNs + b.HiNs) / 2
		s.MaxNs = b.HiNs
	}
	return s
}

// Quantile returns the q-quantile (0..1) of a seconds histogram in ns,
// reported as the upper edge of the bucket that holds it (conservative).
func Quantile(h *metrics.Float64Histogram, q float64) float64 {
	if h == nil {
		return math.NaN()
	}
	var total uint64
	for _, c := range h.Counts {
		total += c
	}
	if total == 0 {
		return math.NaN()
	}
	rank := uint64(math.Ceil(q * float64(total)))
	if rank == 0 {
		rank = 1
	}
	var seen uint64
	for i, c := range h.Counts {
		seen += c
		if seen >= rank {
			hi := h.Buckets[i+1]
			if math.IsInf(hi, 1) {
				hi = h.Buckets[i]
			}
			return hi * 1e9
		}
	}
	return math.NaN()
}
