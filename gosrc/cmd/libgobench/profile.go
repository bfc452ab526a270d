package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"sync"
)

// gb_call "profile" starts and stops the runtime's profilers in this
// process, for `invoke profile` only: a bench, baseline or check worker never
// calls it. The request is {"action": A, "path": P}; the actions:
//
//	start_cpu     runtime/pprof CPU profile into P (until stop_cpu), sampling
//	              at "hz" per second of CPU time (default and below 1: 100)
//	stop_cpu      stop it and close P
//	start_trace   runtime/trace execution trace into P (until stop_trace)
//	stop_trace    stop it and close P
//	write_allocs  runtime.GC(), then the "allocs" profile (every allocation
//	              sampled since the process started, at runtime.MemProfileRate)
//	              into P, as `go test -memprofile` writes it
//	status        only report
//
// Every reply is {"mem_profile_rate": runtime.MemProfileRate, "path": P}.
// MemProfileRate is set by the worker's environment (GODEBUG=memprofilerate=1),
// so that it is in force before the runtime's first allocation; setting it
// from a call would come after the library's init and leave earlier
// allocations sampled at the default rate.
//
// The files are created by Go and closed before the call returns (stop_*,
// write_allocs); the caller owns them afterwards.
type profileRequest struct {
	Action string `json:"action"`
	Path   string `json:"path"`
	Hz     int    `json:"hz"`
}

var (
	profMu    sync.Mutex
	cpuFile   *os.File // open while a CPU profile runs
	traceFile *os.File // open while a trace runs
)

func init() {
	methods["profile"] = func(req []byte) (any, error) { return runProfile(req) }
}

func runProfile(req []byte) (map[string]any, error) {
	var r profileRequest
	if err := json.Unmarshal(req, &r); err != nil {
		return nil, fmt.Errorf("profile: request must be {\"action\": ..., \"path\": ...}: %v", err)
	}
	profMu.Lock()
	defer profMu.Unlock()
	var err error
	switch r.Action {
	case "start_cpu":
		if r.Hz > 100 && cpuFile == nil {
			// Note: pprof.StartCPUProfile then asks for 100 Hz, which the runtime
			// refuses (and says so on stderr) while our rate is in force: the
			// documented way to profile at another rate.
			runtime.SetCPUProfileRate(r.Hz)
		}
		cpuFile, err = startInto(r.Path, cpuFile, "a CPU profile", pprof.StartCPUProfile)
	case "stop_cpu":
		err = stopFile(&cpuFile, "a CPU profile", pprof.StopCPUProfile)
	case "start_trace":
		traceFile, err = startInto(r.Path, traceFile, "a trace", trace.Start)
	case "stop_trace":
		err = stopFile(&traceFile, "a trace", trace.Stop)
	case "write_allocs":
		err = writeAllocs(r.Path)
	case "status":
	default:
		err = fmt.Errorf("profile: unknown action %q; allowed: start_cpu, stop_cpu, start_trace, stop_trace, "+
			"write_allocs, status", r.Action)
	}
	if err != nil {
		return nil, err
	}
	return map[string]any{"mem_profile_rate": runtime.MemProfileRate, "path": r.Path}, nil
}

// startInto creates path and starts a profiler writing into it; running is
// the file of a profiler of the same kind already running (an error).
func startInto(path string, running *os.File, what string, start func(w io.Writer) error) (*os.File, error) {
	if running != nil {
		return running, fmt.Errorf("profile: %s is already being written to %s", what, running.Name())
	}
	if path == "" {
		return nil, errors.New("profile: path must not be empty")
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("profile: %v", err)
	}
	if err := start(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("profile: starting %s: %v", what, err)
	}
	return f, nil
}

// stopFile stops a running profiler and closes its file.
func stopFile(f **os.File, what string, stop func()) error {
	if *f == nil {
		return fmt.Errorf("profile: no %s is running", what)
	}
	stop()
	err := (*f).Close()
	*f = nil
	if err != nil {
		return fmt.Errorf("profile: closing %s: %v", what, err)
	}
	return nil
}

// writeAllocs writes the allocation profile as of a fresh GC: the runtime
// publishes allocation samples at the end of a GC cycle, so without it the
// last allocations would be missing.
func writeAllocs(path string) error {
	if path == "" {
		return errors.New("profile: path must not be empty")
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("profile: %v", err)
	}
	runtime.GC()
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		f.Close()
		return fmt.Errorf("profile: writing the allocs profile: %v", err)
	}
	return f.Close()
}
