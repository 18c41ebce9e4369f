"""The markdown report of a run: its settings, the metrics table and every miss, so a person can read why."""
from __future__ import annotations

import os
from pathlib import Path

from .metrics import METRICS, Metrics
from .run import METHOD_LABELS, EvalReport


def format_value(value: float | None, name: str = "") -> str:
    """A figure as the tables print it: shares to 3 decimals, words to 1, milliseconds whole, '–' for none."""
    if value is None:
        return "–"
    if name.startswith("latency") or name.startswith("words"):
        return f"{value:.0f}" if name.startswith("latency") else f"{value:.1f}"
    return f"{value:.3f}"


def metrics_table(columns: dict[str, Metrics], definitions: bool = True) -> str:
    """A markdown table: one row per metric, one column per run."""
    head = "| metric | " + " | ".join(columns) + (" | definition |" if definitions else " |")
    rule = "|---|" + "---:|" * len(columns) + ("---|" if definitions else "")
    lines = [head, rule]
    for name, (label, definition) in METRICS.items():
        cells = " | ".join(format_value(getattr(m, name), name) for m in columns.values())
        lines.append(f"| {label} | {cells} |" + (f" {definition} |" if definitions else ""))
    return "\n".join(lines)


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def write_report(report: EvalReport, path: str | os.PathLike, compared: dict[str, EvalReport] | None = None) -> Path:
    """A markdown report: the settings, the metrics table and every miss, so a person can read why."""
    m = report.metrics
    out = [
        f"# Evaluation of {Path(report.testset).name}",
        "",
        f"- test set: `{report.testset}`" + (f" plus unanswerable questions from {', '.join(f'`{u}`' for u in report.unanswerable_sets)}" if report.unanswerable_sets else ""),
        f"- corpus: `{report.corpus}`, index: `{report.index}`",
        f"- questions: {m.questions} ({m.answerable} answerable, {m.unanswerable} unanswerable); k = {report.k}; "
        f"abstention threshold = {report.threshold:.3f}; retrieval: {METHOD_LABELS.get(report.method, report.method)}",
        "",
        "## Metrics",
        "",
    ]
    columns = {METHOD_LABELS.get(name, name): r.metrics for name, r in compared.items()} if compared else {"value": m}
    out += [metrics_table(columns), ""]
    for kind, rows in report.misses().items():
        out += [f"## {kind[0].upper() + kind[1:]} ({len(rows)})", ""]
        if not rows:
            out += ["None.", ""]
            continue
        out += ["| line | question | gold | answer | confidence | cited | gold sources | top passages |", "|---:|---|---|---|---:|---|---|---|"]
        for r in rows:
            answer = "*(abstained)*" if r.abstains(report.threshold) else _cell(r.text or "")
            if r.abstains(report.threshold) and r.text:
                answer += f" — would have said: {_cell(r.text)}"
            out.append(
                f"| {r.line} | {_cell(r.question)} | {_cell(' / '.join(r.answers)) or '*(unanswerable)*'} | {answer} | "
                f"{r.confidence:.3f} | {', '.join(r.cited) if not r.abstains(report.threshold) else ''} | "
                f"{', '.join(r.sources)} | {', '.join(r.hit_sources[:3])} |"
            )
        out.append("")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(out), encoding="utf-8")
    return path
