"""Extracted text cached under the index folder by file hash: an unchanged PDF is never read (or OCRed) again."""
from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

from ..jsonfile import write_json
from ..types import Block
from .extracted import Extracted, PdfPage

EXTRACTOR_VERSION = 1  # raise it when an extractor's output changes: cached texts of older versions are not used
FOLDER = "extracted"


class ExtractCache:
    """`index_dir/extracted/<sha256>.v<N>.json`, one file per extracted document."""

    def __init__(self, index_dir: str | os.PathLike):
        self.folder = Path(index_dir) / FOLDER

    def path(self, sha256: str) -> Path:
        return self.folder / f"{sha256}.v{EXTRACTOR_VERSION}.json"

    def get(self, sha256: str) -> Extracted | None:
        """The cached extraction of the file with this hash, or None (none yet, or unreadable)."""
        try:
            raw = json.loads(self.path(sha256).read_text(encoding="utf-8"))
            return Extracted(
                raw["format"], raw["text"],
                tuple(Block(**b) for b in raw["blocks"]),
                tuple(raw["notes"]),
                tuple(PdfPage(**{**p, "runs": tuple(map(tuple, p["runs"])), "words": tuple(map(tuple, p["words"]))})
                      for p in raw["pages"]),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, sha256: str, extracted: Extracted) -> None:
        """Keep an extraction; a cache that cannot be written only costs a new extraction next time."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_json(self.path(sha256), asdict(extracted))
        except OSError:
            pass

    def prune(self, keep: set[str]) -> None:
        """Delete the cached texts of files the index no longer holds (and of older extractor versions)."""
        if not self.folder.is_dir():
            return
        wanted = {self.path(sha).name for sha in keep}
        for path in self.folder.iterdir():
            if path.name not in wanted and path.suffix == ".json":
                path.unlink(missing_ok=True)
