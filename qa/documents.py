"""Documents a person adds or opens: uploads saved into the corpus under a safe name, and
corpus files read by their cited name (a PDF's cited page rendered with the sentence highlighted),
with no path that leads outside the corpus.
"""
from __future__ import annotations

import hashlib
import os
import re
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .corpus import decode, decode_text, read_document
from .errors import CorpusError
from .formats import FORMATS, check_kind, extract, format_of
from .formats.cache import ExtractCache
from .formats.extracted import PageProgress
from .formats.page import PageHighlight, highlight, render_highlight
from .types import Document

UPLOAD_SUFFIXES = (".txt", ".md", *FORMATS)
_SHOWN_SUFFIXES = ".txt, .md, .pdf, .html, .htm, .docx, .odt or .epub"
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_NAME_CHARS = 80
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class Saved:
    """An upload as it now stands in the corpus."""

    original: str  # the name it was uploaded under
    source: str  # its name in the corpus (how it is cited)
    new: bool  # False when the same bytes were already in the corpus under that name


def safe_name(filename: str) -> str:
    """A file name that is safe in the corpus folder: ASCII letters, digits, '.', '_', '-', a document suffix.

    Folders in the name are dropped ('../../etc/x.txt' -> 'x.txt'); CorpusError for another suffix.
    """
    base = PurePosixPath(str(filename).replace("\\", "/")).name
    stem, dot, suffix = base.rpartition(".")
    suffix = f".{suffix.lower()}" if dot else ""
    if suffix not in UPLOAD_SUFFIXES:
        raise CorpusError(f"{base or filename!r} is not a {_SHOWN_SUFFIXES} file: only those can be added")
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    clean = _UNSAFE.sub("_", ascii_stem).strip("._-")[:MAX_NAME_CHARS].rstrip("._-")
    return f"{clean or 'document'}{suffix}"


def _free_name(root: Path, name: str, data: bytes) -> tuple[str, bool]:
    """`name`, or `name-2`, `name-3`... so that no other file is overwritten; (name, new)."""
    stem, suffix = name[: -len(Path(name).suffix)], Path(name).suffix
    digest = hashlib.sha256(data).digest()
    for i in range(1, 10_000):
        candidate = name if i == 1 else f"{stem}-{i}{suffix}"
        path = root / candidate
        if not path.exists():
            return candidate, True
        if path.is_file() and hashlib.sha256(path.read_bytes()).digest() == digest:
            return candidate, False
    raise CorpusError(f"too many files named like {name!r} in the corpus: rename the upload")


def save_upload(
    corpus_dir: str | os.PathLike, filename: str, data: bytes, cache: ExtractCache | None = None,
    on_page: PageProgress | None = None,
) -> Saved:
    """Save an uploaded file into the corpus folder under a safe, unused name; CorpusError says why not.

    A PDF, HTML or Word file is extracted first (into `cache`, so indexing it reads nothing again): one that
    cannot be read is not added, and the reason is said.
    """
    name = safe_name(filename)
    shown = PurePosixPath(str(filename).replace("\\", "/")).name
    if len(data) > MAX_UPLOAD_BYTES:
        raise CorpusError(f"{shown!r} is {len(data) / 1e6:.1f} MB: files up to {MAX_UPLOAD_BYTES // 2**20} MB can be added")
    fmt = format_of(name)
    if fmt != "text":
        _check_extracts(shown, data, fmt, cache, on_page)
    else:
        try:
            check_kind(data, fmt)
        except ValueError as err:
            raise CorpusError(f"{shown!r} cannot be added: {err}") from None
        try:
            text = decode(data)
        except ValueError as err:
            raise CorpusError(f"{shown!r} cannot be added: {err}; save it as UTF-8 text") from None
        if not text.strip():
            raise CorpusError(f"{shown!r} is empty: there is nothing to index")
    root = Path(corpus_dir)
    if not root.is_dir():
        raise CorpusError(f"corpus folder {str(root)!r} does not exist: create it first")
    source, new = _free_name(root, name, data)
    if new:
        tmp = root / f".upload-{uuid.uuid4().hex}.part"  # dot files are not read as documents
        try:
            tmp.write_bytes(data)
            os.replace(tmp, root / source)
        except OSError as err:
            tmp.unlink(missing_ok=True)
            raise CorpusError(f"{shown!r} could not be saved into {str(root)!r}: {err.strerror or err}") from None
    return Saved(shown, source, new)


def _check_extracts(shown: str, data: bytes, fmt: str, cache: ExtractCache | None, on_page) -> None:
    """CorpusError unless text can be extracted from `data`; the extraction is kept in `cache`."""
    sha256 = hashlib.sha256(data).hexdigest()
    extracted = cache.get(sha256) if cache is not None else None
    if extracted is None:
        try:
            extracted = extract(data, fmt, decode_text, on_page)
        except ValueError as err:
            raise CorpusError(f"{shown!r} cannot be added: {err}") from None
        if cache is not None:
            cache.put(sha256, extracted)
    if not extracted.text.strip():
        detail = f" ({'; '.join(extracted.notes)})" if extracted.notes else ""
        raise CorpusError(f"{shown!r} cannot be added: no text found in it{detail}")


def _cited_path(corpus_dir: str | os.PathLike, source: str, indexed: Mapping[str, object]) -> Path:
    if not isinstance(source, str) or source not in indexed:
        raise CorpusError(f"{str(source)[:200]!r} is not a document of the corpus")
    root = Path(corpus_dir).resolve()
    path = (root / source).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise CorpusError(f"{source!r} is not a document of the corpus")
    return path


def read_source(
    corpus_dir: str | os.PathLike, source: str, indexed: Mapping[str, object], cache: ExtractCache | None = None,
) -> Document:
    """The corpus file cited as `source`: only names the index holds are read, and only inside the corpus.

    For a PDF, HTML or Word file, the text extracted from it (from `cache` when it was extracted before).
    """
    path = _cited_path(corpus_dir, source, indexed)
    try:
        return read_document(path, source, cache)
    except ValueError as err:
        raise CorpusError(f"{source!r} cannot be shown ({err}): re-index to update the corpus") from None


def cited_page(
    corpus_dir: str | os.PathLike, source: str, start: int, end: int, indexed: Mapping[str, object],
    cache: ExtractCache | None = None,
) -> tuple[PageHighlight, bytes]:
    """The page of a PDF that holds the cited span [start, end), with the span's boxes, and that page as PNG
    with them highlighted; CorpusError when `source` is not an indexed PDF or the span is not in it."""
    path = _cited_path(corpus_dir, source, indexed)
    if format_of(source) != "pdf":
        raise CorpusError(f"{source!r} is not a PDF: it has no pages to show")
    try:
        data = path.read_bytes()
        sha256 = hashlib.sha256(data).hexdigest()
        extracted = cache.get(sha256) if cache is not None else None
        if extracted is None:
            extracted = extract(data, "pdf", decode_text)
            if cache is not None:
                cache.put(sha256, extracted)
        hl = highlight(data, extracted, start, end)
        return hl, render_highlight(data, hl)
    except (OSError, ValueError) as err:
        raise CorpusError(f"{source!r} page cannot be shown ({err}): re-index to update the corpus") from None
