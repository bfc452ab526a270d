package load

import (
	"strings"
	"testing"

	"gobench/bench"
	"gobench/patterns"
)

func TestKindsRegistered(t *testing.T) {
	for _, name := range []string{"order-new", "order-pool"} {
		k, err := LookupKind(name)
		if err != nil {
			t.Fatal(err)
		}
		p, err := k.Resolve(nil)
		if err != nil {
			t.Fatal(err)
		}
		if p["items"] != 8 {
			t.Errorf("%s: default items %d, want 8", name, p["items"])
		}
		h, err := k.Open(p, 2)
		if err != nil {
			t.Fatal(err)
		}
		if h.Serve(0, 1) == 0 || h.Serve(1, 2) == 0 {
			t.Errorf("%s: zero checksum, work not done", name)
		}
		if err := h.Close(); err != nil {
			t.Error(err)
		}
	}
}

// TestPatternKindsServe opens every kind backed by another pattern with
// two workers and serves requests on both.
func TestPatternKindsServe(t *testing.T) {
	names := []string{"tradecontext-heap", "tradecontext-pool", "tradecontext-slab", "payment-interface", "payment-concrete"}
	if _, err := LookupKind("tradecontext-arena"); err == nil {
		names = append(names, "tradecontext-arena")
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			k, err := LookupKind(name)
			if err != nil {
				t.Fatal(err)
			}
			h, err := k.Open(bench.Params{}, 2)
			if err != nil {
				t.Fatal(err)
			}
			before := patterns.Checksum()
			for seq := uint64(0); seq < 1100; seq++ { // past a slab's or an arena's 512 requests
				h.Serve(int(seq%2), seq)
			}
			if patterns.Checksum() == before {
				t.Errorf("checksum unchanged: no work done")
			}
			if err := h.Close(); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestLookupKindUnknownListsKnown(t *testing.T) {
	_, err := LookupKind("order-bogus")
	if err == nil || !strings.Contains(err.Error(), "order-pool") || !strings.Contains(err.Error(), `"order-bogus"`) {
		t.Fatalf("error %v should name the kind and list the known ones", err)
	}
}

func TestKindResolveRejectsBadParams(t *testing.T) {
	k, _ := LookupKind("order-new")
	if _, err := k.Resolve(map[string]int64{"items": 0}); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("items=0: %v", err)
	}
	if _, err := k.Resolve(map[string]int64{"itemz": 3}); err == nil || !strings.Contains(err.Error(), "unknown parameter") {
		t.Errorf("unknown param: %v", err)
	}
}

func TestRegisterKindRejectsMalformed(t *testing.T) {
	for _, k := range []Kind{{Name: ""}, {Name: "a b", Open: okOpen}, {Name: "order-new", Open: okOpen}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("RegisterKind(%q) did not panic", k.Name)
				}
			}()
			RegisterKind(k)
		}()
	}
}

type nopHandler struct{}

func (nopHandler) Serve(_ int, seq uint64) uint64 { return seq | 1 }
func (nopHandler) Close() error                   { return nil }

func okOpen(bench.Params, int) (Handler, error) { return nopHandler{}, nil }
