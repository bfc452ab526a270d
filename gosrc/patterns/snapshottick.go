package patterns

import (
	"errors"
	"fmt"

	"gobench/registry"
)

// The SnapshotTick family is the incremental side of section 2.4: between
// full snapshots, a market-data tick changes K of the M records, and the
// file is updated in place. One operation updates K records: pwrite() of
// each 48-byte record at its offset, or a store into a MAP_SHARED mapping.
// Neither is durable.
//
// The records a tick changes are spread over the whole file (a stride
// through the instruments, distinct within one tick), as ticks of unrelated
// instruments are, so each touches its own page.
//
// When it does not pay: the "patterns" section of gobench/analyse/claims.json,
// printed in the report (one place for that analysis).

// A TickMode is how a SnapshotTick writes changed records.
type TickMode string

// The tick modes; the names are the scenario variants.
const (
	TickPwrite TickMode = "pwrite" // one pwrite() per changed record
	TickMmap   TickMode = "mmap"   // a store into the MAP_SHARED mapping per changed record
)

// TickModes lists every mode.
var TickModes = []TickMode{TickPwrite, TickMmap}

// tickStride spreads a tick's records over the file. It is prime and larger
// than SnapshotMaxRecords, so it is coprime with any record count and
// k -> k*tickStride mod M is a permutation.
const tickStride = 2654435761

// A SnapshotTickConfig says what to open.
type SnapshotTickConfig struct {
	Dir     string // parent of the temporary folder; "" is os.TempDir()
	Records int    // 1..SnapshotMaxRecords
	Changed int    // records per tick, 1..Records
	Mode    TickMode

	limits func(dir string) (HostLimits, error) // tests replace ReadHostLimits
}

// A SnapshotTick applies ticks to a snapshot file. It owns a temporary folder
// (removed by Close), the quotes and the version of every record. It is used
// by one goroutine at a time.
type SnapshotTick struct {
	mode     TickMode
	changed  int
	quotes   []Quote
	versions []uint64 // version (tick sequence) of each record in the file
	file     *snapFile
	rec      [SnapshotRecordBytes]byte // pwrite's encode buffer
	scratch  []byte
	seq      uint64 // ticks applied
	closed   bool
}

// OpenSnapshotTick checks that the snapshot fits in free memory and disk,
// then creates the file holding version 0 of every record (synced), and maps
// it in mmap mode.
func OpenSnapshotTick(cfg SnapshotTickConfig) (*SnapshotTick, error) {
	if cfg.Records < 1 || cfg.Records > SnapshotMaxRecords {
		return nil, fmt.Errorf("snapshot records must be in [1, %d] (at most 1 GiB of %d-byte records), got %d",
			SnapshotMaxRecords, SnapshotRecordBytes, cfg.Records)
	}
	if cfg.Changed < 1 || cfg.Changed > cfg.Records {
		return nil, fmt.Errorf("changed records per tick must be in [1, records=%d], got %d", cfg.Records, cfg.Changed)
	}
	if cfg.Mode != TickPwrite && cfg.Mode != TickMmap {
		return nil, fmt.Errorf("unknown tick mode %q; known: %v", cfg.Mode, TickModes)
	}
	parent, l, err := hostLimits(cfg.Dir, cfg.limits)
	if err != nil {
		return nil, err
	}
	size := cfg.Records * SnapshotRecordBytes
	// quotes + versions (8 B a record) + the page cache of the file.
	needMem := int64(size) + int64(cfg.Records)*8 + int64(size) + verifyChunk
	what := fmt.Sprintf("a snapshot of %d records (%s) for ticks", cfg.Records, humanBytes(int64(size)))
	if err := checkCapacity(what, parent, needMem, int64(size), l); err != nil {
		return nil, err
	}
	t := &SnapshotTick{
		mode:     cfg.Mode,
		changed:  cfg.Changed,
		quotes:   newQuotes(cfg.Records),
		versions: make([]uint64, cfg.Records),
		scratch:  make([]byte, verifyChunk),
	}
	if t.file, err = createSnapFile(parent, size, cfg.Mode == TickMmap); err != nil {
		return nil, err
	}
	err = t.file.fill(t.scratch, func(dst []byte, first, count int) {
		encodeQuotes(dst, t.quotes[first:first+count], 0)
	})
	if err != nil {
		t.file.close()
		return nil, err
	}
	return t, nil
}

// Mode is the tick's mode.
func (t *SnapshotTick) Mode() TickMode { return t.mode }

// Changed is how many records one tick changes.
func (t *SnapshotTick) Changed() int { return t.changed }

// Path is the snapshot file.
func (t *SnapshotTick) Path() string { return t.file.path }

// index is the j-th record changed by tick seq.
func (t *SnapshotTick) index(seq uint64, j int) int {
	m := uint64(len(t.quotes))
	k := (seq%m*uint64(t.changed)%m + uint64(j)) % m
	return int(k * (tickStride % m) % m)
}

// Run applies n ticks. It allocates nothing.
func (t *SnapshotTick) Run(n int) error {
	if t.closed {
		return errors.New("snapshot tick: Run after Close")
	}
	for i := 0; i < n; i++ {
		seq := t.seq + 1
		for j := 0; j < t.changed; j++ {
			idx := t.index(seq, j)
			off := idx * SnapshotRecordBytes
			if t.mode == TickMmap {
				encodeQuote(t.file.mapped[off:], &t.quotes[idx], seq)
			} else {
				encodeQuote(t.rec[:], &t.quotes[idx], seq)
				if err := pwriteFull(t.file.fd, t.rec[:], int64(off)); err != nil {
					return fmt.Errorf("tick %d: pwrite record %d of %s: %w", seq, idx, t.file.path, err)
				}
			}
			t.versions[idx] = seq
		}
		t.seq = seq
	}
	return nil
}

// Verify reads the file back through read() and compares its CRC-32C with
// that of every record at the version its last tick wrote, recomputed from
// the quotes. It allocates nothing; call it outside measured code.
func (t *SnapshotTick) Verify() error {
	if t.closed {
		return errors.New("snapshot tick: Verify after Close")
	}
	want := expectedCRC(t.quotes, func(i int) uint64 { return t.versions[i] }, t.scratch)
	got, err := t.file.crc(t.scratch)
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("snapshot %s (%s ticks) corrupt after tick %d: CRC-32C read back %08x, encoded %08x",
			t.file.path, t.mode, t.seq, got, want)
	}
	return nil
}

// Close releases the mapping, the file and its folder.
func (t *SnapshotTick) Close() error {
	if t.closed {
		return nil
	}
	t.closed = true
	return t.file.close()
}

func init() {
	docs := map[TickMode]string{
		TickPwrite: "pwrite() each changed 48-byte record at its offset.",
		TickMmap:   "Store each changed record in place in a MAP_SHARED mapping of the file.",
	}
	for _, mode := range TickModes {
		registry.Register(registry.Scenario{
			Family: "SnapshotTick", Variant: string(mode),
			Doc: docs[mode] + " One op applies a tick: `changed` records spread over an existing snapshot file " +
				"are rewritten, not durable; read back and checksummed after every round.",
			Params: []registry.Param{
				snapshotRecordsParam(snapshotDefaultRecords),
				{Name: "changed", Default: 1000, Min: 1, Max: SnapshotMaxRecords, Unit: "records",
					Doc: "records one tick changes; at most `records`"},
			},
			Smoke:   registry.Params{"records": snapshotSmokeRecords, "changed": 100},
			Metrics: snapshotMetrics,
			Open: func(p registry.Params) (registry.Instance, error) {
				t, err := OpenSnapshotTick(SnapshotTickConfig{
					Records: int(p["records"]), Changed: int(p["changed"]), Mode: mode,
				})
				if err != nil {
					return nil, err
				}
				return &snapshotInstance{p: t, bytesPerOp: float64(t.Changed() * SnapshotRecordBytes)}, nil
			},
		})
	}
}
