package safe

import (
	"errors"
	"testing"
)

func TestGroupRecoversPanic(t *testing.T) {
	var g Group
	g.Go(func() error { return nil })
	g.Go(func() error { panic("boom") })
	err := g.Wait()
	var pe *PanicError
	if !errors.As(err, &pe) || pe.Value != "boom" {
		t.Fatalf("want PanicError(boom), got %v", err)
	}
}

func TestRecover(t *testing.T) {
	f := func() (err error) {
		defer Recover(&err)
		var m map[string]int
		m["x"] = 1 // nil map write panics
		return nil
	}
	if err := f(); err == nil {
		t.Fatal("want error from recovered panic")
	}
}
