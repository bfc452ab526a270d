// Command agreement times one registered scenario the ways the harness and
// go test do, in a plain Go process, to find where the two disagree.
//
// It belongs to the measure stage and is a diagnostic, not part of a run:
// `invoke crosscheck` compares the harness (the library driven from Python)
// with `go test -bench`; when they disagree, this program tells which side
// its number belongs to by timing the very Instance.Run(n) both call in
// three ways:
//
//	-mode loop     a plain timed loop: Open, then rounds of time.Now/Run(n)
//	-mode round    the harness's round protocol (bench.RunRound) without FFI
//	-mode testing  testing.Benchmark with -test.benchtime Nx, as go test
//	               runs it, from a plain program
//
// Each round prints its ns/op and the GC cycles it saw; at the end the
// process prints its thread count, resident memory and mappings
// (/proc/self/status, /proc/self/smaps_rollup), so that a run with
// GODEBUG=gctrace=1 can be set beside the harness and the go test binary.
// Usage, in gosrc/:
//
//	go build -ldflags=-funcalign=64 -o /tmp/agreement ./cmd/agreement
//	GODEBUG=gctrace=1 /tmp/agreement -scenario OrderItem/new -n 4000000 -rounds 10
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"gobench/bench"
	_ "gobench/patterns" // registers every scenario
	"gobench/registry"
)

func main() {
	scenario := flag.String("scenario", "OrderItem/new", "the registered scenario, Family/Variant")
	mode := flag.String("mode", "loop", "loop | round | testing")
	n := flag.Int("n", 1_000_000, "operations per round")
	rounds := flag.Int("rounds", 10, "rounds")
	flag.Parse()
	if err := run(*scenario, *mode, *n, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "agreement:", err)
		os.Exit(1)
	}
}

func run(name, mode string, n, rounds int) error {
	if n <= 0 || rounds <= 0 {
		return fmt.Errorf("-n and -rounds must be positive, got %d and %d", n, rounds)
	}
	s, err := registry.Lookup(name)
	if err != nil {
		return err
	}
	p, err := s.Resolve(nil)
	if err != nil {
		return err
	}
	inst, err := s.Open(p)
	if err != nil {
		return err
	}
	defer inst.Close()
	var one func() (time.Duration, uint64, error)
	switch mode {
	case "loop":
		var ms runtime.MemStats
		one = func() (time.Duration, uint64, error) {
			runtime.ReadMemStats(&ms)
			gcs := ms.NumGC
			start := time.Now()
			err := inst.Run(n)
			d := time.Since(start)
			runtime.ReadMemStats(&ms)
			return d, uint64(ms.NumGC - gcs), err
		}
	case "round":
		rd, m := bench.NewReader(), registry.NewMetrics(s.Metrics)
		one = func() (time.Duration, uint64, error) {
			res, err := bench.RunRound(inst, n, rd, m)
			return time.Duration(res.ElapsedNs), res.GCCycles, err
		}
	case "testing":
		testing.Init()
		if err := flag.Set("test.benchtime", fmt.Sprintf("%dx", n)); err != nil {
			return err
		}
		one = func() (time.Duration, uint64, error) {
			var runErr error
			var ms0, ms1 runtime.MemStats
			r := testing.Benchmark(func(b *testing.B) {
				runtime.ReadMemStats(&ms0)
				b.ResetTimer()
				runErr = inst.Run(b.N)
				b.StopTimer()
				runtime.ReadMemStats(&ms1)
			})
			return r.T, uint64(ms1.NumGC - ms0.NumGC), runErr
		}
	default:
		return fmt.Errorf("-mode %q: use loop, round or testing", mode)
	}
	for i := 0; i < rounds; i++ {
		d, gcs, err := one()
		if err != nil {
			return err
		}
		fmt.Printf("round %d mode %s n %d ns/op %.3f gc_cycles %d\n", i, mode, n, float64(d.Nanoseconds())/float64(n), gcs)
	}
	printProcess(os.Stdout)
	return nil
}

// printProcess prints the facts of /proc/self that might set one process apart from another.
func printProcess(w *os.File) {
	for _, f := range []struct {
		path string
		keys []string
	}{
		{"/proc/self/status", []string{"Threads", "VmRSS", "VmHWM", "VmSize"}},
		{"/proc/self/smaps_rollup", []string{"Rss", "Anonymous", "AnonHugePages"}},
	} {
		file, err := os.Open(f.path)
		if err != nil {
			fmt.Fprintf(w, "process %s: %v\n", f.path, err)
			continue
		}
		sc := bufio.NewScanner(file)
		for sc.Scan() {
			for _, k := range f.keys {
				if strings.HasPrefix(sc.Text(), k+":") {
					fmt.Fprintf(w, "process %s\n", strings.Join(strings.Fields(sc.Text()), " "))
				}
			}
		}
		file.Close()
	}
	if b, err := os.ReadFile("/proc/self/maps"); err == nil {
		fmt.Fprintf(w, "process mappings: %d\n", strings.Count(string(b), "\n"))
	}
}
