"""What an extractor returns: the plain text, the blocks that place its offsets, and a builder that keeps them exact."""
from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ..types import Block

# Called as on_page(done, total) while a long file is read page by page.
PageProgress = Callable[[int, int], None]
MAX_UNZIPPED_BYTES = 300 * 1024 * 1024  # a ZIP that inflates to more is a ZIP bomb, not a document


class UnreadableError(ValueError):
    """A document that cannot be read, with the reason (a damaged file, a password, DRM...)."""


def check_zip(data: bytes, what: str) -> None:
    """UnreadableError unless `data` is a sound ZIP archive (.docx, .odt, .epub) of a reasonable inflated size."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            if sum(i.file_size for i in z.infolist()) > MAX_UNZIPPED_BYTES:
                raise UnreadableError(f"a {what} that would inflate to over {MAX_UNZIPPED_BYTES // 2**20} MB: not read")
            bad = z.testzip()
            if bad is not None:
                raise UnreadableError(f"a damaged {what} (its part {bad!r} is corrupt)")
    except (zipfile.BadZipFile, EOFError, OSError):
        raise UnreadableError(f"a damaged {what} (not a valid ZIP archive)") from None


@dataclass(frozen=True, slots=True)
class PdfPage:
    """One PDF page in the extracted text: [start, end), and how its chars map back to the page.

    `runs`: (text offset, PDFium char index, length) for text-layer chars, so highlight boxes come from the
    PDF's own char boxes; `words`: (start, end, x0, y0, x1, y1) in PDF points for a page read by OCR.
    """

    number: int  # 1-based
    start: int
    end: int
    width: float
    height: float
    ocr: bool = False
    runs: tuple[tuple[int, int, int], ...] = ()
    words: tuple[tuple[int, int, float, float, float, float], ...] = ()


@dataclass(frozen=True, slots=True)
class Extracted:
    """A file's extracted text: `blocks` in text order say where each stretch stands; `pages` for PDFs."""

    format: str
    text: str
    blocks: tuple[Block, ...] = ()
    notes: tuple[str, ...] = ()
    pages: tuple[PdfPage, ...] = ()


_STRENGTH = {"": 0, " ": 1, "\n": 2, "\n\n": 3}


@dataclass
class TextBuilder:
    """Builds extracted text piece by piece: white space collapsed, breaks between blocks, locations marked."""

    parts: list[str] = field(default_factory=list)
    length: int = 0
    marks: list[tuple[int, str]] = field(default_factory=list)  # (start, location)
    _pending: str = ""  # the strongest separator asked for since the last text: "", " ", "\n" or "\n\n"
    _next_mark: str | None = None

    def write(self, text: str, keep_space: bool = False) -> None:
        """Append text; runs of white space become one space unless `keep_space` (preformatted text)."""
        if not text:
            return
        if not keep_space:
            words = text.split()
            if text[0].isspace():
                self.space()
            if words:
                self._emit(" ".join(words))
            if text[-1].isspace():
                self.space()
            return
        self._emit(text)

    def space(self) -> None:
        """A word break before the next text."""
        self._separate(" ")

    def brk(self, lines: int = 2) -> None:
        """A line break (1) or a paragraph break (2) before the next text."""
        self._separate("\n" * lines)

    def _separate(self, sep: str) -> None:
        if self.length and _STRENGTH[sep] > _STRENGTH[self._pending]:
            self._pending = sep

    def mark(self, location: str) -> None:
        """The text written from here on (from its next word) stands at `location`."""
        self._next_mark = location

    def _emit(self, s: str) -> None:
        if self._pending:
            self.parts.append(self._pending)
            self.length += len(self._pending)
            self._pending = ""
        if self._next_mark is not None:
            if self.marks and self.marks[-1][0] == self.length:
                self.marks.pop()
            self.marks.append((self.length, self._next_mark))
            self._next_mark = None
        self.parts.append(s)
        self.length += len(s)

    def build(self, fmt: str, notes: tuple[str, ...] = ()) -> Extracted:
        text = "".join(self.parts)
        return Extracted(fmt, text, blocks_from_marks(self.marks, len(text)), notes)


class NumberedBlocks:
    """Paragraphs and table rows written to a TextBuilder, each marked "paragraph N" or "table T, row R" (Word, ODT)."""

    def __init__(self, out: TextBuilder):
        self.out = out
        self.paragraphs = 0
        self.tables = 0

    def paragraph(self, text: str) -> None:
        """A paragraph of text; an empty one is neither written nor counted."""
        if not text.strip():
            return
        self.paragraphs += 1
        self.out.brk(2)
        self.out.mark(f"paragraph {self.paragraphs}")
        self.out.write(text)
        self.out.brk(2)

    def table(self, rows: Iterable[list[str]]) -> None:
        """A table, each row's cells joined by " | "; an empty row is counted but not written."""
        self.tables += 1
        self.out.brk(2)
        for r, cells in enumerate(rows, 1):
            if not any(cells):
                continue
            self.out.brk(1)
            self.out.mark(f"table {self.tables}, row {r}")
            self.out.write(" | ".join(cells))
            self.out.brk(1)
        self.out.brk(2)


def blocks_from_marks(marks: list[tuple[int, str]], length: int) -> tuple[Block, ...]:
    """Blocks from (start, location) marks: each runs to the next mark; empty ones dropped."""
    out = []
    for i, (start, location) in enumerate(marks):
        end = marks[i + 1][0] if i + 1 < len(marks) else length
        start = min(start, length)
        if end > start:
            out.append(Block(start, end, location))
    return tuple(out)
