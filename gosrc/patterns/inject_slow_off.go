//go:build !gobench_inject_slow

package patterns

// injectSlow is false in every normal build; see inject.go.
const injectSlow = false
