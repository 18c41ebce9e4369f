"""FAISS files against Milvus Lite, side by side in one run; Ray Data embedding with 1 and 2 workers against the plain loop.

    python benchmarks/stores.py [--part xquad --part scale --part ray] [--work /tmp/qa-bench/stores]
                                [--passages 100000] [--questions 300] [--texts 800]

xquad: the xquad-en-dev corpus with the default model (multilingual-e5-small). A full build in
  each store (the model's time is the same work in both: the difference is the store), an update
  after one file changes, and `answer()` p50/p95 over the same questions, the two stores asked
  in turn question by question so that both see the same machine load.
scale: a corpus of >= --passages passages (varied copies of the dev articles, as benchmarks/scale.py
  makes them) embedded by the hashing fake at the real model's dimension (384): the real model
  would take hours here (2.5 h of CPU for 100k passages and their sentences on these 2 cores), and
  what is measured is the store: build (write) time, opening a built index, an update of one file,
  and `answer()` p50/p95 (the question's encoding costs nothing with the fake).
ray: the real model embedding the first --texts passage and sentence texts of the dev corpora:
  `embed()` in this process, then a Ray Data pipeline (`map_batches`, an actor per worker holding
  the model) with 1 and 2 workers on a local Ray; texts/s with and without the actors' start-up.
"""
from __future__ import annotations

import argparse
import random
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

from common import DEV_SETS, dev_corpus, dev_questions, header, percentile  # noqa: E402


def ms(values: list[float]) -> str:
    return f"p50 {percentile(values, 50) * 1e3:6.1f} ms, p95 {percentile(values, 95) * 1e3:6.1f} ms (n={len(values)})"


def stores(work: Path) -> dict[str, str]:
    return {"faiss": "faiss", "milvus-lite": f"milvus://{work / 'milvus.db'}"}


def timed_refresh(bot, **kw) -> tuple[float, float, object]:
    w, c = time.perf_counter(), time.process_time()
    report = bot.refresh(**kw)
    return time.perf_counter() - w, time.process_time() - c, report


def answer_latencies(bots: dict, questions: list[str]) -> dict[str, list[float]]:
    """answer() time of each bot on each question, the bots asked in turn (same load for all)."""
    for bot in bots.values():
        for q in questions[:5]:
            bot.answer(q)  # warm: lazy imports, caches, the background sample
    times: dict[str, list[float]] = {name: [] for name in bots}
    same = 0
    for q in questions:
        texts = []
        for name, bot in bots.items():
            t = time.perf_counter()
            ans = bot.answer(q)
            times[name].append(time.perf_counter() - t)
            texts.append(ans.text)
        same += len(set(texts)) == 1
    print(f"  same answer text on every store: {same} of {len(questions)} questions")
    return times


def report_latency(times: dict[str, list[float]]) -> None:
    base = times["faiss"]
    for name, t in times.items():
        ratio = percentile(t, 50) / percentile(base, 50)
        print(f"  answer() {name:12s} {ms(t)}   p50 / FAISS p50 {ratio:.2f}")


def part_xquad(work: Path, n_questions: int) -> None:
    from qa import QA

    print("\n-- xquad-en-dev, multilingual-e5-small (the default model)")
    corpus = work / "xquad-corpus"
    shutil.rmtree(corpus, ignore_errors=True)
    shutil.copytree(dev_corpus("xquad-en-dev"), corpus)
    bots = {}
    for name, location in stores(work).items():
        index = work / f"xquad-{name}"
        shutil.rmtree(index, ignore_errors=True)
        bot = QA(corpus, index, store=location, ray=None)
        bot.embedder.dim  # the model loads before the clock starts
        wall, cpu, report = timed_refresh(bot)
        print(f"  build  {name:12s} {wall:6.1f} s wall {cpu:6.1f} s CPU  ({len(bot.store.passages)} passages, "
              f"{len(bot.store.sentences)} sentences)")
        bots[name] = bot
    victim = sorted(corpus.glob("*.txt"))[3]
    victim.write_text(victim.read_text(encoding="utf-8") + "\n\nAn added closing paragraph, to re-index this file.\n", encoding="utf-8")
    for name, bot in bots.items():
        wall, cpu, report = timed_refresh(bot)
        print(f"  update {name:12s} {wall:6.1f} s wall {cpu:6.1f} s CPU  ({report.summary})")
    questions = [r["question"] for r in dev_questions("xquad-en-dev", n_questions)]
    report_latency(answer_latencies(bots, questions))


def scale_corpus(root: Path, passages: int, embedder) -> int:
    """Varied copies of the dev articles (benchmarks/scale.py) until about `passages` passages; the copies made."""
    from scale import vary

    from qa.chunking import ChunkSettings, split_document
    from qa.corpus import read_document

    marker = root / ".complete"
    if marker.exists():
        return int(marker.read_text())
    shutil.rmtree(root, ignore_errors=True)
    articles = [(name, p) for name in DEV_SETS for p in sorted(dev_corpus(name).glob("*.txt"))]
    per_copy = sum(len(split_document(read_document(p, p.name), embedder.count_tokens, embedder.max_tokens, ChunkSettings()).passages)
                   for _, p in articles)
    copies = -(-passages // per_copy) + 1
    for c in range(copies):
        folder = root / f"copy{c:03d}"
        folder.mkdir(parents=True)
        for name, path in articles:
            rng = random.Random(f"{c}/{name}/{path.name}")
            (folder / f"{name}-{path.name}").write_text(vary(path.read_text(encoding="utf-8"), c, rng), encoding="utf-8")
    marker.write_text(str(copies))
    return copies


def part_scale(work: Path, passages: int, n_questions: int) -> None:
    import uuid

    from qa import QA
    from qa.embedding import HashingEmbedder
    from qa.index import backend_for, load_store
    from qa.index.store import Records
    from qa.index.vectors import IndexSettings

    print(f"\n-- >= {passages} passages, hashing fake embedder at dimension 384 (the store's work, not the model's)")
    fake = lambda: HashingEmbedder(384, max_tokens=510)  # noqa: E731
    corpus = work / "scale-corpus"
    copies = scale_corpus(corpus, passages, fake())
    # One full build on FAISS (chunking is the same work for both stores and takes most of the time on two busy
    # cores, so it is done once); then the same records and vectors are written by each store, timed alone.
    index = {name: work / f"scale-{name}" for name in ("faiss", "milvus-lite")}
    for path in index.values():
        shutil.rmtree(path, ignore_errors=True)
    bot = QA(corpus, index["faiss"], model=fake(), store="faiss")
    wall, cpu, _ = timed_refresh(bot)
    built = bot.store
    print(f"  full build on FAISS (read, chunk, fake-embed, index, save): {wall:7.1f} s wall {cpu:7.1f} s CPU ({copies} copies: "
          f"{len(built.passages)} passages, {len(built.sentences)} sentences)")
    records = Records(built.passages, built.sentences, [tuple(map(int, r)) for r in built.ranges],
                      np.asarray(built.passage_vectors), np.asarray(built.sentence_vectors))
    for name, location in stores(work).items():
        manifest = dict(built.manifest, data=f"data-bench-{uuid.uuid4().hex[:8]}")
        target = work / f"scale-write-{name}"
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        w, c = time.perf_counter(), time.process_time()
        backend_for(location).write(target, None, set(), manifest, records, IndexSettings())
        print(f"  write the same records and vectors, {name:12s} {time.perf_counter() - w:7.1f} s wall "
              f"{time.process_time() - c:7.1f} s CPU")
        if name != "faiss":
            shutil.rmtree(index[name], ignore_errors=True)
            shutil.copytree(target, index[name])  # the Milvus index: manifest and lexicon here, rows in the .db
        w = time.perf_counter()
        load_store(target)
        print(f"  open a built index,               {name:12s} {time.perf_counter() - w:7.1f} s wall")
    bots = {name: QA(corpus, index[name], model=fake(), store=location) for name, location in stores(work).items()}
    for b in bots.values():
        assert b.use_existing()
    victim = sorted((corpus / "copy001").glob("*.txt"))[0]
    victim.write_text(victim.read_text(encoding="utf-8") + "\n\nAn added closing paragraph, to re-index this file.\n", encoding="utf-8")
    for name, b in bots.items():
        wall, cpu, report = timed_refresh(b)
        print(f"  update {name:12s} {wall:7.1f} s wall {cpu:7.1f} s CPU  ({report.summary}; reads the index, re-chunks the "
              "folder's changed file, writes)")
    questions = [r["question"] for name in DEV_SETS for r in dev_questions(name, n_questions // 2)]
    report_latency(answer_latencies(bots, questions))


def part_ray(n_texts: int) -> None:
    import ray

    from qa.chunking import ChunkSettings, split_document
    from qa.corpus import read_document
    from qa.index.ray_embed import RayEmbedder, start_ray
    from qa.models import DEFAULT_MODEL, make_embedder

    print(f"\n-- embedding {n_texts} passage and sentence texts of the dev corpora, {DEFAULT_MODEL}")
    local = make_embedder(DEFAULT_MODEL)
    texts: list[str] = []
    for name in DEV_SETS:
        for p in sorted(dev_corpus(name).glob("*.txt")):
            chunks = split_document(read_document(p, p.name), local.count_tokens, local.max_tokens, ChunkSettings())
            texts += [c.text for c in chunks.passages] + [s.text for s in chunks.sentences]
    texts = texts[:n_texts]
    local.embed(texts[:64])  # load the model
    w = time.perf_counter()
    plain = local.embed(texts)
    base = time.perf_counter() - w
    print(f"  plain embed() in this process: {base:6.1f} s, {len(texts) / base:6.1f} texts/s")
    w = time.perf_counter()
    start_ray(None, 2)
    print(f"  ray.init() (a local Ray of 2 CPUs): {time.perf_counter() - w:.1f} s (once per process; not counted below)")
    for workers in (1, 2):
        ray_emb = RayEmbedder(local, lambda: make_embedder(DEFAULT_MODEL), None, workers)
        w = time.perf_counter()
        first: list[float] = []
        out = ray_emb.embed(texts, progress=lambda n: first.append(time.perf_counter() - w) if not first else None)
        total = time.perf_counter() - w
        steady = total - first[0]
        same = float(abs(out - plain).max())
        print(f"  Ray Data, {workers} worker(s): {total:6.1f} s, {len(texts) / total:6.1f} texts/s with the actors' start-up "
              f"(first batch back after {first[0]:.1f} s: the actors start and embed one batch); {steady:6.1f} s after it; plain / Ray {base / total:.2f}; "
              f"max |difference| to the plain vectors {same:.1e}")
    ray.shutdown()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--part", action="append", choices=["xquad", "scale", "ray"])
    ap.add_argument("--work", type=Path, default=Path("/tmp/qa-bench/stores"))
    ap.add_argument("--passages", type=int, default=100_000)
    ap.add_argument("--questions", type=int, default=300)
    ap.add_argument("--texts", type=int, default=800)
    args = ap.parse_args()
    parts = args.part or ["xquad", "scale", "ray"]
    args.work.mkdir(parents=True, exist_ok=True)
    header("stores: FAISS files vs Milvus Lite; Ray Data embedding")
    import subprocess

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parent.parent).stdout.strip()
    print(f"commit {commit}; milvus-lite {_version('milvus-lite')}, pymilvus {_version('pymilvus')}, ray {_version('ray')}")
    if "xquad" in parts:
        part_xquad(args.work, args.questions)
    if "scale" in parts:
        part_scale(args.work, args.passages, args.questions)
    if "ray" in parts:
        part_ray(args.texts)


def _version(package: str) -> str:
    from importlib.metadata import version

    try:
        return version(package)
    except Exception:
        return "missing"


if __name__ == "__main__":
    main()
