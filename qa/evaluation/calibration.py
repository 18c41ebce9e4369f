"""Abstention threshold calibration: sweep thresholds over one run's confidences and choose one."""
from __future__ import annotations

import math
from bisect import bisect_left
from dataclasses import asdict, dataclass, replace
from typing import Sequence

from ..errors import EvalSetError, SettingsError
from .scoring import QuestionResult


@dataclass(frozen=True, slots=True)
class ThresholdRow:
    """The abstention trade-off at one threshold."""

    threshold: float
    abstain_precision: float | None
    abstain_recall: float | None
    false_abstention: float | None
    containment: float | None


@dataclass(frozen=True, slots=True)
class Calibration:
    """A sweep of abstention thresholds and the one chosen."""

    threshold: float
    chosen: ThresholdRow
    rows: tuple[ThresholdRow, ...]  # a readable grid of thresholds, plus the chosen one
    rule: str
    answerable: int
    unanswerable: int

    def to_dict(self) -> dict:
        return asdict(self)


class _Sweep:
    """Counts of abstentions at any threshold by binary search over sorted confidences (no question re-scored)."""

    def __init__(self, results: Sequence[QuestionResult]):
        never = -math.inf  # a question with no answer at all abstains at every threshold
        conf = lambda r: never if r.text is None else r.confidence  # noqa: E731
        self.answerable = sorted(conf(r) for r in results if r.answerable)
        self.unanswerable = sorted(conf(r) for r in results if not r.answerable)
        self.contained = sorted(conf(r) for r in results if r.answerable and r.contains)

    def row(self, t: float) -> ThresholdRow:
        wrong = bisect_left(self.answerable, t)  # answerable questions abstained on
        right = bisect_left(self.unanswerable, t)
        kept = len(self.contained) - bisect_left(self.contained, t)
        n_ans, n_un = len(self.answerable), len(self.unanswerable)
        return ThresholdRow(
            threshold=t,
            abstain_precision=right / (right + wrong) if right + wrong else None,
            abstain_recall=right / n_un if n_un else None,
            false_abstention=wrong / n_ans if n_ans else None,
            containment=kept / n_ans if n_ans else None,
        )


def calibrate(results: Sequence[QuestionResult], max_false_abstention: float = 0.05, grid: float = 0.05) -> Calibration:
    """The threshold that best separates unanswerable from answerable questions within a false-abstention bound.

    Best = the largest abstain recall minus false-abstention rate (Youden's J) among thresholds
    whose false-abstention rate stays within `max_false_abstention`; on ties the fewer false
    abstentions win. Candidate thresholds lie midway between consecutive confidences, so the
    one chosen keeps the widest margin on both sides.
    """
    if not 0 <= max_false_abstention <= 1:
        raise SettingsError(f"max false abstention must be between 0 and 1, got {max_false_abstention}")
    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    if not answerable or not unanswerable:
        raise EvalSetError(
            f"calibration needs answerable and unanswerable questions; got {len(answerable)} answerable and "
            f"{len(unanswerable)} unanswerable: add questions with empty \"answers\", or pass --unanswerable OTHER.jsonl"
        )
    confs = sorted({r.confidence for r in results if r.text is not None})
    candidates = [0.0] + [(a + b) / 2 for a, b in zip(confs, confs[1:])] + ([confs[-1] + 1e-6] if confs else [])
    sweep = _Sweep(results)
    best: tuple | None = None
    for t in candidates:
        row = sweep.row(t)
        fa, rec = row.false_abstention or 0.0, row.abstain_recall or 0.0
        if fa > max_false_abstention + 1e-12:
            continue
        key = (round(rec - fa, 12), -fa)
        if best is None or key > best[0]:
            best = (key, row)
    if best is None:  # even abstaining on nothing breaks the bound: the structural abstentions alone do
        chosen = sweep.row(0.0)
    else:
        chosen = best[1]
    top = max(confs, default=0.0)
    steps = int(math.floor(min(top, 1.0) / grid)) + 2
    grid_ts = sorted({round(i * grid, 10) for i in range(steps)} | {chosen.threshold})
    rows = tuple(chosen if t == chosen.threshold else sweep.row(t) for t in grid_ts)
    rule = f"highest abstain recall minus false abstention, with false abstention <= {max_false_abstention:g}"
    threshold = round(chosen.threshold, 4)  # a readable number, unless rounding would change who abstains
    if replace(sweep.row(threshold), threshold=chosen.threshold) != chosen:
        threshold = chosen.threshold
    return Calibration(threshold, chosen, rows, rule, len(answerable), len(unanswerable))

