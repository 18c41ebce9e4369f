"""Documents made by real generators for the format tests: PDFs by fpdf2, scans rendered by PDFium, DOCX by python-docx."""
from __future__ import annotations

import io
from pathlib import Path

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


def new_pdf(header: str | None = None, footer: bool = False):
    """An A4 fpdf2 document with DejaVu Sans (any script), optional running header and page-number footer."""
    from fpdf import FPDF

    class Doc(FPDF):
        def header(self):
            if header:
                self.set_font("DejaVu", size=9)
                self.cell(0, 8, header, align="C")
                self.ln(12)

        def footer(self):
            if footer:
                self.set_y(-15)
                self.set_font("DejaVu", size=9)
                self.cell(0, 10, f"Page {self.page_no()}", align="C")

    pdf = Doc(format="A4")
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.add_font("DejaVu", "B", str(BOLD))
    pdf.set_font("DejaVu", size=11)
    pdf.set_auto_page_break(True, margin=20)
    return pdf


def paragraphs_pdf(paragraphs: list[str], header: str | None = None, footer: bool = False,
                   title: str | None = None) -> bytes:
    """A PDF of flowing paragraphs (wrapped by fpdf2, hyphenated where a word is cut), over as many pages as they take."""
    pdf = new_pdf(header, footer)
    pdf.add_page()
    if title:
        pdf.set_font("DejaVu", "B", 14)
        pdf.multi_cell(0, 8, title)
        pdf.ln(3)
        pdf.set_font("DejaVu", size=11)
    for text in paragraphs:
        pdf.multi_cell(0, 6, text)
        pdf.ln(3)
    return bytes(pdf.output())


def two_column_pdf(left: list[str], right: list[str]) -> bytes:
    """One page in two columns: `left` paragraphs, then `right` ones beside them."""
    pdf = new_pdf()
    pdf.add_page()
    width = (pdf.w - pdf.l_margin - pdf.r_margin - 10) / 2
    top = pdf.get_y()
    for x, column in ((pdf.l_margin, left), (pdf.l_margin + width + 10, right)):
        pdf.set_xy(x, top)
        for text in column:
            pdf.set_x(x)
            pdf.multi_cell(width, 6, text)
            pdf.ln(3)
    return bytes(pdf.output())


def table_pdf(intro: str, rows: list[list[str]], outro: str) -> bytes:
    """A paragraph, a table (first row the header), and a paragraph."""
    pdf = new_pdf()
    pdf.add_page()
    pdf.multi_cell(0, 6, intro)
    pdf.ln(4)
    with pdf.table() as table:
        for row in rows:
            r = table.row()
            for cell in row:
                r.cell(cell)
    pdf.ln(4)
    pdf.multi_cell(0, 6, outro)
    return bytes(pdf.output())


def scanned_pdf(text_pdf: bytes, dpi: int = 200) -> bytes:
    """`text_pdf` as a scan: every page rendered to an image by PDFium, and the images put back into a PDF (no text layer)."""
    import pypdfium2 as pdfium
    from fpdf import FPDF

    src = pdfium.PdfDocument(text_pdf)
    out = FPDF(unit="pt")
    for page in src:
        w, h = page.get_size()
        image = page.render(scale=dpi / 72, grayscale=True).to_pil()
        out.add_page(format=(w, h))
        out.image(image, x=0, y=0, w=w, h=h)
    return bytes(out.output())


def docx_bytes(parts: list[tuple[str, object]]) -> bytes:
    """A .docx from ("heading", text), ("paragraph", text), ("table", rows) parts, in order."""
    import docx

    d = docx.Document()
    for kind, value in parts:
        if kind == "heading":
            d.add_heading(value, level=1)
        elif kind == "paragraph":
            d.add_paragraph(value)
        elif kind == "table":
            table = d.add_table(rows=len(value), cols=len(value[0]))
            for r, row in enumerate(value):
                for c, cell in enumerate(row):
                    table.cell(r, c).text = cell
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def hyphenated_pdf(text: str, word: str, cut: int) -> bytes:
    """A paragraph set line by line (justified, as in a book), with `word` broken after `cut` letters and a hyphen
    at the end of a full line: the width is chosen so that the word really falls at a line end."""
    pdf = new_pdf()
    pdf.add_page()
    words = text.split()
    head, tail = word[:cut] + "-", word[cut:]
    for width in range(60, 180):
        lines, line = [], ""
        for w in words:
            candidate = f"{line} {w}".strip()
            if pdf.get_string_width(candidate) <= width:
                line = candidate
                continue
            if w == word and pdf.get_string_width(f"{line} {head}") <= width:
                lines.append(f"{line} {head}")
                line = tail
                continue
            lines.append(line)
            line = w
        lines.append(line)
        if any(l.endswith(head) for l in lines):
            break
    else:
        raise AssertionError(f"no width breaks {word!r} at a line end")
    for i, line in enumerate(lines):
        last = i == len(lines) - 1
        pdf.multi_cell(width + 2 * pdf.c_margin + 1, 6, line, align="L" if last else "J", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def odt_bytes(parts: list[tuple[str, object]]) -> bytes:
    """An .odt written by odfpy from ("heading", text), ("paragraph", text), ("table", rows) parts."""
    from odf.opendocument import OpenDocumentText
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import H, P

    doc = OpenDocumentText()
    for kind, value in parts:
        if kind == "heading":
            doc.text.addElement(H(outlinelevel=1, text=value))
        elif kind == "paragraph":
            doc.text.addElement(P(text=value))
        elif kind == "table":
            table = Table(name=f"Table{len(doc.text.childNodes)}")
            table.addElement(TableColumn(numbercolumnsrepeated=len(value[0])))
            for row in value:
                tr = TableRow()
                for cell in row:
                    tc = TableCell()
                    tc.addElement(P(text=cell))
                    tr.addElement(tc)
                table.addElement(tr)
            doc.text.addElement(table)
    buf = io.BytesIO()
    doc.write(buf)
    return buf.getvalue()


def epub_bytes(title: str, chapters: list[tuple[str, str]]) -> bytes:
    """An EPUB 3 book of (heading, paragraph text) chapters, laid out as the EPUB specification asks: the
    mimetype first and stored, META-INF/container.xml, a package document with manifest and spine, XHTML chapters."""
    import zipfile
    from html import escape

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/container.xml",
                   '<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
                   '<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
                   "</rootfiles></container>")
        items, refs = [], []
        for i, (heading, text) in enumerate(chapters, 1):
            name = f"chapter{i}.xhtml"
            z.writestr(f"OEBPS/text/{name}",
                       '<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml"><head>'
                       f"<title>{escape(heading)}</title></head><body><h1>{escape(heading)}</h1><p>{escape(text)}</p>"
                       "</body></html>")
            items.append(f'<item id="c{i}" href="text/{name}" media-type="application/xhtml+xml"/>')
            refs.append(f'<itemref idref="c{i}"/>')
        z.writestr("OEBPS/content.opf",
                   '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">'
                   f'<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{escape(title)}</dc:title>'
                   '<dc:identifier id="id">test-book</dc:identifier><dc:language>en</dc:language></metadata>'
                   f"<manifest>{''.join(items)}</manifest><spine>{''.join(refs)}</spine></package>")
    return buf.getvalue()


def interleaved_columns_pdf(left: str, right: str) -> bytes:
    """Two columns written line by line across the page (left line 1, right line 1, left line 2...), as some
    generators write them: PDFium then reads each baseline as one line running over the gutter."""
    pdf = new_pdf()
    pdf.add_page()
    width = (pdf.w - pdf.l_margin - pdf.r_margin - 10) / 2

    def wrap(text: str) -> list[str]:
        lines, line = [], ""
        for word in text.split():
            candidate = f"{line} {word}".strip()
            if pdf.get_string_width(candidate) <= width - 2:
                line = candidate
            else:
                lines.append(line)
                line = word
        return [*lines, line]

    left_lines, right_lines = wrap(left), wrap(right)
    top = pdf.get_y() + 6
    for i in range(max(len(left_lines), len(right_lines))):
        if i < len(left_lines):
            pdf.text(pdf.l_margin, top + 6 * i, left_lines[i])
        if i < len(right_lines):
            pdf.text(pdf.l_margin + width + 10, top + 6 * i, right_lines[i])
    return bytes(pdf.output())
