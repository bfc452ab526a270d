"""The in-process bridge to one Go library: load it, open scenarios, run rounds.

Only one gobench library may be loaded per process (two Go runtimes in one
process are unsupported, and dlclose does nothing), so ``load`` refuses a
second, different library. Collection runs each library in its own worker
process (gobench/collect/worker.py); tests load the default variant once.

Every call checks its gb_status and raises GoBenchError with the Go message.
Buffers and result structs are allocated here (ffi.new) and kept referenced
for the whole call; Go only writes into them.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path

from gobench.build import library as build
from gobench.errors import GoBenchError

GB_OK, GB_ERROR, GB_PANIC, GB_SHORT_BUFFER = 0, 1, 2, 3
ABI_VERSION = 1

ROUND_FIELDS = (
    "n", "elapsed_ns", "alloc_objects", "alloc_bytes", "gc_cycles", "gc_cpu_ns", "stw_count",
    "stw_total_ns", "stw_max_ns", "heap_objects_bytes", "cpu_user_ns", "cpu_sys_ns", "minflt", "majflt",
)

# A round may not ask for more operations than this; it bounds a call's time
# (Ctrl-C reaches Python only when the call returns).
MAX_N = 1 << 36

_loaded: "Library | None" = None


@dataclass
class Round:
    """Round is one round's raw numbers: the gb_result fields plus named extras."""

    n: int
    elapsed_ns: int
    alloc_objects: int
    alloc_bytes: int
    gc_cycles: int
    gc_cpu_ns: float
    stw_count: int
    stw_total_ns: float
    stw_max_ns: float
    heap_objects_bytes: int
    cpu_user_ns: int
    cpu_sys_ns: int
    minflt: int
    majflt: int
    extra: dict[str, float]

    @property
    def ns_per_op(self) -> float:
        return self.elapsed_ns / self.n

    def as_dict(self) -> dict:
        return dict(self.__dict__)


class Library:
    """Library is a loaded gobench library (one per process)."""

    def __init__(self, variant_dir: Path):
        ext = build.find_ext(variant_dir)
        if ext is None:
            raise FileNotFoundError(f"no built library in {variant_dir}; run `invoke build` first")
        spec = importlib.util.spec_from_file_location(build.EXT_NAME, ext)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        self.dir = Path(variant_dir)
        self.ffi, self.lib = mod.ffi, mod.lib
        abi = self.lib.gb_abi_version()
        if abi != ABI_VERSION:
            raise GoBenchError(GB_ERROR, f"library ABI {abi}, this gobench speaks {ABI_VERSION}; rebuild")
        self._extras: dict[str, list[str]] = {}

    # --- errors -------------------------------------------------------------------------------
    def last_error(self) -> str:
        """last_error returns the Go side's last error message."""
        buf = self.ffi.new("char[]", 4096)
        n = self.lib.gb_last_error(buf, len(buf))
        if n >= len(buf):
            buf = self.ffi.new("char[]", n + 1)
            self.lib.gb_last_error(buf, len(buf))
        return self.ffi.string(buf).decode("utf-8", "replace")

    def _check(self, rc: int, where: str) -> None:
        if rc != GB_OK:
            raise GoBenchError(rc, self.last_error(), where)

    # --- calls ----------------------------------------------------------------------------
    def call(self, method: str, request: dict | None = None) -> dict:
        """call sends a JSON request to a gb_call method and returns the decoded reply."""
        req = json.dumps(request or {}).encode()
        # Large enough that a retry (which would re-run the call, e.g. a whole
        # load run) practically never happens; zeroing 4 MiB costs ~1 ms.
        cap = 1 << 22
        needed = self.ffi.new("int64_t*")
        for _ in range(3):
            buf = self.ffi.new("char[]", cap)
            rc = self.lib.gb_call(method.encode(), req, buf, cap, needed)
            if rc == GB_SHORT_BUFFER:
                cap = int(needed[0]) + 1
                continue
            self._check(rc, f"gb_call({method})")
            return json.loads(self.ffi.string(buf).decode())
        raise GoBenchError(GB_ERROR, f"reply of {method} kept growing past {cap} bytes", "gb_call")

    def info(self) -> dict:
        """info returns the Go runtime's facts and the scenario list."""
        return self.call("info")

    def open(self, name: str, params: dict[str, int] | None = None) -> "Scenario":
        """open opens a scenario by "Family/Variant"; close it (or use `with`) when done."""
        h = self.ffi.new("int64_t*")
        self._check(self.lib.gb_open(name.encode(), json.dumps(params or {}).encode(), h), f"open {name}")
        if name not in self._extras:
            # Libraries built before metrics were declared by name (a base commit of
            # `check --against`) list their metric names as "extra".
            self._extras = {s["family"] + "/" + s["variant"]:
                            [m["name"] for m in s["metrics"]] if "metrics" in s else list(s.get("extra") or [])
                            for s in self.info()["scenarios"]}
        return Scenario(self, name, int(h[0]), self._extras.get(name, []))

    def noop(self) -> None:
        """noop crosses the FFI and does nothing."""
        self.lib.gb_noop()

    def c_noop_loop_ns(self, n: int) -> int:
        """c_noop_loop_ns calls the no-op export n times from C and returns the total ns."""
        return int(self.lib.gb_c_noop_loop(n))

    def _knob(self, fn, value: int, what: str) -> int:
        old = self.ffi.new("int64_t*")
        self._check(fn(value, old), what)
        return int(old[0])

    def set_gc_percent(self, percent: int) -> int:
        """set_gc_percent sets GOGC at run time (-1 turns the GC off) and returns the old value."""
        return self._knob(self.lib.gb_set_gc_percent, percent, "set GC percent")

    def set_memory_limit(self, limit_bytes: int) -> int:
        """set_memory_limit sets GOMEMLIMIT at run time (-1 reads only) and returns the old value."""
        return self._knob(self.lib.gb_set_memory_limit, limit_bytes, "set memory limit")

    def set_gomaxprocs(self, procs: int) -> int:
        """set_gomaxprocs sets GOMAXPROCS at run time (0 reads only) and returns the old value."""
        return self._knob(self.lib.gb_set_gomaxprocs, procs, "set GOMAXPROCS")


class Scenario:
    """Scenario is an opened scenario instance; ``run`` measures one round inside Go."""

    def __init__(self, lib: Library, name: str, handle: int, extra_names: list[str]):
        self.lib, self.name, self.handle, self.extra_names = lib, name, handle, extra_names
        self._out = lib.ffi.new("gb_result*")

    def run(self, n: int) -> Round:
        """run performs one round of n operations and returns what Go measured."""
        if not isinstance(n, int) or isinstance(n, bool) or n <= 0 or n > MAX_N:
            raise ValueError(f"round size must be an int in [1, {MAX_N}], got {n!r}")
        if self.handle is None:
            raise ValueError(f"{self.name} is closed")
        out = self._out
        self.lib._check(self.lib.lib.gb_run(self.handle, n, out), f"run {self.name}")
        vals = {f: getattr(out, f) for f in ROUND_FIELDS}
        if out.n_extra != len(self.extra_names):  # Go fills extra[] in the order the scenario declared
            raise GoBenchError(GB_ERROR, f"{self.name} reported {out.n_extra} metrics, declared "
                                         f"{len(self.extra_names)}: {self.extra_names}", f"run {self.name}")
        extra = {name: float(out.extra[i]) for i, name in enumerate(self.extra_names)}
        return Round(**vals, extra=extra)

    def close(self) -> None:
        """close releases the Go side's resources; closing twice is a no-op."""
        if self.handle is not None:
            h, self.handle = self.handle, None
            self.lib._check(self.lib.lib.gb_close(h), f"close {self.name}")

    def __enter__(self) -> "Scenario":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def close_all(scenarios) -> None:
    """close_all closes every scenario on the way out, ignoring Go errors from closing."""
    for scn in list(scenarios):
        try:
            scn.close()
        except GoBenchError:
            pass


def load(variant_dir: Path) -> Library:
    """load loads the library in variant_dir, once per process."""
    global _loaded
    variant_dir = Path(variant_dir).resolve()
    if _loaded is not None:
        if _loaded.dir != variant_dir:
            raise RuntimeError(
                f"a gobench library is already loaded in this process ({_loaded.dir}); "
                f"only one Go runtime can live in a process: run {variant_dir} in a worker process"
            )
        return _loaded
    _loaded = Library(variant_dir)
    return _loaded

