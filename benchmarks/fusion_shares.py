"""BM25's share in score fusion, per model: gold answer in the first and the top-5 fused passages.

Run: PYTHONPATH=. python benchmarks/fusion_shares.py --index-root /tmp/idx-shares [--model all-MiniLM-L6-v2] [SET ...]
Sets: piaf xen xde xzh xzhx xdex (the dev sets of ../shared/data; xzhx and xdex are the English questions over the
Chinese and German corpora; PIAF is 800 questions drawn with seed 0). Each index is built under INDEX_ROOT/FOLDER
(xquad-en-dev ...) on first use. The three ranked lists (dense passages, dense sentences, BM25; 50 deep) are read once per question, then
fused with each share (`qa.retrieval.fuse`, as `retrieve` does), so the rows differ only by the share.
"""
from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from qa import QA
from qa.evaluation.matching import contains_answer
from qa.retrieval import RetrievalSettings, _foreign, dense_passages, dense_sentences, fuse, lexical_passages, question_language

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SETS = {  # name: (questions, corpus folder, language of the gold answers)
    "piaf": ("piaf-fr-dev/questions.jsonl", "piaf-fr-dev", "fr"),
    "xen": ("xquad-en-dev/questions.jsonl", "xquad-en-dev", "en"),
    "xde": ("xquad-de-dev/questions.jsonl", "xquad-de-dev", "de"),
    "xzh": ("xquad-zh-dev/questions.jsonl", "xquad-zh-dev", "zh"),
    "xzhx": ("xquad-zh-dev/cross-en.jsonl", "xquad-zh-dev", "zh"),
    "xdex": ("xquad-de-dev/cross-en.jsonl", "xquad-de-dev", "de"),
}
SHARES = (0.3, 0.4, 0.5, 0.6)
DEPTH = 50


def candidates(name: str, index_root: Path, model: str | None, limit: int = 800) -> tuple[list, bool]:
    """Per question: its three ranked lists, its passages in another language, the passages holding a gold answer."""
    questions, folder, lang = SETS[name]
    index = index_root / folder  # the cross sets share their corpus's index
    bot = QA(DATA / folder / "corpus", index, model=model)
    store = bot.store
    rows = [json.loads(line) for line in (DATA / questions).read_text(encoding="utf-8").splitlines() if line.strip()]
    if len(rows) > limit:
        rows = random.Random(0).sample(rows, limit)
    out = []
    for row in rows:
        question = row["question"]
        qvec = bot._encode(question)
        asked = question_language(store, question)
        lists = {
            "dense": dense_passages(store, qvec, DEPTH),
            "sentence": dense_sentences(store, qvec, DEPTH),
            "lexical": lexical_passages(store, question, DEPTH, asked.language),
        }
        pids = sorted({pid for ranked in lists.values() for pid, _ in ranked})
        gold = {pid for pid, p in zip(pids, store.passages_at(pids)) if contains_answer(p.text, row["answers"], lang)}
        out.append((lists, _foreign(store, asked, set(pids)), gold))
    return out, store.multilingual


def gold_at(rows: list, share: float, multilingual: bool) -> tuple[float, float]:
    first = top5 = 0
    for lists, foreign, gold in rows:
        fused = fuse(lists, RetrievalSettings(lexical_share=share), foreign, multilingual)
        order = sorted(fused, key=lambda pid: (-fused[pid], pid))[:5]
        first += bool(order) and order[0] in gold
        top5 += any(pid in gold for pid in order)
    return first / len(rows), top5 / len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", metavar="SET", help=f"some of {', '.join(SETS)} (default: all)")
    parser.add_argument("--index-root", type=Path, required=True)
    parser.add_argument("--model", default=None, help="the index's model (default: the project's)")
    args = parser.parse_args()
    unknown = [name for name in args.sets if name not in SETS]
    if unknown:
        parser.error(f"unknown set {', '.join(unknown)}: choose from {', '.join(SETS)}")
    results = {name: candidates(name, args.index_root, args.model) for name in args.sets or SETS}
    print("BM25 share | " + " | ".join(f"{name}: first / top 5" for name in results))
    for share in SHARES:
        cells = ["%.3f / %.3f" % gold_at(rows, share, multilingual) for rows, multilingual in results.values()]
        print(f"{share} | " + " | ".join(cells))


if __name__ == "__main__":
    main()
