"""Shared helpers of the benchmark scripts: dev questions, timing, percentiles, memory, the machine."""
from __future__ import annotations

import json
import os
import platform
import random
import statistics
import time
from contextlib import contextmanager
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

DATA = Path(os.environ.get("QA_DEV_DATA", "/work/shared/data"))
DEV_SETS = ("xquad-en-dev", "piaf-fr-dev")


def dev_corpus(name: str) -> Path:
    """The corpus folder of a dev set."""
    return DATA / name / "corpus"


def dev_questions(name: str, limit: int | None = None, seed: int = 0) -> list[dict]:
    """Questions of a dev set (a fixed random sample of `limit` when given)."""
    rows = [json.loads(line) for line in (DATA / name / "questions.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    if limit is not None and limit < len(rows):
        rows = random.Random(seed).sample(rows, limit)
    return rows


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation."""
    if not values:
        return float("nan")
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def summary_ms(values: list[float]) -> str:
    """'p50 x ms, p95 y ms, mean z ms' of durations given in seconds."""
    return (
        f"p50 {percentile(values, 50) * 1e3:.1f} ms, p95 {percentile(values, 95) * 1e3:.1f} ms, "
        f"mean {statistics.fmean(values) * 1e3:.1f} ms (n={len(values)})"
    )


@contextmanager
def timer(out: dict, key: str):
    """Add the wall time of the block to out[key] (seconds)."""
    t = time.perf_counter()
    try:
        yield
    finally:
        out[key] = out.get(key, 0.0) + time.perf_counter() - t


def rss_bytes() -> int:
    """Resident memory of this process now."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def peak_rss_bytes() -> int:
    """Peak resident memory of this process so far."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def machine() -> str:
    """One line naming the machine the figures were taken on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import torch

    return (
        f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GB RAM, torch {torch.__version__} "
        f"({torch.get_num_threads()} threads), Python {platform.python_version()}, load avg {os.getloadavg()[0]:.1f}"
    )


def header(title: str) -> None:
    """Print the benchmark title and the machine."""
    print(f"== {title}")
    print(f"machine: {machine()}")
