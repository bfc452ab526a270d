package registry

import (
	"fmt"
	"sort"
	"strings"
)

// A Handler serves the requests of one load run. Serve handles request seq
// on worker w (0 <= w < the workers given to Open) and returns a checksum of
// its work. Calls with the same w never overlap; calls with different w run
// concurrently, so per-connection state (an arena, a buffer) is kept per
// worker. Close releases what Open acquired.
type Handler interface {
	Serve(w int, seq uint64) uint64
	Close() error
}

// A Kind is one kind of request for the load generator, e.g. "order-pool".
// Open prepares a run with the resolved parameters and the number of workers.
type Kind struct {
	Name   string
	Doc    string
	Params []Param
	// Default kinds are run by a load run that names no kind.
	Default bool
	// Sweep marks the kind that load sweeps (GOGC, GOMAXPROCS, ...) run.
	Sweep bool
	// Requires names the GOEXPERIMENT the kind needs (e.g. "arenas"); a file
	// behind that build tag registers it.
	Requires string
	Open     func(p Params, workers int) (Handler, error)
}

// Resolve checks user parameters against the kind's declared ones and fills
// in defaults, with the same rules and messages as a scenario's.
func (k *Kind) Resolve(user map[string]int64) (Params, error) {
	return Resolve("load kind "+k.Name, k.Params, user)
}

// RegisterKind adds a load kind. It panics on a duplicate or malformed
// entry, a programming error that the first test run catches.
func RegisterKind(k Kind) {
	if !validName.MatchString(k.Name) || k.Open == nil {
		panic(fmt.Sprintf("registry: malformed load kind %q", k.Name))
	}
	checkParams("load kind "+k.Name, k.Params)
	mu.Lock()
	defer mu.Unlock()
	if _, dup := kinds[k.Name]; dup {
		panic("registry: duplicate load kind " + k.Name)
	}
	kinds[k.Name] = &k
}

// Kinds returns every registered load kind sorted by name.
func Kinds() []*Kind {
	mu.Lock()
	defer mu.Unlock()
	out := make([]*Kind, 0, len(kinds))
	for _, k := range kinds {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// KindNames returns the names of the registered load kinds, sorted.
func KindNames() []string {
	var names []string
	for _, k := range Kinds() {
		names = append(names, k.Name)
	}
	return names
}

// LookupKind finds a load kind by name; the error lists the known kinds.
func LookupKind(name string) (*Kind, error) {
	mu.Lock()
	k, ok := kinds[name]
	mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("unknown request kind %q; known: %s", name, strings.Join(KindNames(), ", "))
	}
	return k, nil
}

// ServeBatch adapts a batch function into a Handler that serves each
// request as a batch of one, fn(1), with no per-worker state; it returns
// seq as the request's checksum (fn folds its work into its own).
type ServeBatch func(n int)

// Serve runs fn(1).
func (f ServeBatch) Serve(_ int, seq uint64) uint64 { f(1); return seq }

// Close does nothing: a ServeBatch holds no resources.
func (f ServeBatch) Close() error { return nil }

// PerWorker is a Handler whose workers each own their state (a slab, an
// arena), used by one goroutine at a time: worker w serves a request with
// Run[w](1). Release, if set, is called by Close.
type PerWorker struct {
	Run     []func(n int)
	Release func()
}

// Serve runs worker w's batch function for one request.
func (p PerWorker) Serve(w int, seq uint64) uint64 { p.Run[w](1); return seq }

// Close calls Release.
func (p PerWorker) Close() error {
	if p.Release != nil {
		p.Release()
	}
	return nil
}
