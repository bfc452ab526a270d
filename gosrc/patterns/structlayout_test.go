package patterns

import (
	"testing"
	"unsafe"
)

// The article's sizes hold on amd64: 48 B padded, 40 B packed.
func TestStructLayoutSizes(t *testing.T) {
	if TradeRequestPaddedBytes != 48 || TradeRequestPackedBytes != 40 {
		t.Fatalf("padded %d B, packed %d B; want 48 and 40", TradeRequestPaddedBytes, TradeRequestPackedBytes)
	}
}

func TestHeapSizeClass(t *testing.T) {
	for _, c := range []struct{ size, want int }{
		{1, 8}, {8, 8}, {9, 16}, {24, 24}, {33, 48}, {40, 48}, {48, 48}, {49, 64}, {2048, 2048}, {2049, 2304},
	} {
		if got := HeapSizeClass(c.size); got != c.want {
			t.Errorf("HeapSizeClass(%d) = %d, want %d", c.size, got, c.want)
		}
	}
}

// One object per request for both layouts, and both are charged 48 bytes:
// there is no 40-byte size class.
func TestStructLayoutHeapCost(t *testing.T) {
	const n = 1000
	cases := []struct {
		name      string
		fn        func(int)
		sizeof    uintptr
		wantBytes float64
	}{
		{"padded", StructPadded, TradeRequestPaddedBytes, 48},
		{"packed", StructPacked, TradeRequestPackedBytes, 48},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := testing.AllocsPerRun(20, func() { c.fn(n) }); got != n {
				t.Fatalf("allocs per %d = %v, want %d", n, got, n)
			}
			got := heapBytesPerObject(n, func() { c.fn(n) })
			if got != c.wantBytes || float64(HeapSizeClass(int(c.sizeof))) != got {
				t.Fatalf("%d-byte struct costs %v B on the heap, want %v (HeapSizeClass says %d)",
					c.sizeof, got, c.wantBytes, HeapSizeClass(int(c.sizeof)))
			}
		})
	}
}

// Where packing does save memory: a slice of values.
func TestStructLayoutSliceSaves(t *testing.T) {
	const n = 1 << 16
	padded := heapBytesPerObject(1, func() { sinkPaddedSlice = make([]TradeRequestPadded, n) })
	packed := heapBytesPerObject(1, func() { sinkPackedSlice = make([]TradeRequestPacked, n) })
	sinkPaddedSlice, sinkPackedSlice = nil, nil
	if padded != 48*n || packed != 40*n {
		t.Fatalf("slices of %d: padded %v B, packed %v B; want %d and %d", n, padded, packed, 48*n, 40*n)
	}
}

var (
	sinkPaddedSlice []TradeRequestPadded
	sinkPackedSlice []TradeRequestPacked
)

func TestStructLayoutSameWork(t *testing.T) {
	delta := func(fn func(int)) uint64 {
		before := sinkChecksum.Load()
		fn(777)
		return sinkChecksum.Load() - before
	}
	if a, b := delta(StructPadded), delta(StructPacked); a != b || a == 0 {
		t.Fatalf("padded checksum %d, packed %d", a, b)
	}
}

// The scenarios report the struct's size and its heap size class.
func TestStructLayoutMetrics(t *testing.T) {
	for name, want := range map[string][2]float64{"StructLayout/padded": {48, 48}, "StructLayout/packed": {40, 48}} {
		m := scenarioMetrics(t, name, nil, 100)
		if m["sizeof_bytes"] != want[0] || m["size_class_bytes"] != want[1] {
			t.Errorf("%s: %v, want sizeof %v, size class %v", name, m, want[0], want[1])
		}
	}
}

// The article's own struct (section 4.2) at the offsets of its table,
// 0/8/12/16/24, is 32 bytes: its "40 instead of 48" is an arithmetic error.
func TestStructLayoutArticle(t *testing.T) {
	var r TradeRequestArticle
	got := []uintptr{unsafe.Offsetof(r.Timestamp), unsafe.Offsetof(r.Side), unsafe.Offsetof(r.OrderType),
		unsafe.Offsetof(r.Price), unsafe.Offsetof(r.Qty)}
	want := []uintptr{0, 8, 12, 16, 24}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("offsets %v, want the article's %v", got, want)
		}
	}
	if TradeRequestArticleBytes != 32 || HeapSizeClass(int(TradeRequestArticleBytes)) != 32 {
		t.Fatalf("article struct %d B in size class %d; want 32 and 32", TradeRequestArticleBytes,
			HeapSizeClass(int(TradeRequestArticleBytes)))
	}
	skipUnderRace(t)
	if got := testing.AllocsPerRun(20, func() { StructArticle(100) }); got != 100 {
		t.Fatalf("allocs per 100 = %v, want 100", got)
	}
}
