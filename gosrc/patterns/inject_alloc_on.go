//go:build gobench_inject_alloc

package patterns

// injectAlloc is true only with -tags gobench_inject_alloc (test-only); see inject.go.
const injectAlloc = true
