"""Read a folder of documents, keeping each file's exact text (or, for PDF, HTML and Word files, the text
extracted from them by qa.formats, cached under the index folder by file hash).

"File text" means the file's bytes decoded, and nothing else: a byte-order mark is dropped,
line ends (LF, CRLF, lone CR) and every other character are kept, so every offset in the index
is an offset into that string. The encoding used is recorded per file in the manifest: UTF-8
(or UTF-16/32 with a byte-order mark) when the bytes say so, else the legacy encoding
charset-normalizer finds (Windows-1252 when the text holds no sign of a language).
"""
from __future__ import annotations

import bisect
import hashlib
import os
import re
import stat
from pathlib import Path

from .errors import CorpusError
from .formats import FORMATS, check_kind, extract, format_of
from .formats.cache import ExtractCache
from .formats.extracted import PageProgress
from .types import Document, Skipped

TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".text")
SUFFIXES = TEXT_SUFFIXES + tuple(FORMATS)
_SNIFF = 8192
_LINE_END = re.compile(r"\r\n?|\n")


def list_files(corpus_dir: str | os.PathLike) -> list[Path]:
    """The document files below `corpus_dir`, sorted; linked folders are followed once (a link loop is not).

    A folder that cannot be opened is listed too, so that reading it reports it by name.
    """
    root = Path(corpus_dir)
    if not root.exists():
        raise CorpusError(f"corpus folder {str(root)!r} does not exist: create it and put documents in it (.txt, .md, .pdf, .html, .docx, .odt, .epub)")
    if not root.is_dir():
        raise CorpusError(f"corpus path {str(root)!r} is not a folder")
    found: list[Path] = []
    seen: set[str] = set()

    def unreadable(err: OSError) -> None:
        if err.filename:
            found.append(Path(err.filename))

    for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable, followlinks=True):
        real = os.path.realpath(dirpath)
        if real in seen:  # a link back to a folder already walked: a loop or a duplicate
            dirnames[:] = []
            continue
        seen.add(real)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if name.startswith(".") or not name.lower().endswith(SUFFIXES):
                continue
            found.append(Path(dirpath) / name)
    return sorted(found, key=lambda p: relative_name(p, root))


def relative_name(path: Path, root: Path) -> str:
    """The name a file is cited by: its path relative to the corpus folder, with forward slashes.

    Bytes of a name that are not UTF-8 are shown escaped (caf\\xe9.txt), so the name can be printed and stored.
    """
    name = path.relative_to(root).as_posix()
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        name = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return name


# Legacy encodings tried when a file is not UTF-8, most common first; on a tie the earlier wins.
LEGACY_ENCODINGS = (
    "cp1252", "cp1251", "cp1250", "koi8_r", "cp1253", "cp1254", "cp1255", "cp1256",
    "cp1257", "gb18030", "big5", "shift_jis", "euc_jp", "euc_kr", "latin_1",
)
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def decode(data: bytes) -> str:
    """Decode a file's bytes to text; raises ValueError with a reason when it is not text."""
    return decode_text(data)[0]


def decode_text(data: bytes) -> tuple[str, str]:
    """A file's text and the encoding it was read with; ValueError with a reason when it is not text.

    A byte-order mark decides first (and is dropped); then strict UTF-8; then the legacy
    encoding charset-normalizer finds least messy, Windows-1252 when nothing points to a language.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as err:
                raise ValueError(f"not valid {encoding} text despite its byte-order mark (byte {err.start})") from None
    if b"\x00" in data[:_SNIFF]:
        encoding = _utf16_without_bom(data)
        if encoding is None:
            raise ValueError("binary file (contains NUL bytes)")
        return data.decode(encoding), encoding
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    encoding = guess_encoding(data)
    if encoding is None:
        raise ValueError("binary file, or text in an encoding that cannot be recognised: save it as UTF-8")
    return data.decode(encoding), encoding


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf_16_le' or 'utf_16_be' for text whose NUL bytes all sit on one side of its 16-bit units, else None."""
    head = data[:_SNIFF]
    nuls = {i % 2 for i, b in enumerate(head) if b == 0}
    if len(data) % 2 or len(nuls) != 1:
        return None
    encoding = "utf_16_le" if nuls == {1} else "utf_16_be"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    if any(ord(c) < 32 and c not in "\t\n\r\f" for c in text[:4096]):
        return None
    return encoding


def guess_encoding(data: bytes) -> str | None:
    """The legacy encoding `data` is most likely written in, or None when it does not look like text."""
    import charset_normalizer

    matches = list(charset_normalizer.from_bytes(data, cp_isolation=list(LEGACY_ENCODINGS)))
    if not matches:
        return None
    least = min(m.chaos for m in matches)
    close = [m for m in matches if m.chaos <= least + 0.01]
    most = max(m.coherence for m in close)
    close = [m for m in close if m.coherence >= most - 0.01]
    names = {name for m in close for name in (m.could_be_from_charset or [m.encoding])}
    if all(m.language == "Unknown" for m in close):
        names.add("cp1252")  # no language evidence (short text): assume the usual Western code page
    for encoding in LEGACY_ENCODINGS:
        if encoding in names:
            try:
                data.decode(encoding)
            except UnicodeDecodeError:
                continue
            return encoding
    return None


def read_document(
    path: str | os.PathLike, source: str | None = None, cache: ExtractCache | None = None,
    on_page: PageProgress | None = None,
) -> Document:
    """Read one file into a Document; raises ValueError saying why it cannot be used.

    A PDF, HTML or Word file is read through its extractor, or from `cache` when its bytes were extracted
    before; `on_page(done, total)` follows a long PDF page by page.
    """
    p = Path(path)
    try:
        st = p.stat()
        if stat.S_ISDIR(st.st_mode):
            os.listdir(p)  # raises the reason it could not be walked
            raise ValueError("a folder that could not be read")
        if not stat.S_ISREG(st.st_mode):
            raise ValueError("not a regular file (a pipe, socket or device)")  # reading a pipe would block
        data = p.read_bytes()
    except OSError as err:
        raise ValueError(f"cannot be read ({err.strerror or err})") from None
    name = source or p.name
    fmt = format_of(name)
    sha256 = hashlib.sha256(data).hexdigest()
    if not data:
        raise ValueError("empty file")
    if fmt != "text":
        extracted = cache.get(sha256) if cache is not None else None
        if extracted is None:
            extracted = extract(data, fmt, decode_text, on_page)
            if cache is not None:
                cache.put(sha256, extracted)
        if not extracted.text.strip():
            raise ValueError("no text found in it" + (f" ({'; '.join(extracted.notes)})" if extracted.notes else ""))
        return Document(
            name, extracted.text, sha256, len(data), st.st_mtime_ns, "", extracted.format, extracted.blocks,
            extracted.notes,
        )
    check_kind(data, fmt)
    text, encoding = decode_text(data)
    if not text.strip():
        raise ValueError("holds only white space")
    return Document(
        source=name,
        text=text,
        sha256=sha256,
        size=len(data),
        mtime_ns=st.st_mtime_ns,
        encoding=encoding,
    )


def load_corpus(
    corpus_dir: str | os.PathLike, only: set[str] | None = None, cache: ExtractCache | None = None,
) -> tuple[list[Document], list[Skipped]]:
    """Read every document below `corpus_dir` (or just the `only` names); unreadable files are returned as Skipped."""
    root = Path(corpus_dir)
    docs: list[Document] = []
    skipped: list[Skipped] = []
    for path in list_files(root):
        name = relative_name(path, root)
        if only is not None and name not in only:
            continue
        try:
            docs.append(read_document(path, name, cache))
        except ValueError as err:
            skipped.append(Skipped(name, str(err)))
    return docs, skipped


class LineIndex:
    """Maps char offsets of a text to 1-based line numbers; a line ends at LF, CRLF or a lone CR."""

    __slots__ = ("_starts",)

    def __init__(self, text: str):
        self._starts = [0] + [m.end() for m in _LINE_END.finditer(text)]

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset)
