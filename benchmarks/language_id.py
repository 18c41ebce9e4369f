"""Compare language-identification libraries on one-line questions: accuracy, time per call, load time.

Run: PYTHONPATH=.:EXTRA python benchmarks/language_id.py [candidate ...]
(EXTRA: a folder where the candidates not in the project's dependencies are installed, e.g. with
`pip install --target`). Candidates: py3langid, lingua-low, lingua-high, lingua-restricted, pycld2, qa.
"""
from __future__ import annotations

import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SHORT = Path(__file__).with_name("data") / "short_questions.jsonl"


def load_questions(per_set: int = 624) -> list[tuple[str, str]]:
    """(gold language, question) for the dev sets' questions and the hand-written short ones."""
    pairs: list[tuple[str, str]] = []
    for name, lang in (("xquad-en-dev", "en"), ("xquad-de-dev", "de"), ("xquad-zh-dev", "zh"), ("piaf-fr-dev", "fr")):
        path = DATA / name / "questions.jsonl"
        if path.exists():
            rows = [json.loads(l) for l in path.read_text(encoding="utf-8").splitlines() if l.strip()]
            pairs += [(lang, r["question"]) for r in rows[:per_set]]
    pairs += [(r["lang"], r["question"]) for r in map(json.loads, SHORT.read_text(encoding="utf-8").splitlines())]
    return pairs


def make(candidate: str):
    """A function text -> ISO 639-1 code for the candidate (its model loaded)."""
    if candidate == "py3langid":
        import py3langid

        return lambda t: py3langid.classify(t)[0]
    if candidate.startswith("lingua"):
        from lingua import Language, LanguageDetectorBuilder

        if candidate == "lingua-restricted":
            wanted = "en fr de zh ru es ar hi ja th vi tr it pt ko el nl pl sv uk fa he id".split()
            langs = [l for l in Language.all() if l.iso_code_639_1.name.lower() in wanted]
            builder = LanguageDetectorBuilder.from_languages(*langs)
        else:
            builder = LanguageDetectorBuilder.from_all_languages()
        if candidate == "lingua-low":
            builder = builder.with_low_accuracy_mode()
        detector = builder.with_preloaded_language_models().build()

        def detect(t: str) -> str:
            lang = detector.detect_language_of(t)
            return lang.iso_code_639_1.name.lower() if lang else "und"

        return detect
    if candidate == "pycld2":
        import pycld2

        def detect(t: str) -> str:
            _, _, details = pycld2.detect(t)
            code = details[0][1]
            return "und" if code == "un" else code.split("-")[0]

        return detect
    if candidate == "qa":
        from qa.language import detect_language

        return detect_language
    raise SystemExit(f"unknown candidate {candidate!r}")


def run(candidate: str, pairs: list[tuple[str, str]]) -> dict:
    """Accuracy per language, overall, and timings for one candidate."""
    start = time.perf_counter()
    detect = make(candidate)
    detect("warm up: a first call loads what is lazy")
    load = time.perf_counter() - start
    hits: dict[str, list[int]] = defaultdict(list)
    wrong: Counter = Counter()
    start = time.perf_counter()
    for gold, question in pairs:
        got = detect(question)
        hits[gold].append(got == gold)
        if got != gold:
            wrong[(gold, got)] += 1
    per_call = (time.perf_counter() - start) / len(pairs)
    dev = [h for lang in ("en", "de", "zh", "fr") for h in hits[lang]]
    short = [h for lang, hs in hits.items() if lang not in ("en", "de", "zh", "fr") for h in hs]
    return {
        "candidate": candidate,
        "load_s": round(load, 2),
        "ms_per_call": round(per_call * 1000, 3),
        "dev_accuracy": round(sum(dev) / max(len(dev), 1), 3),
        "short_accuracy": round(sum(short) / max(len(short), 1), 3),
        "per_language": {lang: round(sum(h) / len(h), 2) for lang, h in sorted(hits.items())},
        "worst_confusions": [f"{g}->{o} x{n}" for (g, o), n in wrong.most_common(8)],
    }


if __name__ == "__main__":
    pairs = load_questions()
    for name in sys.argv[1:] or ["py3langid", "lingua-low", "lingua-high", "lingua-restricted", "pycld2"]:
        print(json.dumps(run(name, pairs), ensure_ascii=False), flush=True)
