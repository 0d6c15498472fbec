"""wfm-graceful COMMAND...: run a `meltano run ...` and, on SIGTERM or SIGINT, stop it tap first.

Meltano (4.4) answers SIGTERM by sending SIGTERM to the tap and the target at the same moment
and then stops reading their output, so the state the target emits while it drains never
reaches Meltano's system database: the next container re-reads everything since the last
state the target emitted on its own (for the continuous collector, up to 5 minutes of events).

Stopping the tap first is the order a Singer pipeline wants: the tap (tap-connect-kinesis
finishes the batch in hand) emits its final state and exits; the target reads to the end of
its input, loads, emits that state and exits; Meltano records the state and ends the run as a
success. If the pipeline has not ended WFM_STOP_TIMEOUT seconds (default 40) after the signal,
or no tap is running (a dbt step), or a second signal arrives, Meltano gets the signal itself.
Exits with the command's status (128 + the signal's number when a signal ended it).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path


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


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: wfm-graceful COMMAND...", file=sys.stderr)
        return 2
    timeout = float(os.environ.get("WFM_STOP_TIMEOUT", "40"))
    command = subprocess.Popen(argv)
    signals: list[int] = []

    def escalate(signum: int) -> None:
        if command.poll() is None:
            command.send_signal(signum)

    def on_signal(signum: int, _frame) -> None:
        signals.append(signum)
        if len(signals) > 1:
            escalate(signum)
            return
        taps = [pid for pid in child_pids(command.pid) if is_tap(pid)]
        if not taps:
            escalate(signum)
            return
        print(f"wfm-graceful: signal {signum}: stopping the tap first (pid {', '.join(map(str, taps))}), "
              f"then the target finishes its input", file=sys.stderr, flush=True)
        for pid in taps:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        timer = threading.Timer(timeout, escalate, args=(signal.SIGTERM,))
        timer.daemon = True
        timer.start()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    status = command.wait()
    return 128 - status if status < 0 else status  # killed by a signal: 128 + its number, as sh


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
