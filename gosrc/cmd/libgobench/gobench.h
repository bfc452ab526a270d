/* gobench.h: the C ABI between the Go library and its callers. This file is
 * the contract: Python derives its cffi declarations from it, and a test
 * checks that the prototypes cgo generates for the exports agree with it.
 *
 * Ownership: the caller allocates every buffer and result struct and keeps
 * it alive for the duration of the call; Go only writes into it and never
 * keeps a pointer to it after returning. Strings passed in are NUL-terminated
 * UTF-8 and are copied by Go before the call returns.
 *
 * Errors: every function returning int returns a gb_status. On GB_ERROR or
 * GB_PANIC, gb_last_error returns the message (a panic's includes its stack).
 * A panic anywhere in a call, including goroutines it started, is recovered;
 * only fatal runtime errors (out of memory, stack exhaustion) end the process.
 *
 * Adding a scenario or a capability does not change this file: scenarios are
 * looked up by name and capabilities are reached through gb_call.
 */
#ifndef GOBENCH_H
#define GOBENCH_H
#include <stdint.h>

enum gb_status { GB_OK = 0, GB_ERROR = 1, GB_PANIC = 2, GB_SHORT_BUFFER = 3 };

/* gb_result: one round of n operations. Counts are round totals. */
typedef struct gb_result {
    int64_t n;
    int64_t elapsed_ns;          /* monotonic clock around the batch */
    int64_t alloc_objects;       /* heap objects allocated in the round (exact) */
    int64_t alloc_bytes;         /* heap bytes allocated in the round (exact) */
    int64_t gc_cycles;           /* GC cycles completed inside the timed region */
    double  gc_cpu_ns;           /* GC CPU time inside the timed region (runtime estimate) */
    int64_t stw_count;           /* stop-the-world pauses (2 per GC cycle) */
    double  stw_total_ns;        /* from /sched/pauses/total/gc:seconds, bucket midpoints */
    double  stw_max_ns;          /* upper edge of the highest non-empty bucket */
    int64_t heap_objects_bytes;  /* heap object bytes at the end of the timed region */
    int64_t cpu_user_ns;         /* getrusage(RUSAGE_SELF) over the timed region */
    int64_t cpu_sys_ns;
    int64_t minflt;              /* minor page faults over the timed region */
    int64_t majflt;              /* major page faults over the timed region */
    int32_t n_extra;             /* how many of extra[] the scenario filled */
    double  extra[16];           /* scenario metrics, named in the scenario list */
} gb_result;

/* gb_abi_version: bumped when this file changes incompatibly. */
int64_t gb_abi_version(void);

/* gb_noop: does nothing; measures the cost of crossing the FFI. */
void gb_noop(void);

/* gb_last_error: copies the last error message into buf (NUL-terminated,
 * truncated to cap) and returns its full length in bytes. */
int64_t gb_last_error(char* buf, int64_t cap);

/* gb_call: a JSON request/response call: method "info" (runtime and build
 * facts plus the scenario list), "load" (issue #4), and others added later.
 * On GB_SHORT_BUFFER, *needed is the size to retry with. */
int gb_call(char* method, char* request_json, char* buf, int64_t cap, int64_t* needed);

/* gb_open: opens scenario "Family/Variant" with params given as a JSON object
 * of integers ("{}" for defaults) and stores a handle in *handle. */
int gb_open(char* name, char* params_json, int64_t* handle);

/* gb_run: runs one round of n operations under the measurement protocol. */
int gb_run(int64_t handle, int64_t n, gb_result* out);

/* gb_close: releases what gb_open acquired (files, mappings, memory). */
int gb_close(int64_t handle);

/* Runtime knobs, effective at once; the previous value goes to *old.
 * gb_set_gc_percent(-1) turns the GC off; gb_set_memory_limit(-1) only reads. */
int gb_set_gc_percent(int64_t percent, int64_t* old);
int gb_set_memory_limit(int64_t bytes, int64_t* old);
int gb_set_gomaxprocs(int64_t procs, int64_t* old);

#endif
