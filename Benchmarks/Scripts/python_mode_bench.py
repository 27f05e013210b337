"""Python mode (mode-streaming) side of `mode-compare`: the same shapes and workloads, printed as JSON lines.

Run by `swift run -c release --package-path Benchmarks mode-compare` when a Python with `mode` is found
(Benchmarks/.build/mode-venv, made by Benchmarks/Scripts/setup-python-mode.sh, or $MODE_PYTHON).
"""
import asyncio
import json
import sys
import time
import tracemalloc

import mode
from mode.supervisors import OneForOneSupervisor


class Node(mode.Service):
    pass


def split(leaves, fanout):
    if fanout is None or leaves <= fanout:
        return None
    per = (leaves + fanout - 1) // fanout
    parts = []
    while leaves > 0:
        parts.append(min(per, leaves))
        leaves -= per
    return parts


def attach(parent, leaves, fanout):
    parts = split(leaves, fanout)
    if parts is None:
        for _ in range(leaves):
            parent.add_dependency(Node())
    else:
        for part in parts:
            inner = Node()
            parent.add_dependency(inner)
            attach(inner, part, fanout)


async def tree(count, fanout):
    # Timed without tracemalloc (it slows allocation down several times); memory from a second, traced run.
    root = Node()
    attach(root, count, fanout)
    t0 = time.perf_counter()
    await root.start()
    t1 = time.perf_counter()
    await root.stop()
    t2 = time.perf_counter()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    traced = Node()
    attach(traced, count, fanout)
    await traced.start()
    running = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    await traced.stop()
    return {"suite": "tree", "count": count, "fanout": fanout, "start_s": t1 - t0, "stop_s": t2 - t1,
            "bytes_per_service": (running - before) / count}


class Crasher(mode.Service):
    """Crashes from a background task right after it starts (crashing inside on_started would lose the
    supervisor's wakeup, and every restart would wait for its 5 s poll)."""
    crashed_at = 0.0
    first_crash = None
    restarted_at = 0.0
    first_restart = None

    @mode.Service.task
    async def _boom(self):
        self.crashed_at = time.perf_counter()
        if self.first_crash is None:
            self.first_crash = self.crashed_at
        await self.crash(RuntimeError("boom"))

    async def on_restart(self):
        self.restarted_at = time.perf_counter()
        if self.first_restart is None:
            self.first_restart = self.restarted_at


async def restarts(seconds):
    crasher = Crasher()
    supervisor = OneForOneSupervisor(crasher, max_restarts=10_000_000, over=1.0)
    await supervisor.start()
    t0 = time.perf_counter()
    await asyncio.sleep(seconds)
    end = time.perf_counter()
    first_at = crasher.first_restart
    count = crasher.restart_count
    await supervisor.stop()
    # The rate counts restarts after the first one, over the time since it (the first waits for the
    # supervisor's 5 s poll).
    rate_window = (end - first_at) if first_at else 0.0
    return {"suite": "restart", "restarts": count, "elapsed_s": end - t0,
            "restarts_per_s": (count - 1) / rate_window if count > 1 and rate_window > 0 else 0.0,
            "first_delay_s": (crasher.first_restart - crasher.first_crash) if first_at else None}


class Plain(mode.Service):
    pass


async def restart_loop(count):
    """mode's restart() called in a loop on a service that crashed (no supervisor round trip)."""
    service = Plain()
    await service.start()
    t0 = time.perf_counter()
    for _ in range(count):
        service._crash(RuntimeError("boom"))
        await service.restart()
    elapsed = time.perf_counter() - t0
    await service.stop()
    return {"suite": "restart_loop", "restarts": count, "elapsed_s": elapsed, "restarts_per_s": count / elapsed}


async def timer(interval, ticks, work):
    lateness = []
    done = asyncio.Event()

    class Timed(mode.Service):
        origin = 0.0
        n = 0

        async def on_start(self):
            self.origin = time.monotonic()

        @mode.Service.timer(interval)
        async def tick(self):
            self.n += 1
            lateness.append(time.monotonic() - (self.origin + self.n * interval))
            end = time.monotonic() + work
            while time.monotonic() < end:
                pass
            if self.n >= ticks:
                done.set()

    service = Timed()
    await service.start()
    await done.wait()
    await service.stop()
    ordered = sorted(lateness)
    return {"suite": "timer", "interval_s": interval, "ticks": ticks, "work_s": work,
            "mean_s": sum(lateness) / len(lateness), "p99_s": ordered[min(len(ordered) - 1, len(ordered) * 99 // 100)],
            "max_s": ordered[-1], "drift_s": lateness[-1]}


async def blocking(count, timeout, block):
    """mode.debug.BlockingDetector: a coroutine blocks the loop with time.sleep(block); the delay is from the
    block's start to the detector's 'Blocking detected' log record (time.monotonic = CLOCK_MONOTONIC). The
    detector's SIGALRM handler raises Blocking inside the sleep, so a reported block is cut short."""
    import logging
    import random
    from mode.debug import Blocking, BlockingDetector

    stamps = []

    class Stamp(logging.Handler):
        def emit(self, record):
            if "Blocking detected" in record.getMessage():
                stamps.append(time.monotonic())

    class Detector(BlockingDetector):
        """mode's detector, except that an alarm outside the benchmark's blocks (the loop re-armed late on a
        loaded machine: a false alarm) is counted instead of raising Blocking inside the event loop's select(),
        which would end asyncio.run."""
        blocking = False
        false_alarms = 0

        def _on_alarm(self, signum, frame):
            if self.blocking:
                super()._on_alarm(signum, frame)
            Detector.false_alarms += 1
            self._reset_signal()

    detector_logger = logging.getLogger("mode.debug")
    detector_logger.addHandler(Stamp())
    detector_logger.propagate = False
    detector = Detector(timeout)
    await detector.start()
    await asyncio.sleep(timeout)
    rng = random.Random(7)
    delays = []
    interrupted = 0
    for _ in range(count):
        # Blocks start at varying phases of the detector's re-arm cycle (every 0.96 x timeout).
        await asyncio.sleep(rng.uniform(0.05, timeout))
        seen = len(stamps)
        t0 = time.monotonic()
        detector.blocking = True
        try:
            time.sleep(block)
        except Blocking:
            interrupted += 1
        finally:
            detector.blocking = False
        if len(stamps) > seen:
            delays.append(stamps[seen] - t0)
    await detector.stop()
    return {"suite": "blocking", "timeout_s": timeout, "block_s": block, "count": count, "reported": len(delays),
            "interrupted": interrupted, "false_alarms": Detector.false_alarms, "delays_s": delays}


async def main(args):
    suites = set(args) or {"tree", "restart", "timer", "blocking"}
    out = []
    if "tree" in suites:
        for count in (100, 1000, 10000):
            for fanout in (10, None):
                out.append(await tree(count, fanout))
    if "restart" in suites:
        out.append(await restart_loop(20000))
        out.append(await restarts(8.0))
    if "timer" in suites:
        out.append(await timer(0.010, 300, 0.0))
        out.append(await timer(0.200, 15, 0.020))
    if "blocking" in suites:
        out.append(await blocking(30, 0.5, 0.6))
    for line in out:
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    from importlib.metadata import version
    print(json.dumps({"suite": "version", "mode": version("mode-streaming"),
                      "python": sys.version.split()[0]}), flush=True)
    asyncio.run(main(sys.argv[1:]))
