"""qa.formats: what a file really is, the reason when its name lies, blocks and locations, and the extraction cache."""
from __future__ import annotations

import pytest

import qa.formats.pdf as pdf_module
from qa.corpus import read_document
from qa.formats import check_kind, format_of, locate
from qa.formats.cache import ExtractCache
from qa.formats.extracted import TextBuilder
from qa.formats.sniff import sniff
from qa.types import Block
from tests.makedocs import docx_bytes, paragraphs_pdf

SENTENCE = "The reactor at Lindholm was commissioned in 1998 by the ministry of energy."
HTML = b"<!DOCTYPE html><html><body><h1>Station</h1><p>" + SENTENCE.encode() + b"</p></body></html>"


@pytest.fixture(scope="module")
def samples() -> dict[str, bytes]:
    return {"pdf": paragraphs_pdf([SENTENCE]), "docx": docx_bytes([("paragraph", SENTENCE)]), "html": HTML}


def test_sniff_tells_formats_by_content(samples):
    assert {fmt: sniff(data) for fmt, data in samples.items()} == {"pdf": "pdf", "docx": "docx", "html": "html"}
    assert sniff(b"\xef\xbb\xbf  <!-- saved -->\n<html><p>x</p></html>") == "html"
    assert sniff(SENTENCE.encode()) == "text"
    assert sniff(b"\x89PNG\r\n\x1a\n" + bytes(100)) == "image"


@pytest.mark.parametrize(
    "name, real, reason",
    [
        ("report.pdf", "html", "named .pdf but it is an HTML page: rename it to .html to index it"),
        ("report.pdf", "docx", "named .pdf but it is a Word (.docx) file: rename it to .docx"),
        ("notes.docx", "pdf", "named .docx but it is a PDF: rename it to .pdf"),
        ("page.html", "pdf", "named .html but it is a PDF: rename it to .pdf"),
        ("notes.txt", "pdf", "named as text but it is a PDF: rename it to .pdf"),
        ("notes.md", "docx", "named as text but it is a Word (.docx) file"),
    ],
)
def test_a_name_that_lies_gets_a_reason_that_says_what_the_file_is(samples, name, real, reason):
    with pytest.raises(ValueError, match=reason.replace(".", r"\.").replace("(", r"\(").replace(")", r"\)")):
        check_kind(samples[real], format_of(name))


def test_format_of_follows_the_suffix():
    assert [format_of(n) for n in ("a.PDF", "b.htm", "c.html", "d.docx", "e.txt", "f.md")] == [
        "pdf", "html", "html", "docx", "text", "text"]


def test_locate_finds_the_block_or_falls_back_to_the_line():
    blocks = (Block(0, 10, "page 1"), Block(12, 30, "page 2"))
    assert locate(blocks, 3, 1) == "page 1"
    assert locate(blocks, 12, 4) == "page 2"
    assert locate(blocks, 11, 2) == "page 1"  # between blocks: the one before
    assert locate([[0, 10, "page 1"], [12, 30, "page 2"]], 29, 9) == "page 2"  # the manifest's form
    assert locate((), 5, 7) == "line 7"
    assert locate(None, 5, 7) == "line 7"


def test_text_builder_collapses_space_and_keeps_the_strongest_break():
    out = TextBuilder()
    out.mark("first")
    out.write("  Hello \n  world ")
    out.brk(1)
    out.brk(2)
    out.space()
    out.mark("second")
    out.write("Next")
    out.brk(1)
    out.write("line")
    e = out.build("html")
    assert e.text == "Hello world\n\nNext\nline"
    assert [(e.text[b.start:b.end], b.location) for b in e.blocks] == [("Hello world\n\n", "first"), ("Next\nline", "second")]


def test_extracted_text_is_cached_by_file_hash_and_a_changed_file_is_extracted_again(tmp_path, monkeypatch):
    cache = ExtractCache(tmp_path / "index")
    path = tmp_path / "report.pdf"
    path.write_bytes(paragraphs_pdf([SENTENCE]))
    first = read_document(path, "report.pdf", cache)
    assert first.format == "pdf" and SENTENCE in first.text and first.blocks[0].location == "page 1"
    assert cache.path(first.sha256).is_file()

    calls = []
    real = pdf_module.extract_pdf
    monkeypatch.setattr(pdf_module, "extract_pdf", lambda *a, **k: calls.append(1) or real(*a, **k))
    again = read_document(path, "report.pdf", cache)
    assert calls == [] and again == first  # unchanged bytes: read from the cache, not extracted

    path.write_bytes(paragraphs_pdf([SENTENCE, "A second paragraph was added."]))
    changed = read_document(path, "report.pdf", cache)
    assert calls == [1] and "second paragraph" in changed.text
    cache.prune({changed.sha256})
    assert not cache.path(first.sha256).exists() and cache.path(changed.sha256).exists()


def test_a_damaged_cache_entry_is_extracted_again(tmp_path):
    cache = ExtractCache(tmp_path)
    path = tmp_path / "page.html"
    path.write_bytes(HTML)
    doc = read_document(path, "page.html", cache)
    cache.path(doc.sha256).write_text("{not json", encoding="utf-8")
    assert read_document(path, "page.html", cache) == doc
