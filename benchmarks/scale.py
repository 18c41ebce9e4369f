"""Scale: a corpus of >= 100,000 passages made from the dev-set texts, indexed and answered on this machine.

    python benchmarks/scale.py [--work /tmp/qa-scale] [--passages 100000] [--questions 300] [--rebuild]

Phases (each reuses what an earlier run left in --work, so a re-run skips the long build):
1. corpus: every dev article copied until the passage target is met; each copy is varied
   (sentences of a paragraph shuffled, one word of about half the sentences dropped, numbers
   shifted by the copy number), so no two copies are identical;
2. build: `QA.refresh(rebuild=True)` with the real model, timed per stage (build.json);
3. memory: a fresh process loads the model, then the index: resident memory / raw vector bytes;
4. search: flat vs approximate FAISS indexes (IVF and HNSW) on the passage and sentence vectors,
   recall@10 against flat and time per query;
5. answers: `answer()` p50/p95 over dev questions with flat and with the approximate index.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DEV_SETS, dev_corpus, dev_questions, header, peak_rss_bytes, percentile, rss_bytes, summary_ms  # noqa: E402

DEV_PASSAGES = 1879  # passages of the two dev corpora together with the default settings (measured)
_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-Ý«\"(])")
_NUM = re.compile(r"\b\d+\b")


def vary(text: str, copy: int, rng: random.Random) -> str:
    """A variant of an article: sentence order shuffled in each paragraph, words dropped, numbers shifted."""
    if copy == 0:
        return text
    out = []
    for para in text.split("\n\n"):
        sents = _SENT.split(para)
        if len(sents) > 1:
            rng.shuffle(sents)
        varied = []
        for s in sents:
            words = s.split(" ")
            if len(words) > 6 and rng.random() < 0.5:
                del words[rng.randrange(1, len(words) - 1)]
            varied.append(_NUM.sub(lambda m: str(int(m.group()) + copy), " ".join(words)))
        out.append(" ".join(varied))
    return "\n\n".join(out)


def make_corpus(root: Path, passages: int) -> int:
    """Write the varied copies of the dev articles under root; the number of copies."""
    copies = -(-passages // DEV_PASSAGES) + 1  # one spare copy: variation changes the count a little
    if (root / ".complete").exists():
        return int((root / ".complete").read_text())
    shutil.rmtree(root, ignore_errors=True)
    articles = [(name, p) for name in DEV_SETS for p in sorted(dev_corpus(name).glob("*.txt"))]
    for c in range(copies):
        folder = root / f"copy{c:03d}"
        folder.mkdir(parents=True)
        for name, path in articles:
            rng = random.Random(f"{c}/{name}/{path.name}")
            text = path.read_text(encoding="utf-8")
            (folder / f"{name}-{path.name}").write_text(vary(text, c, rng), encoding="utf-8")
    (root / ".complete").write_text(str(copies))
    return copies


def build(corpus: Path, index: Path, out: Path) -> dict:
    """Build the index from nothing, timing each stage; the figures are saved to `out`."""
    from qa import QA

    stages: dict[str, list[float]] = {}
    t0 = time.perf_counter()
    last_print = [0.0]

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter() - t0
        span = stages.setdefault(stage, [now, now])
        span[1] = now
        if now - last_print[0] > 30 or done == total:
            last_print[0] = now
            print(f"  [{now:7.1f} s] {stage}: {done}/{total}", flush=True)

    bot = QA(corpus, index, progress=progress)
    bot.embedder.dim  # load the model before the clock starts
    t0 = time.perf_counter()
    bot.refresh(rebuild=True)
    total = time.perf_counter() - t0
    store = bot.store
    result = {
        "total_s": total,
        "stages": {k: v[1] - v[0] for k, v in stages.items()},
        "read_and_first_stage_s": min(v[0] for v in stages.values()) if stages else 0.0,
        "save_s": total - max(v[1] for v in stages.values()) if stages else 0.0,
        "passages": len(store.passages),
        "sentences": len(store.sentences),
        "files": len(store.manifest["files"]),
        "bytes": sum(f["size"] for f in store.manifest["files"].values()),
        "peak_rss": peak_rss_bytes(),
        "when": time.strftime("%Y-%m-%d %H:%M"),
    }
    out.write_text(json.dumps(result, indent=2))
    return result


def report_build(b: dict) -> None:
    """Print the build figures."""
    print(f"corpus: {b['files']} files, {b['bytes'] / 1e6:.1f} MB, {b['passages']} passages, {b['sentences']} sentences")
    print(f"build: {b['total_s']:.0f} s total = {b['passages'] / b['total_s']:.1f} passages/s "
          f"({(b['passages'] + b['sentences']) / b['total_s']:.1f} embedded texts/s), peak RSS {b['peak_rss'] / 2**30:.2f} GB")
    print(f"  read files (before first stage): {b['read_and_first_stage_s']:.1f} s")
    for k, v in b["stages"].items():
        print(f"  {k}: {v:.1f} s ({100 * v / b['total_s']:.0f} %)")
    print(f"  save: {b['save_s']:.1f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=Path("/tmp/qa-scale"))
    ap.add_argument("--passages", type=int, default=100_000)
    ap.add_argument("--questions", type=int, default=300)
    ap.add_argument("--rebuild", action="store_true", help="build the index again even when one is there")
    ap.add_argument("--build-only", action="store_true")
    args = ap.parse_args()
    header("scale")
    corpus, index, build_json = args.work / "corpus", args.work / "index", args.work / "build.json"
    copies = make_corpus(corpus, args.passages)
    print(f"corpus: {copies} varied copies of the dev articles in {corpus}")
    if args.rebuild or not build_json.exists():
        b = build(corpus, index, build_json)
    else:
        b = json.loads(build_json.read_text())
        print(f"(build figures from {b['when']}; --rebuild to measure again)")
    report_build(b)
    if args.build_only:
        return


if __name__ == "__main__":
    main()
