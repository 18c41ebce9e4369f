"""Progress bars for the shells (CLI, app start-up): one tqdm bar per indexing stage, on stderr."""
from __future__ import annotations

import sys


class TqdmProgress:
    """A ProgressFn that draws a tqdm bar for each stage as `progress(stage, done, total)` reports it."""

    def __init__(self, file=None, disable: bool | None = None):
        self.file = file or sys.stderr
        self.disable = disable
        self._bars: dict = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        from tqdm import tqdm

        bar = self._bars.get(stage)
        if bar is None:
            bar = self._bars[stage] = tqdm(total=total, desc=stage, unit="", file=self.file, disable=self.disable, leave=True)
        bar.total = total
        bar.update(done - bar.n)
        if done >= total:
            bar.close()
            del self._bars[stage]
