"""Load test: launch app.py on a free port and let 20 gradio_client clients ask 10 questions each, at once.

Prints, for Gradio's default concurrency, the app's own settings and each number given, the errors,
p50/p95/max latency of one question and the throughput. The index is built once into a temp
folder first, so the figures measure answering, not indexing.

    .venv/bin/python benchmarks/load.py                      # Gradio's defaults, the app's settings, 1 and 2
    .venv/bin/python benchmarks/load.py --settings gradio-default,app,4 --clients 20 --questions 10
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [
    "How many representatives attended the conferences?",
    "Who is the chairman of the State Security Service of Uzbekistan?",
    "Which city hosts the conference?",
    "When is the Securex Uzbekistan exhibition held?",
    "How many delegations took part in total?",
    "What did Shavkat Mirziyoyev call for?",
    "Combien de représentants ont participé aux conférences ?",
    "Which organisations sent authorized bodies?",
    "What threatens the security of the SCO member states?",
    "What is the capital of Australia?",  # not in the documents: the abstaining path
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Serves the app as `qa serve` does, with the concurrency of the answering events set by the benchmark.
LAUNCHER = r"""
import sys
sys.path.insert(0, sys.argv[1])
from qa import QA
from qa.ui import build, launch

root, corpus, index, model, port, setting = sys.argv[1:7]
bot = QA(corpus, index, model=model or None)
bot.refresh()
bot.warm_up()
demo = build(bot)
if setting == "gradio-default":  # what Gradio does when nothing is set: one event of each kind at a time
    for fn in demo.fns.values():
        fn.concurrency_limit = "default"
    demo._queue.default_concurrency_limit = 1
elif setting != "app":  # a number: how many questions are answered at once
    for fn in demo.fns.values():
        if fn.concurrency_id == "answer":
            fn.concurrency_limit = int(setting)
launch(demo, "127.0.0.1", int(port))
"""


def launch(corpus: str, index: str, model: str | None, setting: str) -> tuple[subprocess.Popen, str]:
    """Start the app with one concurrency setting and wait until it serves; returns the process and its URL."""
    port = free_port()
    cmd = [sys.executable, "-c", LAUNCHER, str(ROOT), corpus, index, model or "", str(port), setting]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the app exited with {proc.returncode}: {proc.stderr.read()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit(f"the app did not serve {url} within 300 s")


def run_clients(url: str, clients: int, questions: int) -> dict:
    """`clients` threads, each with its own gradio_client, asking `questions` questions; latencies and errors."""
    from gradio_client import Client

    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    ready = threading.Barrier(clients + 1)

    def client(i: int) -> None:
        try:
            c = Client(url, verbose=False)
        except Exception as err:
            with lock:
                errors.append(f"connect: {type(err).__name__}: {err}")
            ready.wait()
            return
        ready.wait()
        for j in range(questions):
            q = QUESTIONS[(i + j) % len(QUESTIONS)]
            t = time.perf_counter()
            try:
                out = c.predict(q, api_name="/chat")
                if not out:
                    raise ValueError("empty reply")
            except Exception as err:
                with lock:
                    errors.append(f"{type(err).__name__}: {str(err)[:200]}")
                continue
            with lock:
                latencies.append(time.perf_counter() - t)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    ready.wait()  # clients connected: time the questions only
    start = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    return {"latencies": latencies, "errors": errors, "wall": wall}


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default=str(ROOT / "corpus"))
    parser.add_argument("--model", default=None, help="model for the index [default: the packaged all-MiniLM-L6-v2]")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--questions", type=int, default=10, help="questions per client")
    parser.add_argument(
        "--settings", default="gradio-default,app,1,2", help="comma-separated: 'gradio-default', 'app' (as shipped) or a number"
    )
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="qa-load-"))
    try:
        index = tmp / "index"
        cmd = [sys.executable, "-m", "qa.cli", "index", "--corpus", args.corpus, "--index", str(index), "-q"]
        if args.model:
            cmd += ["--model", args.model]
        subprocess.run(cmd, cwd=ROOT, check=True)
        print(f"{args.clients} clients x {args.questions} questions, corpus {args.corpus}, {os.cpu_count()} cores")
        print(f"{'concurrency':>12} {'answered':>9} {'errors':>7} {'p50 s':>7} {'p95 s':>7} {'max s':>7} {'q/s':>6}")
        for setting in args.settings.split(","):
            proc, url = launch(args.corpus, str(index), args.model, setting.strip())
            try:
                from gradio_client import Client

                t = time.perf_counter()
                Client(url, verbose=False).predict(QUESTIONS[0], api_name="/chat")
                first = time.perf_counter() - t
                r = run_clients(url, args.clients, args.questions)
            finally:
                proc.terminate()
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
            lat = r["latencies"]
            print(
                f"{setting.strip():>12} {len(lat):>9} {len(r['errors']):>7} {percentile(lat, 50):>7.2f} "
                f"{percentile(lat, 95):>7.2f} {max(lat, default=float('nan')):>7.2f} {len(lat) / r['wall']:>6.2f}",
                flush=True,
            )
            print(f"{'':>12} (the first question after start, untimed above, took {first:.2f} s)")
            for e in sorted(set(r["errors"]))[:5]:
                print(f"{'':>12} error: {e}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
