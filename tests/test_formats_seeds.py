"""The five seed reports converted to PDF, HTML and Word answer the seed test set as well as the .txt files do
(within two points), with the default model; citations quote the extracted text exactly and name the page,
heading or paragraph."""
from __future__ import annotations

import json

import pytest

from qa import QA
from qa.corpus import read_document
from qa.evaluation import evaluate
from qa.formats.cache import ExtractCache
from tests.conftest import DATA, SEEDS
from tests.makedocs import docx_bytes, paragraphs_pdf

FORMATS = ("pdf", "html", "docx")
COMPARED = ("hit_at_k", "containment", "citation_accuracy", "false_abstention", "abstain_recall")
POINTS = 0.02  # "within two points"


def seed_lines(path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def convert(lines: list[str], fmt: str) -> bytes:
    """A seed report as its publisher might have put it out: a PDF with page numbers, a web page with a menu,
    scripts and a footer, or a Word file, a paragraph per line of the .txt."""
    if fmt == "pdf":
        return paragraphs_pdf(lines, footer=True)
    if fmt == "docx":
        return docx_bytes([("paragraph", line) for line in lines])
    from html import escape

    body = "".join(f"<p>{escape(line)}</p>\n" for line in lines)
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>News</title>"
        "<script>window.dataLayer = ['The conference was cancelled.'];</script><style>p{margin:0}</style></head>"
        "<body><nav><a href='/'>Home</a> <a href='/news'>Related News</a></nav>"
        f"<article>{body}</article><footer>© UzA 2024. All rights reserved.</footer></body></html>"
    ).encode("utf-8")


def renamed_testset(fmt: str, tmp_path) -> str:
    out = tmp_path / f"seeds_qa_{fmt}.jsonl"
    lines = []
    for line in (DATA / "seeds_qa.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            record["sources"] = [s.replace(".txt", f".{fmt}") for s in record.get("sources", [])]
            lines.append(json.dumps(record, ensure_ascii=False))
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(out)


@pytest.fixture(scope="module")
def txt_metrics(seed_qa_multilingual):
    return evaluate(DATA / "seeds_qa.jsonl", seed_qa_multilingual).metrics


@pytest.mark.parametrize("fmt", FORMATS)
def test_converted_seed_reports_answer_as_well_as_the_text_files(fmt, seed_qa_multilingual, txt_metrics, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in sorted(SEEDS.glob("*.txt")):
        (corpus / f"{path.stem}.{fmt}").write_bytes(convert(seed_lines(path), fmt))
    bot = QA(corpus, tmp_path / "index", model=seed_qa_multilingual.embedder)
    report = bot.refresh()
    assert not report.skipped and len(bot.store.manifest["files"]) == 5

    metrics = evaluate(renamed_testset(fmt, tmp_path), bot).metrics
    for name in COMPARED:
        got, want = getattr(metrics, name), getattr(txt_metrics, name)
        assert abs(got - want) <= POINTS + 1e-9, f"{fmt}: {name} {got:.3f} vs {want:.3f} on the .txt files"

    cache = ExtractCache(bot.index_dir)
    ans = bot.answer("How many representatives attended the conferences?")
    assert "250" in ans.text
    for c in ans.citations:
        doc = read_document(corpus / c.source, c.source, cache)
        assert doc.text[c.start:c.end] == c.quote
        kind = {"pdf": "page ", "html": "beginning of the page", "docx": "paragraph "}[fmt]
        assert c.location.startswith(kind), c.location
    if fmt == "html":
        assert "cancelled" not in doc.text and "Related News" not in doc.text and "rights reserved" not in doc.text
