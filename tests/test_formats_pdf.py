"""qa.formats.pdf and qa.formats.page on PDFs written by fpdf2 (and scans of them): text, order, locations, boxes."""
from __future__ import annotations

import pypdfium2 as pdfium
import pytest

from qa.formats import ocr
from qa.formats.pdf import PdfError, extract_pdf
from qa.formats.page import highlight, render_highlight
from tests.makedocs import (
    hyphenated_pdf, interleaved_columns_pdf, paragraphs_pdf, scanned_pdf, table_pdf, two_column_pdf,
)

FILLER = (
    "The commission met in Geneva to review the safety of the northern reactors, and after a long debate it agreed "
    "that the inspection schedule would be shortened for every plant older than thirty years. "
)
GOLD = "The reactor at Lindholm was commissioned in 1998 by the ministry of energy."
needs_ocr = pytest.mark.skipif(not ocr.available(), reason="Tesseract is not installed (make setup installs it)")


def pdf_word_boxes(data: bytes, page: int, phrase: str) -> list[tuple[float, float, float, float]]:
    """The PDF's own char boxes (PDFium, independent of the extractor) of `phrase` on a page, found by PDFium's search."""
    doc = pdfium.PdfDocument(data)
    tp = doc[page - 1].get_textpage()
    searcher = tp.search(phrase, match_case=True)
    found = searcher.get_next()
    assert found is not None, f"{phrase!r} is not on page {page}"
    index, count = found
    return [tp.get_charbox(i, loose=True) for i in range(index, index + count) if tp.get_text_range(i, 1).strip()]


def inside(box, outer, slack=1.0) -> bool:
    return (outer[0] - slack <= box[0] and box[2] <= outer[2] + slack
            and outer[1] - slack <= box[1] and box[3] <= outer[3] + slack)


def covered(boxes, by) -> bool:
    """Every box of `boxes` lies inside one of `by`."""
    return all(any(inside(b, o) for o in by) for b in boxes)


@pytest.fixture(scope="module")
def report_pdf() -> bytes:
    """Four pages with a running header and page numbers; GOLD in the middle, on page 2."""
    return paragraphs_pdf([FILLER * 4] * 6 + [GOLD] + [FILLER * 4] * 6, header="ACME Annual Report 2024", footer=True,
                          title="Safety review")


def test_pages_become_blocks_and_headers_footers_page_numbers_are_left_out(report_pdf):
    e = extract_pdf(report_pdf)
    assert len(e.pages) == len(pdfium.PdfDocument(report_pdf)) >= 3
    assert [b.location for b in e.blocks] == [f"page {p.number}" for p in e.pages]
    assert "ACME Annual Report" not in e.text and "Page 1" not in e.text and "Page 2" not in e.text
    assert e.text.startswith("Safety review\n\n")
    start = e.text.index(GOLD)
    page = next(b for b in e.blocks if b.start <= start < b.end)
    assert page.location == "page 2"
    assert pdf_word_boxes(report_pdf, 2, "Lindholm")  # the PDF itself has the sentence on page 2
    assert e.notes == ()


def test_every_char_maps_back_to_the_char_pdfium_has(report_pdf):
    e = extract_pdf(report_pdf)
    doc = pdfium.PdfDocument(report_pdf)
    for page in e.pages:
        tp = doc[page.number - 1].get_textpage()
        mapped = 0
        for offset, index, length in page.runs:
            assert page.start <= offset and offset + length <= page.end
            assert e.text[offset:offset + length] == tp.get_text_range(index, length).replace("\ufffe", "-")
            mapped += length
        letters = sum(c.isalnum() for c in e.text[page.start:page.end])
        assert mapped >= letters  # every letter and digit comes from the page


def test_wrapped_lines_join_into_whole_sentences(report_pdf):
    e = extract_pdf(report_pdf)
    sentence = FILLER.split(". ")[0] + "."
    assert e.text.count(sentence) >= 6 * 4 - 2  # sentences cut by a page break aside
    assert e.text[e.text.index(GOLD) - 2 : e.text.index(GOLD)] == "\n\n"  # its own paragraph


def test_a_word_hyphenated_at_a_line_end_is_joined():
    text = "The panel met in Geneva to review the safety of the northern reactors after a long international debate about the oversight that every member state accepted."
    data = hyphenated_pdf(text, "international", 5)
    assert "inter\ufffenational" in pdfium.PdfDocument(data)[0].get_textpage().get_text_range()  # broken on the page
    e = extract_pdf(data)
    assert e.text == text
    start = e.text.index("international")
    hl = highlight(data, e, start, start + len("international"))
    assert len(hl.boxes) == 2  # the word stands on two lines
    assert hl.boxes[0][1] > hl.boxes[1][1]


def test_two_columns_are_read_column_by_column():
    left = ["The left column opens the story. " + FILLER, "Its second paragraph ends the left column."]
    right = ["The right column takes it up. " + FILLER]
    e = extract_pdf(two_column_pdf(left, right))
    assert e.text.index("left column opens") < e.text.index("ends the left column") < e.text.index("right column takes")
    assert FILLER.strip() in e.text  # a paragraph's lines are joined inside its column, not across
    assert e.text.count(FILLER.strip()) == 2


def test_columns_written_line_by_line_across_the_page_are_read_column_by_column():
    left = ("The left column tells of the harbour, where the fishing boats come in at dawn and the nets are mended "
            "by the old men who have worked there for fifty years or more.")
    right = ("The right column tells of the hills, where the shepherds keep their flocks through the summer and "
             "bring them down to the valley before the first snow falls.")
    data = interleaved_columns_pdf(left, right)
    assert "where The right column" in pdfium.PdfDocument(data)[0].get_textpage().get_text_range()  # joined by PDFium
    e = extract_pdf(data)
    assert e.text == f"{left}\n\n{right}"
    start = e.text.index(right)
    hl = highlight(data, e, start, start + len(right))
    assert covered(pdf_word_boxes(data, 1, "shepherds"), hl.boxes)
    assert all(box[0] > hl.width / 2 - 10 for box in hl.boxes)  # all in the right column


def test_table_cells_are_text_one_row_a_line():
    rows = [["Name", "Role", "Since"], ["Ivan Petrov", "Director", "1998"], ["Anna Smith", "Chief engineer", "2004"]]
    e = extract_pdf(table_pdf("The staff of the station are listed below.", rows, "The table ends here."))
    assert "Ivan Petrov | Director | 1998\n" in e.text
    assert "Anna Smith | Chief engineer | 2004" in e.text
    assert e.text.index("listed below") < e.text.index("Ivan Petrov") < e.text.index("table ends")


def test_highlight_boxes_lie_on_the_pdfs_own_char_boxes(report_pdf):
    e = extract_pdf(report_pdf)
    start = e.text.index(GOLD)
    hl = highlight(report_pdf, e, start, start + len(GOLD))
    assert hl.page == 2
    own = pdf_word_boxes(report_pdf, 2, GOLD)
    assert covered(own, hl.boxes)
    union = (min(b[0] for b in own), min(b[1] for b in own), max(b[2] for b in own), max(b[3] for b in own))
    assert all(inside(b, union) for b in hl.boxes)  # and nothing beyond the sentence
    png = render_highlight(report_pdf, hl)
    assert png.startswith(b"\x89PNG")
    from PIL import Image
    import io

    image = Image.open(io.BytesIO(png)).convert("RGB")
    scale = image.width / hl.width
    x0, y0, x1, y1 = hl.boxes[0]
    r, g, b = image.getpixel((int((x0 + x1) / 2 * scale), int((hl.height - (y0 + y1) / 2) * scale)))
    assert r > 200 and g > 150 and b < 200  # yellow where the sentence stands (its letters are drawn through)
    r, g, b = image.getpixel((5, 5))
    assert (r, g, b) == (255, 255, 255)


def test_a_span_not_in_the_text_is_refused(report_pdf):
    e = extract_pdf(report_pdf)
    with pytest.raises(ValueError, match="not in the text"):
        highlight(report_pdf, e, len(e.text) - 1, len(e.text) + 5)


@needs_ocr
def test_a_scanned_page_is_read_by_ocr_with_word_boxes_where_the_words_are():
    source = paragraphs_pdf([GOLD, "Les inspecteurs ont constaté que le phare du nord était éteint."], title="Incident report")
    scan = scanned_pdf(source)
    assert pdfium.PdfDocument(scan)[0].get_textpage().count_chars() == 0  # no text layer
    e = extract_pdf(scan)
    assert e.notes == ("page 1 read by OCR (no text layer)",)
    assert "commissioned in 1998" in e.text and "Lindholm" in e.text
    assert "phare du nord" in e.text
    assert e.pages[0].ocr and e.blocks[0].location == "page 1"
    start = e.text.index("Lindholm")
    hl = highlight(scan, e, start, start + len("Lindholm"))
    # the scan keeps the page's geometry: the OCR box of the word lies on the original PDF's char boxes of it
    own = pdf_word_boxes(source, 1, "Lindholm")
    union = (min(b[0] for b in own), min(b[1] for b in own), max(b[2] for b in own), max(b[3] for b in own))
    (box,) = hl.boxes
    assert abs(box[0] - union[0]) < 3 and abs(box[2] - union[2]) < 3
    assert box[1] < (union[1] + union[3]) / 2 < box[3]


def test_without_tesseract_a_scanned_page_is_listed_not_silent():
    class NoOcr:
        @staticmethod
        def available():
            return False

    scan = scanned_pdf(paragraphs_pdf([GOLD]))
    e = extract_pdf(scan, ocr=NoOcr)
    assert e.text == ""
    assert e.notes and "page 1 without a text layer" in e.notes[0] and "Tesseract" in e.notes[0]


def test_a_blank_page_is_listed(tmp_path):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.multi_cell(0, 6, GOLD)
    pdf.add_page()  # nothing on it
    e = extract_pdf(bytes(pdf.output()))
    assert GOLD in e.text
    assert any("page 2 without text" in n for n in e.notes)


def test_progress_is_told_page_by_page():
    data = paragraphs_pdf([FILLER * 4] * 10)
    calls = []
    e = extract_pdf(data, on_page=lambda done, total: calls.append((done, total)))
    n = len(e.pages)
    assert n >= 3 and calls == [(i, n) for i in range(1, n + 1)]


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda good: good[:400], "not a valid PDF"),
        (lambda good: b"%PDF-1.7\n" + bytes(range(256)) * 20, "not a valid PDF"),
    ],
    ids=["truncated", "garbage"],
)
def test_broken_pdfs_say_why(make, reason):
    good = paragraphs_pdf([GOLD])
    with pytest.raises(PdfError, match=reason):
        extract_pdf(make(good))


def test_encrypted_pdf_says_it_needs_a_password():
    from tests.makedocs import new_pdf

    pdf = new_pdf()
    pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.add_page()
    pdf.multi_cell(0, 6, GOLD)
    with pytest.raises(PdfError, match="password-protected"):
        extract_pdf(bytes(pdf.output()))


def test_a_rotated_page_is_highlighted_where_the_sentence_is_shown():
    import io

    from PIL import Image

    source = paragraphs_pdf([FILLER * 3, GOLD, FILLER * 3])
    doc = pdfium.PdfDocument(source)
    doc[0].set_rotation(90)  # shown turned a quarter clockwise: the lines run downwards
    buf = io.BytesIO()
    doc.save(buf)
    rotated = buf.getvalue()
    e = extract_pdf(rotated)
    start = e.text.index(GOLD)
    hl = highlight(rotated, e, start, start + len(GOLD))
    (left, top, width, height), = hl.areas
    assert height > 5 * width  # a vertical strip, as the sentence is shown
    image = Image.open(io.BytesIO(render_highlight(rotated, hl))).convert("RGB")
    assert image.width > image.height  # rendered as shown, landscape
    r, g, b = image.getpixel((int((left + width / 2) * image.width), int((top + height / 2) * image.height)))
    assert r > 200 and g > 150 and b < 200
    # the same span on the unrotated page: the same PDF char boxes
    assert highlight(source, extract_pdf(source), start, start + len(GOLD)).boxes == hl.boxes


def test_a_poster_sized_page_is_rendered_at_a_bounded_size():
    import io

    from fpdf import FPDF
    from PIL import Image

    pdf = FPDF(unit="pt", format=(5000, 3000))
    pdf.add_page()
    pdf.set_font("helvetica", size=40)
    pdf.multi_cell(0, 50, GOLD)
    data = bytes(pdf.output())
    e = extract_pdf(data)
    hl = highlight(data, e, 0, len(GOLD))
    image = Image.open(io.BytesIO(render_highlight(data, hl)))
    assert max(image.size) == 2000 and image.size[1] == 1200


def test_the_reason_is_the_files_own_not_left_over_from_the_file_before():
    """PDFium's last error is process-wide: a damaged PDF read after an encrypted one must not be called encrypted."""
    import io

    from tests.makedocs import new_pdf

    pdf = new_pdf()
    pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.add_page()
    pdf.multi_cell(0, 6, GOLD)
    locked = bytes(pdf.output())
    buf = io.BytesIO()
    pdfium.PdfDocument.new().save(buf)  # no pages: PDFium will not open it
    for data, reason in ((locked, "password-protected"), (buf.getvalue(), "not a valid PDF"),
                         (locked, "password-protected"), (b"%PDF-1.4\n" + bytes(500), "not a valid PDF")):
        with pytest.raises(PdfError, match=reason):
            extract_pdf(data)
