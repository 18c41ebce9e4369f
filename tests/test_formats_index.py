"""PDF, HTML and Word files through the whole pipeline (fake embedder): indexed, answered, cited by page, heading or
paragraph with exact offsets; every bad file skipped with its reason in `qa index`, the manifest and uploads."""
from __future__ import annotations

import json

import pytest

from qa import QA, render_page
from qa.cli import main
from qa.corpus import read_document
from qa.documents import save_upload
from qa.errors import CorpusError
from qa.formats import ocr
from qa.formats.cache import ExtractCache
from qa.index.manifest import read_manifest
from tests.makedocs import docx_bytes, new_pdf, paragraphs_pdf, scanned_pdf

FILLER = "The valley is quiet in winter and busy in summer, when the visitors come for the lakes and the mountain trails. "
PDF_FACT = "The Lindholm reactor was commissioned in 1998 by the ministry of energy."
HTML_FACT = "The northern lighthouse was rebuilt in 1873 after the great storm."
DOCX_FACT = "The orchard cooperative harvested 4200 kilograms of apples last autumn."
SCAN_FACT = "The bridge over the Elster river was opened to traffic in 1911."


def encrypted_pdf() -> bytes:
    pdf = new_pdf()
    pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.add_page()
    pdf.multi_cell(0, 6, "A secret sentence.")
    return bytes(pdf.output())


def pageless_pdf() -> bytes:
    import io

    import pypdfium2 as pdfium

    buf = io.BytesIO()
    pdfium.PdfDocument.new().save(buf)
    return buf.getvalue()


BAD = {
    "pageless.pdf": (pageless_pdf, "not a valid PDF"),  # PDFium refuses a PDF of no pages
    "locked.pdf": (encrypted_pdf, "password-protected"),
    "broken.pdf": (lambda: b"%PDF-1.7\n" + bytes(range(256)) * 20, "not a valid PDF"),
    "saved-page.pdf": (lambda: b"<!DOCTYPE html><html><body><p>Hello</p></body></html>", "it is an HTML page: rename it to .html"),
    "broken.docx": (lambda: docx_bytes([("paragraph", "x")])[:300], "damaged Word file"),
    "really-a-pdf.txt": (lambda: paragraphs_pdf(["x"]), "named as text but it is a PDF"),
    "deep.html": (lambda: ("<html><body>" + "<div>" * 3000 + "Deep." + "</div>" * 3000 + "</body></html>").encode(),
                  "nested too deeply"),
    "empty.html": (lambda: b"<html><body><nav>Menu</nav><script>var x = 1;</script></body></html>", "no text found"),
}


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """A folder with a PDF (fact on page 2), an HTML page, a Word file, a text file, a scan, and every bad file."""
    root = tmp_path_factory.mktemp("mixed")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "report.pdf").write_bytes(
        paragraphs_pdf([FILLER * 6] * 8 + [PDF_FACT] + [FILLER * 6] * 2, header="Energy report", footer=True))
    (corpus / "coast.html").write_bytes(
        f"<html><body><nav>Home | Coast | Contact</nav><h1>Coast</h1><p>{FILLER}</p><h2>Lighthouses</h2>"
        f"<p>{HTML_FACT}</p><script>var fact = 'The lighthouse was never rebuilt.';</script></body></html>".encode())
    (corpus / "farm.docx").write_bytes(docx_bytes([
        ("heading", "Farm notes"), ("paragraph", FILLER), ("paragraph", DOCX_FACT),
        ("table", [["Crop", "Tonnes"], ["Pears", "12"]])]))
    (corpus / "notes.txt").write_text("The ferry leaves at seven.\nThe ferry returns at nine.\n", encoding="utf-8")
    (corpus / "scan.pdf").write_bytes(scanned_pdf(paragraphs_pdf([SCAN_FACT])))
    for name, (make, _) in BAD.items():
        (corpus / name).write_bytes(make())
    index = root / "index"
    bot = QA(corpus, index, model="hashing-256")
    report = bot.refresh()
    return bot, report


def test_bad_files_are_skipped_each_with_its_reason_and_the_rest_is_indexed(mixed):
    bot, report = mixed
    reasons = {s.source: s.reason for s in report.skipped}
    assert set(reasons) == set(BAD)
    for name, (_, why) in BAD.items():
        assert why in reasons[name], (name, reasons[name])
    files = bot.store.manifest["files"]
    expected = {"report.pdf", "coast.html", "farm.docx", "notes.txt"} | ({"scan.pdf"} if ocr.available() else set())
    assert set(files) == expected
    assert {s["source"]: s["reason"] for s in read_manifest(bot.index_dir)["skipped"]} == reasons


def test_every_sentence_is_the_extracted_text_at_its_offsets(mixed):
    bot, _ = mixed
    cache = ExtractCache(bot.index_dir)
    docs = {name: read_document(bot.corpus_dir / name, name, cache) for name in bot.store.manifest["files"]}
    for s in bot.store.sentences:
        assert docs[s.source].text[s.start:s.end] == s.text
    for p in bot.store.passages:
        assert docs[p.source].text[p.start:p.end] == p.text


@pytest.mark.parametrize(
    "question, source, location, quote",
    [
        ("When was the Lindholm reactor commissioned?", "report.pdf", "page 2", PDF_FACT),
        ("When was the northern lighthouse rebuilt?", "coast.html", '§ "Lighthouses"', HTML_FACT),
        ("How many kilograms of apples did the orchard cooperative harvest?", "farm.docx", "paragraph 3", DOCX_FACT),
        ("When does the ferry return?", "notes.txt", "line 2", "The ferry returns at nine."),
    ],
)
def test_answers_cite_the_page_heading_paragraph_or_line(mixed, question, source, location, quote):
    bot, _ = mixed
    ans = bot.answer(question)
    assert ans.citations, ans.reason
    c = ans.citations[0]
    assert (c.source, c.location, c.quote) == (source, location, quote)
    assert c.label == (f"{source}:{c.line}" if source.endswith(".txt") else f"{source}, {location}")


def test_the_pdf_citation_renders_its_page_with_the_sentence_highlighted(mixed):
    bot, _ = mixed
    c = bot.answer("When was the Lindholm reactor commissioned?").citations[0]
    png = bot.render_page(c)
    assert png.startswith(b"\x89PNG")
    assert render_page(c, bot.corpus_dir, bot.index_dir) == png
    text = bot.answer("When does the ferry return?").citations[0]
    with pytest.raises(CorpusError, match="not a PDF"):
        bot.render_page(text)


@pytest.mark.skipif(not ocr.available(), reason="Tesseract is not installed (make setup installs it)")
def test_the_scanned_pdf_is_read_by_ocr_and_the_report_says_so(mixed):
    bot, report = mixed
    assert ("scan.pdf", "page 1 read by OCR (no text layer)") in {(n.source, n.text) for n in report.notes}
    assert bot.store.manifest["files"]["scan.pdf"]["notes"] == ["page 1 read by OCR (no text layer)"]
    ans = bot.answer("When was the bridge over the Elster river opened?")
    assert ans.citations[0].source == "scan.pdf" and "1911" in ans.citations[0].quote


def test_an_unchanged_pdf_is_not_read_again_and_a_changed_one_is(tmp_path, monkeypatch):
    import qa.formats.pdf as pdf_module

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.pdf").write_bytes(paragraphs_pdf([PDF_FACT]))
    bot = QA(corpus, tmp_path / "index", model="hashing-256")
    bot.refresh()
    calls = []
    real = pdf_module.extract_pdf
    monkeypatch.setattr(pdf_module, "extract_pdf", lambda *a, **k: calls.append(1) or real(*a, **k))
    assert bot.refresh(rebuild=True).rebuilt and calls == []  # rebuilt from the cached text
    (corpus / "a.pdf").write_bytes(paragraphs_pdf([PDF_FACT, "A second paragraph."]))
    report = bot.refresh()
    assert report.changed == ["a.pdf"] and calls == [1]
    assert len(list((tmp_path / "index" / "extracted").iterdir())) == 1  # the old text is pruned


def test_qa_index_prints_each_reason_and_the_ocr_note(mixed, capsys, tmp_path):
    import shutil

    bot, _ = mixed
    shutil.copytree(bot.index_dir / "extracted", tmp_path / "idx" / "extracted")  # a new index; the scan is not OCRed again
    try:
        main(["index", "--corpus", str(bot.corpus_dir), "--index", str(tmp_path / "idx"), "--model", "hashing-256", "-q"])
    except SystemExit as exit_:
        assert exit_.code in (0, None)
    out, err = capsys.readouterr()
    for name, (_, why) in BAD.items():
        assert f"warning: skipped {name}: " in err and why in err
    if ocr.available():
        assert "note: scan.pdf: page 1 read by OCR (no text layer)" in err
    assert "index built" in out


def test_ask_prints_the_page(mixed, capsys):
    bot, _ = mixed
    try:
        main(["ask", "When was the Lindholm reactor commissioned?", "--corpus", str(bot.corpus_dir), "--index",
              str(bot.index_dir), "-q"])
    except SystemExit as exit_:
        assert exit_.code in (0, None)
    out, _ = capsys.readouterr()
    assert "[1] report.pdf, page 2" in out


@pytest.mark.parametrize("name", sorted(BAD))
def test_an_upload_that_cannot_be_read_is_not_added_and_says_why(tmp_path, name):
    make, why = BAD[name]
    with pytest.raises(CorpusError, match="cannot be added") as err:
        save_upload(tmp_path, name, make())
    assert why in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_an_upload_is_extracted_once_into_the_cache(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    cache = ExtractCache(tmp_path / "index")
    pages = []
    saved = save_upload(corpus, "Annual Report.pdf", paragraphs_pdf([PDF_FACT]), cache, lambda d, t: pages.append((d, t)))
    assert saved.source == "Annual_Report.pdf" and pages == [(1, 1)]
    assert len(list(cache.folder.iterdir())) == 1
    assert json.loads(next(cache.folder.iterdir()).read_text())["format"] == "pdf"


def test_a_500_page_pdf_reports_progress_page_by_page_and_cites_the_right_page(tmp_path):
    pdf = new_pdf(footer=True)
    for i in range(1, 501):
        pdf.add_page()
        fact = f"The inspection of tower {i} found {i * 3} cracked bolts."
        pdf.multi_cell(0, 6, f"Section {i}. " + fact)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "long.pdf").write_bytes(bytes(pdf.output()))
    calls = []
    bot = QA(corpus, tmp_path / "index", model="hashing-256", progress=lambda *a: calls.append(a))
    bot.refresh()
    assert [c for c in calls if c[0] == "reading long.pdf"] == [("reading long.pdf", i, 500) for i in range(1, 501)]
    blocks = bot.store.manifest["files"]["long.pdf"]["blocks"]
    assert [b[2] for b in blocks] == [f"page {i}" for i in range(1, 501)]
    hits = bot.retrieve("How many cracked bolts did the inspection of tower 377 find?", k=3)
    assert hits[0].location == "page 377" and "tower 377 found 1131 cracked bolts" in hits[0].text
    ans = bot.answer("How many cracked bolts did the inspection of tower 377 find?")
    assert ans.citations
    for c in ans.citations:  # whichever sentences are quoted, each names the page that holds it
        tower = c.quote.split("tower ")[1].split()[0]
        assert c.location == f"page {tower}", (c.location, c.quote)


def test_passages_considered_name_their_page_heading_or_paragraph(mixed):
    bot, _ = mixed
    hits = bot.retrieve("When was the Lindholm reactor commissioned?", k=10)
    where = {h.source: h.location for h in hits}
    assert where.get("report.pdf", "").startswith("page ")
    assert all(h.location == "" for h in hits if h.source == "notes.txt")
    from qa.reply import format_reply
    from qa.types import Answer

    pdf_hit = next(h for h in hits if h.source == "report.pdf")
    text_hit = next(h for h in bot.retrieve("When does the ferry return?", k=10) if h.source == "notes.txt")
    refused = format_reply(Answer("?", None, hits=[pdf_hit, text_hit], reason="nothing close"))
    assert f"- report.pdf, {pdf_hit.location}  " in refused and f"- notes.txt:{text_hit.line}  " in refused


def test_a_pdf_read_by_an_older_extractor_is_read_again(tmp_path, monkeypatch):
    """Offsets of an index are into the text its extractor gave: a new extractor version re-reads the file."""
    import qa.formats.cache as cache_module
    import qa.index.diff as diff_module

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.pdf").write_bytes(paragraphs_pdf([PDF_FACT]))
    (corpus / "b.txt").write_text("The ferry leaves at seven.\n", encoding="utf-8")
    bot = QA(corpus, tmp_path / "index", model="hashing-256")
    bot.refresh()
    assert bot.store.manifest["files"]["a.pdf"]["extractor"] == cache_module.EXTRACTOR_VERSION
    assert "extractor" not in bot.store.manifest["files"]["b.txt"]
    monkeypatch.setattr(cache_module, "EXTRACTOR_VERSION", cache_module.EXTRACTOR_VERSION + 1)
    monkeypatch.setattr(diff_module, "EXTRACTOR_VERSION", cache_module.EXTRACTOR_VERSION)
    report = bot.refresh()
    assert report.changed == ["a.pdf"] and report.unchanged == 1
