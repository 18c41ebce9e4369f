"""The 26-language probe: three small documents and eight questions in each language, asked in that language.

    .venv/bin/python tools/probe_languages.py --index-root /tmp/probe [--langs ru,ja] [--json OUT.json]

`benchmarks/data/languages/<lang>/` holds each language's documents (a town library, a river, a harvest festival,
the same invented facts in every language, each written in it) and its questions in the format of `qa eval`: six the
documents answer (a year, an architect, a length, a sea, a number of visitors, the founders) and two they do not (how
many bridges cross the river, who won the 2018 World Cup). None of these languages but English is a dev set's, and
the reader was tuned on French alone: the probe tells whether a change made on the dev sets holds elsewhere
(docs/languages.md). A question scores when its answer holds a gold answer (ignoring case, inside a word too), or,
for one the documents do not answer, when it is refused. Each language's index is built under `--index-root` when missing, with
the default model.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa import QA  # noqa: E402
from qa.evaluation.testset import load_testset  # noqa: E402

PROBE = Path(__file__).resolve().parent.parent / "benchmarks" / "data" / "languages"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index-root", type=Path, required=True, help="a folder for the languages' indexes")
    ap.add_argument("--langs", default=None, help="comma-separated languages (default: all)")
    ap.add_argument("--json", type=Path, default=None, help="write every question's outcome here")
    args = ap.parse_args()
    langs = args.langs.split(",") if args.langs else sorted(p.name for p in PROBE.iterdir() if p.is_dir())
    rows, started = [], time.time()
    for lang in langs:
        folder = PROBE / lang
        if not folder.is_dir():
            sys.exit(f"no probe for {lang!r} in {PROBE}")
        bot = QA(folder / "corpus", args.index_root / lang)
        asked = load_testset(folder / "questions.jsonl")
        score = 0
        for item in asked:
            ans = bot.answer(item.question)
            if item.answers:
                # a gold answer inside a word counts: these languages inflect it ("Kellerin", "1911년에"), where
                # `qa eval`'s whole-word containment would count 6 fewer
                scored = ans.text is not None and any(g.lower() in ans.text.lower() for g in item.answers)
            else:
                scored = ans.text is None
            score += scored
            rows.append({"language": lang, "id": item.id, "question": item.question, "scored": scored,
                         "confidence": round(ans.confidence, 3), "text": ans.text, "reason": ans.reason})
        print(f"{lang:3} {score}/{len(asked)}   ({time.time() - started:.0f} s)", flush=True)
    print(f"all {sum(r['scored'] for r in rows)}/{len(rows)}")
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
