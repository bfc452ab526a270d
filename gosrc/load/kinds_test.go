package load

import (
	"strings"
	"testing"

	"gobench/patterns"
	"gobench/registry"
)

// TestKinds walks the registry's load kinds: every kind registered by
// package patterns opens with its default parameters and two workers,
// serves requests on both (past a slab's or an arena's 512), does work and
// closes. Kinds registered by this package's tests are left out.
func TestKinds(t *testing.T) {
	var defaults, sweeps int
	for _, k := range registry.Kinds() {
		if strings.HasPrefix(k.Name, "test-") {
			continue
		}
		if k.Default {
			defaults++
		}
		if k.Sweep {
			sweeps++
		}
		t.Run(k.Name, func(t *testing.T) {
			p, err := k.Resolve(nil)
			if err != nil {
				t.Fatal(err)
			}
			h, err := k.Open(p, 2)
			if err != nil {
				t.Fatal(err)
			}
			// A kind either folds its work into the patterns checksum or
			// returns a checksum of it (not the bare sequence number).
			before := patterns.Checksum()
			var acc, seqs uint64
			for seq := uint64(0); seq < 1100; seq++ {
				acc += h.Serve(int(seq%2), seq)
				seqs += seq
			}
			if patterns.Checksum() == before && acc == seqs {
				t.Errorf("no work done")
			}
			if err := h.Close(); err != nil {
				t.Error(err)
			}
		})
	}
	if defaults == 0 || sweeps != 1 {
		t.Errorf("%d default kinds and %d sweep kinds; want some and exactly one", defaults, sweeps)
	}
}
