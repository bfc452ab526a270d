// Package safe runs goroutines whose panics become errors.
//
// A panic that escapes any goroutine of a c-shared Go library aborts the whole
// host process (cgo forces crash mode), so every goroutine a scenario starts
// must be started through a Group. Fatal runtime errors (out of memory,
// concurrent map writes) cannot be recovered here; only process isolation in
// the Python orchestrator contains them.
package safe

import (
	"fmt"
	"runtime/debug"
	"sync"
)

// PanicError is a recovered panic with the stack of the goroutine that raised it.
type PanicError struct {
	Value any
	Stack string
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// Recover converts a panic in progress into *PanicError stored in *err.
// It must be called directly by a deferred function: defer safe.Recover(&err).
func Recover(err *error) {
	if r := recover(); r != nil {
		*err = &PanicError{Value: r, Stack: string(debug.Stack())}
	}
}

// A Group is a sync.WaitGroup whose goroutines cannot crash the process.
// The zero Group is ready to use. The first error (or panic) is kept.
type Group struct {
	wg    sync.WaitGroup
	mu    sync.Mutex
	first error
}

// Go starts fn in a new goroutine. A panic in fn is recovered and recorded.
func (g *Group) Go(fn func() error) {
	g.wg.Add(1)
	go func() {
		var err error
		defer func() {
			if r := recover(); r != nil {
				err = &PanicError{Value: r, Stack: string(debug.Stack())}
			}
			if err != nil {
				g.mu.Lock()
				if g.first == nil {
					g.first = err
				}
				g.mu.Unlock()
			}
			g.wg.Done()
		}()
		err = fn()
	}()
}

// Wait waits for all goroutines and returns the first error or panic.
func (g *Group) Wait() error {
	g.wg.Wait()
	return g.first
}
