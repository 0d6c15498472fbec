"""wfm-graceful COMMAND...: run a `meltano run ...`: one per state ID at a time, stopped tap
first, started again after a failure if asked to.

Stopping. Meltano (4.4) answers SIGTERM by sending SIGTERM to the tap and the target at the
same moment and then stops reading their output, so the state the target emits while it drains
never reaches Meltano's system database: the next container re-reads everything since the last
state the target emitted on its own (for the continuous collector, up to 5 minutes of events).
Stopping the tap first is the order a Singer pipeline wants: the tap (tap-connect-kinesis
finishes the batch in hand) emits its final state and exits; the target reads to the end of
its input, loads, emits that state and exits; Meltano records the state and ends the run as a
success. If the pipeline has not ended WFM_STOP_TIMEOUT seconds (default 40) after the signal,
or no tap is running (a dbt step), or a second signal arrives, Meltano gets the signal itself
(at once with WFM_STOP_TAP_FIRST=false).

One run per state ID (docker/runlock.py). Before a `meltano run` starts, it takes the run
lock of its state IDs in Meltano's system database (PostgreSQL), waiting while another run of
the same state ID holds it, and holds it until the pipeline has ended. A run killed without
ending its row in Meltano's `runs` (SIGKILL, OOM, PostgreSQL gone) no longer blocks its state
ID for 5 minutes: the next run takes the lock over within seconds. If the lock's session is
lost while the pipeline runs, the pipeline is killed at once (SIGKILL to its process group),
within WFM_RUN_LOCK_LEASE seconds (default 5), before any other run may start.

Restarts. With WFM_RUN_RESTARTS=N (the continuous collector sets it), a run that fails (or
lost its lock) is started again in this process, after 1, 2, 4, … (at most 30) seconds, N
times in a row at most (a run that lasted 10 minutes resets the count): a loader crash or a
PostgreSQL restart costs seconds, not the orchestrator's growing restart back-off. Then, or
with N=0 (the default), this exits with the command's status (128 + the signal's number when
a signal ended it; 1 when the lock was lost), and the orchestrator restarts the container.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import runlock  # beside this file (in the image /usr/local/lib/wfm/)

RESET_AFTER_SECONDS = 600
MAX_DELAY_SECONDS = 30


def log(message: str) -> None:
    print(f"wfm-graceful: {message}", file=sys.stderr, flush=True)


def child_pids(parent: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == parent:
            found.append(int(stat.parent.name))
    return found


def is_tap(pid: int) -> bool:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return any(os.path.basename(arg.decode(errors="replace")).startswith("tap-") for arg in argv[:3])


def _die_with_parent():
    """For the child: SIGKILL when this process dies (Linux), so that a pipeline never outlives
    the process that holds its lock (in a container its init ends every process anyway)."""
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def preexec() -> None:
        prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # died before prctl took effect
            os._exit(1)

    return preexec


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def exit_status(status: int) -> int:
    return 128 - status if status < 0 else status  # killed by a signal: 128 + its number, as sh


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: wfm-graceful COMMAND...", file=sys.stderr)
        return 2
    timeout = float(os.environ.get("WFM_STOP_TIMEOUT", "40"))
    tap_first = os.environ.get("WFM_STOP_TAP_FIRST", "true").strip().lower() != "false"
    restarts = int(os.environ.get("WFM_RUN_RESTARTS") or 0)
    lock = runlock.for_command(argv, os.environ)
    signals: list[int] = []
    stopping = threading.Event()
    running: list[subprocess.Popen] = []  # the pipeline, while one runs

    def escalate(command: subprocess.Popen, signum: int) -> None:
        if command.poll() is None:
            command.send_signal(signum)

    def on_signal(signum: int, _frame) -> None:
        signals.append(signum)
        stopping.set()
        if not running:
            return  # waiting for the lock or a restart: the loop below ends
        command = running[0]
        if len(signals) > 1:
            escalate(command, signum)
            return
        taps = [pid for pid in child_pids(command.pid) if is_tap(pid)] if tap_first else []
        if not taps:
            escalate(command, signum)
            return
        log(f"signal {signum}: stopping the tap first (pid {', '.join(map(str, taps))}), "
            f"then the target finishes its input")
        for pid in taps:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        timer = threading.Timer(timeout, escalate, args=(command, signal.SIGTERM))
        timer.daemon = True
        timer.start()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    failures = 0
    while True:
        extra: dict[str, str] = {}
        if lock is not None:
            try:
                taken = lock.acquire(stopping)
            except Exception as exc:
                log(f"cannot use Meltano's system database for the run lock: {runlock.reason(exc)}")
                return 1
            if taken is None:
                return 128 + signals[0] if signals else 1
            extra = taken
        started = time.monotonic()
        # Its own process group, so that everything it started can be killed at once.
        command = subprocess.Popen(argv, env={**os.environ, **extra}, process_group=0,
                                   preexec_fn=_die_with_parent())
        running.append(command)
        if stopping.is_set():  # a signal between the lock and the start
            escalate(command, signals[-1])
        lost = None
        if lock is not None:
            lock.start_watch()
        while True:
            try:
                status = command.wait(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                pass
            if lock is not None and (lost := lock.lost()):
                log(f"lost the run lock ({lost}): killing the pipeline now, before another run may start")
                _kill_group(command.pid)
                status = command.wait()
                break
        running.clear()
        _kill_group(command.pid)  # whatever it left behind, before the lock goes
        if lock is not None:
            lock.release()
        if stopping.is_set():
            return exit_status(status)
        if status == 0 and not lost:
            return 0
        code = 1 if lost else exit_status(status)
        if time.monotonic() - started >= RESET_AFTER_SECONDS:
            failures = 0
        failures += 1
        if failures > restarts:
            if restarts:
                log(f"the run failed {failures} times in a row: exiting with status {code}")
            return code
        delay = min(2 ** (failures - 1), MAX_DELAY_SECONDS)
        log(f"the run ended with status {code}; starting it again in {delay} s "
            f"(restart {failures} of at most {restarts} in a row)")
        if stopping.wait(delay):
            return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
