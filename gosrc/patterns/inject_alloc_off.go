//go:build !gobench_inject_alloc

package patterns

// injectAlloc is false in every normal build; see inject.go.
const injectAlloc = false
