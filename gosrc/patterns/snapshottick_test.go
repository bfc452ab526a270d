package patterns

import (
	"os"
	"strings"
	"testing"
)

// A tick changes `changed` distinct records, spread over the file.
func TestSnapshotTickIndicesDistinct(t *testing.T) {
	for _, c := range []struct{ records, changed int }{{1, 1}, {1000, 1}, {1000, 7}, {1000, 1000}, {65536, 1000}} {
		tk := &SnapshotTick{quotes: make([]Quote, c.records), changed: c.changed}
		for _, seq := range []uint64{1, 2, 1 << 40} {
			seen := map[int]bool{}
			lo, hi := c.records, -1
			for j := 0; j < c.changed; j++ {
				i := tk.index(seq, j)
				if i < 0 || i >= c.records || seen[i] {
					t.Fatalf("%+v tick %d: index %d out of range or repeated", c, seq, i)
				}
				seen[i] = true
				lo, hi = min(lo, i), max(hi, i)
			}
			if c.changed >= 7 && hi-lo < c.records/2 {
				t.Fatalf("%+v tick %d: records %d..%d are not spread over the file", c, seq, lo, hi)
			}
		}
	}
}

func TestSnapshotTickModes(t *testing.T) {
	for _, mode := range TickModes {
		t.Run(string(mode), func(t *testing.T) {
			parent := t.TempDir()
			tk, err := OpenSnapshotTick(SnapshotTickConfig{Dir: parent, Records: 1000, Changed: 10, Mode: mode})
			if err != nil {
				t.Fatal(err)
			}
			if err := tk.Verify(); err != nil {
				t.Fatalf("fresh file: %v", err)
			}
			if err := tk.Run(5); err != nil {
				t.Fatal(err)
			}
			if err := tk.Verify(); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(tk.Path())
			if err != nil {
				t.Fatal(err)
			}
			idx := tk.index(5, 3) // changed by the last tick
			if inst, ts := record(b, idx); inst != uint64(100_000+idx) || ts != 1_732_000_000_000_000_000+uint64(idx)+5 {
				t.Fatalf("record %d = (%d, %d), want version 5", idx, inst, ts)
			}
			var changed int
			for _, v := range tk.versions {
				if v != 0 {
					changed++
				}
			}
			if changed != 50 { // 5 ticks of 10 distinct records; 1000 records: no overlap
				t.Fatalf("%d records changed by 5 ticks of 10", changed)
			}
			var runErr error
			if got := testing.AllocsPerRun(10, func() { runErr = tk.Run(3) }); got != 0 || runErr != nil {
				t.Fatalf("Run allocates %v objects (err %v)", got, runErr)
			}
			if err := tk.Close(); err != nil {
				t.Fatal(err)
			}
			assertEmpty(t, parent)
		})
	}
}

func TestSnapshotTickVerifyDetectsCorruption(t *testing.T) {
	tk, err := OpenSnapshotTick(SnapshotTickConfig{Dir: t.TempDir(), Records: 1000, Changed: 10, Mode: TickMmap})
	if err != nil {
		t.Fatal(err)
	}
	defer tk.Close()
	if err := tk.Run(2); err != nil {
		t.Fatal(err)
	}
	tk.file.mapped[tk.index(2, 0)*SnapshotRecordBytes+9] ^= 1 // a stray store through the mapping
	if err := tk.Verify(); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("corruption not reported: %v", err)
	}
}

func TestSnapshotTickOpenRejects(t *testing.T) {
	cases := []struct {
		name string
		cfg  SnapshotTickConfig
		want string
	}{
		{"zero records", SnapshotTickConfig{Records: 0, Changed: 1, Mode: TickPwrite}, "got 0"},
		{"changed > records", SnapshotTickConfig{Records: 10, Changed: 11, Mode: TickPwrite}, "[1, records=10], got 11"},
		{"changed 0", SnapshotTickConfig{Records: 10, Changed: 0, Mode: TickMmap}, "got 0"},
		{"unknown mode", SnapshotTickConfig{Records: 10, Changed: 1, Mode: "write"}, `"write"`},
		{"too little disk", SnapshotTickConfig{Records: 100_000, Changed: 1, Mode: TickMmap,
			limits: func(string) (HostLimits, error) { return HostLimits{1 << 40, 4096}, nil }}, "4.00 KiB is free"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			parent := t.TempDir()
			c.cfg.Dir = parent
			tk, err := OpenSnapshotTick(c.cfg)
			if err == nil {
				tk.Close()
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not mention %q", err, c.want)
			}
			assertEmpty(t, parent)
		})
	}
}
