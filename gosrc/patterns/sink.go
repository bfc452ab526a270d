// Package patterns holds the memory-optimisation patterns gobench measures.
//
// It is where the pipeline starts, measure (Go) -> collect -> store ->
// analyse -> present. Each file is one pattern from the seed article: it
// exports batch functions that perform n operations, and its init function
// registers (package registry) the scenarios that wrap them, with their
// parameters, smoke parameters, metrics and gate tolerances, and the load
// kinds that serve them as requests. The harness (package bench, reached
// through cmd/libgobench) and go test's BenchmarkScenarios open the same
// registered scenario and call the very same Instance.Run, so the two tools
// measure the same machine code. Nothing here knows about cgo, Python or the
// measurement protocol. docs/adding-a-pattern.md says how to add a pattern.
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
