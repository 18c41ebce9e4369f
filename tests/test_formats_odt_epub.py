"""qa.formats.odt and qa.formats.epub on files written by odfpy and laid out as the EPUB specification asks."""
from __future__ import annotations

import pytest

from qa.formats import check_kind, extract
from qa.formats.extracted import UnreadableError
from qa.formats.epub import extract_epub
from qa.formats.odt import extract_odt
from tests.makedocs import epub_bytes, odt_bytes

FACT = "The reactor at Lindholm was commissioned in 1998 by the ministry of energy."


def test_odt_paragraphs_headings_and_tables_with_locations():
    e = extract_odt(odt_bytes([
        ("heading", "Lindholm station"), ("paragraph", FACT), ("paragraph", ""),
        ("table", [["Name", "Role"], ["Ivan Petrov", "Director"]]), ("paragraph", "Most live in the town."),
    ]))
    assert e.text == f"Lindholm station\n\n{FACT}\n\nName | Role\nIvan Petrov | Director\n\nMost live in the town."
    assert [(b.location, e.text[b.start:b.end].strip()) for b in e.blocks] == [
        ("paragraph 1", "Lindholm station"), ("paragraph 2", FACT), ("table 1, row 1", "Name | Role"),
        ("table 1, row 2", "Ivan Petrov | Director"), ("paragraph 3", "Most live in the town.")]


def test_epub_chapters_in_spine_order_located_by_their_headings():
    data = epub_bytes("Station book", [("The beginning", "The site was chosen in 1990."), ("Building", FACT)])
    assert check_kind(data, "epub") == "epub"
    e = extract(data, "epub", lambda b: (b.decode(), "utf-8"))
    assert e.text == f"The beginning\n\nThe site was chosen in 1990.\n\nBuilding\n\n{FACT}"
    where = {b.location: e.text[b.start:b.end].strip() for b in e.blocks}
    assert where['§ "Building"'] == f"Building\n\n{FACT}"


def test_broken_odt_and_epub_say_so():
    with pytest.raises(UnreadableError, match="damaged"):
        extract_odt(odt_bytes([("paragraph", FACT)])[:200])
    with pytest.raises(UnreadableError, match="damaged EPUB"):
        extract_epub(epub_bytes("x", [("a", "b")]).replace(b"META-INF/container.xml", b"META-INF/containex.xml"))
