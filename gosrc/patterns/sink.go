// Package patterns holds the memory-optimisation patterns gobench measures.
//
// Each file is one pattern from the seed article. Each exports batch
// functions that perform n operations; the harness (package bench) and the
// file's own `go test` benchmarks call the very same functions, so the two
// tools measure the same machine code. Nothing here knows about cgo, Python
// or the measurement protocol.
package patterns

import "sync/atomic"

// Sinks keep results reachable so the compiler cannot delete the work.
// They are package-level so that storing into them forces what the
// benchmark says should escape to the heap actually to escape.
var (
	sinkItem     *OrderItem
	sinkChecksum atomic.Uint64
	sinkU64      uint64
)

// Checksum returns the running checksum the batch functions fold their
// results into; tests use it to prove the work was done.
func Checksum() uint64 { return sinkChecksum.Load() + sinkU64 }
