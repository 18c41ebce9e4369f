"""OCR of a PDF page that has no text layer: rendered by PDFium, read by Tesseract (English, French, Russian).

Tesseract is Debian's `tesseract-ocr` with its language packs (`make setup` installs them); it runs as a
program, its TSV output giving each word with its box, block, paragraph and line.
"""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

LANGUAGES = ("eng", "fra", "rus")
DPI = 300
TIMEOUT_S = 120
# One OpenMP thread: Tesseract's own threads spin-wait for each other, and on a busy 2-core machine a page took
# 129 s with two of them against 5.8 s with one (benchmarks/formats.py, docs/benchmarks.md).
_ENV = {**os.environ, "OMP_THREAD_LIMIT": "1"}


@dataclass(frozen=True, slots=True)
class Word:
    """A word read on a page: its box (x0, top, x1, bottom) in PDF points from the top left of the page."""

    text: str
    box: tuple[float, float, float, float]
    block: int
    paragraph: int
    line: int


@functools.cache
def languages() -> tuple[str, ...]:
    """The languages of LANGUAGES that the installed Tesseract reads; empty when there is no Tesseract."""
    exe = shutil.which("tesseract")
    if exe is None:
        return ()
    try:
        out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    have = {line.strip() for line in out.splitlines()}
    return tuple(lang for lang in LANGUAGES if lang in have)


def available() -> bool:
    """Whether pages can be read by OCR here."""
    return bool(languages())


def read_page(page, dpi: int = DPI) -> list[Word] | None:
    """The words Tesseract reads on a PDFium page, in reading order; None when Tesseract fails on it."""
    scale = dpi / 72
    image = page.render(scale=scale, grayscale=True).to_pil()
    with tempfile.TemporaryDirectory(prefix="qa-ocr-") as tmp:
        path = Path(tmp) / "page.png"
        image.save(path)
        try:
            result = subprocess.run(
                ["tesseract", str(path), "stdout", "-l", "+".join(languages()), "--dpi", str(dpi), "tsv"],
                capture_output=True, text=True, timeout=TIMEOUT_S, env=_ENV,
            )
        except (OSError, subprocess.SubprocessError):
            return None
    if result.returncode != 0:
        return None
    return parse_tsv(result.stdout, scale)


def parse_tsv(tsv: str, scale: float) -> list[Word]:
    """Words of Tesseract's TSV output (level 5 rows with text), boxes scaled from pixels to points."""
    words = []
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
            continue
        left, top, width, height = (int(c) for c in cols[6:10])
        words.append(Word(
            cols[11].strip(),
            (left / scale, top / scale, (left + width) / scale, (top + height) / scale),
            int(cols[2]), int(cols[3]), int(cols[4]),
        ))
    return words
