"""Uploads saved under safe names; corpus files read by cited name, never anything outside the corpus."""
from __future__ import annotations

import os

import pytest

from qa.documents import MAX_UPLOAD_BYTES, read_source, safe_name, save_upload
from qa.errors import CorpusError


@pytest.mark.parametrize(
    "given, safe",
    [
        ("notes.txt", "notes.txt"),
        ("My Notes (v2).MD", "My_Notes_v2.md"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\windows\\evil.md", "evil.md"),
        ("/abs/path/report.txt", "report.txt"),
        (".hidden.txt", "hidden.txt"),
        ("Résumé été.txt", "Resume_ete.txt"),
        ("<img src=x onerror=alert(1)>.md", "img_src_x_onerror_alert_1.md"),
        ("日本語.txt", "document.txt"),
        ("..txt", "document.txt"),
        ("a" * 300 + ".txt", "a" * 80 + ".txt"),
    ],
)
def test_safe_name(given, safe):
    assert safe_name(given) == safe


@pytest.mark.parametrize("given", ["photo.png", "script.py", "notes", "archive.txt.gz", ""])
def test_only_document_suffixes_can_be_added(given):
    with pytest.raises(CorpusError, match=r"not a .txt, .md, .pdf, .html, .htm, .docx, .odt or .epub file"):
        safe_name(given)


def test_upload_is_saved_and_never_overwrites(tmp_path):
    saved = save_upload(tmp_path, "Field notes.txt", b"The lighthouse is white.\n")
    assert (saved.source, saved.new, saved.original) == ("Field_notes.txt", True, "Field notes.txt")
    again = save_upload(tmp_path, "Field notes.txt", b"The lighthouse is white.\n")
    assert (again.source, again.new) == ("Field_notes.txt", False)
    other = save_upload(tmp_path, "Field_notes.txt", b"The lighthouse is red.\n")
    assert (other.source, other.new) == ("Field_notes-2.txt", True)
    assert (tmp_path / "Field_notes.txt").read_bytes() == b"The lighthouse is white.\n"
    assert (tmp_path / "Field_notes-2.txt").read_bytes() == b"The lighthouse is red.\n"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "it is an image"),
        (bytes((i * 7919 + 13) % 256 for i in range(6000)), "binary"),  # no NUL, not text in any encoding
        (b"", "empty"),
        (b"  \n\t\n", "empty"),
    ],
)
def test_unusable_uploads_are_refused_with_the_reason(tmp_path, data, message):
    with pytest.raises(CorpusError, match=message) as err:
        save_upload(tmp_path, "bad.txt", data)
    assert "'bad.txt'" in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_too_big_upload_is_refused(tmp_path):
    with pytest.raises(CorpusError, match="MB"):
        save_upload(tmp_path, "big.txt", b"a" * (MAX_UPLOAD_BYTES + 1))


def test_upload_into_a_missing_corpus_is_refused(tmp_path):
    with pytest.raises(CorpusError, match="does not exist"):
        save_upload(tmp_path / "nope", "a.txt", b"text")


@pytest.fixture
def corpus(tmp_path):
    root = tmp_path / "corpus"
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_text("Alpha.\n", encoding="utf-8")
    (root / "sub" / "b.md").write_text("Beta.\n", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("outside\n", encoding="utf-8")
    return root


def test_read_source_reads_indexed_files(corpus):
    indexed = {"a.txt": {}, "sub/b.md": {}}
    assert read_source(corpus, "a.txt", indexed).text == "Alpha.\n"
    doc = read_source(corpus, "sub/b.md", indexed)
    assert (doc.source, doc.text) == ("sub/b.md", "Beta.\n")


@pytest.mark.parametrize(
    "name", ["../secret.txt", "/etc/passwd", "sub/../../secret.txt", "missing.txt", "", None, "a.txt\x00"]
)
def test_read_source_refuses_names_the_index_does_not_hold(corpus, name):
    with pytest.raises(CorpusError, match="not a document of the corpus"):
        read_source(corpus, name, {"a.txt": {}})


def test_read_source_refuses_an_indexed_name_that_leads_outside(corpus, tmp_path):
    os.symlink(tmp_path / "secret.txt", corpus / "link.txt")
    indexed = {"link.txt": {}, "../secret.txt": {}}  # a tampered manifest must not open a way out either
    for name in indexed:
        with pytest.raises(CorpusError, match="not a document of the corpus"):
            read_source(corpus, name, indexed)


def test_read_source_of_a_file_deleted_since_indexing(corpus):
    (corpus / "a.txt").unlink()
    with pytest.raises(CorpusError):
        read_source(corpus, "a.txt", {"a.txt": {}})
