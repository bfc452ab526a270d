"""Lockstep A/B collection: two worker processes, one per library, taking turns round by round.

Why: on a small shared machine the dominant noise is other work that comes
and goes within a second (on the 2-vCPU VM a busy hyperthread sibling makes
OrderItem/pool take 28-40 ns/op instead of 16). Whole sessions run one after
the other sample different stretches of that noise, so two sessions of the
same library differed by 25% (and "significantly") in an A/A test. Here both
libraries stay loaded, each in its own process, and the parent alternates
their rounds in ABBA order (A B B A A B ...), so every stretch of noise falls
on both sides alike. Only one side runs at a time; the other waits in a
blocking read.

Each side is one worker process (one Go runtime per process); the parent
calibrates N on the base side and gives both sides the same N, and runs one
unmeasured warm-up round on each side first. A block is one pair of
processes per family; several blocks put process-to-process variation
(heap layout, thread placement) into the sample as well.

Protocol: the parent writes one JSON command per line to the worker's stdin
and reads one JSON reply per line from a pipe the worker keeps for that
purpose (the worker points its own stdout at stderr, so nothing the Go
runtime or a C library prints can corrupt the replies). A worker that dies
closes the pipe: the parent knows which command it was running and keeps
every round replied before.

    python -m gobench.lockstep JOB.json     (the worker; JOB names the library and the scenarios)

Note: this is separate from gobench.worker (which runs a whole job and
writes a file) because the parent must decide, round by round, which
library runs next.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gobench.build import library as buildmod
from gobench.collect.protocol import Settings, calibrate
from gobench.errors import WorkerCrash

ROUND_TIMEOUT_S = 120.0  # one round; a round is round_ms long, a regressed one a few times that


class Peer:
    """Peer is the parent's handle on one lockstep worker process."""

    def __init__(self, side: str, variant_dir: Path, env: dict, knobs: dict, tmp: Path):
        self.side = side
        self.err_path = tmp / f"{side}.stderr.txt"
        job = tmp / f"{side}.job.json"
        job.write_text(json.dumps({"variant_dir": str(variant_dir), "knobs": knobs}))
        wenv = {**os.environ, **env}
        wenv.setdefault("GOTRACEBACK", "single")
        self._errf = open(self.err_path, "w")
        self.proc = subprocess.Popen([sys.executable, "-m", "gobench.collect.lockstep", str(job)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._errf,
                                     env=wenv, cwd=str(buildmod.ROOT))
        self._buf = b""

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.err_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def request(self, cmd: dict, timeout: float) -> dict:
        """request sends a command and waits for its reply; raises WorkerCrash on death or timeout."""
        try:
            self.proc.stdin.write((json.dumps(cmd) + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise WorkerCrash(self.side, f"died before {cmd['op']}:\n{self.tail()}") from None
        deadline = time.monotonic() + timeout
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        try:
            while b"\n" not in self._buf:
                left = deadline - time.monotonic()
                if left <= 0:
                    self.kill()
                    raise WorkerCrash(self.side, f"timed out after {timeout:.0f} s in {cmd['op']} "
                                                   f"{cmd.get('name', '')}:\n{self.tail()}")
                if not sel.select(min(left, 1.0)):
                    continue
                chunk = os.read(self.proc.stdout.fileno(), 1 << 16)
                if not chunk:
                    rc = self.proc.wait()
                    raise WorkerCrash(self.side, f"died (exit {rc}) in {cmd['op']} {cmd.get('name', '')}:\n"
                                                   f"{self.tail()}")
                self._buf += chunk
        finally:
            sel.close()
        line, self._buf = self._buf.split(b"\n", 1)
        return json.loads(line)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def close(self) -> None:
        try:
            if self.proc.poll() is None:
                self.proc.stdin.write(b'{"op": "close"}\n')
                self.proc.stdin.flush()
                self.proc.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            pass
        finally:
            self.kill()
            for f in (self.proc.stdin, self.proc.stdout, self._errf):
                try:
                    f.close()
                except OSError:
                    pass


@contextlib.contextmanager
def stopping(peers: dict[str, "Peer"]):
    """stopping closes every peer in ``peers`` (which may still be filling) when the block ends;
    on Ctrl-C or a bug it kills them first, so that nobody waits for a worker's round to finish."""
    try:
        yield peers
    except BaseException:
        for p in peers.values():
            p.kill()
        raise
    finally:
        for p in peers.values():
            p.close()


def run_pair(specs: list[tuple[str, dict]], base_dir: Path, head_dir: Path, settings: Settings,
             first: str = "base", env: dict | None = None, knobs: dict | None = None) -> dict[str, dict]:
    """run_pair measures one family's scenarios on both libraries, rounds alternating ABBA.

    Returns {"base": {name: outcome}, "head": {name: outcome}, "info": {side: info}}, plus
    "fatal" (a message) when a worker died before it could open anything;
    outcomes have the shape gobench.protocol.Outcome.as_dict() produces.
    ``first`` is the side that runs first in round 0.
    """
    settings.validate()
    sides = ("base", "head") if first == "base" else ("head", "base")
    res: dict = {"base": {}, "head": {}, "info": {}}
    for s in ("base", "head"):
        for name, params in specs:
            res[s][name] = {"name": name, "params": params, "status": "ok", "error": None, "n": 0,
                            "calibration": None, "rounds": []}
    with tempfile.TemporaryDirectory(prefix="gobench-lockstep-") as tmp:
        peers = {"base": Peer("base", base_dir, env or {}, knobs or {}, Path(tmp)),
                 "head": Peer("head", head_dir, env or {}, knobs or {}, Path(tmp))}
        live: list[str] = []
        current: dict[str, str | None] = {"base": None, "head": None}
        with stopping(peers):
            try:
                for s, p in peers.items():
                    rep = p.request({"op": "open", "specs": specs}, ROUND_TIMEOUT_S)
                    res["info"][s] = rep.get("info") or {}
                    for name, err in (rep.get("errors") or {}).items():
                        res[s][name].update(status="error", error=err)
                live = [n for n, _ in specs if res["base"][n]["status"] == "ok" and res["head"][n]["status"] == "ok"]
                for name in list(live):
                    current["base"] = name
                    rep = peers["base"].request({"op": "calibrate", "name": name, "goal_ns": settings.round_ms * 1e6,
                                                 "max_s": settings.max_calibration_s},
                                                ROUND_TIMEOUT_S + settings.max_calibration_s)
                    if "error" in rep:
                        res["base"][name].update(status="error", error=rep["error"])
                        live.remove(name)
                        continue
                    for s in ("base", "head"):
                        res[s][name].update(n=rep["n"], calibration=rep["trials"])
                    for s in sides:  # warm-up, not recorded: the head process has not run this code yet
                        current[s] = name
                        w = peers[s].request({"op": "round", "name": name, "n": rep["n"]}, ROUND_TIMEOUT_S)
                        if "error" in w:
                            res[s][name].update(status="error", error=w["error"])
                            if name in live:
                                live.remove(name)
                for r in range(settings.rounds):
                    k = r % len(live) if live else 0
                    order = sides if r % 2 == 0 else sides[::-1]
                    for name in live[k:] + live[:k]:
                        for s in order:
                            if res[s][name]["status"] != "ok":
                                continue
                            current[s] = name
                            rep = peers[s].request({"op": "round", "name": name, "n": res[s][name]["n"]},
                                                   ROUND_TIMEOUT_S)
                            if "error" in rep:
                                res[s][name].update(status="error", error=rep["error"])
                            else:  # "pair": the round of the other side run next to it (same r)
                                res[s][name]["rounds"].append({**rep["round"], "pair": r})
                    live = [n for n in live if res["base"][n]["status"] == "ok" and res["head"][n]["status"] == "ok"]
            except WorkerCrash as e:
                name = current[e.side]
                if name:
                    res[e.side][name].update(status="crashed", error=str(e))
                else:  # it died loading the library: nothing of this side can be measured
                    res["fatal"] = str(e)
                for s in ("base", "head"):  # the block ends: the rest of the family is not compared in it
                    for n, o in res[s].items():
                        if n != name and o["status"] == "ok" and len(o["rounds"]) < settings.rounds:
                            o.update(status="skipped", error=f"not finished: {e.side} worker died in this block")
    return res


# ---------------------------------------------------------------- worker side


def _serve(job: dict, cmds, reply) -> int:
    from gobench.collect import bridge
    from gobench.collect import worker
    from gobench.errors import GoBenchError

    lib = bridge.load(Path(job["variant_dir"]))
    info = worker.apply_knobs(lib, job.get("knobs") or {})
    opened: dict = {}

    def send(doc: dict) -> None:
        reply.write(json.dumps(doc) + "\n")
        reply.flush()

    try:
        for line in cmds:
            cmd = json.loads(line)
            op = cmd.get("op")
            try:
                if op == "open":
                    errors = {}
                    for name, params in cmd["specs"]:
                        try:
                            opened[name] = lib.open(name, params)
                        except GoBenchError as e:
                            errors[name] = str(e)
                    send({"info": info, "errors": errors})
                elif op == "calibrate":
                    n, trials = calibrate(opened[cmd["name"]], cmd["goal_ns"], cmd["max_s"])
                    send({"n": n, "trials": trials})
                elif op == "round":
                    send({"round": opened[cmd["name"]].run(int(cmd["n"])).as_dict()})
                elif op == "close":
                    break
                else:
                    send({"error": f"unknown op {op!r}"})
            except GoBenchError as e:
                send({"error": str(e) + ("\n" + e.go_detail if e.is_panic else "")})
    finally:
        bridge.close_all(opened.values())
    return 0


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m gobench.lockstep JOB.json", file=sys.stderr)
        return 2
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent owns Ctrl-C and stops us
    reply = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # anything else printed to stdout goes to stderr, never into the replies
    job = json.loads(Path(argv[0]).read_text())
    return _serve(job, sys.stdin, reply)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
