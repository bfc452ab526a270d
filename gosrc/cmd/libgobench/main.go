// Command libgobench is the export layer of gobench, built with
// -buildmode=c-shared: the end of the measuring (Go) stage of the pipeline,
// measure (Go) -> collect -> store -> analyse -> present, where Python's
// collect takes over. It only translates between C and Go: every function
// here checks its arguments, opens scenarios from package registry (filled
// by package patterns, imported for its registrations), runs rounds with
// package bench and load runs with package load, copies results into
// caller-owned memory and turns errors and panics into a gb_status. The
// contract is gobench.h; the JSON of gb_call "info" is described in
// dispatch.go.
package main

/*
#include "gobench.h"
*/
import "C"

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
	"sync"
	"unsafe"

	"gobench/bench"
	_ "gobench/patterns" // registers every scenario and load kind
	"gobench/registry"
	"gobench/safe"
)

func main() {}

const abiVersion = 1

var (
	errMu   sync.Mutex
	lastErr string

	instMu  sync.Mutex
	insts   = map[int64]*openInst{}
	nextID  int64
	readers sync.Pool // *bench.Reader, one per concurrently running round
)

type openInst struct {
	mu    sync.Mutex // an Instance is used by one goroutine at a time
	name  string
	inst  registry.Instance
	extra *registry.Metrics // collects the scenario's metrics after each round
}

func setErr(msg string) {
	errMu.Lock()
	lastErr = msg
	errMu.Unlock()
}

// status records err and maps it to a gb_status.
func status(err error) C.int {
	if err == nil {
		return C.GB_OK
	}
	var pe *safe.PanicError
	if errors.As(err, &pe) {
		setErr(fmt.Sprintf("%v\n\n%s", pe, pe.Stack))
		return C.GB_PANIC
	}
	setErr(err.Error())
	return C.GB_ERROR
}

// catch is deferred by every export that returns a status: a panic in the
// export itself becomes GB_PANIC instead of aborting the host process.
func catch(rc *C.int) {
	if r := recover(); r != nil {
		setErr(fmt.Sprintf("panic: %v\n\n%s", r, debug.Stack()))
		*rc = C.GB_PANIC
	}
}

//export gb_abi_version
func gb_abi_version() C.int64_t { return abiVersion }

//export gb_noop
func gb_noop() {}

//export gb_last_error
func gb_last_error(buf *C.char, capacity C.int64_t) C.int64_t {
	errMu.Lock()
	msg := lastErr
	errMu.Unlock()
	copyOut(msg, buf, capacity)
	return C.int64_t(len(msg))
}

// copyOut writes s into the caller's buffer, truncated, NUL-terminated.
func copyOut(s string, buf *C.char, capacity C.int64_t) bool {
	if buf == nil || capacity <= 0 {
		return len(s) == 0
	}
	dst := unsafe.Slice((*byte)(unsafe.Pointer(buf)), int(capacity))
	k := copy(dst[:len(dst)-1], s)
	dst[k] = 0
	return k == len(s)
}

//export gb_call
func gb_call(method, request *C.char, buf *C.char, capacity C.int64_t, needed *C.int64_t) (rc C.int) {
	defer catch(&rc)
	if method == nil {
		return status(errors.New("gb_call: method is NULL"))
	}
	req := []byte("{}")
	if request != nil {
		req = []byte(C.GoString(request))
	}
	out, err := dispatch(C.GoString(method), req)
	if err != nil {
		return status(err)
	}
	if needed != nil {
		*needed = C.int64_t(len(out) + 1)
	}
	if int64(len(out)+1) > int64(capacity) {
		return status(fmt.Errorf("gb_call: buffer of %d bytes too small, need %d", capacity, len(out)+1)) + C.GB_SHORT_BUFFER - C.GB_ERROR
	}
	copyOut(string(out), buf, capacity)
	return C.GB_OK
}

//export gb_open
func gb_open(name, paramsJSON *C.char, handle *C.int64_t) (rc C.int) {
	defer catch(&rc)
	if name == nil || handle == nil {
		return status(errors.New("gb_open: name and handle must not be NULL"))
	}
	s, err := registry.Lookup(C.GoString(name))
	if err != nil {
		return status(err)
	}
	user := map[string]int64{}
	if paramsJSON != nil {
		if err := json.Unmarshal([]byte(C.GoString(paramsJSON)), &user); err != nil {
			return status(fmt.Errorf("%s: params must be a JSON object of integers: %v", s.Name(), err))
		}
	}
	var inst registry.Instance
	err = func() (err error) {
		defer safe.Recover(&err)
		inst, err = s.OpenWith(user)
		return err
	}()
	if err != nil {
		return status(err)
	}
	instMu.Lock()
	nextID++
	id := nextID
	insts[id] = &openInst{name: s.Name(), inst: inst, extra: registry.NewMetrics(s.Metrics)}
	instMu.Unlock()
	*handle = C.int64_t(id)
	return C.GB_OK
}

func lookupInst(h C.int64_t) (*openInst, error) {
	instMu.Lock()
	defer instMu.Unlock()
	oi, ok := insts[int64(h)]
	if !ok {
		return nil, fmt.Errorf("no open scenario with handle %d", int64(h))
	}
	return oi, nil
}

//export gb_run
func gb_run(h C.int64_t, n C.int64_t, out *C.gb_result) (rc C.int) {
	defer catch(&rc)
	if out == nil {
		return status(errors.New("gb_run: out must not be NULL"))
	}
	if n <= 0 || int64(n) > math.MaxInt32*int64(64) {
		return status(fmt.Errorf("gb_run: n must be in [1, %d], got %d", math.MaxInt32*int64(64), int64(n)))
	}
	oi, err := lookupInst(h)
	if err != nil {
		return status(err)
	}
	oi.mu.Lock()
	defer oi.mu.Unlock()
	rd, _ := readers.Get().(*bench.Reader)
	if rd == nil {
		rd = bench.NewReader()
	}
	defer readers.Put(rd)
	var res bench.Result
	err = func() (err error) {
		defer safe.Recover(&err)
		res, err = bench.RunRound(oi.inst, int(n), rd, oi.extra)
		return err
	}()
	if err != nil {
		return status(fmt.Errorf("%s: %w", oi.name, err))
	}
	out.n = C.int64_t(res.N)
	out.elapsed_ns = C.int64_t(res.ElapsedNs)
	out.alloc_objects = C.int64_t(res.AllocObjects)
	out.alloc_bytes = C.int64_t(res.AllocBytes)
	out.gc_cycles = C.int64_t(res.GCCycles)
	out.gc_cpu_ns = C.double(res.GCCPUNs)
	out.stw_count = C.int64_t(res.STWCount)
	out.stw_total_ns = C.double(res.STWTotalNs)
	out.stw_max_ns = C.double(res.STWMaxNs)
	out.heap_objects_bytes = C.int64_t(res.HeapObjectsBytes)
	out.cpu_user_ns = C.int64_t(res.CPUUserNs)
	out.cpu_sys_ns = C.int64_t(res.CPUSysNs)
	out.minflt = C.int64_t(res.MinFlt)
	out.majflt = C.int64_t(res.MajFlt)
	out.n_extra = C.int32_t(len(res.Extra)) // at most registry.MaxMetrics, checked by Register
	for i, v := range res.Extra {
		out.extra[i] = C.double(v)
	}
	return C.GB_OK
}

//export gb_close
func gb_close(h C.int64_t) (rc C.int) {
	defer catch(&rc)
	instMu.Lock()
	oi, ok := insts[int64(h)]
	delete(insts, int64(h))
	instMu.Unlock()
	if !ok {
		return status(fmt.Errorf("no open scenario with handle %d", int64(h)))
	}
	oi.mu.Lock()
	defer oi.mu.Unlock()
	err := func() (err error) {
		defer safe.Recover(&err)
		return oi.inst.Close()
	}()
	return status(err)
}

//export gb_set_gc_percent
func gb_set_gc_percent(pct C.int64_t, old *C.int64_t) (rc C.int) {
	defer catch(&rc)
	if pct < -1 || pct > 1_000_000 {
		return status(fmt.Errorf("GC percent must be -1 (off) or 0..1000000, got %d", int64(pct)))
	}
	prev := debug.SetGCPercent(int(pct))
	if old != nil {
		*old = C.int64_t(prev)
	}
	return C.GB_OK
}

//export gb_set_memory_limit
func gb_set_memory_limit(limit C.int64_t, old *C.int64_t) (rc C.int) {
	defer catch(&rc)
	if limit < -1 {
		return status(fmt.Errorf("memory limit must be -1 (read only) or >= 0 bytes, got %d", int64(limit)))
	}
	prev := debug.SetMemoryLimit(int64(limit)) // negative: read only
	if old != nil {
		*old = C.int64_t(prev)
	}
	return C.GB_OK
}

//export gb_set_gomaxprocs
func gb_set_gomaxprocs(procs C.int64_t, old *C.int64_t) (rc C.int) {
	defer catch(&rc)
	if procs < 0 || procs > 1024 {
		return status(fmt.Errorf("GOMAXPROCS must be 0 (read only) or 1..1024, got %d", int64(procs)))
	}
	prev := runtime.GOMAXPROCS(int(procs))
	if old != nil {
		*old = C.int64_t(prev)
	}
	return C.GB_OK
}
