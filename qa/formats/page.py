"""A cited span of a PDF shown where it stands: its boxes on the page (from the PDF's own char boxes, or the OCR
words' boxes) and the page rendered by PDFium with them highlighted, as PNG."""
from __future__ import annotations

import io
from dataclasses import dataclass

from .extracted import Extracted, PdfPage
from .pdf import open_pdf

SCALE = 1.5  # rendered pixels per PDF point: 893 x 1263 for an A4 page
MAX_SIDE_PX = 2000  # the longest side of a rendered page, whatever its size in points
FILL = (255, 214, 10, 110)
EDGE = (230, 120, 0, 255)

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in PDF points of the upright page, y growing upwards
Area = tuple[float, float, float, float]  # left, top, width, height as fractions of the page as shown


@dataclass(frozen=True, slots=True)
class PageHighlight:
    """The boxes of a span on one page: one box per line of text it covers, in the page's own coordinates
    (PDFium's char boxes), and the same as areas of the page as it is shown (rotation and crop box applied)."""

    page: int  # 1-based
    width: float  # of the page as shown, in points
    height: float
    boxes: tuple[Box, ...]
    areas: tuple[Area, ...]


def page_of(extracted: Extracted, start: int) -> PdfPage | None:
    """The page whose text holds offset `start` (or the next page with text after it)."""
    for page in extracted.pages:
        if page.start <= start < page.end:
            return page
    return next((p for p in extracted.pages if p.start > start and p.end > p.start), None)


def highlight(data: bytes, extracted: Extracted, start: int, end: int) -> PageHighlight:
    """The boxes of the text [start, end) on the page where it starts (a span running on over a page break
    is highlighted on its first page); ValueError when the span is not in the extracted text."""
    if not (0 <= start < end <= len(extracted.text)) or extracted.format != "pdf":
        raise ValueError(f"characters {start}-{end} are not in the text of this PDF")
    page = page_of(extracted, start)
    if page is None:
        raise ValueError(f"characters {start}-{end} are on no page")
    lo, hi = max(start, page.start), min(end, page.end)
    if page.ocr:  # OCR boxes were read off the page as shown: the areas follow from the page's size
        boxes = _lines([w[2:] for w in page.words if w[0] < hi and w[1] > lo])
        areas = [(x0 / page.width, (page.height - y1) / page.height, (x1 - x0) / page.width, (y1 - y0) / page.height)
                 for x0, y0, x1, y1 in boxes]
        return PageHighlight(page.number, page.width, page.height, tuple(boxes), tuple(areas))
    return _text_highlight(data, page, lo, hi)


def _text_highlight(data: bytes, page: PdfPage, lo: int, hi: int) -> PageHighlight:
    """The PDF's own char boxes of [lo, hi), merged by line, and where PDFium shows them on the rendered page."""
    import ctypes

    import pypdfium2.raw as raw

    doc = open_pdf(data)
    try:
        pdf_page = doc[page.number - 1]
        rotation = pdf_page.get_rotation()
        pdf_page.set_rotation(0)  # the char indices are those of the upright page (qa.formats.pdf reads it so)
        tp = pdf_page.get_textpage()
        boxes = []
        for offset, index, length in page.runs:
            a, b = max(lo, offset), min(hi, offset + length)
            for k in range(a, b):
                x0, y0, x1, y1 = tp.get_charbox(index + k - offset, loose=True)
                if x1 > x0 and y1 > y0:
                    boxes.append((x0, y0, x1, y1))
        tp.close()
        pdf_page.set_rotation(rotation)  # where the boxes are shown: on the page as it is turned
        boxes = _lines(boxes)
        size = 1_000_000  # device units of the page as rendered, for PDFium's page-to-device mapping
        dx, dy = ctypes.c_int(), ctypes.c_int()
        areas = []
        for x0, y0, x1, y1 in boxes:
            corners = []
            for x, y in ((x0, y0), (x1, y1)):
                raw.FPDF_PageToDevice(pdf_page.raw, 0, 0, size, size, 0, x, y, ctypes.byref(dx), ctypes.byref(dy))
                corners.append((dx.value / size, dy.value / size))
            (ax, ay), (bx, by) = corners
            areas.append((min(ax, bx), min(ay, by), abs(bx - ax), abs(by - ay)))
        width, height = pdf_page.get_size()
        pdf_page.close()
        return PageHighlight(page.number, width, height, tuple(boxes), tuple(areas))
    finally:
        doc.close()


def _lines(boxes: list[Box]) -> list[Box]:
    """Boxes in reading order merged into one box per line (a box that does not overlap the last one's height starts a line)."""
    out: list[list[float]] = []
    for x0, y0, x1, y1 in boxes:
        if out:
            last = out[-1]
            overlap = min(last[3], y1) - max(last[1], y0)
            if overlap > 0.5 * min(last[3] - last[1], y1 - y0) and x0 >= last[0] - 1:
                last[0], last[1], last[2], last[3] = min(last[0], x0), min(last[1], y0), max(last[2], x1), max(last[3], y1)
                continue
        out.append([x0, y0, x1, y1])
    return [tuple(b) for b in out]


def render_highlight(data: bytes, hl: PageHighlight, scale: float = SCALE) -> bytes:
    """The page of `hl` rendered from the PDF as PNG bytes, each box filled in translucent yellow and outlined."""
    from PIL import Image, ImageDraw

    doc = open_pdf(data)
    try:
        page = doc[hl.page - 1]
        scale = min(scale, MAX_SIDE_PX / max(page.get_size()))  # a poster-sized page is not rendered poster-sized
        image = page.render(scale=scale).to_pil().convert("RGBA")
        page.close()
    finally:
        doc.close()
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    pad = 1.5
    w, h = image.size
    for left, top, width, height in hl.areas:
        box = (left * w - pad * scale, top * h - pad * scale, (left + width) * w + pad * scale, (top + height) * h + pad * scale)
        draw.rectangle(box, fill=FILL, outline=EDGE, width=2)
    out = io.BytesIO()
    Image.alpha_composite(image, layer).convert("RGB").save(out, format="PNG", optimize=False)
    return out.getvalue()
