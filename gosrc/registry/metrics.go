package registry

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// A Metric is one of a scenario's own metrics, declared at registration so
// that the list is known before any round: Python reads it from "info", a
// round fills gb_result.extra in this order, and go test prints the value
// with the name as its unit.
type Metric struct {
	Name string `json:"name"` // e.g. "pool_new_per_op"; stored run records use it as the key
	Unit string `json:"unit"` // for display, e.g. "new/op"
	Doc  string `json:"doc"`
}

// A Reporter is an Instance with metrics of its own. After each round, and
// only after a successful Verify, Report is called outside the timed region
// with the round's size and duration; it reports every declared metric once
// through m.Report, with values that cover the operations since its
// previous Report (the Instance keeps its own counters).
type Reporter interface {
	Report(n int, elapsed time.Duration, m *Metrics)
}

// Metrics collects the values a Reporter reports for one round, checking
// them against the scenario's declarations, much as testing.B.ReportMetric
// does for go test. Make one per open Instance with NewMetrics.
type Metrics struct {
	decl []Metric
	vals []float64
	set  []bool
	errs []error
}

// NewMetrics prepares the collection of the declared metrics.
func NewMetrics(decl []Metric) *Metrics {
	return &Metrics{decl: decl, vals: make([]float64, len(decl)), set: make([]bool, len(decl))}
}

// Report records the value of the declared metric name for the round being
// collected; a second report of the same name replaces the first. A name
// that was not declared makes Collect fail for this round.
func (m *Metrics) Report(name string, value float64) {
	for i, d := range m.decl {
		if d.Name == name {
			m.vals[i], m.set[i] = value, true
			return
		}
	}
	m.errs = append(m.errs, fmt.Errorf("reported undeclared metric %q", name))
}

// Collect asks inst for the metrics of the round of n operations that just
// ran in elapsed and returns their values in declaration order. It fails
// when the Instance reported a name it did not declare, or left a declared
// metric unreported (also when it is no Reporter at all): a round never
// yields a value that was not measured.
func (m *Metrics) Collect(inst Instance, n int, elapsed time.Duration) ([]float64, error) {
	clear(m.set)
	m.errs = m.errs[:0]
	if r, ok := inst.(Reporter); ok {
		r.Report(n, elapsed, m)
	}
	var missing []string
	for i, d := range m.decl {
		if !m.set[i] {
			missing = append(missing, d.Name)
		}
	}
	if len(missing) > 0 {
		m.errs = append(m.errs, fmt.Errorf("did not report declared metrics %s", strings.Join(missing, ", ")))
	}
	if err := errors.Join(m.errs...); err != nil {
		return nil, err
	}
	return append([]float64(nil), m.vals...), nil
}

// checkMetrics panics unless the declarations fit in gb_result and every
// metric has a valid, unique name and a unit.
func checkMetrics(owner string, decl []Metric) {
	if len(decl) > MaxMetrics {
		panic(fmt.Sprintf("registry: %s declares %d metrics, at most %d", owner, len(decl), MaxMetrics))
	}
	seen := map[string]bool{}
	for _, d := range decl {
		if !validName.MatchString(d.Name) || d.Unit == "" || seen[d.Name] {
			panic(fmt.Sprintf("registry: %s: malformed metric %+v", owner, d))
		}
		seen[d.Name] = true
	}
}
