"""Read a folder of documents, keeping each file's exact text."""
from __future__ import annotations

import bisect
import hashlib
import os
from pathlib import Path

from .errors import CorpusError
from .types import Document, Skipped

SUFFIXES = (".txt", ".md", ".markdown", ".text")
_SNIFF = 8192


def list_files(corpus_dir: str | os.PathLike) -> list[Path]:
    """The document files below `corpus_dir`, sorted, without following directory links."""
    root = Path(corpus_dir)
    if not root.exists():
        raise CorpusError(f"corpus folder {str(root)!r} does not exist: create it and put .txt or .md files in it")
    if not root.is_dir():
        raise CorpusError(f"corpus path {str(root)!r} is not a folder")
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if name.startswith(".") or not name.lower().endswith(SUFFIXES):
                continue
            found.append(Path(dirpath) / name)
    return sorted(found, key=lambda p: relative_name(p, root))


def relative_name(path: Path, root: Path) -> str:
    """The name a file is cited by: its path relative to the corpus folder, with forward slashes."""
    return path.relative_to(root).as_posix()


def decode(data: bytes) -> str:
    """Decode a file's bytes to text; raises ValueError with a reason when it is not text."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:_SNIFF]:
        raise ValueError("binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValueError(f"not valid UTF-8 text (byte {err.start})") from None


def read_document(path: str | os.PathLike, source: str | None = None) -> Document:
    """Read one file into a Document; raises ValueError saying why it cannot be used."""
    p = Path(path)
    try:
        data = p.read_bytes()
        mtime_ns = p.stat().st_mtime_ns
    except OSError as err:
        raise ValueError(f"cannot be read ({err.strerror or err})") from None
    text = decode(data)
    if not text.strip():
        raise ValueError("empty file" if not data else "holds only white space")
    return Document(
        source=source or p.name,
        text=text,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        mtime_ns=mtime_ns,
    )


def load_corpus(corpus_dir: str | os.PathLike, only: set[str] | None = None) -> tuple[list[Document], list[Skipped]]:
    """Read every document below `corpus_dir` (or just the `only` names); unreadable files are returned as Skipped."""
    root = Path(corpus_dir)
    docs: list[Document] = []
    skipped: list[Skipped] = []
    for path in list_files(root):
        name = relative_name(path, root)
        if only is not None and name not in only:
            continue
        try:
            docs.append(read_document(path, name))
        except ValueError as err:
            skipped.append(Skipped(name, str(err)))
    return docs, skipped


class LineIndex:
    """Maps char offsets of a text to 1-based line numbers."""

    __slots__ = ("_starts",)

    def __init__(self, text: str):
        starts = [0]
        find = text.find
        i = find("\n")
        while i != -1:
            starts.append(i + 1)
            i = find("\n", i + 1)
        self._starts = starts

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset)
