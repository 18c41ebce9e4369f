"""Make the mixed-language test sets of docs/evaluation.md ("Documents in several languages") from the dev sets.

    .venv/bin/python tools/mixed_corpora.py ../shared/data /tmp/mixed

writes
- OUT/zh-fr/corpus: XQuAD-zh's 24 Chinese articles and PIAF's 240 French ones. English questions
  (`xquad-zh-dev/cross-en.jsonl`, gold in Chinese) are asked in a third language;
- OUT/zh-half-fr/corpus: every other one of XQuAD-zh's articles (by name, the first, third...) and PIAF's, and
  OUT/zh-half-fr/answerable.jsonl / unanswerable.jsonl: the English questions about the articles kept and about
  those left out (questions of another corpus, in a third language);
- OUT/zh-en/corpus and OUT/zh-half-en/corpus: the same Chinese articles (all, or every other one) with the seed
  reports (the repository's corpus/: four English, one French), asked the same English questions: a question in a
  language of the documents whose answer is in another;
- OUT/en-fr/corpus: XQuAD-en's 24 English articles and PIAF's 240 French ones, and
  OUT/en-fr/de-questions.jsonl: XQuAD-de's questions with XQuAD-en's gold answers (the same ids), asked in a
  third language; PIAF's own questions are asked there in a language of the documents.

A file name the two sets share is taken from the first (none do today). The commands that measure them are
printed at the end.
"""
from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path


def copy_corpora(out: Path, *corpora: Path) -> int:
    """Copy the files of `corpora` into `out` (made), the first set's file kept where names meet; how many."""
    out.mkdir(parents=True, exist_ok=True)
    n = 0
    for corpus in corpora:
        for f in sorted(corpus.iterdir()):
            if f.is_file() and not (out / f.name).exists():
                shutil.copy2(f, out / f.name)
                n += 1
    return n


def split_by_source(questions: Path, kept: set[str], answerable: Path, unanswerable: Path) -> tuple[int, int]:
    """Write the `questions` whose first source is in `kept` to `answerable`, the others to `unanswerable`."""
    rows = [line for line in questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    yes = [r for r in rows if json.loads(r)["sources"][0] in kept]
    no = [r for r in rows if json.loads(r)["sources"][0] not in kept]
    answerable.write_text("".join(r + "\n" for r in yes), encoding="utf-8")
    unanswerable.write_text("".join(r + "\n" for r in no), encoding="utf-8")
    return len(yes), len(no)


def questions_with_answers_of(questions: Path, answers: Path, out: Path) -> int:
    """Write `questions` with the gold answers and sources of the question of the same id in `answers`."""
    gold = {q["id"]: q for q in map(json.loads, answers.read_text(encoding="utf-8").splitlines()) if q}
    rows = []
    for line in questions.read_text(encoding="utf-8").splitlines():
        if line.strip():
            q = json.loads(line)
            if q["id"] in gold:
                rows.append({**q, "answers": gold[q["id"]]["answers"], "sources": gold[q["id"]]["sources"]})
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="the dev sets' folder (../shared/data)")
    parser.add_argument("out", type=Path)
    parser.add_argument("--seeds", type=Path, default=Path(__file__).resolve().parent.parent / "corpus",
                        help="the seed reports (default: the repository's corpus/)")
    args = parser.parse_args()
    d, out = args.data, args.out
    zh_fr = copy_corpora(out / "zh-fr" / "corpus", d / "xquad-zh-dev" / "corpus", d / "piaf-fr-dev" / "corpus")
    kept = sorted(f.name for f in (d / "xquad-zh-dev" / "corpus").iterdir() if f.is_file())[::2]
    (out / "zh-kept").mkdir(parents=True, exist_ok=True)
    for name in kept:
        shutil.copy2(d / "xquad-zh-dev" / "corpus" / name, out / "zh-kept" / name)
    zh_en = copy_corpora(out / "zh-en" / "corpus", d / "xquad-zh-dev" / "corpus", args.seeds)
    halves = {}
    for half, other in (("zh-half-fr", d / "piaf-fr-dev" / "corpus"), ("zh-half-en", args.seeds)):
        halves[half] = copy_corpora(out / half / "corpus", out / "zh-kept", other)
        yes, no = split_by_source(d / "xquad-zh-dev" / "cross-en.jsonl", set(kept), out / half / "answerable.jsonl",
                                  out / half / "unanswerable.jsonl")
    shutil.rmtree(out / "zh-kept")
    en_fr = copy_corpora(out / "en-fr" / "corpus", d / "xquad-en-dev" / "corpus", d / "piaf-fr-dev" / "corpus")
    de = questions_with_answers_of(d / "xquad-de-dev" / "questions.jsonl", d / "xquad-en-dev" / "questions.jsonl",
                                   out / "en-fr" / "de-questions.jsonl")
    print(f"{out / 'zh-fr' / 'corpus'}: {zh_fr} files; {out / 'zh-en' / 'corpus'}: {zh_en} files; "
          + "; ".join(f"{out / h / 'corpus'}: {n} files" for h, n in halves.items())
          + f", {yes} + {no} questions; {out / 'en-fr' / 'corpus'}: {en_fr} files; "
          f"{out / 'en-fr' / 'de-questions.jsonl'}: {de} questions")
    print(f"qa eval {d}/xquad-zh-dev/cross-en.jsonl --corpus {out}/zh-fr/corpus --index {out}/zh-fr/idx "
          "--unanswerable tests/data/seeds_qa.jsonl")
    for name in ("zh-half-fr", "zh-half-en"):
        h = out / name
        print(f"qa eval {h}/answerable.jsonl --corpus {h}/corpus --index {h}/idx --unanswerable {h}/unanswerable.jsonl")
    print(f"qa eval {d}/xquad-zh-dev/cross-en.jsonl --corpus {out}/zh-en/corpus --index {out}/zh-en/idx")
    print(f"qa eval {out}/en-fr/de-questions.jsonl --corpus {out}/en-fr/corpus --index {out}/en-fr/idx")
    print(f"qa eval {d}/piaf-fr-dev/questions.jsonl --corpus {out}/en-fr/corpus --index {out}/en-fr/idx --sample 624")


if __name__ == "__main__":
    main()
