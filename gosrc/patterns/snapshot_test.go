package patterns

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gobench/registry"
)

func plenty(string) (HostLimits, error) {
	return HostLimits{MemAvailable: 1 << 40, DiskAvailable: 1 << 40}, nil
}

// record decodes record i of an encoded snapshot.
func record(b []byte, i int) (instrument uint64, ts uint64) {
	r := b[i*SnapshotRecordBytes:]
	return binary.LittleEndian.Uint64(r), binary.LittleEndian.Uint64(r[40:])
}

func assertEmpty(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Fatalf("%s should be empty, holds %v", dir, entries)
	}
}

func TestSnapshotModesPersistAndVerify(t *testing.T) {
	for _, mode := range SnapshotModes {
		t.Run(string(mode), func(t *testing.T) {
			parent := t.TempDir()
			s, err := OpenSnapshot(SnapshotConfig{Dir: parent, Records: 1000, Mode: mode})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Verify(); err != nil {
				t.Fatalf("fresh snapshot: %v", err)
			}
			if err := s.Run(3); err != nil {
				t.Fatal(err)
			}
			if err := s.Verify(); err != nil {
				t.Fatal(err)
			}
			if mode != SnapshotMemcpy {
				b, err := os.ReadFile(s.Path())
				if err != nil {
					t.Fatal(err)
				}
				inst, ts := record(b, 5)
				if len(b) != 1000*SnapshotRecordBytes || inst != 100_005 || ts != 1_732_000_000_000_000_000+5+3 {
					t.Fatalf("file has %d bytes, record 5 = (%d, %d): not version 3", len(b), inst, ts)
				}
				if filepath.Dir(filepath.Dir(s.Path())) != parent {
					t.Fatalf("snapshot %s not in its own folder under %s", s.Path(), parent)
				}
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			assertEmpty(t, parent) // Close removed the folder
			if err := s.Close(); err != nil {
				t.Fatalf("second Close: %v", err)
			}
		})
	}
}

func TestSnapshotAllocs(t *testing.T) {
	for _, mode := range SnapshotModes {
		t.Run(string(mode), func(t *testing.T) {
			s, err := OpenSnapshot(SnapshotConfig{Dir: t.TempDir(), Records: 1000, Mode: mode})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var runErr error
			if got := testing.AllocsPerRun(5, func() { runErr = s.Run(2) }); got != 0 || runErr != nil {
				t.Fatalf("Run allocates %v objects (err %v), want 0", got, runErr)
			}
			if got := testing.AllocsPerRun(2, func() { runErr = s.Verify() }); got != 0 || runErr != nil {
				t.Fatalf("Verify allocates %v objects (err %v), want 0", got, runErr)
			}
		})
	}
}

// A corrupted snapshot is an error, whichever way it was written.
func TestSnapshotVerifyDetectsCorruption(t *testing.T) {
	for _, mode := range []SnapshotMode{SnapshotWrite, SnapshotMmap, SnapshotMmapMsync} {
		t.Run(string(mode), func(t *testing.T) {
			s, err := OpenSnapshot(SnapshotConfig{Dir: t.TempDir(), Records: 1000, Mode: mode})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := s.Run(1); err != nil {
				t.Fatal(err)
			}
			f, err := os.OpenFile(s.Path(), os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.WriteAt([]byte{0xff}, 777)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			err = s.Verify()
			if err == nil || !strings.Contains(err.Error(), "corrupt") || !strings.Contains(err.Error(), s.Path()) {
				t.Fatalf("corruption not reported with the file name: %v", err)
			}
		})
	}
}

func TestSnapshotOpenRejects(t *testing.T) {
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "missing")
	lowMem := func(string) (HostLimits, error) {
		return HostLimits{MemAvailable: 1 << 20, DiskAvailable: 1 << 40}, nil
	}
	lowDisk := func(string) (HostLimits, error) {
		return HostLimits{MemAvailable: 1 << 40, DiskAvailable: 1 << 20}, nil
	}
	cases := []struct {
		name    string
		cfg     SnapshotConfig
		want    []string // substrings of the error
		wantDir bool     // the error names the (temporary) folder
	}{
		{"zero records", SnapshotConfig{Records: 0, Mode: SnapshotWrite}, []string{"[1, 22369621]", "got 0"}, false},
		{"negative records", SnapshotConfig{Records: -5, Mode: SnapshotWrite}, []string{"got -5"}, false},
		{"over 1 GiB", SnapshotConfig{Records: SnapshotMaxRecords + 1, Mode: SnapshotMmap}, []string{"1 GiB"}, false},
		{"unknown mode", SnapshotConfig{Records: 10, Mode: "mmap-async"}, []string{`"mmap-async"`, "mmap-msync"}, false},
		{"folder is a file", SnapshotConfig{Dir: notADir, Records: 10, Mode: SnapshotWrite, limits: plenty},
			[]string{notADir, "writable"}, false},
		{"folder missing", SnapshotConfig{Dir: missing, Records: 10, Mode: SnapshotWrite}, []string{missing}, false},
		{"too little memory", SnapshotConfig{Records: 100_000, Mode: SnapshotWrite, limits: lowMem},
			[]string{"1.00 MiB", "MemAvailable", "needs 14.73 MiB"}, true},
		{"too little disk", SnapshotConfig{Records: 100_000, Mode: SnapshotMmapMsync, limits: lowDisk},
			[]string{"1.00 MiB", "statfs", "needs 4.58 MiB of disk"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			parent := c.cfg.Dir
			if parent == "" {
				parent = t.TempDir()
				c.cfg.Dir = parent
			}
			if c.wantDir {
				c.want = append(c.want, parent)
			}
			s, err := OpenSnapshot(c.cfg)
			if err == nil {
				s.Close()
				t.Fatal("accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if fi, statErr := os.Stat(parent); statErr == nil && fi.IsDir() {
				assertEmpty(t, parent) // rejected before writing anything
			}
		})
	}
}

// A folder without write permission (meaningless for root, who may write anywhere).
func TestSnapshotOpenReadOnlyFolder(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root can write into a read-only folder")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o700)
	_, err := OpenSnapshot(SnapshotConfig{Dir: dir, Records: 10, Mode: SnapshotWrite})
	if err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "writable") {
		t.Fatalf("read-only folder: %v", err)
	}
}

func TestParseMemAvailable(t *testing.T) {
	const sample = "MemTotal:       24683704 kB\nMemFree:        23405216 kB\nMemAvailable:   24359576 kB\nBuffers:           2172 kB\n"
	got, err := parseMemAvailable([]byte(sample))
	if err != nil || got != 24359576<<10 {
		t.Fatalf("got %d, %v", got, err)
	}
	if _, err := parseMemAvailable([]byte("MemTotal: 1 kB\n")); err == nil {
		t.Fatal("missing MemAvailable accepted")
	}
}

func TestReadHostLimits(t *testing.T) {
	l, err := ReadHostLimits(os.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if l.MemAvailable <= 0 || l.DiskAvailable <= 0 {
		t.Fatalf("implausible limits %+v", l)
	}
}

func TestPageFaultsCountsFirstTouch(t *testing.T) {
	before, _ := PageFaults()
	b := make([]byte, 64<<20) // fresh pages from the OS
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	after, _ := PageFaults()
	if after-before < 100 {
		t.Fatalf("touching 64 MiB of fresh memory counted %d minor faults", after-before)
	}
}

// The durable metric says which variants fsync; throughput is positive.
func TestSnapshotMetrics(t *testing.T) {
	for _, mode := range SnapshotModes {
		m := scenarioMetrics(t, "Snapshot/"+string(mode), map[string]int64{"records": 100}, 4)
		want := 0.0
		if mode == SnapshotWriteFdatasync || mode == SnapshotMmapMsync {
			want = 1
		}
		if m["durable"] != want || !(m["mb_per_s"] > 0) {
			t.Errorf("%s: %v, want durable %v and a positive mb_per_s", mode, m, want)
		}
	}
}

func TestSnapshotScenarioParamBounds(t *testing.T) {
	for _, name := range []string{"Snapshot/write", "SnapshotTick/mmap"} {
		s, err := registry.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []int64{0, -1, SnapshotMaxRecords + 1} {
			if _, err := s.Resolve(map[string]int64{"records": bad}); err == nil {
				t.Errorf("%s accepted records=%d", name, bad)
			}
		}
	}
	s, err := registry.Lookup("SnapshotTick/pwrite")
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Resolve(map[string]int64{"records": 10})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Open(p); err == nil || !strings.Contains(err.Error(), "records=10") {
		t.Fatalf("changed=1000 > records=10 not rejected clearly: %v", err)
	}
}

// A snapshot that does not read back as written fails verification, yields
// no metrics, and keeps failing: every later Run and Close return the error.
func TestSnapshotScenarioFailsAfterCorruption(t *testing.T) {
	s, err := OpenSnapshot(SnapshotConfig{Dir: t.TempDir(), Records: 100, Mode: SnapshotWrite})
	if err != nil {
		t.Fatal(err)
	}
	inst := &snapshotInstance{p: s, bytesPerOp: float64(s.Bytes())}
	m := registry.NewMetrics(snapshotMetrics)
	if err := inst.Run(3); err != nil || inst.Verify() != nil {
		t.Fatalf("a good round failed: %v %v", err, inst.Verify())
	}
	if _, err := m.Collect(inst, 3, time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := inst.Run(1); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(s.Path(), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteAt([]byte("garbage"), 100)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	for what, err := range map[string]error{"Verify": inst.Verify(), "Run": inst.Run(1), "Close": inst.Close()} {
		if err == nil || !strings.Contains(err.Error(), "corrupt") {
			t.Errorf("%s after corruption: %v", what, err)
		}
	}
	if vals, err := m.Collect(inst, 1, time.Millisecond); err == nil || vals != nil {
		t.Errorf("a corrupt snapshot yielded metrics %v", vals)
	}
}
