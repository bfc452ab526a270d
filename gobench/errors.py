"""Every exception gobench raises on purpose, grouped by the pipeline stage that raises it.

A command turns each of these into a message and an exit code; anything
else is a bug and keeps its traceback.
"""


# --- build ---------------------------------------------------------------------------------


class ToolchainError(RuntimeError):
    """ToolchainError means Go or a C compiler is missing; the message says how to get it."""


class BuildError(RuntimeError):
    """BuildError means `go build` or the cffi extension build failed; it carries the output."""


# --- collect -------------------------------------------------------------------------------


class GoBenchError(RuntimeError):
    """GoBenchError is raised when the Go library returns an error or a recovered panic.

    ``status`` is the gb_status code, ``go_message`` the first line of the Go
    message and ``go_detail`` the whole message (a panic's includes its stack).
    """

    def __init__(self, status: int, message: str, where: str = ""):
        first = message.strip().splitlines()[0] if message.strip() else "(no message)"
        kind = "panic in Go" if status == 2 else "Go error"
        super().__init__(f"{where}: {kind}: {first}" if where else f"{kind}: {first}")
        self.status = status
        self.go_message = first
        self.go_detail = message
        self.is_panic = status == 2


class WorkerCrash(RuntimeError):
    """WorkerCrash means a worker process died or stopped answering (``timed_out``); ``side`` says which worker."""

    def __init__(self, side: str, msg: str, timed_out: bool = False):
        super().__init__(f"{side} worker {msg}")
        self.side = side
        self.timed_out = timed_out


class GateError(RuntimeError):
    """GateError means the gate could not check (exit 2): bad ref, build failure, unusable baseline."""


# --- store ---------------------------------------------------------------------------------


class StoreError(ValueError):
    """StoreError means a run folder or file is missing, truncated, foreign or of an unknown schema."""
