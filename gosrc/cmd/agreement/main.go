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
// Each round prints its ns/op, the GC cycles it saw, its minor page faults
// and how long the process's threads waited for a CPU; at the end the
// process prints its thread count, resident memory and mappings
// (/proc/self/status, /proc/self/smaps_rollup), so that a run with
// GODEBUG=gctrace=1 can be set beside the harness and the go test binary.
//
// -pause makes every odd round start after the process waited (-idle: how),
// so rounds after an idle gap and rounds right after another round alternate
// in one process; -warm runs the scenario unmeasured before each round, as
// the harness's worker does (Settings.warmup_ms); -chunks splits each loop
// round into timed parts with the process's CPU time per wall time, which
// shows when a round's threads share one CPU (about 1.0) or use two.
// Usage, in gosrc/:
//
//	go build -ldflags=-funcalign=64 -o /tmp/agreement ./cmd/agreement
//	GODEBUG=gctrace=1 /tmp/agreement -scenario OrderItem/new -n 4000000 -rounds 10
//	/tmp/agreement -mode loop -n 8000000 -chunks 8 -rounds 12 -pause 500ms
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
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
	pause := flag.Duration("pause", 0, "before every odd round, wait this long (0: never), so paused and unpaused rounds alternate in one process")
	idle := flag.String("idle", "sleep", "how to wait: sleep (the process idles) | spin (this thread stays busy) | spin-other (another thread stays busy, this one sleeps)")
	warm := flag.Duration("warm", 0, "before every round, run the scenario unmeasured this long, as the harness's worker does")
	chunks := flag.Int("chunks", 1, "-mode loop: time each round in this many parts, each with the process's CPU time per wall time")
	flag.Parse()
	if err := run(*scenario, *mode, *n, *rounds, *pause, *idle, *warm, *chunks); err != nil {
		fmt.Fprintln(os.Stderr, "agreement:", err)
		os.Exit(1)
	}
}

func run(name, mode string, n, rounds int, pause time.Duration, idle string, warm time.Duration, chunks int) error {
	if n <= 0 || rounds <= 0 || chunks <= 0 || chunks > n {
		return fmt.Errorf("-n, -rounds and -chunks must be positive and -chunks at most -n, got %d, %d and %d", n, rounds, chunks)
	}
	if chunks > 1 && mode != "loop" {
		return fmt.Errorf("-chunks needs -mode loop")
	}
	wait, err := waiter(idle)
	if err != nil {
		return err
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
			var total time.Duration
			parts := make([]string, 0, chunks)
			for c := 0; c < chunks; c++ {
				k := n / chunks
				if c == chunks-1 {
					k += n % chunks // the last part takes the remainder
				}
				cpu0 := cpuTime()
				start := time.Now()
				if err := inst.Run(k); err != nil {
					return 0, 0, err
				}
				d := time.Since(start)
				total += d
				parts = append(parts, fmt.Sprintf("%.1f/%.2f", float64(d.Nanoseconds())/float64(k), float64(cpuTime()-cpu0)/float64(d)))
			}
			runtime.ReadMemStats(&ms)
			if chunks > 1 {
				fmt.Printf("chunks ns/op/cpu-per-wall %s\n", strings.Join(parts, " "))
			}
			return total, uint64(ms.NumGC - gcs), nil
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
		paused := pause > 0 && i%2 == 1
		if paused {
			wait(pause)
		}
		for end := time.Now().Add(warm); time.Now().Before(end); {
			if err := inst.Run(max(1, n/100)); err != nil {
				return err
			}
		}
		flt0, wait0 := minorFaults(), runQueueWait()
		d, gcs, err := one()
		if err != nil {
			return err
		}
		// Faults and waits span one() whole: in -mode testing that includes testing.Benchmark's run of 1.
		fmt.Printf("round %d mode %s n %d ns/op %.3f gc_cycles %d minflt %d runq_wait_ms %.1f paused %v\n", i, mode, n,
			float64(d.Nanoseconds())/float64(n), gcs, since(flt0, minorFaults()), float64(since(wait0, runQueueWait()))/1e6, paused)
	}
	printProcess(os.Stdout)
	return nil
}

// since is after-before of two readings, -1 when either could not be read.
func since(before, after int64) int64 {
	if before < 0 || after < 0 {
		return -1
	}
	return after - before
}

// minorFaults is the process's minor page faults so far: a round that
// touches memory the runtime returned to the OS pays one per page.
func minorFaults() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	return ru.Minflt
}

// runQueueWait is how long the process's threads have waited, runnable,
// for a CPU (the second field of /proc/self/task/*/schedstat, in ns): the
// time they lost to each other or to other processes on a shared CPU. A
// thread that exits between two readings takes its share with it.
func runQueueWait() int64 {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return -1
	}
	var total int64
	for _, t := range tasks {
		b, err := os.ReadFile("/proc/self/task/" + t.Name() + "/schedstat")
		if err != nil {
			continue // the thread has exited
		}
		var run, wait, slices int64
		if _, err := fmt.Sscan(string(b), &run, &wait, &slices); err == nil {
			total += wait
		}
	}
	return total
}

// waiter returns how -idle waits: whether a slower round after a pause comes
// from the process idling (sleep), from this thread leaving its CPU (spin
// keeps it), or from the machine's CPUs idling (spin-other keeps one busy).
func waiter(idle string) (func(time.Duration), error) {
	spin := func(d time.Duration) {
		for end := time.Now().Add(d); time.Now().Before(end); {
		}
	}
	switch idle {
	case "sleep":
		return time.Sleep, nil
	case "spin":
		return spin, nil
	case "spin-other":
		return func(d time.Duration) {
			done := make(chan struct{})
			go func() { runtime.LockOSThread(); spin(d); close(done) }()
			time.Sleep(d)
			<-done
		}, nil
	}
	return nil, fmt.Errorf("-idle %q: use sleep, spin or spin-other", idle)
}

// cpuTime is the process's user and system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
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
