"""Frozen records that flow through the pipeline: documents, passages, sentences, hits, answers."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True, slots=True)
class Block:
    """A stretch of a document's text and the place a reader finds it: "page 3", '§ "Heading"', "paragraph 12"."""

    start: int
    end: int
    location: str


@dataclass(frozen=True, slots=True)
class Document:
    """One corpus file as read: for text files `text` is the decoded file (a byte-order mark dropped), nothing
    else changed; for PDF, HTML, Word... it is the text extracted from it, and `blocks` place its offsets."""

    source: str  # path relative to the corpus folder, with forward slashes
    text: str
    sha256: str
    size: int
    mtime_ns: int = 0
    encoding: str = "utf-8"  # what the bytes were decoded with: utf-8, utf-8-sig, utf-16, cp1252, ...; "" for binary formats
    format: str = "text"  # text | pdf | html | docx | odt | epub
    blocks: tuple[Block, ...] = ()  # in text order; empty for text files (their place is the line)
    notes: tuple[str, ...] = ()  # what a reader should know about the extraction: "pages 2, 5 read by OCR"


@dataclass(frozen=True, slots=True)
class Skipped:
    """A corpus file that could not be indexed, and why."""

    source: str
    reason: str


@dataclass(frozen=True, slots=True)
class Note:
    """Something to know about how a file was read: "pages 2-3 read by OCR (no text layer)"."""

    source: str
    text: str


@dataclass(frozen=True, slots=True)
class Passage:
    """A retrieval unit: `text == document.text[start:end]`; `line` is 1-based."""

    source: str
    start: int
    end: int
    line: int
    text: str


@dataclass(frozen=True, slots=True)
class Sentence:
    """An answer unit inside a passage: `text == document.text[start:end]`."""

    source: str
    start: int
    end: int
    line: int
    text: str
    passage: int  # index of the passage it belongs to (in the document's own split)


@dataclass(frozen=True, slots=True)
class Hit:
    """A retrieved passage with its fused score and what each retriever thought of it."""

    source: str
    text: str
    score: float
    start: int
    end: int
    line: int
    passage_id: int
    dense_rank: int | None = None
    dense_score: float | None = None
    lexical_rank: int | None = None
    lexical_score: float | None = None
    sentence_rank: int | None = None
    sentence_score: float | None = None
    # How far the two dense searches agree that this passage is the one: the mean of its places in the passage and
    # the sentence lists, each scaled so that the first of the list is 1 and the last 0 (a list missing it: 0); among
    # documents in several languages, within its own language's passages of each list. 1.0 without dense search.
    agreement: float = 1.0
    location: str = ""  # where the passage starts: "page 3", '§ "Heading"', "paragraph 12"; "" for a text file


@dataclass(frozen=True, slots=True)
class Citation:
    """Where a quoted sentence stands: `quote == document text[start:end]` (the file's text, or the text extracted
    from a PDF, HTML or Word file), `line` 1-based in that text, `location` the place a reader would use."""

    number: int
    source: str
    start: int
    end: int
    line: int
    quote: str
    location: str = ""  # "line 12" for text files; "page 3", '§ "Heading"', "paragraph 12"... for the others

    @property
    def label(self) -> str:
        """How the citation is written: `notes.txt:12`, `report.pdf, page 3`."""
        if not self.location or self.location == f"line {self.line}":
            return f"{self.source}:{self.line}"
        return f"{self.source}, {self.location}"


@dataclass(frozen=True, slots=True)
class Quote:
    """One quoted sentence of an answer and the numbers of the citations (every file that says it)."""

    text: str  # word for word as in the file of its first citation
    citations: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Short:
    """The short answer inside a quote (a name, an amount, a date): `text == file text[start:end]`, inside the
    sentence of citation number `citation`."""

    text: str
    source: str
    start: int
    end: int
    citation: int


def quotes_text(quotes: list[Quote]) -> str | None:
    """The answer as one line: each quote followed by its markers, `sentence [1][2] sentence [3]`."""
    if not quotes:
        return None
    return " ".join(q.text + " " + "".join(f"[{n}]" for n in q.citations) for q in quotes)


@dataclass(frozen=True, slots=True)
class Answer:
    """An extractive answer: `quotes` with their citation numbers, `text` the same with markers like [1][2],
    or `text is None` (abstained)."""

    question: str
    text: str | None
    citations: list[Citation] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    confidence: float = 0.0
    reason: str | None = None  # why it abstained, or a note such as a truncated question
    quotes: list[Quote] = field(default_factory=list)  # empty when abstained
    short: Short | None = None  # the span that answers, when the question asks for a name, amount, date...

    @property
    def answered(self) -> bool:
        return self.text is not None

    def to_dict(self) -> dict:
        return asdict(self)
