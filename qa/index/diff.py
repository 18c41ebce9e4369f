"""The corpus folder against the files an index holds: what was added, changed, removed, or is unchanged."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..chunking import document_language
from ..corpus import read_document, relative_name
from ..errors import CorpusError
from ..formats.cache import EXTRACTOR_VERSION, ExtractCache
from ..types import Document, Note, Skipped


@dataclass(frozen=True, slots=True)
class CorpusDiff:
    """What to index anew and what to keep, by file name relative to the corpus folder."""

    files: dict  # every readable file's manifest entry (sha256, size, mtime_ns, encoding, language), by name, sorted
    skipped: list[Skipped]  # unreadable files, sorted by name
    docs: list[Document]  # the added and changed files, read, to chunk and embed
    added: list[str]
    changed: list[str]
    removed: list[str]  # sorted
    unchanged: set[str]  # whose records and vectors are kept
    notes: list[Note]  # how the files read this time were read (pages read by OCR, pages without text)


def diff_corpus(
    corpus_dir: Path, paths: list[Path], old_files: dict, cache: ExtractCache | None = None, progress=None,
) -> CorpusDiff:
    """Compare the files at `paths` with the manifest's `old_files`; CorpusError when none is readable.

    A file whose size and modification time match its entry is not read again; one that was
    touched but whose sha256 matches is unchanged too. PDF, HTML and Word files are extracted
    through `cache`; `progress("reading NAME", page, pages)` follows a long PDF.
    """
    files, skipped, unchanged, to_read = _stat_files(corpus_dir, paths, old_files)
    docs: list[Document] = []
    added, changed = [], []
    notes: list[Note] = []
    for path, name in to_read:
        on_page = (lambda done, total, name=name: progress(f"reading {name}", done, total)) if progress else None
        try:
            doc = read_document(path, name, cache, on_page)
        except ValueError as err:
            skipped.append(Skipped(name, str(err)))
            continue
        files[name] = {
            "sha256": doc.sha256, "size": doc.size, "mtime_ns": doc.mtime_ns, "encoding": doc.encoding,
            "language": document_language(doc.text),
        }
        if doc.format != "text":  # where each stretch of the extracted text stands, and what to know about it
            files[name].update(format=doc.format, extractor=EXTRACTOR_VERSION, notes=list(doc.notes),
                               blocks=[[b.start, b.end, b.location] for b in doc.blocks])
            notes.extend(Note(name, n) for n in doc.notes)
        old_entry = old_files.get(name)
        if old_entry and old_entry["sha256"] == doc.sha256 and old_entry.get("extractor") == files[name].get("extractor"):
            unchanged.add(name)  # touched but not changed: keep its vectors
        else:
            docs.append(doc)
            (changed if old_entry else added).append(name)
    removed = sorted(set(old_files) - unchanged - {d.source for d in docs})
    files = dict(sorted(files.items()))
    skipped.sort(key=lambda s: s.source)
    if not files:
        detail = "; ".join(f"{s.source}: {s.reason}" for s in skipped[:5])
        raise CorpusError(
            f"no readable documents in {corpus_dir}" + (f" (skipped {detail})" if detail else "")
        )
    return CorpusDiff(files, skipped, docs, added, changed, removed, unchanged, notes)


def _stat_files(corpus_dir: Path, paths: list[Path], old_files: dict):
    """Split `paths` by size and modification time: (entries kept, skipped, names kept, (path, name) to read)."""
    files: dict = {}
    skipped: list[Skipped] = []
    unchanged: set[str] = set()
    to_read: list[tuple[Path, str]] = []
    for path in paths:
        name = relative_name(path, corpus_dir)
        entry = old_files.get(name)
        try:
            st = path.stat()
        except OSError as err:
            skipped.append(Skipped(name, f"cannot be read ({err.strerror or err})"))
            continue
        if (entry and entry["size"] == st.st_size and entry["mtime_ns"] == st.st_mtime_ns
                and entry.get("extractor", EXTRACTOR_VERSION) == EXTRACTOR_VERSION):  # read by today's extractor
            files[name] = entry
            unchanged.add(name)
        else:
            to_read.append((path, name))
    return files, skipped, unchanged, to_read
