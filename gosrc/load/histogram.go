// Package load is gobench's load model: the load kinds that package patterns
// registers (package registry) driven at a target rate by an open-loop
// generator (or back to back by a closed-loop one), with a latency histogram
// per run, the GC activity of the same interval read from runtime/metrics,
// and the adaptive GOGC controller of the seed article (claim C7).
//
// It sits beside package bench at the start of the pipeline, measure (Go)
// -> collect -> store -> analyse -> present: bench times batches of
// operations, load times requests against a clock. cmd/libgobench exposes
// it as the gb_call method "load"; Python collects, stores, analyses and
// plots the reply. Nothing here knows about cgo or Python.
package load

import (
	"encoding/json"
	"math"
	"math/bits"
	"sync/atomic"
)

// Histogram layout: log-linear, like HdrHistogram. Values below subCount ns
// have one bucket each (exact); above, every power of two [2^e, 2^(e+1)) is
// split into subCount equal buckets, so a bucket is at most 1/128 of its
// lower edge wide and a bucket midpoint is within 1/256 (0.4%) of any value
// in it.
const (
	subBits    = 7
	subCount   = 1 << subBits // 128 buckets per power of two
	maxExp     = 42           // values up to 2^42 ns, about 73 minutes
	numBuckets = (maxExp - subBits + 1) * subCount

	// HighestNs is the largest value a Histogram resolves; larger values are
	// counted in the last bucket and in Overflow.
	HighestNs int64 = 1<<maxExp - 1
)

// bucketOf maps a value in [0, HighestNs] to its bucket index.
func bucketOf(v int64) int {
	if v < subCount {
		return int(v)
	}
	shift := bits.Len64(uint64(v)) - 1 - subBits
	return shift*subCount + int(v>>uint(shift))
}

// bucketEdges returns the inclusive lower and exclusive upper edge of bucket i in ns.
func bucketEdges(i int) (lo, hi int64) {
	if i < 2*subCount {
		return int64(i), int64(i) + 1
	}
	shift := i/subCount - 1
	lo = int64(i%subCount+subCount) << uint(shift)
	return lo, lo + 1<<uint(shift)
}

// clampValue maps v into [0, HighestNs] and says which way it was clamped.
func clampValue(v int64) (c int64, under, over bool) {
	switch {
	case v < 0:
		return 0, true, false
	case v > HighestNs:
		return HighestNs, false, true
	}
	return v, false, false
}

// A Histogram records latencies in nanoseconds with at most 0.4% relative
// error from 128 ns to 73 minutes (exact below 128 ns), in a fixed 36 KiB.
//
// Record neither allocates nor locks: a Histogram belongs to one goroutine
// (each load worker has its own) and the workers' histograms are merged
// after they stop. Use a LiveHistogram where another goroutine must read
// while values are recorded.
type Histogram struct {
	counts    [numBuckets]uint64
	count     uint64
	underflow uint64 // negative values, counted as 0
	overflow  uint64 // values above HighestNs, counted in the last bucket
	sum       float64
	min, max  int64 // exact, including clamped values
}

// NewHistogram returns an empty histogram.
func NewHistogram() *Histogram {
	h := &Histogram{}
	h.Reset()
	return h
}

// Reset empties h.
func (h *Histogram) Reset() {
	*h = Histogram{min: math.MaxInt64, max: math.MinInt64}
}

// Record adds one value in nanoseconds.
func (h *Histogram) Record(ns int64) {
	if ns < h.min {
		h.min = ns
	}
	if ns > h.max {
		h.max = ns
	}
	h.sum += float64(ns)
	h.count++
	v, under, over := clampValue(ns)
	if under {
		h.underflow++
	} else if over {
		h.overflow++
	}
	h.counts[bucketOf(v)]++
}

// Merge adds every value recorded in o to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.count == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.count += o.count
	h.underflow += o.underflow
	h.overflow += o.overflow
	h.sum += o.sum
	h.min = min(h.min, o.min)
	h.max = max(h.max, o.max)
}

// Count is the number of values recorded.
func (h *Histogram) Count() uint64 { return h.count }

// Underflow is how many values were negative (recorded as 0).
func (h *Histogram) Underflow() uint64 { return h.underflow }

// Overflow is how many values exceeded HighestNs (recorded in the last bucket).
func (h *Histogram) Overflow() uint64 { return h.overflow }

// Max is the largest value recorded, exactly; 0 if empty.
func (h *Histogram) Max() int64 {
	if h.count == 0 {
		return 0
	}
	return h.max
}

// Min is the smallest value recorded, exactly; 0 if empty.
func (h *Histogram) Min() int64 {
	if h.count == 0 {
		return 0
	}
	return h.min
}

// Mean is the exact mean of the values recorded; NaN if empty.
func (h *Histogram) Mean() float64 {
	if h.count == 0 {
		return math.NaN()
	}
	return h.sum / float64(h.count)
}

// Quantile returns the q-quantile (0 < q <= 1) in ns: the value of rank
// ceil(q*count) in sorted order, estimated by the midpoint of its bucket and
// clamped to [Min, Max], so it is within 0.4% of the exact sample quantile
// (exact for q = 1). NaN if empty.
func (h *Histogram) Quantile(q float64) float64 {
	if h.count == 0 {
		return math.NaN()
	}
	if q >= 1 {
		return float64(h.max)
	}
	rank := uint64(math.Ceil(q * float64(h.count)))
	if rank == 0 {
		rank = 1
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			lo, hi := bucketEdges(i)
			mid := float64(lo) + float64(hi-1-lo)/2 // values are integers in [lo, hi-1]
			return math.Min(math.Max(mid, float64(h.min)), float64(h.max))
		}
	}
	return float64(h.max)
}

// A Bucket is one non-empty histogram bucket: values v with LoNs <= v < HiNs.
type Bucket struct {
	LoNs  int64  `json:"lo_ns"`
	HiNs  int64  `json:"hi_ns"`
	Count uint64 `json:"count"`
}

// Buckets returns the non-empty buckets in ascending order.
func (h *Histogram) Buckets() []Bucket {
	var out []Bucket
	for i, c := range h.counts {
		if c != 0 {
			lo, hi := bucketEdges(i)
			out = append(out, Bucket{lo, hi, c})
		}
	}
	if out == nil {
		out = []Bucket{}
	}
	return out
}

// BucketsPerOctave returns the non-empty buckets merged to k per power of
// two (k a power of two, 1..128; values below k keep one bucket each), so a
// bucket is at most 1/k of its lower edge wide. A coarser list is enough to
// plot the spectrum and keeps a reply small: at k = 32, latencies spanning
// 100 ns to 10 s need at most 864 buckets.
func (h *Histogram) BucketsPerOctave(k int) []Bucket {
	if k < 1 || k > subCount || k&(k-1) != 0 {
		panic("load: buckets per octave must be a power of two in [1, 128]")
	}
	out := []Bucket{}
	for i, c := range h.counts {
		if c == 0 {
			continue
		}
		lo, _ := bucketEdges(i)
		clo, chi := lo, lo+1
		if lo >= int64(k) {
			w := int64(1) << uint(bits.Len64(uint64(lo))-1) / int64(k)
			clo = lo &^ (w - 1)
			chi = clo + w
		}
		if n := len(out); n > 0 && out[n-1].LoNs == clo {
			out[n-1].Count += c
		} else {
			out = append(out, Bucket{clo, chi, c})
		}
	}
	return out
}

// HistogramJSON is the serialised form of a Histogram: a summary and the
// sparse bucket list, enough for Python to plot the latency spectrum.
type HistogramJSON struct {
	Count      uint64   `json:"count"`
	MinNs      int64    `json:"min_ns"`
	MaxNs      int64    `json:"max_ns"`
	MeanNs     float64  `json:"mean_ns"`
	Underflow  uint64   `json:"underflow"`
	Overflow   uint64   `json:"overflow"`
	HighestNs  int64    `json:"highest_ns"`
	SubBuckets int      `json:"sub_buckets_per_octave"`
	Buckets    []Bucket `json:"buckets"`
}

// JSON returns h's serialisable form; an empty histogram has mean 0.
func (h *Histogram) JSON() HistogramJSON {
	mean := h.Mean()
	if math.IsNaN(mean) {
		mean = 0
	}
	return HistogramJSON{
		Count: h.count, MinNs: h.Min(), MaxNs: h.Max(), MeanNs: mean,
		Underflow: h.underflow, Overflow: h.overflow,
		HighestNs: HighestNs, SubBuckets: subCount, Buckets: h.Buckets(),
	}
}

// MarshalJSON encodes h as HistogramJSON.
func (h *Histogram) MarshalJSON() ([]byte, error) { return json.Marshal(h.JSON()) }

// A LiveHistogram is a histogram written by one goroutine and read by
// others while it is written: its counters are atomic and cumulative. The
// controller reads the workers' live histograms every interval and takes the
// difference from its previous reading. Record costs two uncontended atomic
// adds and does not allocate.
type LiveHistogram struct {
	counts [numBuckets]atomic.Uint64
	count  atomic.Uint64
}

// Record adds one value in nanoseconds (clamped into range).
func (l *LiveHistogram) Record(ns int64) {
	v, _, _ := clampValue(ns)
	l.counts[bucketOf(v)].Add(1)
	l.count.Add(1)
}

// AddTo adds l's current counts into h's buckets and count. Min and Max of h
// become the edges of its lowest and highest non-empty buckets, as the
// exact values are not kept.
func (l *LiveHistogram) AddTo(h *Histogram) {
	for i := range l.counts {
		if c := l.counts[i].Load(); c != 0 {
			h.counts[i] += c
			h.count += c
		}
	}
	h.fixRange()
}

// Sub removes prev's bucket counts from h (prev must be an earlier reading of
// the same cumulative counters), leaving the values recorded in between.
func (h *Histogram) Sub(prev *Histogram) {
	h.count = 0
	for i := range h.counts {
		h.counts[i] -= prev.counts[i]
		h.count += h.counts[i]
	}
	h.fixRange()
}

// fixRange sets min and max from the non-empty buckets (bucket-resolution).
func (h *Histogram) fixRange() {
	h.min, h.max, h.sum = math.MaxInt64, math.MinInt64, 0
	for i, c := range h.counts {
		if c != 0 {
			lo, hi := bucketEdges(i)
			h.min = min(h.min, lo)
			h.max = max(h.max, hi-1)
			h.sum += float64(c) * (float64(lo) + float64(hi-1-lo)/2)
		}
	}
}
