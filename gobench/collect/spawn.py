"""The parent's side of a worker process: start it, send commands, wait for replies, stop it.

Every worker process gobench starts is started here (``Worker``), and a
worker that dies or stops answering is reported here (``WorkerCrash`` with
the cause lines of its stderr, then its last lines), so that bench, the
gate, crosscheck and load runs all report a crash the same way. Use
``stopping`` around every group of workers: Ctrl-C (or a bug) kills them
all, so that nobody waits for a worker's round to finish.

Only one worker runs at a time; the others wait in a blocking read, so they
do not disturb each other's timings on a small machine.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gobench.collect import protocol
from gobench.errors import WorkerCrash
from gobench.paths import ROOT

STDERR_TAIL = 40  # last lines of a crashed worker's stderr kept in its message
_CAUSE = re.compile(r"^(fatal error:|runtime: |panic:|SIG[A-Z]+:|Traceback|[A-Za-z]+Error:)")


def crash_tail(text: str, lines: int = STDERR_TAIL) -> str:
    """crash_tail picks what explains a crash from a worker's stderr: the first cause lines of a Go
    or Python crash (fatal error:, panic:, SIG...:, Traceback) above the tail, then the last lines."""
    all_lines = text.splitlines()
    causes = [ln for ln in all_lines[:-lines] if _CAUSE.match(ln)][:5]
    return "\n".join(causes + (["..."] if causes else []) + all_lines[-lines:])


def exit_text(rc: int) -> str:
    """exit_text says how a process ended: "exit status 2", "killed by SIGKILL"."""
    if rc < 0:
        try:
            return f"killed by {signal.Signals(-rc).name}"
        except ValueError:
            return f"killed by signal {-rc}"
    return f"exit status {rc}"


class Worker:
    """Worker is the parent's handle on one worker process serving the library in ``library_dir``.

    ``label`` names the worker in crash messages ("base", "head", a scenario's
    name); ``env`` is added to the environment (GOGC, GOMAXPROCS, ... are read
    when the library loads). The worker's stderr goes to an unnamed temporary
    file, read only when the worker dies.
    """

    def __init__(self, label: str, library_dir: Path, env: dict | None = None):
        self.label = label
        wenv = {**os.environ, **(env or {})}
        wenv.setdefault("GOTRACEBACK", "single")
        self._err = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([sys.executable, "-m", "gobench.collect.worker", str(library_dir)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._err,
                                     env=wenv, cwd=str(ROOT))
        self._buf = b""

    def stderr_tail(self) -> str:
        """stderr_tail is crash_tail of what the worker wrote to stderr so far."""
        fd = self._err.fileno()
        # pread leaves the offset the worker writes at alone
        return crash_tail(os.pread(fd, os.fstat(fd).st_size, 0).decode(errors="replace"))

    def stderr_size(self) -> int:
        """stderr_size is how many bytes the worker has written to stderr so far (a mark for stderr_text)."""
        return os.fstat(self._err.fileno()).st_size

    def stderr_text(self, start: int = 0, end: int | None = None) -> str:
        """stderr_text is what the worker wrote to stderr between two marks (default: all of it), e.g. the
        runtime's GODEBUG=gctrace=1 lines of the rounds between them."""
        fd = self._err.fileno()
        end = os.fstat(fd).st_size if end is None else end
        return os.pread(fd, max(0, end - start), start).decode(errors="replace")

    def request(self, cmd: dict, timeout: float) -> dict:
        """request sends a command and returns its reply; raises WorkerCrash when the worker dies or times out."""
        where = cmd["op"] + (f" {cmd['name']}" if cmd.get("name") and cmd["name"] != self.label else "")
        try:
            self.proc.stdin.write((json.dumps(cmd) + "\n").encode())
            self.proc.stdin.flush()
        except OSError:  # BrokenPipeError: it died after its last reply
            rc = self.proc.wait()
            raise WorkerCrash(self.label, f"died ({exit_text(rc)}) before {where}:\n{self.stderr_tail()}") from None
        deadline = time.monotonic() + timeout
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        try:
            while b"\n" not in self._buf:
                left = deadline - time.monotonic()
                if left <= 0:
                    self.kill()
                    raise WorkerCrash(self.label, f"timed out after {timeout:.0f} s in {where}:\n"
                                                  f"{self.stderr_tail()}", timed_out=True)
                if not sel.select(min(left, 1.0)):
                    continue
                chunk = os.read(self.proc.stdout.fileno(), 1 << 16)
                if not chunk:
                    rc = self.proc.wait()
                    raise WorkerCrash(self.label, f"died ({exit_text(rc)}) in {where}:\n{self.stderr_tail()}")
                self._buf += chunk
        finally:
            sel.close()
        line, self._buf = self._buf.split(b"\n", 1)
        return json.loads(line)

    def kill(self) -> None:
        """kill stops the worker at once and reaps it."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def close(self) -> None:
        """close asks the worker to exit (it closes its scenarios), kills it if it does not, and releases its files."""
        try:
            if self.proc.poll() is None:
                self.proc.stdin.write((json.dumps(protocol.CLOSE) + "\n").encode())
                self.proc.stdin.flush()
                self.proc.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            pass
        finally:
            self.kill()
            for f in (self.proc.stdin, self.proc.stdout, self._err):
                try:
                    f.close()
                except OSError:
                    pass


@contextlib.contextmanager
def stopping(workers: dict[str, Worker]):
    """stopping closes every worker in ``workers`` (which may still be filling) when the block ends;
    on Ctrl-C or a bug it kills them first, so that nobody waits for a worker's round to finish."""
    try:
        yield workers
    except BaseException:
        for w in workers.values():
            w.kill()
        raise
    finally:
        for w in workers.values():
            w.close()
