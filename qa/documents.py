"""Documents a person adds or opens: uploads saved into the corpus under a safe name, and
corpus files read by their cited name, with no path that leads outside the corpus.
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

from .corpus import decode, read_document
from .errors import CorpusError
from .types import Document

UPLOAD_SUFFIXES = (".txt", ".md")
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
    """A file name that is safe in the corpus folder: ASCII letters, digits, '.', '_', '-', a .txt/.md suffix.

    Folders in the name are dropped ('../../etc/x.txt' -> 'x.txt'); CorpusError for another suffix.
    """
    base = PurePosixPath(str(filename).replace("\\", "/")).name
    stem, dot, suffix = base.rpartition(".")
    suffix = f".{suffix.lower()}" if dot else ""
    if suffix not in UPLOAD_SUFFIXES:
        raise CorpusError(f"{base or filename!r} is not a .txt or .md file: only plain text and Markdown can be added")
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


def save_upload(corpus_dir: str | os.PathLike, filename: str, data: bytes) -> Saved:
    """Save an uploaded file into the corpus folder under a safe, unused name; CorpusError says why not."""
    name = safe_name(filename)
    shown = PurePosixPath(str(filename).replace("\\", "/")).name
    if len(data) > MAX_UPLOAD_BYTES:
        raise CorpusError(f"{shown!r} is {len(data) / 1e6:.1f} MB: files up to {MAX_UPLOAD_BYTES // 2**20} MB can be added")
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


def read_source(corpus_dir: str | os.PathLike, source: str, indexed: Mapping[str, object]) -> Document:
    """The corpus file cited as `source`: only names the index holds are read, and only inside the corpus."""
    if not isinstance(source, str) or source not in indexed:
        raise CorpusError(f"{str(source)[:200]!r} is not a document of the corpus")
    root = Path(corpus_dir).resolve()
    path = (root / source).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise CorpusError(f"{source!r} is not a document of the corpus")
    try:
        return read_document(path, source)
    except ValueError as err:
        raise CorpusError(f"{source!r} cannot be shown ({err}): re-index to update the corpus") from None
