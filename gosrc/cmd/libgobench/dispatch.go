package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"

	"gobench/bench"
)

// A Method answers a gb_call request. Capabilities that need richer input or
// output than a round (the load generator, escape checks) register here, so
// the C ABI stays fixed.
type Method func(request []byte) (any, error)

var methods = map[string]Method{
	"info": func([]byte) (any, error) { return info(), nil },
}

func dispatch(name string, request []byte) ([]byte, error) {
	m, ok := methods[name]
	if !ok {
		var known []string
		for k := range methods {
			known = append(known, k)
		}
		sort.Strings(known)
		return nil, fmt.Errorf("unknown method %q; known: %s", name, strings.Join(known, ", "))
	}
	v, err := m(request)
	if err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// info reports the facts a result needs next to it: which runtime, which
// experiments, which knobs were in force, and the scenario list.
func info() map[string]any {
	var experiment string
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "GOEXPERIMENT" {
				experiment = s.Value
			}
		}
	}
	return map[string]any{
		"abi_version":  abiVersion,
		"go_version":   runtime.Version(),
		"goos":         runtime.GOOS,
		"goarch":       runtime.GOARCH,
		"goexperiment": experiment,
		"gomaxprocs":   runtime.GOMAXPROCS(0),
		"num_cpu":      runtime.NumCPU(),
		"gc_percent":   currentGCPercent(),
		"memory_limit": debug.SetMemoryLimit(-1),
		"env_gogc":     os.Getenv("GOGC"),
		"scenarios":    bench.Scenarios(),
	}
}

func currentGCPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}
