// Package bench is the measuring end of gobench: the round protocol that
// times one round of a registered scenario and reads the runtime's
// counters around it.
//
// It sits at the start of the pipeline, measure (Go) -> collect -> store ->
// analyse -> present: package registry lists the scenarios (registered by
// package patterns), bench measures one round of one of them, cmd/libgobench
// hands the numbers across the C ABI, and Python collects, stores, analyses
// and presents them.
package bench

import (
	"fmt"
	"runtime"
	"syscall"
	"time"
	"unsafe"

	"gobench/registry"
	"gobench/safe"
)

// A Result is what one round of n operations measured. Counts are totals for
// the round; Python divides by N as floats (go test -benchmem truncates).
type Result struct {
	N                int64
	ElapsedNs        int64
	AllocObjects     uint64 // exact: mcaches are flushed by a GC before reading
	AllocBytes       uint64
	GCCycles         uint64 // GC cycles that ran inside the timed region
	GCCPUNs          float64
	STWCount         uint64 // stop-the-world pauses (2 per GC cycle)
	STWTotalNs       float64
	STWMaxNs         float64
	HeapObjectsBytes uint64 // live+unswept heap objects at the end of the timed region
	CPUUserNs        int64  // getrusage of the whole process over the timed region
	CPUSysNs         int64
	MinFlt           int64
	MajFlt           int64
	Extra            []float64 // the scenario's metrics in declaration order
}

// rusage reads getrusage(RUSAGE_SELF) without allocating: syscall.Getrusage
// would move its argument to the heap and add an object to every round.
func rusage() (ru syscall.Rusage) {
	syscall.RawSyscall(syscall.SYS_GETRUSAGE, uintptr(syscall.RUSAGE_SELF), uintptr(unsafe.Pointer(&ru)), 0)
	return ru
}

func tvNs(tv syscall.Timeval) int64 { return tv.Sec*1e9 + tv.Usec*1e3 }

// RunRound runs one round of n operations of inst under the protocol:
//
//  1. runtime.GC() outside the timed region, so every round starts from the
//     same heap state, as testing.B does;
//  2. counters read, monotonic clock started, inst.Run(n), clock stopped;
//  3. GC counters (cycles, GC CPU, stop-the-world pauses) read immediately;
//  4. runtime.ReadMemStats flushes every P's mcache so that the allocation
//     counters are exact (runtime/metrics counts a whole span as allocated
//     when an mcache takes it), then allocation counters are read. Its
//     stop-the-world pause is outside the timed region and is not a GC pause.
//
// The whole round (GC, counters, batch, counters) runs on a fresh goroutine,
// as a testing.B benchmark does, not on the goroutine of the exported call.
// That one is locked to the caller's C thread, so every time it blocked
// (waiting for a goroutine, or yielding inside runtime.GC) the runtime handed
// its P to another thread, a cost of several microseconds that a Go program
// does not pay, and sometimes had to create that thread. The exported call's
// goroutine starts the round goroutine and blocks on a channel at once, long
// before the round's runtime.GC() has finished, so what the harness itself
// allocates is not counted: starting a goroutine allocates a g when the P's
// free list is empty, and blocking on a channel allocates a sudog after a GC
// has emptied the central cache. Both were counted when the batch goroutine
// was started and awaited between the two counter reads; for a round of 40
// snapshot writes they read as 0.02-0.06 allocs/op.
//
// After the round, an Instance that is a registry.Verifier is verified, and
// then extra collects the scenario's declared metrics (registry.Reporter);
// a failed verification or a wrongly reported metric makes the round an
// error. extra belongs to the Instance (registry.NewMetrics of its
// scenario's Metrics).
//
// Note: a second runtime.GC() would also flush the mcaches, but two GCs per
// round empty a sync.Pool (its victim cache survives one), which testing.B's
// single GC per run does not do.
func RunRound(inst registry.Instance, n int, rd *Reader, extra *registry.Metrics) (res Result, err error) {
	if n <= 0 {
		return res, fmt.Errorf("round size must be positive, got %d", n)
	}
	b, m, a := &rd.before, &rd.mid, &rd.after
	var (
		elapsed  time.Duration
		ru0, ru1 syscall.Rusage
	)
	go func() {
		defer func() { rd.done <- struct{}{} }() // buffered: never blocks
		defer safe.Recover(&err)
		runtime.GC()
		rd.ReadInto(b)
		ru0 = rusage()
		start := time.Now()
		err = inst.Run(n)
		elapsed = time.Since(start)
		ru1 = rusage()
		rd.ReadInto(m)
		if err != nil {
			return
		}
		runtime.ReadMemStats(&rd.ms)
		rd.ReadInto(a)
	}()
	<-rd.done
	if err != nil {
		return res, err
	}
	if v, ok := inst.(registry.Verifier); ok {
		if err := v.Verify(); err != nil {
			return res, fmt.Errorf("verification after the round failed: %w", err)
		}
	}
	before, mid, after := *b, *m, *a

	res.N = int64(n)
	res.ElapsedNs = elapsed.Nanoseconds()
	res.AllocObjects = after.AllocObjects - before.AllocObjects
	res.AllocBytes = after.AllocBytes - before.AllocBytes
	res.GCCycles = mid.GCCycles - before.GCCycles
	res.GCCPUNs = (mid.GCCPUSeconds - before.GCCPUSeconds) * 1e9
	stw := SummarizeSeconds(HistDelta(mid.STW, before.STW))
	res.STWCount, res.STWTotalNs, res.STWMaxNs = stw.Count, stw.TotalNs, stw.MaxNs
	res.HeapObjectsBytes = mid.HeapObjects
	res.CPUUserNs = tvNs(ru1.Utime) - tvNs(ru0.Utime)
	res.CPUSysNs = tvNs(ru1.Stime) - tvNs(ru0.Stime)
	res.MinFlt = ru1.Minflt - ru0.Minflt
	res.MajFlt = ru1.Majflt - ru0.Majflt
	if res.Extra, err = extra.Collect(inst, n, elapsed); err != nil {
		return Result{}, fmt.Errorf("metrics of the round: %w", err) // no numbers from a bad round
	}
	return res, nil
}
