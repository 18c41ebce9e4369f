"""BM25 paragraph retrieval per analyser: gold answer in the top-5 paragraphs and source hit@1.

Run: PYTHONPATH=. python benchmarks/lexical_languages.py
Each dev corpus's files are split into paragraphs at blank lines; one bm25s index per analyser;
each question is analysed like the paragraphs (the cross-en rows analyse the English question with
the corpus's rules too). Compares today's analysis (`terms(text)`: English
stemmer for all, `\\w+` tokens) with the per-language one (`terms(text, lang)`: character bigrams
for Chinese), and for Chinese the jieba segmenters (rjieba, jieba: `pip install --target EXTRA` them
and put EXTRA on PYTHONPATH; rows are skipped without them).
"""
from __future__ import annotations

import json
import re
import time
from pathlib import Path

import bm25s
import numpy as np

from qa import lexical

HAN = re.compile(f"[{lexical._HAN}]+")
DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def paragraphs(folder: Path) -> list[tuple[str, str]]:
    """(file name, paragraph) for every paragraph of every file."""
    out = []
    for path in sorted((folder / "corpus").iterdir()):
        for para in path.read_text(encoding="utf-8").split("\n\n"):
            if para.strip():
                out.append((path.name, para))
    return out


def evaluate(folder: Path, analyse, questions_file: str = "questions.jsonl") -> dict:
    """top-5 answer containment and hit@1 of the gold source with BM25 over `analyse` terms."""
    paras = paragraphs(folder)
    start = time.perf_counter()
    corpus_terms = [analyse(p) or ["\x00"] for _, p in paras]
    analyse_s = time.perf_counter() - start
    retriever = bm25s.BM25()
    retriever.index(corpus_terms, show_progress=False)
    rows = [json.loads(l) for l in (folder / questions_file).read_text(encoding="utf-8").splitlines() if l.strip()]
    top5 = hit1 = 0
    for row in rows:
        query = analyse(row["question"]) or ["\x00"]
        docs, _ = retriever.retrieve([query], k=5, show_progress=False)
        found = [paras[i] for i in np.asarray(docs[0]).tolist()]
        top5 += any(a in p for _, p in found for a in row["answers"])
        hit1 += found[0][0] in row["sources"]
    n = len(rows)
    return {"top5_answer": round(top5 / n, 3), "source_hit1": round(hit1 / n, 3), "analyse_corpus_s": round(analyse_s, 2)}


def bigram_segment(run: str, lang: str | None = None) -> list[str]:
    """Character bigrams for every spaceless run (the alternative to jieba)."""
    return lexical._bigrams(run)


def jieba_py_segment(run: str, lang: str | None = None) -> list[str]:
    """The pure-Python jieba package (if installed) for Han runs."""
    import jieba

    if HAN.fullmatch(run):
        return [w for w in jieba.cut(run) if w.strip()]
    return lexical._bigrams(run)


def rjieba_segment(run: str, lang: str | None = None) -> list[str]:
    """rjieba (jieba in Rust, if installed) for Han runs."""
    import rjieba

    if HAN.fullmatch(run):
        return [w for w in rjieba.cut(run) if w.strip()]
    return lexical._bigrams(run)


def main() -> None:
    results = []
    jieba_rs = lexical.segment  # the shipped one: bigrams
    for name, lang in (("xquad-en-dev", "en"), ("xquad-de-dev", "de"), ("xquad-zh-dev", "zh"), ("piaf-fr-dev", "fr")):
        folder = DATA / name
        variants = {"today terms(text)": lambda t: lexical.terms(t), f"terms(text, '{lang}')": lambda t: lexical.terms(t, lang)}
        if lang == "de":
            variants["terms(text,'de') but English stemmer"] = lambda t: lexical._stemmer("english").stemWords(
                [w for w in lexical.words(t, "de") if lexical._keep(w, lexical.stopwords_for("de"))])
        if lang == "zh":
            variants["zh: rjieba"] = "rjieba"
            variants["zh: jieba (pure python)"] = "jieba"
        for label, analyse in variants.items():
            lexical.segment = {"rjieba": rjieba_segment, "jieba": jieba_py_segment}.get(analyse, jieba_rs) if isinstance(analyse, str) else jieba_rs
            fn = (lambda t: lexical.terms(t, "zh")) if isinstance(analyse, str) else analyse
            try:
                row = {"set": name, "analyser": label, **evaluate(folder, fn)}
            except ImportError as e:
                row = {"set": name, "analyser": label, "skipped": str(e)}
            lexical.segment = jieba_rs
            print(json.dumps(row, ensure_ascii=False), flush=True)
            results.append(row)
        if (folder / "cross-en.jsonl").exists():
            for label, fn in (("cross-en: today", lambda t: lexical.terms(t)), ("cross-en: per language", None)):
                analyse = fn or (lambda t, _l=lang: lexical.terms(t, _l))
                row = {"set": name + "/cross-en", "analyser": label, **evaluate(folder, analyse, "cross-en.jsonl")}
                print(json.dumps(row, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
