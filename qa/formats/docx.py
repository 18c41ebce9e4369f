"""Word .docx -> text with python-docx: paragraphs and tables in document order, each paragraph a location.

Body paragraphs (headings and list items included) are numbered from 1 as a reader counts them,
empty ones skipped: the location is "paragraph 12". A table's rows are lines with cells joined by
" | " (a cell's own paragraphs joined by spaces), located as "table 2, row 3". Content controls
(w:sdt) are read through; text boxes, headers, footers and comments are not.
"""
from __future__ import annotations

import io

from .extracted import Extracted, NumberedBlocks, TextBuilder, UnreadableError, check_zip

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def extract_docx(data: bytes) -> Extracted:
    """The text of a .docx, with a block per paragraph and per table row."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    check_zip(data, "Word file")
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as err:  # python-docx raises KeyError, lxml and package errors for broken parts
        raise UnreadableError(f"a damaged Word file ({type(err).__name__}: {str(err)[:120]})") from None
    out = TextBuilder()
    blocks = NumberedBlocks(out)

    def cells(row) -> list[str]:
        found, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell is listed once per column it spans
                continue
            seen.add(id(cell._tc))
            found.append(" ".join(cell.text.split()))
        return found

    def body(element) -> None:
        for child in element.iterchildren():
            if child.tag == f"{_W}p":
                blocks.paragraph(Paragraph(child, document).text)
            elif child.tag == f"{_W}tbl":
                blocks.table(cells(row) for row in Table(child, document).rows)
            elif child.tag == f"{_W}sdt":
                content = child.find(f"{_W}sdtContent")
                if content is not None:
                    body(content)

    body(document.element.body)
    return out.build("docx")
