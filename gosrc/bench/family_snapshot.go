package bench

import (
	"fmt"
	"time"

	"gobench/patterns"
)

// persister is what the Snapshot and SnapshotTick families have in common.
type persister interface {
	Run(n int) error
	Verify() error
	Close() error
}

// snapshotInstance adapts a patterns.Snapshot or SnapshotTick: it counts the
// page faults of its own Run calls (getrusage, allocation-free), verifies
// the file after every round and reports throughput and faults per op.
type snapshotInstance struct {
	p           persister
	bytesPerOp  float64
	durable     float64
	minflt      int64 // faults during Run since the last Report
	majflt      int64
	ranSinceChk bool
	err         error // a verification failure, returned by every later call
}

func (s *snapshotInstance) Run(n int) error {
	if s.err != nil {
		return s.err
	}
	min0, maj0 := patterns.PageFaults()
	err := s.p.Run(n)
	min1, maj1 := patterns.PageFaults()
	s.minflt += min1 - min0
	s.majflt += maj1 - maj0
	s.ranSinceChk = true
	return err
}

// Verify checks the persisted snapshot once per round.
func (s *snapshotInstance) Verify() error {
	if s.err == nil && s.ranSinceChk {
		s.err = s.p.Verify()
		s.ranSinceChk = false
	}
	return s.err
}

func (s *snapshotInstance) Report(n int, elapsed time.Duration) []float64 {
	if err := s.Verify(); err != nil {
		panic(err) // RunRound verified already; this is a fallback: a corrupt snapshot must not yield numbers
	}
	mbps := s.bytesPerOp * float64(n) / elapsed.Seconds() / 1e6
	out := []float64{mbps, float64(s.minflt) / float64(n), float64(s.majflt) / float64(n), s.durable}
	s.minflt, s.majflt = 0, 0
	return out
}

func (s *snapshotInstance) Close() error {
	cerr := s.p.Close()
	if s.err != nil {
		return s.err
	}
	return cerr
}

// snapshotExtra are the Reporter values of both families. mb_per_s is
// 10^6 bytes persisted per second of the round.
var snapshotExtra = []string{"mb_per_s", "minflt_per_op", "majflt_per_op", "durable"}

func recordsParam(def int64) Param {
	return Param{
		Name: "records", Default: def, Min: 1, Max: patterns.SnapshotMaxRecords, Unit: "records",
		Doc: fmt.Sprintf("instruments in the snapshot, %d bytes each (default %d: %d MiB; at most 1 GiB)",
			patterns.SnapshotRecordBytes, def, def*patterns.SnapshotRecordBytes>>20),
	}
}

const snapshotDefaultRecords = 65536

var snapshotDocs = map[patterns.SnapshotMode]string{
	patterns.SnapshotWrite:          "Encode into a buffer and pwrite() it over the file: page cache only, not durable.",
	patterns.SnapshotWriteFdatasync: "Encode into a buffer, pwrite() it, fdatasync: durable.",
	patterns.SnapshotMmap: "Encode straight into a MAP_SHARED mapping, no sync: page cache only, not durable " +
		"(the article's MS_ASYNC does nothing on Linux, so this is its variant).",
	patterns.SnapshotMmapMsync: "Encode into the MAP_SHARED mapping, msync(MS_SYNC): durable.",
	patterns.SnapshotMemcpy:    "Copy the encoded snapshot between two buffers in memory: the physical bound, no file.",
}

func init() {
	for _, mode := range patterns.SnapshotModes {
		Register(Scenario{
			Family: "Snapshot", Variant: string(mode),
			Doc: snapshotDocs[mode] + " One op persists one whole snapshot of fixed 48-byte records, " +
				"read back and checksummed after every round (claim C6).",
			Params: []Param{recordsParam(snapshotDefaultRecords)},
			Extra:  snapshotExtra,
			Open: func(p Params) (Instance, error) {
				s, err := patterns.OpenSnapshot(patterns.SnapshotConfig{Records: int(p["records"]), Mode: mode})
				if err != nil {
					return nil, err
				}
				var durable float64
				if mode.Durable() {
					durable = 1
				}
				return &snapshotInstance{p: s, bytesPerOp: float64(s.Bytes()), durable: durable}, nil
			},
		})
	}
	tickDocs := map[patterns.TickMode]string{
		patterns.TickPwrite: "pwrite() each changed 48-byte record at its offset.",
		patterns.TickMmap:   "Store each changed record in place in a MAP_SHARED mapping of the file.",
	}
	for _, mode := range patterns.TickModes {
		Register(Scenario{
			Family: "SnapshotTick", Variant: string(mode),
			Doc: tickDocs[mode] + " One op applies a tick: `changed` records spread over an existing snapshot file " +
				"are rewritten, not durable; read back and checksummed after every round.",
			Params: []Param{
				recordsParam(snapshotDefaultRecords),
				{Name: "changed", Default: 1000, Min: 1, Max: patterns.SnapshotMaxRecords, Unit: "records",
					Doc: "records one tick changes; at most `records`"},
			},
			Extra: snapshotExtra,
			Open: func(p Params) (Instance, error) {
				t, err := patterns.OpenSnapshotTick(patterns.SnapshotTickConfig{
					Records: int(p["records"]), Changed: int(p["changed"]), Mode: mode,
				})
				if err != nil {
					return nil, err
				}
				return &snapshotInstance{p: t, bytesPerOp: float64(t.Changed() * patterns.SnapshotRecordBytes)}, nil
			},
		})
	}
}
