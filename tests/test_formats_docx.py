"""qa.formats.docx on Word files written by python-docx: paragraphs, headings, tables, and broken files."""
from __future__ import annotations

import io
import zipfile

import pytest

from qa.formats import check_kind
from qa.formats.docx import extract_docx
from qa.formats.extracted import UnreadableError
from tests.makedocs import docx_bytes

PARTS = [
    ("heading", "Lindholm station"),
    ("paragraph", "The reactor at Lindholm was commissioned in 1998 by the ministry of energy."),
    ("paragraph", ""),
    ("heading", "Staff"),
    ("paragraph", "The station employs 412 people."),
    ("table", [["Name", "Role"], ["Ivan Petrov", "Director"], ["Anna Smith", "Chief engineer"]]),
    ("paragraph", "Most live in the town."),
]


def test_paragraphs_headings_and_tables_in_document_order():
    e = extract_docx(docx_bytes(PARTS))
    assert e.text == (
        "Lindholm station\n\nThe reactor at Lindholm was commissioned in 1998 by the ministry of energy.\n\n"
        "Staff\n\nThe station employs 412 people.\n\nName | Role\nIvan Petrov | Director\nAnna Smith | Chief engineer"
        "\n\nMost live in the town."
    )


def test_locations_count_paragraphs_as_a_reader_does_and_table_rows():
    e = extract_docx(docx_bytes(PARTS))
    where = [(b.location, e.text[b.start:b.end].strip()) for b in e.blocks]
    assert where == [
        ("paragraph 1", "Lindholm station"),
        ("paragraph 2", "The reactor at Lindholm was commissioned in 1998 by the ministry of energy."),
        ("paragraph 3", "Staff"),  # the empty paragraph is not counted
        ("paragraph 4", "The station employs 412 people."),
        ("table 1, row 1", "Name | Role"),
        ("table 1, row 2", "Ivan Petrov | Director"),
        ("table 1, row 3", "Anna Smith | Chief engineer"),
        ("paragraph 5", "Most live in the town."),
    ]


def test_a_damaged_zip_says_so():
    good = docx_bytes(PARTS)
    with pytest.raises(UnreadableError, match="damaged Word file"):
        extract_docx(good[: len(good) // 2])


def test_a_zip_without_a_word_document_is_not_taken_for_one():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("notes.txt", "hello")
    with pytest.raises(ValueError, match="damaged Word file"):
        check_kind(buf.getvalue(), "docx")


def test_a_password_protected_or_old_word_file_says_so():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096)
    with pytest.raises(ValueError, match="password-protected Word file, or an old .doc"):
        check_kind(ole, "docx")


def test_a_zip_bomb_is_not_inflated(monkeypatch):
    import qa.formats.extracted as extracted

    monkeypatch.setattr(extracted, "MAX_UNZIPPED_BYTES", 2 * 1024 * 1024)  # 300 MB in use; the check is the same
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", "")
        z.writestr("word/media/big.bin", bytes(3 * 1024 * 1024))  # 3 MB of zeros in a few kB
    assert len(buf.getvalue()) < 20_000
    with pytest.raises(UnreadableError, match="inflate to over 2 MB"):
        extract_docx(buf.getvalue())
