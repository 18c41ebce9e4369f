"""Gates on the figures: floors and ceilings a run must meet (`qa eval --min-... --max-...`)."""
from __future__ import annotations

from dataclasses import dataclass

from .metrics import METRICS, Metrics


@dataclass(frozen=True, slots=True)
class GateFailure:
    """A figure on the wrong side of its gate, or a gate that the test set cannot measure."""

    metric: str
    value: float | None
    bound: float
    minimum: bool  # True for a floor (--min-...), False for a ceiling (--max-...)

    def __str__(self) -> str:
        label = METRICS[self.metric][0]
        if self.value is None:
            return f"{label} cannot be measured on this test set (gate {self.bound:g}): it has no questions of that kind"
        op = "<" if self.minimum else ">"
        return f"{label} {self.value:.3f} {op} {self.bound:g}"


def check_gates(metrics: Metrics, minimums: dict[str, float] = {}, maximums: dict[str, float] = {}) -> list[GateFailure]:
    """The gates the figures fail: each minimum is a floor, each maximum a ceiling."""
    failures = []
    for name, bound in minimums.items():
        value = getattr(metrics, name)
        if value is None or value < bound:
            failures.append(GateFailure(name, value, bound, True))
    for name, bound in maximums.items():
        value = getattr(metrics, name)
        if value is None or value > bound:
            failures.append(GateFailure(name, value, bound, False))
    return failures

