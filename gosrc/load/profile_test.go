package load

import (
	"strings"
	"testing"
	"time"
)

func TestScheduleCountsPerPeriod(t *testing.T) {
	for _, tc := range []struct {
		p    Profile
		want int64 // requests in one 3 s period at 1000/s
	}{{ProfileConstant, 3000}, {ProfileSteps, 3000}, {ProfileBursts, 3300}} {
		s, err := newSchedule(tc.p, 1000, 3*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.before(int64(3 * time.Second)); got != tc.want {
			t.Errorf("%s: %d requests in a period, want %d", tc.p, got, tc.want)
		}
		if got := s.before(int64(6 * time.Second)); got != 2*tc.want {
			t.Errorf("%s: %d requests in two periods, want %d", tc.p, got, 2*tc.want)
		}
		for i := int64(1); i < 2*tc.want; i++ {
			if s.at(i) <= s.at(i-1) {
				t.Fatalf("%s: request %d at %d ns, not after %d", tc.p, i, s.at(i), s.at(i-1))
			}
		}
	}
}

func TestStepsProfileHasATroughAndAPeak(t *testing.T) {
	s, _ := newSchedule(ProfileSteps, 1000, 3*time.Second)
	gap := func(i int64) int64 { return s.at(i+1) - s.at(i) }
	// 0.5x for the first second (500 requests), 1x, then 1.5x
	if g := gap(100); g < 1_999_000 || g > 2_001_000 {
		t.Errorf("trough gap %d ns, want 2 ms", g)
	}
	if g := gap(1000); g < 999_000 || g > 1_001_000 {
		t.Errorf("base gap %d ns, want 1 ms", g)
	}
	if g := gap(2000); g < 666_000 || g > 667_000 {
		t.Errorf("peak gap %d ns, want 0.667 ms", g)
	}
	if s.peak != 1500 {
		t.Errorf("peak %v/s, want 1500", s.peak)
	}
	if _, err := newSchedule("spiky", 1000, time.Second); err == nil || !strings.Contains(err.Error(), "profile must be") {
		t.Errorf("unknown profile: %v", err)
	}
}

func TestRunWithStepsReportsTheMeanTarget(t *testing.T) {
	res, err := Run(Config{Kind: "test-nop", Rate: 1000, Duration: 300 * time.Millisecond, Workers: 1,
		Profile: ProfileSteps, ProfilePeriod: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rate.Scheduled != 300 || res.Rate.TargetPerS != 1000 || res.Rate.PeakPerS != 1500 || res.Rate.Profile != ProfileSteps {
		t.Errorf("rate %+v", res.Rate)
	}
	if err := (&Config{Kind: "x", Mode: ModeClosed, Duration: time.Second, Profile: ProfileBursts}).Validate(); err == nil {
		t.Error("a profile in the closed loop must be refused")
	}
}
