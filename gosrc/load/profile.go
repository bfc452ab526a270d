package load

import (
	"fmt"
	"math"
	"time"
)

// A Profile is how the open-loop rate changes over a run (measure stage):
// constant, or periodic with peaks, so that an adaptive GOGC controller
// (claim C7) sees traffic rise and fall.
type Profile string

const (
	// ProfileConstant issues requests at Rate throughout.
	ProfileConstant Profile = "constant"
	// ProfileSteps cycles through 0.5, 1 and 1.5 times Rate, each held for a
	// third of the period: a trough, the base and a peak.
	ProfileSteps Profile = "steps"
	// ProfileBursts runs at Rate with a burst of 2 times Rate for the middle
	// tenth of each period.
	ProfileBursts Profile = "bursts"
	// DefaultProfilePeriod is one cycle of steps or bursts: three of the
	// controller's 5 s intervals, so each step lasts one controller decision.
	DefaultProfilePeriod = 15 * time.Second
)

// segment is a stretch of a profile's period at a fixed rate multiple.
type segment struct{ frac, mult float64 }

var profileSegments = map[Profile][]segment{
	ProfileConstant: {{1, 1}},
	ProfileSteps:    {{1.0 / 3, 0.5}, {1.0 / 3, 1}, {1.0 / 3, 1.5}},
	ProfileBursts:   {{0.45, 1}, {0.1, 2}, {0.45, 1}},
}

// schedule maps request numbers to their scheduled times (ns since the run
// start) and back, for a profile at a base rate.
type schedule struct {
	constant bool
	rate     float64 // requests per second at the base
	nsPer    float64 // constant: ns between requests
	periodNs float64
	segs     []segment
	rates    []float64 // requests per ns in each segment
	counts   []float64 // requests in each segment of one period
	perCycle float64
	peak     float64 // requests per second at the profile's peak
}

func newSchedule(p Profile, rate float64, period time.Duration) (*schedule, error) {
	segs, ok := profileSegments[p]
	if !ok {
		return nil, fmt.Errorf("profile must be %q, %q or %q, got %q", ProfileConstant, ProfileSteps, ProfileBursts, p)
	}
	s := &schedule{constant: p == ProfileConstant, rate: rate, nsPer: 1e9 / rate, periodNs: float64(period), segs: segs}
	for _, g := range segs {
		r := rate * g.mult / 1e9
		s.rates = append(s.rates, r)
		s.counts = append(s.counts, r*g.frac*s.periodNs)
		s.perCycle += r * g.frac * s.periodNs
		s.peak = max(s.peak, rate*g.mult)
	}
	return s, nil
}

// at is request i's scheduled time in ns since the start.
func (s *schedule) at(i int64) int64 {
	if s.constant {
		return int64(float64(i) * s.nsPer)
	}
	q := math.Floor(float64(i) / s.perCycle)
	rem := float64(i) - q*s.perCycle
	t := q * s.periodNs
	for k, c := range s.counts {
		if rem < c || k == len(s.counts)-1 {
			return int64(t + rem/s.rates[k])
		}
		rem -= c
		t += s.segs[k].frac * s.periodNs
	}
	panic("unreachable")
}

// before is the number of requests scheduled before t ns since the start.
func (s *schedule) before(t int64) int64 {
	if s.constant {
		return int64(math.Ceil(float64(t) * s.rate / 1e9))
	}
	q := math.Floor(float64(t) / s.periodNs)
	rem := float64(t) - q*s.periodNs
	n := q * s.perCycle
	for k, g := range s.segs {
		d := g.frac * s.periodNs
		if rem <= d {
			n += rem * s.rates[k]
			break
		}
		n += s.counts[k]
		rem -= d
	}
	return int64(math.Ceil(n - 1e-9))
}
