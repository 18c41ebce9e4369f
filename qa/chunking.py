"""Documents -> sentences and passages, with exact char offsets into the file text.

Paragraphs are runs of lines separated by blank lines. Inside a paragraph a line break
ends a unit unless the next line merely continues a hard-wrapped sentence (the line
before has no closing punctuation and the next starts in lower case); each unit is
packed as a paragraph of its own (many files put one paragraph on a line). Units are split
into sentences by pysbd (the rules of the document's language where pysbd has them, else English;
CJK full stops, the danda and the khan always end a sentence, and so does a space between two long stretches of
Thai or Lao; a run of initials, "ค.ศ. 1911", never does); sentences are
packed into passages that never exceed the model's token window, starting a new passage
at each paragraph unless the current one is still short, with one sentence of overlap
when a long paragraph has to be cut.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Sequence

from .corpus import LineIndex
from .errors import SettingsError
from .language import detect_language
from .types import Document, Passage, Sentence

TokenCounter = Callable[[Sequence[str]], list[int]]

_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")
_LINE_END_PUNCT = tuple('.!?:;"\'»”’)…')
_WORD = re.compile(r"\w+", re.UNICODE)

# Full stops of scripts written without spaces: a sentence ends after one (unless a closing mark follows); and the
# danda of Indic scripts and Khmer's khan, followed by a space (pysbd knows the danda for Hindi and Marathi only:
# Bengali, Punjabi, Odia, Assamese and Sanskrit end their sentences with it too).
_SCRIPT_STOP = re.compile(r"(?<=[。！？])(?=[^。！？」』”’）)\]】》〉\s])|(?<=[।॥។])(?=\s+[^\s।॥។”’)\]»])")
# Document languages pysbd has rules for (others use its English rules, and the full stops above).
SENTENCE_RULES = frozenset("am ar bg da de el en es fa fr hi hy it ja kk mr my nl pl ru sk ur zh".split())


@dataclass(frozen=True, slots=True)
class ChunkSettings:
    """How documents are cut; part of the index manifest (changing it rebuilds the index)."""

    passage_tokens: int = 160  # target size of a passage in model word pieces
    min_passage_tokens: int = 48  # a passage shorter than this takes in the next paragraph
    overlap_sentences: int = 1  # sentences repeated when a long paragraph is cut

    def __post_init__(self) -> None:
        if self.passage_tokens < 16:
            raise SettingsError(f"passage_tokens must be at least 16, got {self.passage_tokens}")
        if not 0 <= self.min_passage_tokens <= self.passage_tokens:
            raise SettingsError(
                f"min_passage_tokens must be between 0 and passage_tokens ({self.passage_tokens}), got {self.min_passage_tokens}"
            )
        if self.overlap_sentences < 0:
            raise SettingsError(f"overlap_sentences must be 0 or more, got {self.overlap_sentences}")


@dataclass(frozen=True, slots=True)
class Chunks:
    """The split of one document: passages, sentences, and for each passage its sentence range [first, last)."""

    passages: list[Passage]
    sentences: list[Sentence]
    ranges: list[tuple[int, int]]


def document_language(text: str) -> str:
    """The language of a document, from its first 20,000 characters (ISO 639-1, or 'und')."""
    return detect_language(text[:20000])


def sentence_rules(language: str) -> str:
    """The pysbd rule set for a language: its own where pysbd has one, else English."""
    return language if language in SENTENCE_RULES else "en"


class _CompiledPatterns:
    """The part of `re` that pysbd's abbreviation rules use, with every compiled pattern kept.

    pysbd builds a pattern per abbreviation (over a thousand in all), more than `re` keeps
    compiled, so it compiled them again on every call: most of its time. Same patterns, same
    results; only the compiling is saved.
    """

    IGNORECASE = re.IGNORECASE
    escape = staticmethod(re.escape)

    @staticmethod
    @lru_cache(maxsize=8192)
    def compile(pattern, flags=0):
        return re.compile(pattern, flags)

    def sub(self, pattern, repl, string, count=0, flags=0):
        return self.compile(pattern, flags).sub(repl, string, count)

    def findall(self, pattern, string, flags=0):
        return self.compile(pattern, flags).findall(string)

    def __getattr__(self, name):
        return getattr(re, name)


@lru_cache(maxsize=4)
def _segmenter(language: str):
    import pysbd
    import pysbd.abbreviation_replacer

    pysbd.abbreviation_replacer.re = _CompiledPatterns()
    return pysbd.Segmenter(language=language, clean=False)


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Spans of the paragraphs of `text` (blank-line separated), without surrounding white space."""
    spans = []
    pos = 0
    for m in _BLANK_LINE.finditer(text):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, len(text)))
    out = []
    for a, b in spans:
        a, b = _strip(text, a, b)
        if a < b:
            out.append((a, b))
    return out


def _strip(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


# What opens a Markdown heading or a list item ("## History", "- 47 delegations", "• Tashkent"): markup, not words.
_MARKER = re.compile(r"(?:#{1,6}|[-*+•])[ \t]+")


def _unmarked(text: str, a: int, b: int) -> tuple[int, int]:
    """The span text[a:b] without the heading's or list item's marker it opens with (if anything follows it)."""
    m = _MARKER.match(text, a, b)
    return (m.end(), b) if m and m.end() < b else (a, b)


def units(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """Split the paragraph text[a:b] at line breaks that are not hard-wrap continuations; each unit starts after the
    Markdown heading's or list item's marker it opens with, so that a quote is "History", not "## History"."""
    out = []
    start = a
    pos = text.find("\n", a, b)
    while pos != -1:
        prev = text[start:pos].rstrip()
        nxt = text[pos + 1 : b].lstrip()
        wrapped = prev and nxt and not prev.endswith(_LINE_END_PUNCT) and nxt[0].islower()
        if not wrapped:
            out.append(_strip(text, start, pos))
            start = pos + 1
        pos = text.find("\n", pos + 1, b)
    out.append(_strip(text, start, b))
    return [_unmarked(text, x, y) for x, y in out if x < y]


def split_sentences(text: str, a: int, b: int, language: str = "en") -> list[tuple[int, int]]:
    """Sentence spans inside text[a:b], found by pysbd and aligned back to exact offsets."""
    chunk = text[a:b]
    # Line breaks inside a unit are wrapped lines: segment them as spaces (same length, same offsets).
    flat = chunk.replace("\r\n", "  ").replace("\n", " ").replace("\r", " ")
    spans = []
    cursor = 0
    for seg in _initials_kept(_segments(flat, sentence_rules(language))):
        seg = seg.strip()
        if not seg:
            continue
        at = flat.find(seg, cursor)
        if at == -1:  # pysbd changed the text: keep the rest as one sentence rather than lose it
            break
        spans.extend(_script_sentences(flat, a, at, at + len(seg)))
        cursor = at + len(seg)
    spans = _closing_marks_back(text, spans)
    rest = _strip(text, a + cursor, b)
    if rest[0] < rest[1]:
        if spans and not _WORD.search(text[rest[0] : rest[1]]):
            spans[-1] = (spans[-1][0], rest[1])  # stray closing punctuation joins the sentence before
        else:
            spans.append(rest)
    return spans


def _initials(segment: str) -> tuple[int, bool]:
    """How many initials end `segment` (letters standing alone, each with its marks and a dot: "ค.", "ค.ศ.", "มี.ค."),
    and whether white space follows them."""
    s = segment.rstrip()
    spaced = len(s) < len(segment)
    n = 0
    while s.endswith("."):
        i = len(s) - 1
        while i > 0 and unicodedata.category(s[i - 1]).startswith("M"):
            i -= 1
        if i == 0 or not s[i - 1].isalpha() or (i > 1 and s[i - 2] not in " \t(.\u00a0"):
            break
        n, s = n + 1, s[: i - 1]
    return n, spaced


def _initials_kept(segments: list[str]) -> list[str]:
    """pysbd's segments, joined again where they were cut inside or right after a run of initials in a script its
    rules do not know (its English rules, used for Thai, cut "ค.ศ. 1911", the Christian era, into "ค.", "ศ." and
    "1911…"; Thai dates are written "พ.ศ. 2567", "1 ม.ค. 2567"): after an initial that the next letter follows with
    no space, and after two initials or more that a number or a letter without a capital follows."""
    out: list[str] = []
    for seg in segments:
        if out and seg:
            n, spaced = _initials(out[-1])
            head = seg.lstrip()[:1]
            inside = n >= 1 and not spaced and seg[0].isalpha()
            after = n >= 2 and bool(head) and (head.isdigit() or (head.isalpha() and not head.isupper()))
            if inside or after:
                out[-1] += seg
                continue
        out.append(seg)
    return out


_CLOSING = "”’」』）)]»〉》】\"'"


def _closing_marks_back(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Closing quotes or brackets a segmenter left at the start of a sentence go back to the one before it."""
    out: list[tuple[int, int]] = []
    for x, y in spans:
        k = x
        while k < y and text[k] in _CLOSING and out and out[-1][1] == x:
            k += 1
        if k > x:
            out[-1] = (out[-1][0], k)
            x = _strip(text, k, y)[0]
        if x < y:
            out.append((x, y))
    return out


# Thai and Lao end a sentence with a space, not a mark; a space also parts clauses, and a name's given name from its
# family name ("เปาโล รินัลดี"). A space between two Thai or Lao letters ends a sentence when the text on each side of
# it, to the previous end and to the next such space, is at least `_SPACED_MIN` characters long: short pieces (names)
# stay with their sentence. Not after a number, which its unit often follows ("340 กิโลเมตร"), nor before an initial,
# which abbreviates what the sentence goes on about ("ในปี ค.ศ. 1911", in the year 1911 of the Christian era).
_SPACED_STOP = re.compile(
    r"(?<=[\u0e01-\u0e4e\u0e81-\u0ecd])[ \t]+(?=[\u0e01-\u0e2e\u0e40-\u0e44\u0e81-\u0eae\u0ec0-\u0ec4])"
    r"(?![\u0e01-\u0e2e\u0e81-\u0eae][\u0e31-\u0e4e\u0eb1-\u0ecd]*\.)"
)
_SPACED_MIN = 20


def _spaced_cuts(flat: str, x: int, y: int) -> list[int]:
    """Where flat[x:y] is cut into sentences at the spaces that end Thai and Lao sentences (the start of the next)."""
    candidates = [m.end() for m in _SPACED_STOP.finditer(flat, x, y)]
    cuts: list[int] = []
    last = x
    for i, c in enumerate(candidates):
        following = candidates[i + 1] if i + 1 < len(candidates) else y
        if len(flat[last:c].strip()) >= _SPACED_MIN and len(flat[c:following].strip()) >= _SPACED_MIN:
            cuts.append(c)
            last = c
    return cuts


def _script_sentences(flat: str, a: int, x: int, y: int) -> list[tuple[int, int]]:
    """The span flat[x:y] (offsets shifted by a) cut after every CJK full stop, danda or khan that ends a sentence,
    and at the spaces that end Thai and Lao sentences."""
    cuts = sorted({m.start() for m in _SCRIPT_STOP.finditer(flat, x, y)} | set(_spaced_cuts(flat, x, y)))
    out = []
    for c in [*cuts, y]:
        piece = flat[x:c]
        lead = len(piece) - len(piece.lstrip())
        if piece.strip():
            out.append((a + x + lead, a + x + len(piece.rstrip())))
        x = c
    return out


_SEGMENT_CHARS = 4000  # pysbd takes time growing with the square of its input: it gets pieces of about this size


def _segments(flat: str, language: str) -> list[str]:
    """pysbd's sentences of `flat`; a long text is fed in pieces cut after a sentence-looking end or at white space."""
    segment = _segmenter(language).segment
    if len(flat) <= _SEGMENT_CHARS:
        return segment(flat)
    out: list[str] = []
    start = 0
    while start < len(flat):
        end = min(start + _SEGMENT_CHARS, len(flat))
        if end < len(flat):
            window = flat[start + _SEGMENT_CHARS // 2 : end]
            cut = max(window.rfind(". "), window.rfind("? "), window.rfind("! "))
            cut = cut + 1 if cut != -1 else window.rfind(" ")
            if cut != -1:
                end = start + _SEGMENT_CHARS // 2 + cut + 1
        out.extend(segment(flat[start:end]))
        start = end
    return out


def _fit(text: str, a: int, b: int, limit: int, count: TokenCounter) -> list[tuple[int, int]]:
    """Cut the span text[a:b] at white space into pieces of at most `limit` tokens."""
    words = [(m.start() + a, m.end() + a) for m in re.finditer(r"\S+", text[a:b])]
    sizes = count([text[x:y] for x, y in words])
    pieces = []
    first = 0
    total = 0
    for i, n in enumerate(sizes):
        if total + n > limit and i > first:
            pieces.append((words[first][0], words[i - 1][1]))
            first, total = i, 0
        total += n
    pieces.append((words[first][0], words[-1][1]))
    # A single "word" longer than the limit (a URL, a hash) is cut by characters.
    out = []
    for x, y in pieces:
        while count([text[x:y]])[0] > limit and y - x > 1:
            cut = x + max(1, (y - x) * limit // (2 * count([text[x:y]])[0]))
            out.append((x, cut))
            x = cut
        out.append((x, y))
    return out


def split_document(
    doc: Document,
    count_tokens: TokenCounter,
    max_tokens: int,
    settings: ChunkSettings = ChunkSettings(),
    language: str | None = None,
) -> Chunks:
    """Cut a document into sentences and passages; every span satisfies doc.text[start:end] == text.

    Sentences follow the rules of `language` (detected from the text when None).
    """
    text = doc.text
    language = language or document_language(text)
    limit = min(settings.passage_tokens, max_tokens)
    lines = LineIndex(text)

    # Each unit (a paragraph, or a line that stands alone) is a paragraph for packing.
    para_sents = [
        split_sentences(text, ua, ub, language) for pa, pb in paragraphs(text) for ua, ub in units(text, pa, pb)
    ]

    flat = [s for spans in para_sents for s in spans]
    sizes = count_tokens([text[a:b] for a, b in flat]) if flat else []
    # Sentences longer than the window are cut into pieces that fit.
    sent_spans: list[tuple[int, int]] = []
    sent_sizes: list[int] = []
    para_of: list[int] = []
    k = 0
    for p, spans in enumerate(para_sents):
        for span in spans:
            n = sizes[k]
            k += 1
            if n > max_tokens:
                pieces = _fit(text, span[0], span[1], max_tokens, count_tokens)
                sent_spans.extend(pieces)
                sent_sizes.extend(count_tokens([text[x:y] for x, y in pieces]))
                para_of.extend([p] * len(pieces))
            else:
                sent_spans.append(span)
                sent_sizes.append(n)
                para_of.append(p)

    ranges: list[tuple[int, int]] = []
    first = 0
    total = 0
    for i, n in enumerate(sent_sizes):
        if i == first:
            total = n
            continue
        new_paragraph = para_of[i] != para_of[i - 1]
        if total + n > limit or (new_paragraph and total >= settings.min_passage_tokens):
            ranges.append((first, i))
            back = 0
            if not new_paragraph and settings.overlap_sentences:
                back = min(settings.overlap_sentences, i - first - 1)
                while back and sum(sent_sizes[i - back : i + 1]) > limit:
                    back -= 1
            first = i - back
            total = sum(sent_sizes[first : i + 1])
        else:
            total += n
    if sent_spans:
        ranges.append((first, len(sent_spans)))

    passages = []
    owner = [-1] * len(sent_spans)  # an overlap sentence belongs to the first passage that holds it
    for p, (f, l) in enumerate(ranges):
        a, b = sent_spans[f][0], sent_spans[l - 1][1]
        passages.append(Passage(doc.source, a, b, lines.line(a), text[a:b]))
        for s in range(f, l):
            if owner[s] == -1:
                owner[s] = p
    sentences = [
        Sentence(doc.source, a, b, lines.line(a), text[a:b], owner[i]) for i, (a, b) in enumerate(sent_spans)
    ]
    return Chunks(passages, sentences, ranges)
