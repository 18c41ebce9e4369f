"""Word .docx -> text with python-docx: paragraphs and tables in document order, each paragraph a location.

Body paragraphs (headings and list items included) are numbered from 1 as a reader counts them,
empty ones skipped: the location is "paragraph 12". A table's rows are lines with cells joined by
" | " (a cell's own paragraphs joined by spaces), located as "table 2, row 3". Content controls
(w:sdt) are read through; text boxes, headers, footers and comments are not.
"""
from __future__ import annotations

import io

from .extracted import Extracted, TextBuilder, UnreadableError, check_zip

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
    counts = {"paragraph": 0, "table": 0}

    def paragraph(p) -> None:
        text = p.text
        if not text.strip():
            return
        counts["paragraph"] += 1
        out.brk(2)
        out.mark(f"paragraph {counts['paragraph']}")
        out.write(text)
        out.brk(2)

    def table(t) -> None:
        counts["table"] += 1
        out.brk(2)
        for r, row in enumerate(t.rows, 1):
            cells, seen = [], set()
            for cell in row.cells:
                if id(cell._tc) in seen:  # a merged cell is listed once per column it spans
                    continue
                seen.add(id(cell._tc))
                cells.append(" ".join(cell.text.split()))
            if not any(cells):
                continue
            out.brk(1)
            out.mark(f"table {counts['table']}, row {r}")
            out.write(" | ".join(cells))
            out.brk(1)
        out.brk(2)

    def body(element) -> None:
        for child in element.iterchildren():
            if child.tag == f"{_W}p":
                paragraph(Paragraph(child, document))
            elif child.tag == f"{_W}tbl":
                table(Table(child, document))
            elif child.tag == f"{_W}sdt":
                content = child.find(f"{_W}sdtContent")
                if content is not None:
                    body(content)

    body(document.element.body)
    return out.build("docx")
