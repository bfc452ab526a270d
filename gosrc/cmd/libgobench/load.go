package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"gobench/load"
	"gobench/registry"
)

// The "load" method runs the load generator of package load once and
// replies with its measurements. Only the translation from JSON lives here.

func init() {
	methods["load"] = func(req []byte) (any, error) { return runLoad(req) }
}

// loadMu serialises load runs: a run sets process-wide knobs (GOGC, the
// memory limit) and two at once would measure each other.
var loadMu sync.Mutex

// loadRequest is the JSON request of the "load" method. Pointers tell an
// absent field from a zero one.
type loadRequest struct {
	Kind       string           `json:"kind"`
	Mode       string           `json:"mode"`        // "open" (default) or "closed"
	Rate       *float64         `json:"rate"`        // req/s, default 12000; open mode only
	DurationMs *float64         `json:"duration_ms"` // measured interval, default 10000
	WarmupMs   *float64         `json:"warmup_ms"`   // default 1000
	Workers    int              `json:"workers"`     // 0: load.DefaultWorkers
	GraceMs    float64          `json:"grace_ms"`    // 0: 1 s + 10% of warm-up+duration, at most 60 s
	Params     map[string]int64 `json:"params"`
	Controller struct {
		Enabled    bool    `json:"enabled"`
		IntervalMs float64 `json:"interval_ms"` // 0: 5000
	} `json:"controller"`
	GCPercent       *int64       `json:"gc_percent"`   // GOGC for the run, restored after
	MemoryLimit     *int64       `json:"memory_limit"` // bytes for the run, restored after
	HeapSampleMs    float64      `json:"heap_sample_ms"`
	Profile         string       `json:"profile"`           // "constant" (default), "steps" or "bursts"
	ProfilePeriodMs float64      `json:"profile_period_ms"` // 0: 15000
	Service         serviceField `json:"service"`           // absent: the kind's handler alone
}

// serviceField is the service model of a load request (load.ServiceConfig).
type serviceField struct {
	LiveHeapBytes   int64 `json:"live_heap_bytes"`
	WorkNs          int64 `json:"work_ns"`
	WorkSteps       int   `json:"work_steps"`
	ExtraAllocBytes int64 `json:"extra_alloc_bytes"`
}

// loadConfigEcho is the effective configuration, echoed in the reply.
type loadConfigEcho struct {
	Kind            string          `json:"kind"`
	Mode            load.Mode       `json:"mode"`
	Rate            float64         `json:"rate"`
	DurationMs      float64         `json:"duration_ms"`
	WarmupMs        float64         `json:"warmup_ms"`
	Workers         int             `json:"workers"`
	GraceMs         float64         `json:"grace_ms"`
	Params          registry.Params `json:"params"`
	Controller      ctlEcho         `json:"controller"`
	GCPercent       *int64          `json:"gc_percent"`
	MemoryLimit     *int64          `json:"memory_limit"`
	HeapSampleMs    float64         `json:"heap_sample_ms"`
	Profile         load.Profile    `json:"profile"`
	ProfilePeriodMs float64         `json:"profile_period_ms"`
	Service         serviceField    `json:"service"`
}

type ctlEcho struct {
	Enabled    bool    `json:"enabled"`
	IntervalMs float64 `json:"interval_ms"`
}

// loadReply is the JSON reply of the "load" method.
type loadReply struct {
	Config       loadConfigEcho        `json:"config"`
	GoVersion    string                `json:"go_version"`
	GOEXPERIMENT string                `json:"goexperiment"`
	GOMAXPROCS   int                   `json:"gomaxprocs"`
	NumCPU       int                   `json:"num_cpu"`
	GOGC         int                   `json:"gogc"`     // in force when the run started
	GOGCEnd      int                   `json:"gogc_end"` // in force when it ended (the controller may change it)
	MemoryLimit  int64                 `json:"memory_limit"`
	Latency      load.LatencyReport    `json:"latency"`
	Rate         load.RateReport       `json:"rate"`
	GC           load.GCStats          `json:"gc"`
	Controller   load.ControllerReport `json:"controller"`
	Service      load.ServiceReport    `json:"service"`
	WallS        float64               `json:"wall_s"`
	Warnings     []string              `json:"warnings"`
}

func ms(x float64) time.Duration { return time.Duration(x * 1e6) }

// loadConfig turns a request into a validated load.Config.
func loadConfig(req *loadRequest) (load.Config, error) {
	cfg := load.Config{
		Kind: req.Kind, Mode: load.Mode(req.Mode), Rate: load.DefaultRate,
		Duration: 10 * time.Second, Warmup: time.Second,
		Workers: req.Workers, Grace: ms(req.GraceMs), Params: req.Params,
		Controller:      load.ControllerConfig{Enabled: req.Controller.Enabled, Interval: ms(req.Controller.IntervalMs)},
		HeapSampleEvery: ms(req.HeapSampleMs),
		Profile:         load.Profile(req.Profile), ProfilePeriod: ms(req.ProfilePeriodMs),
		Service: load.ServiceConfig{LiveHeapBytes: req.Service.LiveHeapBytes, WorkNs: req.Service.WorkNs,
			WorkSteps: req.Service.WorkSteps, ExtraAllocBytes: req.Service.ExtraAllocBytes},
	}
	if req.Kind == "" {
		return cfg, fmt.Errorf("load: kind is required; known: %v", registry.KindNames())
	}
	if req.Rate != nil {
		cfg.Rate = *req.Rate
	}
	if req.DurationMs != nil {
		cfg.Duration = ms(*req.DurationMs)
	}
	if req.WarmupMs != nil {
		cfg.Warmup = ms(*req.WarmupMs)
	}
	if req.GCPercent != nil && (*req.GCPercent < -1 || *req.GCPercent > 1_000_000) {
		return cfg, fmt.Errorf("load: gc_percent must be -1 (off) or 0..1000000, got %d", *req.GCPercent)
	}
	if req.MemoryLimit != nil && *req.MemoryLimit < 0 {
		return cfg, fmt.Errorf("load: memory_limit must be >= 0 bytes, got %d", *req.MemoryLimit)
	}
	if req.HeapSampleMs < 0 {
		return cfg, fmt.Errorf("load: heap_sample_ms must be >= 0, got %g", req.HeapSampleMs)
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("load: %w", err)
	}
	if _, err := registry.LookupKind(cfg.Kind); err != nil {
		return cfg, fmt.Errorf("load: %w", err)
	}
	return cfg, nil
}

func runLoad(raw []byte) (any, error) {
	var req loadRequest
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return nil, fmt.Errorf("load: bad request: %v", err)
	}
	cfg, err := loadConfig(&req)
	if err != nil {
		return nil, err
	}
	kind, _ := registry.LookupKind(cfg.Kind)
	params, err := kind.Resolve(cfg.Params)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	if !loadMu.TryLock() {
		return nil, errors.New("load: another load run is in progress in this process")
	}
	defer loadMu.Unlock()

	// Knobs for the run; the previous values come back afterwards, as the
	// controller may also move GOGC.
	prevGOGC := currentGCPercent()
	defer debug.SetGCPercent(prevGOGC)
	if req.GCPercent != nil {
		debug.SetGCPercent(int(*req.GCPercent))
	}
	if req.MemoryLimit != nil {
		prevLimit := debug.SetMemoryLimit(*req.MemoryLimit)
		defer debug.SetMemoryLimit(prevLimit)
	}
	runtime.GC() // start from the same heap state every run, outside the measurement

	res, err := load.Run(cfg)
	if err != nil {
		return nil, err
	}
	var experiment string
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "GOEXPERIMENT" {
				experiment = s.Value
			}
		}
	}
	rate := cfg.Rate
	if cfg.Mode == load.ModeClosed {
		rate = 0 // not used: the workers run back to back
	}
	return loadReply{
		Config: loadConfigEcho{
			Kind: res.Kind, Mode: res.Mode, Rate: rate,
			DurationMs: float64(cfg.Duration) / 1e6, WarmupMs: float64(cfg.Warmup) / 1e6,
			Workers: res.Workers, GraceMs: res.GraceMs, Params: params,
			Controller:  ctlEcho{Enabled: cfg.Controller.Enabled, IntervalMs: float64(cfg.Controller.Interval) / 1e6},
			GCPercent:   req.GCPercent,
			MemoryLimit: req.MemoryLimit, HeapSampleMs: float64(cfg.HeapSampleEvery) / 1e6,
			Profile: cfg.Profile, ProfilePeriodMs: float64(cfg.ProfilePeriod) / 1e6, Service: req.Service,
		},
		GoVersion: runtime.Version(), GOEXPERIMENT: experiment,
		GOMAXPROCS: res.GOMAXPROCS, NumCPU: runtime.NumCPU(),
		GOGC: res.GOGCStart, GOGCEnd: res.GOGCEnd, MemoryLimit: debug.SetMemoryLimit(-1),
		Latency: res.Latency, Rate: res.Rate, GC: res.GC, Controller: res.Controller, Service: res.Service,
		WallS: res.WallS, Warnings: res.Warnings,
	}, nil
}
