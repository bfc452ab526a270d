package load

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// exactQuantile is the reference: the value of rank ceil(q*n) in sorted order.
func exactQuantile(sorted []int64, q float64) float64 {
	rank := int(math.Ceil(q * float64(len(sorted))))
	rank = max(rank, 1)
	return float64(sorted[rank-1])
}

var testQuantiles = []float64{0.5, 0.9, 0.99, 0.999, 0.9999, 1}

func checkQuantiles(t *testing.T, h *Histogram, samples []int64) {
	t.Helper()
	sorted := slices.Clone(samples)
	slices.Sort(sorted)
	for _, q := range testQuantiles {
		want, got := exactQuantile(sorted, q), h.Quantile(q)
		relErr := math.Abs(got-want) / math.Max(want, 1)
		if relErr > 0.01 {
			t.Errorf("q=%v: got %.0f ns, exact %.0f ns, relative error %.4f > 1%%", q, got, want, relErr)
		}
	}
	if h.Max() != sorted[len(sorted)-1] || h.Min() != sorted[0] {
		t.Errorf("min/max %d/%d, want exact %d/%d", h.Min(), h.Max(), sorted[0], sorted[len(sorted)-1])
	}
	if h.Count() != uint64(len(samples)) {
		t.Errorf("count %d, want %d", h.Count(), len(samples))
	}
}

func logUniform(r *rand.Rand, lo, hi float64) int64 {
	return int64(math.Exp(math.Log(lo) + r.Float64()*(math.Log(hi)-math.Log(lo))))
}

func TestHistogramQuantilesLogUniform(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		r := rand.New(rand.NewPCG(seed, 99))
		h := NewHistogram()
		samples := make([]int64, 200_000)
		var sum float64
		for i := range samples {
			samples[i] = logUniform(r, 100, 10e9) // 100 ns .. 10 s
			h.Record(samples[i])
			sum += float64(samples[i])
		}
		checkQuantiles(t, h, samples)
		if m := sum / float64(len(samples)); math.Abs(h.Mean()-m)/m > 1e-9 {
			t.Errorf("mean %v, want %v", h.Mean(), m)
		}
		if h.Underflow() != 0 || h.Overflow() != 0 {
			t.Errorf("in-range samples counted as under/overflow: %d/%d", h.Underflow(), h.Overflow())
		}
	}
}

func TestHistogramEdgeCases(t *testing.T) {
	cases := map[string][]int64{
		"single":            {12345},
		"constant":          slices.Repeat([]int64{777_777}, 1000),
		"small exact":       {0, 1, 2, 3, 50, 99, 100, 127},
		"octave edges":      {127, 128, 129, 255, 256, 257, 1 << 20, 1<<20 - 1, 1<<20 + 1},
		"ten seconds":       {10e9, 10e9 - 1, 10e9 + 1, 100},
		"two clusters":      append(slices.Repeat([]int64{1000}, 9990), slices.Repeat([]int64{50e6}, 10)...),
		"one huge outlier":  append(slices.Repeat([]int64{20_000}, 99_999), 3_000_000_000),
		"highest in range":  {HighestNs, HighestNs - 1, 1},
		"bucket boundaries": {1<<30 - 1, 1 << 30, 1<<30 + 1<<23, 1<<30 + 1<<23 - 1},
	}
	for name, samples := range cases {
		t.Run(name, func(t *testing.T) {
			h := NewHistogram()
			for _, v := range samples {
				h.Record(v)
			}
			checkQuantiles(t, h, samples)
		})
	}
}

func TestHistogramClamping(t *testing.T) {
	h := NewHistogram()
	h.Record(-5)
	h.Record(HighestNs + 1000)
	h.Record(1 << 50)
	h.Record(500)
	if h.Underflow() != 1 || h.Overflow() != 2 || h.Count() != 4 {
		t.Fatalf("under/over/count = %d/%d/%d, want 1/2/4", h.Underflow(), h.Overflow(), h.Count())
	}
	if h.Min() != -5 || h.Max() != 1<<50 {
		t.Errorf("min/max %d/%d: the exact extremes must survive clamping", h.Min(), h.Max())
	}
	if q := h.Quantile(1); q != 1<<50 {
		t.Errorf("max quantile %v", q)
	}
	var total uint64
	for _, b := range h.Buckets() {
		total += b.Count
	}
	if total != 4 {
		t.Errorf("buckets hold %d values, want 4 (clamped values are kept)", total)
	}
}

func TestHistogramMerge(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	var all []int64
	merged := NewHistogram()
	for w := 0; w < 4; w++ {
		h := NewHistogram()
		for i := 0; i < 20_000; i++ {
			v := logUniform(r, 100*float64(w+1), 1e8*float64(w+1))
			all = append(all, v)
			h.Record(v)
		}
		merged.Merge(h)
	}
	merged.Merge(NewHistogram()) // merging an empty histogram changes nothing
	checkQuantiles(t, merged, all)
}

func TestHistogramBucketLayout(t *testing.T) {
	// Every bucket's edges contain exactly the values that map to it, and
	// its width is at most 1/128 of its lower edge above 128 ns.
	prevHi := int64(0)
	for i := 0; i < numBuckets; i++ {
		lo, hi := bucketEdges(i)
		if lo != prevHi {
			t.Fatalf("bucket %d starts at %d, previous ended at %d", i, lo, prevHi)
		}
		if bucketOf(lo) != i || bucketOf(hi-1) != i {
			t.Fatalf("bucket %d [%d,%d): bucketOf gives %d and %d", i, lo, hi, bucketOf(lo), bucketOf(hi-1))
		}
		if lo >= subCount && float64(hi-lo)/float64(lo) > 1.0/subCount {
			t.Fatalf("bucket %d [%d,%d) wider than 1/%d", i, lo, hi, subCount)
		}
		prevHi = hi
	}
	if prevHi-1 != HighestNs {
		t.Fatalf("last bucket ends at %d, want HighestNs+1 = %d", prevHi, HighestNs+1)
	}
}

func TestHistogramRecordDoesNotAllocate(t *testing.T) {
	h := NewHistogram()
	var l LiveHistogram
	v := int64(1)
	if a := testing.AllocsPerRun(1000, func() { v = v*3 + 7; h.Record(v % 1e10); l.Record(v % 1e10) }); a != 0 {
		t.Fatalf("Record allocates %v objects", a)
	}
}

func TestHistogramJSON(t *testing.T) {
	h := NewHistogram()
	for _, v := range []int64{100, 100, 5000, 1e9} {
		h.Record(v)
	}
	b, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	var got HistogramJSON
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Count != 4 || got.MaxNs != 1e9 || got.MinNs != 100 || len(got.Buckets) != 3 {
		t.Fatalf("round trip: %s", b)
	}
	if got.Buckets[0] != (Bucket{LoNs: 100, HiNs: 101, Count: 2}) {
		t.Errorf("first bucket %+v", got.Buckets[0])
	}
	for _, bk := range got.Buckets {
		if bk.LoNs >= bk.HiNs {
			t.Errorf("bucket %+v has empty range", bk)
		}
	}
	empty, _ := json.Marshal(NewHistogram())
	if err := json.Unmarshal(empty, &got); err != nil || got.Count != 0 || got.Buckets == nil {
		t.Errorf("empty histogram JSON %s (%v)", empty, err)
	}
}

func TestLiveHistogramDelta(t *testing.T) {
	var l LiveHistogram
	for i := int64(1); i <= 1000; i++ {
		l.Record(i * 1000)
	}
	prev := NewHistogram()
	l.AddTo(prev)
	for i := 0; i < 100; i++ {
		l.Record(5_000_000)
	}
	cur := NewHistogram()
	l.AddTo(cur)
	cur.Sub(prev)
	if cur.Count() != 100 {
		t.Fatalf("delta count %d, want 100", cur.Count())
	}
	if p := cur.Quantile(0.99); math.Abs(p-5e6)/5e6 > 0.01 {
		t.Errorf("delta p99 %v, want about 5e6", p)
	}
}

func BenchmarkHistogramRecord(b *testing.B) {
	h := NewHistogram()
	v := int64(1)
	for i := 0; i < b.N; i++ {
		v = v*6364136223846793005 + 1442695040888963407
		h.Record((v >> 1) % 10e9)
	}
}

func TestHistogramBucketsPerOctave(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	h := NewHistogram()
	for i := 0; i < 100_000; i++ {
		h.Record(logUniform(r, 1, 10e9))
	}
	fine := h.Buckets()
	for _, k := range []int{1, 8, 32, 128} {
		coarse := h.BucketsPerOctave(k)
		var total uint64
		j := 0 // every fine bucket lies inside the coarse bucket that holds its count
		for n, b := range coarse {
			total += b.Count
			if n > 0 && b.LoNs < coarse[n-1].HiNs {
				t.Fatalf("k=%d: buckets overlap: %+v after %+v", k, b, coarse[n-1])
			}
			if b.LoNs >= int64(k) && float64(b.HiNs-b.LoNs)/float64(b.LoNs) > 1/float64(k) {
				t.Fatalf("k=%d: bucket %+v wider than 1/%d", k, b, k)
			}
			var inside uint64
			for ; j < len(fine) && fine[j].HiNs <= b.HiNs; j++ {
				if fine[j].LoNs < b.LoNs {
					t.Fatalf("k=%d: fine %+v straddles coarse %+v", k, fine[j], b)
				}
				inside += fine[j].Count
			}
			if inside != b.Count {
				t.Fatalf("k=%d: coarse %+v holds %d from fine buckets", k, b, inside)
			}
		}
		if total != h.Count() {
			t.Fatalf("k=%d: coarse buckets hold %d of %d", k, total, h.Count())
		}
		if k == 128 && len(coarse) != len(fine) {
			t.Errorf("k=128 should equal the full resolution: %d vs %d buckets", len(coarse), len(fine))
		}
		if k == 32 && len(coarse) > 34*32 {
			t.Errorf("k=32: %d buckets", len(coarse))
		}
	}
}
