"""What evening out the documents' languages costs per answer: `answer()` with and without it, side by side.

    .venv/bin/python tools/mixed_corpora.py ../shared/data /tmp/mixed
    .venv/bin/python benchmarks/mixed_languages.py --corpus /tmp/mixed/zh-fr/corpus --index /tmp/mixed/zh-fr/idx \
        --questions ../shared/data/xquad-zh-dev/cross-en.jsonl

Each question is asked once with `even_languages` on (retrieval and answer settings) and once with it off, in turn,
so both see the same load; the index is built first when missing. A question asked in a language the documents are
not in, over documents in two or more, is what the setting changes: there each dense search looks twice as deep
and the passages' cosines are evened out (docs/evaluation.md, "Documents in several languages").
"""
from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

from common import header, percentile, summary_ms

from qa import QA, AnswerSettings, RetrievalSettings
from qa.retrieval import question_language


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--questions", type=Path, required=True, help="a test set (jsonl with a 'question' field)")
    ap.add_argument("-n", type=int, default=200, help="questions asked (a fixed random sample)")
    args = ap.parse_args()
    header("answer() with the documents' languages evened out, and without")
    rows = [json.loads(line) for line in args.questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = random.Random(0).sample(rows, min(args.n, len(rows)))
    bots = {
        on: QA(args.corpus, args.index, retrieval=RetrievalSettings(even_languages=on), answer=AnswerSettings(even_languages=on))
        for on in (True, False)
    }
    bots[True].refresh()
    store = bots[True].store
    print(f"index: {store.holds()}; languages with a level of their own: {sorted(store.language_offsets(bots[True]._encode('x'))) or 'none'}")
    for bot in bots.values():
        bot.answer(rows[0]["question"])  # warm
    times: dict[bool, list[float]] = {True: [], False: []}
    answered: dict[bool, list[bool]] = {True: [], False: []}
    evened = 0
    for row in rows:
        q = row["question"]
        for on in (True, False):
            t = time.perf_counter()
            ans = bots[on].answer(q)
            times[on].append(time.perf_counter() - t)
            answered[on].append(ans.text is not None)
        language, offsets = question_language(store, q), store.language_offsets(bots[True]._encode(q))
        evened += bool(offsets and language.sure and language.language not in offsets)
    print(f"questions: {len(rows)}, of which evened out (asked surely in none of the documents' languages): {evened}")
    print(f"evened out:  {summary_ms(times[True])}")
    print(f"as they are: {summary_ms(times[False])}")
    print(f"p50 ratio: {percentile(times[True], 50) / percentile(times[False], 50):.2f}, "
          f"p95 ratio: {percentile(times[True], 95) / percentile(times[False], 95):.2f}")
    # An answer costs more than a refusal (its quotes are read for a short answer): compare like with like
    for outcome, label in ((True, "answered both ways"), (False, "refused both ways")):
        same = [i for i in range(len(rows)) if answered[True][i] == answered[False][i] == outcome]
        if same:
            on, off = [times[True][i] for i in same], [times[False][i] for i in same]
            print(f"{label} ({len(same)}): evened out p50 {percentile(on, 50) * 1e3:.1f} ms, as they are "
                  f"p50 {percentile(off, 50) * 1e3:.1f} ms, ratio {percentile(on, 50) / percentile(off, 50):.2f}")
    print(f"answered: evened out {sum(answered[True])}, as they are {sum(answered[False])}")


if __name__ == "__main__":
    main()
