//go:build gobench_inject_slow

package patterns

// injectSlow is true only with -tags gobench_inject_slow (test-only); see inject.go.
const injectSlow = true
