"""OpenDocument text (.odt) -> text: headings, paragraphs, lists and tables of content.xml, in order.

Read with the standard library (zipfile, ElementTree). Locations follow the Word reader
(qa.formats.docx): "paragraph 12" counting non-empty paragraphs and headings, "table 2, row 3"
for table rows with cells joined by " | ". Spaces (text:s), tabs and line breaks are white space.
"""
from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile

from .extracted import Extracted, NumberedBlocks, TextBuilder, UnreadableError, check_zip

_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_SPACES = {f"{_TEXT}s", f"{_TEXT}tab", f"{_TEXT}line-break"}
_SKIPPED = {f"{_TEXT}note", f"{_OFFICE}annotation", f"{_TEXT}tracked-changes"}  # footnotes, comments, deleted text


def _inline(element) -> str:
    """The text of a paragraph, its spans and links; white space elements as spaces."""
    parts = [element.text or ""]
    for child in element:
        if child.tag in _SPACES:
            parts.append(" ")
        elif child.tag not in _SKIPPED:
            parts.append(_inline(child))
        parts.append(child.tail or "")
    return "".join(parts)


def extract_odt(data: bytes) -> Extracted:
    """The text of an .odt file, with a block per paragraph and per table row."""
    check_zip(data, "OpenDocument file")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            root = ET.fromstring(z.read("content.xml"))
    except (KeyError, ET.ParseError, zipfile.BadZipFile) as err:
        raise UnreadableError(f"a damaged OpenDocument file ({type(err).__name__})") from None
    body = root.find(f"{_OFFICE}body/{_OFFICE}text")
    out = TextBuilder()
    blocks = NumberedBlocks(out)

    def cells(row) -> list[str]:
        return [" ".join(" ".join(_inline(p) for p in cell.iter() if p.tag in (f"{_TEXT}p", f"{_TEXT}h")).split())
                for cell in row if cell.tag == f"{_TABLE}table-cell"]

    def walk(element) -> None:
        for child in element:
            if child.tag in (f"{_TEXT}p", f"{_TEXT}h"):
                blocks.paragraph(_inline(child))
            elif child.tag == f"{_TABLE}table":
                blocks.table(cells(row) for row in child.iter(f"{_TABLE}table-row"))
            elif child.tag not in _SKIPPED:
                walk(child)  # lists, list items, sections

    if body is not None:
        walk(body)
    return out.build("odt")
