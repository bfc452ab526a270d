package patterns

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"syscall"
	"time"
	"unsafe"

	"gobench/registry"
)

// The Snapshot family measures section 2.4 of the seed article (claim C6):
// persisting a market snapshot by write() against writing into a MAP_SHARED
// mapping. One operation persists one whole snapshot of M fixed-size binary
// records (SnapshotRecordBytes each), overwriting the previous one in place.
//
// The variants compare like with like (see SnapshotMode): write() into the
// page cache against encoding straight into a MAP_SHARED mapping (neither is
// durable), and write()+fdatasync against mmap+msync(MS_SYNC) (both are).
// The article's mmap+msync(MS_ASYNC) is not durable at all: on Linux
// MS_ASYNC does nothing (mm/msync.c), so it is measured as what it is, plain
// mmap. memcpy copies the encoded bytes between two buffers in memory: the
// physical bound for moving that many bytes once on this machine.
//
// Its claim, 1 GB in 1.7 ms, needs about 590 GB/s, 30 to 100 times what one
// core can copy; memcpy measures the real bound on this machine. A mapping
// also pays page faults that write() does not (minflt_per_op): the first
// time it is written (one per 4 KiB page, fewer on kernels that map large
// page-cache folios at once), and one per 4 KiB page again after every
// msync(MS_SYNC) or background writeback, which write-protects clean pages.
//
// When it does not pay: the "patterns" section of gobench/analyse/claims.json,
// printed in the report (one place for that analysis).

// SnapshotRecordBytes is the size of one encoded record: instrument id, bid,
// ask, bid size, ask size and timestamp, 8 bytes each, little-endian.
const SnapshotRecordBytes = 48

// SnapshotMaxBytes is the largest snapshot allowed: 1 GiB.
const SnapshotMaxBytes = 1 << 30

// SnapshotMaxRecords is how many records fit in SnapshotMaxBytes.
const SnapshotMaxRecords = SnapshotMaxBytes / SnapshotRecordBytes

// A Quote is one instrument's top of book: the in-memory state a snapshot
// persists. Prices are fixed point (1e-8 units), the timestamp unix ns.
type Quote struct {
	Instrument uint64
	Bid, Ask   int64
	BidSize    int64
	AskSize    int64
	Timestamp  int64
}

// newQuotes builds the market state of records instruments.
func newQuotes(records int) []Quote {
	q := make([]Quote, records)
	for i := range q {
		mid := int64(100_0000_0000 + (i%5000)*1_0000_0000)
		q[i] = Quote{
			Instrument: uint64(100_000 + i),
			Bid:        mid - 50_0000,
			Ask:        mid + 50_0000,
			BidSize:    int64(100 + i%900),
			AskSize:    int64(200 + i%700),
			Timestamp:  1_732_000_000_000_000_000 + int64(i),
		}
	}
	return q
}

// encodeQuote writes the record of q at version ver (a snapshot sequence
// number, added to the timestamp so that every version's bytes differ) into
// dst[:SnapshotRecordBytes].
func encodeQuote(dst []byte, q *Quote, ver uint64) {
	_ = dst[SnapshotRecordBytes-1]
	binary.LittleEndian.PutUint64(dst[0:], q.Instrument)
	binary.LittleEndian.PutUint64(dst[8:], uint64(q.Bid))
	binary.LittleEndian.PutUint64(dst[16:], uint64(q.Ask))
	binary.LittleEndian.PutUint64(dst[24:], uint64(q.BidSize))
	binary.LittleEndian.PutUint64(dst[32:], uint64(q.AskSize))
	binary.LittleEndian.PutUint64(dst[40:], uint64(q.Timestamp)+ver)
}

// encodeQuotes encodes every quote at version ver into dst.
func encodeQuotes(dst []byte, quotes []Quote, ver uint64) {
	for i := range quotes {
		encodeQuote(dst[i*SnapshotRecordBytes:], &quotes[i], ver)
	}
}

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// expectedCRC is the CRC-32C of the snapshot the quotes encode, record i at
// version ver(i), computed record by record into scratch (at least one
// record long) so that it needs no second copy of the snapshot.
func expectedCRC(quotes []Quote, ver func(i int) uint64, scratch []byte) uint32 {
	per := len(scratch) / SnapshotRecordBytes
	var crc uint32
	for start := 0; start < len(quotes); start += per {
		end := min(start+per, len(quotes))
		for i := start; i < end; i++ {
			encodeQuote(scratch[(i-start)*SnapshotRecordBytes:], &quotes[i], ver(i))
		}
		crc = crc32.Update(crc, crcTable, scratch[:(end-start)*SnapshotRecordBytes])
	}
	return crc
}

// --- host limits ---------------------------------------------------------------------------

// HostLimits are the free resources a snapshot must fit in.
type HostLimits struct {
	MemAvailable  int64 // bytes, MemAvailable in /proc/meminfo
	DiskAvailable int64 // bytes available to this user in the folder (statfs)
}

// ReadHostLimits reads free memory and the free disk space of dir. The
// error names dir when it cannot be inspected.
func ReadHostLimits(dir string) (HostLimits, error) {
	var l HostLimits
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return l, fmt.Errorf("snapshot folder %s: cannot read its free space: %w", dir, err)
	}
	l.DiskAvailable = int64(st.Bavail) * int64(st.Bsize)
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return l, fmt.Errorf("cannot read free memory: %w", err)
	}
	if l.MemAvailable, err = parseMemAvailable(b); err != nil {
		return l, err
	}
	return l, nil
}

// parseMemAvailable finds "MemAvailable: N kB" in /proc/meminfo text.
func parseMemAvailable(meminfo []byte) (int64, error) {
	var kb int64
	for _, line := range splitLines(meminfo) {
		if n, _ := fmt.Sscanf(line, "MemAvailable: %d kB", &kb); n == 1 {
			return kb << 10, nil
		}
	}
	return 0, errors.New("/proc/meminfo has no MemAvailable line (Linux 3.14+ needed)")
}

func splitLines(b []byte) []string {
	var out []string
	start := 0
	for i, c := range b {
		if c == '\n' {
			out = append(out, string(b[start:i]))
			start = i + 1
		}
	}
	if start < len(b) {
		out = append(out, string(b[start:]))
	}
	return out
}

// checkCapacity refuses a snapshot needing more memory or disk than l
// offers, with a message naming the folder and the limit.
// hostLimits resolves a snapshot's folder (dir, or the system temp folder)
// and reads its limits with read (ReadHostLimits unless a test replaces it).
func hostLimits(dir string, read func(string) (HostLimits, error)) (string, HostLimits, error) {
	if dir == "" {
		dir = os.TempDir()
	}
	if read == nil {
		read = ReadHostLimits
	}
	l, err := read(dir)
	return dir, l, err
}

func checkCapacity(what, dir string, needMem, needDisk int64, l HostLimits) error {
	if needMem > l.MemAvailable {
		return fmt.Errorf("%s needs %s of memory, but only %s is available (MemAvailable in /proc/meminfo); "+
			"nothing was written to %s", what, humanBytes(needMem), humanBytes(l.MemAvailable), dir)
	}
	if needDisk > l.DiskAvailable {
		return fmt.Errorf("%s needs %s of disk in %s, but only %s is free there (statfs); nothing was written",
			what, humanBytes(needDisk), dir, humanBytes(l.DiskAvailable))
	}
	return nil
}

func humanBytes(b int64) string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(b)/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.2f MiB", float64(b)/(1<<20))
	case b >= 1<<10:
		return fmt.Sprintf("%.2f KiB", float64(b)/(1<<10))
	}
	return fmt.Sprintf("%d B", b)
}

// --- the snapshot file ------------------------------------------------------------------------

// verifyChunk is the read-back buffer of a verification.
const verifyChunk = 1 << 20

// A snapFile is a snapshot file in a temporary folder of its own, optionally
// mapped. It owns the folder: close removes it.
type snapFile struct {
	dir    string
	path   string
	f      *os.File
	fd     int
	size   int
	mapped []byte // MAP_SHARED, read-write; nil when not mapped
}

// createSnapFile makes a folder of its own in parent and a file of size
// bytes in it, and maps the file when mapIt is set. The caller fills it.
func createSnapFile(parent string, size int, mapIt bool) (*snapFile, error) {
	dir, err := os.MkdirTemp(parent, "gobench-snapshot-")
	if err != nil {
		return nil, fmt.Errorf("cannot create the snapshot folder in %s (is it writable?): %w", parent, err)
	}
	s := &snapFile{dir: dir, path: filepath.Join(dir, "snapshot.dat"), size: size, fd: -1}
	s.f, err = os.OpenFile(s.path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		s.close()
		return nil, fmt.Errorf("cannot create %s: %w", s.path, err)
	}
	s.fd = int(s.f.Fd())
	if err := s.f.Truncate(int64(size)); err != nil {
		s.close()
		return nil, fmt.Errorf("cannot size %s to %d bytes: %w", s.path, size, err)
	}
	if mapIt {
		s.mapped, err = syscall.Mmap(s.fd, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
		if err != nil {
			s.close()
			return nil, fmt.Errorf("cannot map %s (%d bytes): %w", s.path, size, err)
		}
	}
	return s, nil
}

// fill writes the snapshot encoded by encode(chunk, firstRecord) through
// write() in chunks, then fdatasyncs, so that the first measured round
// overwrites allocated, clean blocks.
func (s *snapFile) fill(chunk []byte, encode func(dst []byte, first, count int)) error {
	per := len(chunk) / SnapshotRecordBytes
	records := s.size / SnapshotRecordBytes
	for first := 0; first < records; first += per {
		count := min(per, records-first)
		encode(chunk, first, count)
		if err := pwriteFull(s.fd, chunk[:count*SnapshotRecordBytes], int64(first*SnapshotRecordBytes)); err != nil {
			return fmt.Errorf("writing %s: %w", s.path, err)
		}
	}
	if err := syscall.Fdatasync(s.fd); err != nil {
		return fmt.Errorf("fdatasync %s: %w", s.path, err)
	}
	return nil
}

// crc reads the whole file back through read() (the page cache, which a
// MAP_SHARED mapping shares) and returns its CRC-32C.
func (s *snapFile) crc(chunk []byte) (uint32, error) {
	var crc uint32
	for off := 0; off < s.size; {
		k, err := syscall.Pread(s.fd, chunk[:min(len(chunk), s.size-off)], int64(off))
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("reading %s back: %w", s.path, err)
		}
		if k == 0 {
			return 0, fmt.Errorf("reading %s back: file ends at %d bytes, %d expected", s.path, off, s.size)
		}
		crc = crc32.Update(crc, crcTable, chunk[:k])
		off += k
	}
	return crc, nil
}

// close unmaps, closes and removes the folder; it may be called on a
// partly created snapFile and more than once.
func (s *snapFile) close() error {
	var errs []error
	if s.mapped != nil {
		errs = append(errs, syscall.Munmap(s.mapped))
		s.mapped = nil
	}
	if s.f != nil {
		errs = append(errs, s.f.Close())
		s.f, s.fd = nil, -1
	}
	if s.dir != "" {
		errs = append(errs, os.RemoveAll(s.dir))
		s.dir = ""
	}
	return errors.Join(errs...)
}

// pwriteFull writes all of b at off, retrying short writes and EINTR.
// It does not allocate.
func pwriteFull(fd int, b []byte, off int64) error {
	for len(b) > 0 {
		k, err := syscall.Pwrite(fd, b, off)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if k == 0 {
			return syscall.EIO
		}
		b, off = b[k:], off+int64(k)
	}
	return nil
}

// msync flushes a mapping with the given flags (syscall has no Msync).
func msync(b []byte, flags int) error {
	_, _, e := syscall.Syscall(syscall.SYS_MSYNC, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), uintptr(flags))
	if e != 0 {
		return e
	}
	return nil
}

// PageFaults returns the process's minor and major page faults so far
// (getrusage RUSAGE_SELF). It uses RawSyscall because syscall.Getrusage
// moves its argument to the heap; this allocates nothing.
func PageFaults() (minflt, majflt int64) {
	var ru syscall.Rusage
	syscall.RawSyscall(syscall.SYS_GETRUSAGE, uintptr(syscall.RUSAGE_SELF), uintptr(unsafe.Pointer(&ru)), 0)
	return ru.Minflt, ru.Majflt
}

// --- Snapshot --------------------------------------------------------------------------------

// A SnapshotMode is how a Snapshot persists each version.
type SnapshotMode string

// The snapshot modes; the names are the scenario variants.
const (
	SnapshotWrite          SnapshotMode = "write"           // encode into a buffer, pwrite() it: page cache only
	SnapshotWriteFdatasync SnapshotMode = "write-fdatasync" // the same, then fdatasync: durable
	SnapshotMmap           SnapshotMode = "mmap"            // encode into a MAP_SHARED mapping: page cache only
	SnapshotMmapMsync      SnapshotMode = "mmap-msync"      // the same, then msync(MS_SYNC): durable
	SnapshotMemcpy         SnapshotMode = "memcpy"          // copy the encoded bytes to a second buffer: the bound
)

// SnapshotModes lists every mode.
var SnapshotModes = []SnapshotMode{SnapshotWrite, SnapshotWriteFdatasync, SnapshotMmap, SnapshotMmapMsync, SnapshotMemcpy}

// Durable says whether a mode's snapshot survives a power failure once an
// operation returns.
func (m SnapshotMode) Durable() bool { return m == SnapshotWriteFdatasync || m == SnapshotMmapMsync }

func (m SnapshotMode) usesFile() bool { return m != SnapshotMemcpy }
func (m SnapshotMode) usesMap() bool  { return m == SnapshotMmap || m == SnapshotMmapMsync }

// memFactor is how many snapshot-sized regions of memory a mode holds: the
// quotes, the encode buffer, the page cache of the file, the memcpy target.
func (m SnapshotMode) memFactor() int64 {
	if m.usesMap() {
		return 2 // quotes + page cache (the mapping is the page cache)
	}
	return 3
}

// A SnapshotConfig says what to open.
type SnapshotConfig struct {
	Dir     string // parent of the temporary folder; "" is os.TempDir()
	Records int    // 1..SnapshotMaxRecords
	Mode    SnapshotMode

	limits func(dir string) (HostLimits, error) // tests replace ReadHostLimits
}

// A Snapshot persists versions of a market snapshot, one per operation. It
// owns a temporary folder (removed by Close), the in-memory quotes and, by
// mode, an encode buffer, a mapping or a second buffer. It is used by one
// goroutine at a time.
type Snapshot struct {
	mode    SnapshotMode
	quotes  []Quote
	file    *snapFile // nil for memcpy
	buf     []byte    // encoded snapshot (write, memcpy)
	dst     []byte    // memcpy target
	scratch []byte    // verification chunk
	seq     uint64    // versions persisted; the file holds version seq
	closed  bool
}

// OpenSnapshot checks that the snapshot fits in free memory and disk, then
// creates its folder and file (initially holding version 0, synced) and
// everything a mode needs, so that Run only persists.
func OpenSnapshot(cfg SnapshotConfig) (*Snapshot, error) {
	if cfg.Records < 1 || cfg.Records > SnapshotMaxRecords {
		return nil, fmt.Errorf("snapshot records must be in [1, %d] (at most 1 GiB of %d-byte records), got %d",
			SnapshotMaxRecords, SnapshotRecordBytes, cfg.Records)
	}
	known := false
	for _, m := range SnapshotModes {
		known = known || m == cfg.Mode
	}
	if !known {
		return nil, fmt.Errorf("unknown snapshot mode %q; known: %v", cfg.Mode, SnapshotModes)
	}
	parent, l, err := hostLimits(cfg.Dir, cfg.limits)
	if err != nil {
		return nil, err
	}
	size := cfg.Records * SnapshotRecordBytes
	var needDisk int64
	if cfg.Mode.usesFile() {
		needDisk = int64(size)
	}
	what := fmt.Sprintf("a %s snapshot of %d records (%s)", cfg.Mode, cfg.Records, humanBytes(int64(size)))
	if err := checkCapacity(what, parent, cfg.Mode.memFactor()*int64(size)+verifyChunk, needDisk, l); err != nil {
		return nil, err
	}

	s := &Snapshot{mode: cfg.Mode, quotes: newQuotes(cfg.Records), scratch: make([]byte, verifyChunk)}
	if !cfg.Mode.usesMap() {
		s.buf = make([]byte, size)
		encodeQuotes(s.buf, s.quotes, 0) // touches every page now, not in the first round
	}
	if cfg.Mode == SnapshotMemcpy {
		s.dst = make([]byte, size)
		copy(s.dst, s.buf)
		return s, nil
	}
	if s.file, err = createSnapFile(parent, size, cfg.Mode.usesMap()); err != nil {
		return nil, err
	}
	err = s.file.fill(s.scratch, func(dst []byte, first, count int) {
		encodeQuotes(dst, s.quotes[first:first+count], 0)
	})
	if err != nil {
		s.file.close()
		return nil, err
	}
	return s, nil
}

// Mode is the snapshot's mode.
func (s *Snapshot) Mode() SnapshotMode { return s.mode }

// Bytes is the size of one snapshot.
func (s *Snapshot) Bytes() int { return len(s.quotes) * SnapshotRecordBytes }

// Path is the snapshot file ("" for memcpy).
func (s *Snapshot) Path() string {
	if s.file == nil {
		return ""
	}
	return s.file.path
}

// Run persists n versions of the snapshot, each overwriting the last.
// It allocates nothing.
func (s *Snapshot) Run(n int) error {
	if s.closed {
		return errors.New("snapshot: Run after Close")
	}
	for i := 0; i < n; i++ {
		if err := s.persist(); err != nil {
			return err
		}
	}
	return nil
}

func (s *Snapshot) persist() error {
	ver := s.seq + 1
	var err error
	switch s.mode {
	case SnapshotWrite, SnapshotWriteFdatasync:
		encodeQuotes(s.buf, s.quotes, ver)
		err = pwriteFull(s.file.fd, s.buf, 0)
		if err == nil && s.mode == SnapshotWriteFdatasync {
			err = syscall.Fdatasync(s.file.fd)
		}
	case SnapshotMmap, SnapshotMmapMsync:
		encodeQuotes(s.file.mapped, s.quotes, ver)
		if s.mode == SnapshotMmapMsync {
			err = msync(s.file.mapped, syscall.MS_SYNC)
		}
	case SnapshotMemcpy:
		// The encoded bytes do not change: only the copy is measured.
		copy(s.dst, s.buf)
	}
	if err != nil {
		return fmt.Errorf("snapshot %s (%s) version %d: %w", s.Path(), s.mode, ver, err)
	}
	if s.mode != SnapshotMemcpy {
		s.seq = ver
	}
	return nil
}

// Verify reads the persisted snapshot back (the file through read(), or
// the memcpy target) and compares its CRC-32C with that of the version
// last encoded, recomputed from the quotes. It reads through the page
// cache: it proves the bytes reached the file, not the disk. It allocates
// nothing; call it outside measured code (it costs about one read of the
// snapshot).
func (s *Snapshot) Verify() error {
	if s.closed {
		return errors.New("snapshot: Verify after Close")
	}
	want := expectedCRC(s.quotes, func(int) uint64 { return s.seq }, s.scratch)
	var got uint32
	if s.mode == SnapshotMemcpy {
		got = crc32.Checksum(s.dst, crcTable)
	} else {
		var err error
		if got, err = s.file.crc(s.scratch); err != nil {
			return err
		}
	}
	if got != want {
		return fmt.Errorf("snapshot %s (%s) corrupt after version %d: CRC-32C read back %08x, encoded %08x",
			s.where(), s.mode, s.seq, got, want)
	}
	return nil
}

func (s *Snapshot) where() string {
	if s.file == nil {
		return "in memory"
	}
	return s.file.path
}

// Close releases the mapping, the file and its folder.
func (s *Snapshot) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	if s.file == nil {
		return nil
	}
	return s.file.close()
}

// --- registration ----------------------------------------------------------------------------

// persister is what Snapshot and SnapshotTick have in common.
type persister interface {
	Run(n int) error
	Verify() error
	Close() error
}

// snapshotInstance is the scenario Instance of a Snapshot or SnapshotTick:
// it counts the page faults of its own Run calls (getrusage,
// allocation-free), verifies the file after every round and reports
// throughput and faults per op.
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
	min0, maj0 := PageFaults()
	err := s.p.Run(n)
	min1, maj1 := PageFaults()
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

// Report reports nothing when the snapshot does not verify (the round then
// fails for want of its metrics), so a corrupt snapshot never yields numbers
// even if a caller skipped Verify.
func (s *snapshotInstance) Report(n int, elapsed time.Duration, m *registry.Metrics) {
	if s.Verify() != nil {
		return
	}
	m.Report("mb_per_s", s.bytesPerOp*float64(n)/elapsed.Seconds()/1e6)
	m.Report("minflt_per_op", float64(s.minflt)/float64(n))
	m.Report("majflt_per_op", float64(s.majflt)/float64(n))
	m.Report("durable", s.durable)
	s.minflt, s.majflt = 0, 0
}

func (s *snapshotInstance) Close() error {
	cerr := s.p.Close()
	if s.err != nil {
		return s.err
	}
	return cerr
}

// snapshotMetrics are the metrics of the Snapshot and SnapshotTick families.
var snapshotMetrics = []registry.Metric{
	{Name: "mb_per_s", Unit: "MB/s", Doc: "10^6 bytes persisted per second of the round"},
	{Name: "minflt_per_op", Unit: "faults/op", Doc: "minor page faults during the operations (getrusage)"},
	{Name: "majflt_per_op", Unit: "faults/op", Doc: "major page faults during the operations (getrusage)"},
	{Name: "durable", Unit: "bool", Doc: "1 when an operation leaves the data on stable storage (fdatasync, msync MS_SYNC), else 0"},
}

// snapshotRecordsParam is the snapshot size parameter of both families.
func snapshotRecordsParam(def int64) registry.Param {
	return registry.Param{
		Name: "records", Default: def, Min: 1, Max: SnapshotMaxRecords, Unit: "records",
		Doc: fmt.Sprintf("instruments in the snapshot, %d bytes each (default %d: %d MiB; at most 1 GiB)",
			SnapshotRecordBytes, def, def*SnapshotRecordBytes>>20),
	}
}

// snapshotDefaultRecords is 3 MiB of records; snapshotSmokeRecords (94 KiB)
// keeps a test round of fdatasyncs quick.
const (
	snapshotDefaultRecords = 65536
	snapshotSmokeRecords   = 2000
)

func init() {
	docs := map[SnapshotMode]string{
		SnapshotWrite:          "Encode into a buffer and pwrite() it over the file: page cache only, not durable.",
		SnapshotWriteFdatasync: "Encode into a buffer, pwrite() it, fdatasync: durable.",
		SnapshotMmap: "Encode straight into a MAP_SHARED mapping, no sync: page cache only, not durable " +
			"(the article's MS_ASYNC does nothing on Linux, so this is its variant).",
		SnapshotMmapMsync: "Encode into the MAP_SHARED mapping, msync(MS_SYNC): durable.",
		SnapshotMemcpy:    "Copy the encoded snapshot between two buffers in memory: the physical bound, no file.",
	}
	for _, mode := range SnapshotModes {
		registry.Register(registry.Scenario{
			Family: "Snapshot", Variant: string(mode),
			Doc: docs[mode] + " One op persists one whole snapshot of fixed 48-byte records, " +
				"read back and checksummed after every round (claim C6).",
			Params:  []registry.Param{snapshotRecordsParam(snapshotDefaultRecords)},
			Smoke:   registry.Params{"records": snapshotSmokeRecords},
			Metrics: snapshotMetrics,
			Open: func(p registry.Params) (registry.Instance, error) {
				s, err := OpenSnapshot(SnapshotConfig{Records: int(p["records"]), Mode: mode})
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
}
