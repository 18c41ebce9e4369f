"""PDF -> text with PDFium (pypdfium2): words and char boxes from the PDF's text layer, pages without one read by OCR.

Lines come from PDFium's text order. A line that ends because the next word did not fit is joined to
the next with a space (a hyphen that broke a word there is dropped), so sentences read whole; short
lines (headings, list items, table rows) end with a line break, and a larger gap than the line spacing,
a new column or a new page starts a paragraph. Lines that repeat in the top or bottom margin of many
pages (running headers and footers) and page numbers there are left out. Every char of the text maps
back to the PDFium char it came from, or to an OCR word's box.
"""
from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field

from ..types import Block
from .extracted import Extracted, PageProgress, PdfPage, UnreadableError

MIN_TEXT_CHARS = 20  # a page with fewer characters of text than this is read by OCR (a scan, maybe with a stamp)
MARGIN = 0.1  # running headers and footers stand in the top and bottom tenth of the page
MAX_NUMBERED_HEADER = 40  # chars: a longer line in the margin is a running header only if it repeats exactly
_SOFT_HYPHENS = "\ufffe\u00ad\x02"
_HYPHENS = "-\u2010"
_LIGATURES = {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st"}
_PAGE_NUMBER = re.compile(
    r"(page|p\.|seite|pagina|стр\.?|страница)?\s*[-–—]?\s*#\s*[-–—]?\s*((of|/|sur|из|von)\s*#)?", re.I
)
_SENTENCE_END = tuple('.!?:;»”")…')


@dataclass
class _Line:
    chars: list[tuple[str, int, float, float]]  # (char, PDFium char index, left, right)
    x0: float
    y0: float  # bottom (PDF y grows upwards)
    x1: float
    y1: float  # top
    first_word: float  # width of the first word
    tabular: bool  # has gaps wider than a few spaces (table cells, tab stops)
    raw: list = field(default_factory=list, repr=False)  # (char, PDFium index, box) as read, to split the line

    @property
    def text(self) -> str:
        return "".join(c[0] for c in self.chars)

    @property
    def height(self) -> float:
        return max(self.y1 - self.y0, 1.0)


class PdfError(UnreadableError):
    """A PDF that cannot be read, with the reason."""


def open_pdf(data: bytes):
    """The PDFium document of `data`; PdfError saying why it cannot be opened."""
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as err:
        # PDFium's error code is process-wide and may be left over from an earlier file: the file's own
        # /Encrypt entry says whether it is encrypted.
        if re.search(rb"/Encrypt\s*(\d+\s+\d+\s+R|<<)", data):
            if "security" in str(err).lower():
                raise PdfError("a PDF protected by a security handler this reader does not support") from None
            raise PdfError("a password-protected (encrypted) PDF: save a copy without a password to index it") from None
        raise PdfError("not a valid PDF (damaged or incomplete file)") from None


def extract_pdf(data: bytes, on_page: PageProgress | None = None, ocr=None) -> Extracted:
    """The text of a PDF, page by page, with each page's char map; `ocr` reads pages that have no text layer."""
    from . import ocr as ocr_module

    ocr = ocr_module if ocr is None else ocr
    doc = open_pdf(data)
    try:
        n = len(doc)
        if n == 0:
            raise PdfError("a PDF with no pages")
        pages: list[list[_Line]] = []
        sizes: list[tuple[float, float]] = []
        ocr_words: dict[int, list | None] = {}  # the pages without a text layer: their OCR words, or None
        for i in range(n):
            page = doc[i]
            rotation = page.get_rotation()
            if rotation:  # read the text upright: PDFium orders a turned page's chars by how it is shown
                page.set_rotation(0)  # (in memory only; the char boxes are the same)
            size = page.get_size()
            lines = _columns(_page_lines(page))
            if sum(len(l.chars) for l in lines) < MIN_TEXT_CHARS:
                page.set_rotation(rotation)  # a scan is read as it is shown, and its boxes are of the page shown
                size = page.get_size()
                ocr_words[i] = ocr.read_page(page) if ocr.available() else None
            sizes.append(size)
            pages.append(lines)
            page.close()
            if on_page:
                on_page(i + 1, n)
        return _assemble(pages, sizes, ocr_words, ocr.available())
    finally:
        doc.close()


def _page_lines(page) -> list[_Line]:
    """The page's text lines, in PDFium's order, each with its box and its chars' indices."""
    import ctypes

    import pypdfium2.raw as raw

    tp = page.get_textpage()
    try:
        n = tp.count_chars()
        lines: list[_Line] = []
        current: list[tuple[str, int, tuple[float, float, float, float]]] = []
        last = None  # box of the line's last visible char
        rect = raw.FS_RECTF()
        get_unicode, get_box, handle, ref = raw.FPDFText_GetUnicode, raw.FPDFText_GetLooseCharBox, tp.raw, ctypes.byref(rect)
        for i in range(n):
            code = get_unicode(handle, i)
            ch = chr(code) if 0 < code < 0x110000 else ""
            if ch in ("\r", "\n"):
                _close_line(current, lines)
                current, last = [], None
                continue
            if not ch or (ch < " " and ch not in _SOFT_HYPHENS) or 0xD800 <= code < 0xE000:
                continue
            get_box(handle, i, ref)  # loose: the font's full height, the same for every char of a line
            box = (rect.left, rect.bottom, rect.right, rect.top)
            if ch.isspace():
                current.append((ch, i, box))
                continue
            if last is not None and not (last[1] <= (box[1] + box[3]) / 2 <= last[3]):
                _close_line(current, lines)  # above or below the line so far: PDFium joined two lines
                current = []                 # (a word hyphenated at the line end), or text placed apart
            current.append((ch, i, box))
            last = box
        _close_line(current, lines)
        return lines
    finally:
        tp.close()


def _close_line(current: list, lines: list[_Line]) -> None:
    chars = [c for c in current if not c[0].isspace()]
    if not chars:
        return
    x0 = min(c[2][0] for c in chars)
    x1 = max(c[2][2] for c in chars)
    y0 = statistics.median(c[2][1] for c in chars)
    y1 = statistics.median(c[2][3] for c in chars)
    height = max(y1 - y0, 1.0)
    # strip white space at both ends of the line
    while current and current[0][0].isspace():
        current.pop(0)
    while current and current[-1][0].isspace():
        current.pop()
    first_word, gaps = 0.0, False
    for ch, _, box in current:
        if ch.isspace():
            break
        first_word = box[2] - x0
    prev_right = None
    for ch, _, box in current:
        if ch.isspace():
            continue
        if prev_right is not None and box[0] - prev_right > 1.5 * height:
            gaps = True
        prev_right = box[2]
    lines.append(_Line([(c[0], c[1], c[2][0], c[2][2]) for c in current], x0, y0, x1, y1, first_word, gaps,
                       list(current)))


MIN_COLUMN_LINES = 3  # lines cut by one gutter before their halves are read as columns
MIN_COLUMN_CHARS = 25  # average chars of a line's part on each side: prose, not table cells


def _columns(lines: list[_Line]) -> list[_Line]:
    """Lines that run across a column gutter (PDFium joins text of two columns on one baseline when the PDF
    writes them line by line) split at it, and each run of such lines read column by column.

    A gutter is a gap wider than a few spaces at the same place in at least MIN_COLUMN_LINES lines whose
    parts on both sides are prose (MIN_COLUMN_CHARS on average); table rows, whose cells are short, stay rows.
    """
    gaps: list[tuple[int, float, float]] = []  # (line, gap left, gap right)
    for k, line in enumerate(lines):
        prev = None
        for ch, _, box in line.raw:
            if ch.isspace():
                continue
            if prev is not None and box[0] - prev > 1.5 * line.height:
                gaps.append((k, prev, box[0]))
            prev = box[2]
    best = None
    for _, left, right in gaps:
        middle = (left + right) / 2
        cut = {k: (a, b) for k, a, b in gaps if a < middle < b}
        if len(cut) >= MIN_COLUMN_LINES and (best is None or len(cut) > len(best[1])):
            best = (middle, cut)
    if best is None:
        return lines
    gutter, cut = best
    halves = {}
    for k in cut:
        raw = lines[k].raw
        parts: list[_Line] = []
        _close_line([c for c in raw if (c[2][0] + c[2][2]) / 2 < gutter], parts)
        _close_line([c for c in raw if (c[2][0] + c[2][2]) / 2 >= gutter], parts)
        if len(parts) == 2:
            halves[k] = parts
    if len(halves) < MIN_COLUMN_LINES or min(
        sum(len(h[side].chars) for h in halves.values()) / len(halves) for side in (0, 1)
    ) < MIN_COLUMN_CHARS:
        return lines
    out: list[_Line] = []
    left: list[_Line] = []
    right: list[_Line] = []
    for k, line in enumerate(lines):
        if k in halves:
            left.append(halves[k][0])
            right.append(halves[k][1])
        elif left and line.x1 <= gutter:
            left.append(line)  # a short last line of the left column
        elif left and line.x0 >= gutter:
            right.append(line)
        else:
            out += left + right
            left, right = [], []
            out.append(line)
    return out + left + right


def _key(line: _Line) -> str:
    """What repeats of a running header or footer share: its text, numbers aside when it is short
    ("Chapter 3", "Report 2024 - 12"); a long line must repeat word for word."""
    text = " ".join(line.text.split()).lower()
    return re.sub(r"\d+", "#", text) if len(text) <= MAX_NUMBERED_HEADER else text


def _margin_lines(pages: list[list[_Line]], sizes: list[tuple[float, float]]) -> set[tuple[int, int]]:
    """(page, line) of running headers and footers and of page numbers: lines in the top or bottom margin that
    repeat (digits aside) on at least two pages and 40 % of them, or that are only a page number."""
    candidates: list[tuple[int, int, str]] = []
    for p, lines in enumerate(pages):
        height = sizes[p][1]
        for k, line in enumerate(lines):
            if line.y0 >= height * (1 - MARGIN) or line.y1 <= height * MARGIN:
                candidates.append((p, k, _key(line)))
    counts = Counter(key for _, key in {(p, key) for p, _, key in candidates})  # pages each key is on
    enough = max(2, int(0.4 * len(pages) + 0.999))
    return {
        (p, k) for p, k, key in candidates
        if (counts[key] >= enough and len(pages) >= 2) or _PAGE_NUMBER.fullmatch(re.sub(r"\d+", "#", key))
    }


def _wrapped(a: _Line, b: _Line, right: float) -> bool:
    """Whether line `a` ended only because `b`'s first word did not fit (a wrapped line of one paragraph)."""
    if a.tabular or b.tabular:
        return False
    space = 0.3 * a.height
    return a.x1 + space + b.first_word > right - 0.5 * a.height


def _separator(a: _Line, b: _Line, pitch: float, right: float) -> str:
    """What stands between consecutive lines of a page: " " (same paragraph), "\\n" or "\\n\\n"."""
    below = b.y1 <= a.y0 + 0.5 * a.height  # b is under a: same column, reading on
    if not below or abs(b.x0 - a.x0) > 0.6 * (right - a.x0) and b.x0 > a.x1:
        return "\n\n"  # a new column, or a jump
    gap = a.y0 - b.y0
    if gap > 1.3 * pitch + 0.5:
        return "\n\n"
    if _wrapped(a, b, right) and b.x0 <= a.x0 + 2 * a.height:
        return " "
    return "\n"


class _Text:
    """The text being built, each char with the PDFium index it came from (-1 for separators)."""

    def __init__(self) -> None:
        self.chars: list[str] = []
        self.index: list[int] = []

    def add(self, ch: str, i: int) -> None:
        for c in _LIGATURES.get(ch, ch):
            self.chars.append(c)
            self.index.append(i)

    def sep(self, s: str) -> None:
        for c in s:
            self.chars.append(c)
            self.index.append(-1)

    def drop_trailing_hyphen(self) -> bool:
        """Drop a hyphen that ends the text after a letter (a word broken at a line end); True if dropped."""
        if len(self.chars) >= 2 and self.chars[-1] in _HYPHENS and self.chars[-2].isalpha():
            self.chars.pop()
            self.index.pop()
            return True
        return False

    def __len__(self) -> int:
        return len(self.chars)


def _add_line(text: _Text, line: _Line) -> None:
    """Write a line's chars; a gap wider than a few spaces (between table cells) is written " | "."""
    last = len(line.chars) - 1
    right = None  # right edge of the last visible char
    cell_gap = 1.5 * line.height
    for k, (ch, i, x0, x1) in enumerate(line.chars):
        if ch in _SOFT_HYPHENS:
            if k == last:
                text.add("-", i)  # the hyphen printed where a word is broken at the line end (dropped when joined)
            continue  # an invisible soft hyphen inside a line
        if ch.isspace():
            if text.chars and text.chars[-1] == " ":
                continue
            text.add(" ", i)
            continue
        if right is not None and x0 - right > cell_gap:
            if text.chars[-1] == " ":
                text.chars.pop()
                text.index.pop()
            text.sep(" | ")
        text.add(ch, i)
        right = x1


def _join(text: _Text, sep: str, next_first: str) -> None:
    """Write the separator between two lines; a hyphen before a lower-case continuation joins the word."""
    if sep == " " and next_first[:1].islower() and text.drop_trailing_hyphen():
        return
    text.sep(sep)


def _ocr_lines(words, height: float) -> tuple[list[_Line], dict[int, tuple[float, float, float, float]]]:
    """OCR words (qa.formats.ocr.Word) as lines like the text layer's, each char's index -(2 + word number);
    and each word's box in PDF points."""
    lines: list[_Line] = []
    boxes: dict[int, tuple[float, float, float, float]] = {}
    current: list = []
    key = None
    for n, w in enumerate(words):
        x0, top, x1, bottom = w.box
        box = (x0, height - bottom, x1, height - top)
        boxes[n] = box
        if key is not None and (w.block, w.paragraph, w.line) != key:
            _close_line(current, lines)
            current = []
        if current:
            current.append((" ", -1, (box[0], box[1], box[0], box[3])))
        step = (x1 - x0) / max(len(w.text), 1)
        for k, ch in enumerate(w.text):
            current.append((ch, -(2 + n), (x0 + k * step, box[1], x0 + (k + 1) * step, box[3])))
        key = (w.block, w.paragraph, w.line)
    _close_line(current, lines)
    return lines, boxes


def _assemble(pages, sizes, ocr_words, ocr_available) -> Extracted:
    ocr_boxes: dict[int, dict] = {}
    for p, words in ocr_words.items():
        if words is not None:
            pages[p], ocr_boxes[p] = _ocr_lines(words, sizes[p][1])
    drop = _margin_lines(pages, sizes)
    text = _Text()
    records: list[PdfPage] = []
    blocks: list[Block] = []
    ocred, empty, failed = [], [], []
    last_line: _Line | None = None
    for p, lines in enumerate(pages):
        kept = [line for k, line in enumerate(lines) if (p, k) not in drop]
        width, height = sizes[p]
        is_ocr = p in ocr_words
        if is_ocr and ocr_words[p] is None:
            failed.append(p + 1)
        if not kept:
            if not (is_ocr and ocr_words[p] is None):
                empty.append(p + 1)
            records.append(PdfPage(p + 1, len(text), len(text), width, height, ocr=is_ocr))
            continue
        if is_ocr:
            ocred.append(p + 1)
        if len(text):
            continues = (
                last_line is not None and not last_line.text.rstrip().endswith(_SENTENCE_END)
                and kept[0].text[:1].islower()
            )
            _join(text, " " if continues else "\n\n", kept[0].text)
        start = len(text)
        pitches = [a.y0 - b.y0 for a, b in zip(kept, kept[1:]) if 0 < a.y0 - b.y0 < 3 * a.height]
        pitch = statistics.median(pitches) if pitches else 1.2 * kept[0].height
        for k, line in enumerate(kept):
            if k:
                prev = kept[k - 1]
                right = max((l.x1 for l in kept if abs(l.x0 - prev.x0) < 3 * prev.height), default=prev.x1)
                _join(text, _separator(prev, line, pitch, right), line.text)
            _add_line(text, line)
        last_line = kept[-1]
        if is_ocr:
            words = _word_spans(text.index, start, len(text), ocr_boxes[p])
            records.append(PdfPage(p + 1, start, len(text), width, height, ocr=True, words=words))
        else:
            records.append(PdfPage(p + 1, start, len(text), width, height, runs=_runs(text.index, start, len(text))))
        blocks.append(Block(start, len(text), f"page {p + 1}"))
    notes = []
    if ocred:
        notes.append(f"{_pages(ocred)} read by OCR (no text layer)")
    if failed:
        reason = "OCR failed on them" if ocr_available else "install Tesseract (`make setup`) to read them by OCR"
        notes.append(f"{_pages(failed)} without a text layer, not read: {reason}")
    if empty:
        notes.append(f"{_pages(empty)} without text (OCR found none)" if ocr_words else f"{_pages(empty)} without text")
    return Extracted("pdf", "".join(text.chars), tuple(blocks), tuple(notes), tuple(records))


def _word_spans(index: list[int], start: int, end: int, boxes: dict) -> tuple:
    """(start, end, x0, y0, x1, y1) of each OCR word in the text [start, end)."""
    spans: list[list] = []
    for off in range(start, end):
        i = index[off]
        if i >= -1:
            continue
        if spans and spans[-1][2] == i and spans[-1][1] == off:
            spans[-1][1] = off + 1
        else:
            spans.append([off, off + 1, i])
    return tuple((a, b, *boxes[-(i + 2)]) for a, b, i in spans)


def _runs(index: list[int], start: int, end: int) -> tuple[tuple[int, int, int], ...]:
    """(text offset, PDFium index, length) for each stretch of chars whose indices count up one by one."""
    runs: list[list[int]] = []
    for off in range(start, end):
        i = index[off]
        if i < 0:
            continue
        if runs and runs[-1][0] + runs[-1][2] == off and runs[-1][1] + runs[-1][2] == i:
            runs[-1][2] += 1
        else:
            runs.append([off, i, 1])
    return tuple(tuple(r) for r in runs)


def _pages(numbers: list[int]) -> str:
    """'page 3' or 'pages 2, 5-7'."""
    spans: list[list[int]] = []
    for n in numbers:
        if spans and spans[-1][1] == n - 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    words = [f"{a}" if a == b else f"{a}-{b}" for a, b in spans]
    return ("page " if len(numbers) == 1 else "pages ") + ", ".join(words)
