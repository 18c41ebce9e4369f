"""An Answer as plain text, the one form the CLI prints and the chat's /chat endpoint returns."""
from __future__ import annotations

from .scoring import is_prose
from .types import Answer, Hit, quotes_text

NOT_ANSWERED = "The documents do not answer this question."
SNIPPET_CHARS = 220
CLOSEST = 3  # passages offered when the documents do not answer
CLOSEST_CHARS = 160  # of each of them


def snippet(text: str, n: int = SNIPPET_CHARS) -> str:
    """Text on one line, cut at a word near `n` characters."""
    flat = " ".join(text.split())
    if len(flat) <= n:
        return flat
    cut = flat.rfind(" ", 0, n)
    return flat[: cut if cut > n // 2 else n].rstrip() + "…"


def hit_label(h: Hit) -> str:
    """Where a passage stands: `notes.txt:12`, `report.pdf, page 3`."""
    return f"{h.source}, {h.location}" if h.location else f"{h.source}:{h.line}"


def closest_passages(ans: Answer, n: int = CLOSEST) -> list[Hit]:
    """The passages to offer when the documents do not answer: the best retrieved ones that are prose, at most n."""
    return [h for h in ans.hits if is_prose(h.text)][:n]


def format_reply(ans: Answer, closest: int = CLOSEST) -> str:
    """The short answer (if any) and the quoted sentences with their [n] markers, then the numbered sources
    `[1] file.txt:LINE` or `[2] report.pdf, page 3` (and a note
    if there is one); or, when it abstained, that the documents do not answer, why, and the closest passages."""
    lines: list[str] = []
    if not ans.answered:
        lines.append(NOT_ANSWERED)
        if ans.reason:
            lines.append(f"({ans.reason})")
        offered = closest_passages(ans, closest)
        if offered:
            lines += ["", "Closest passages:"]
            lines += [f"- {hit_label(h)}  {snippet(h.text, CLOSEST_CHARS)}" for h in offered]
        return "\n".join(lines)
    quoted = quotes_text(ans.quotes) or ""
    lines += [f"{ans.short.text} — {quoted}" if ans.short else quoted, ""]
    lines += [f"[{c.number}] {c.label}" for c in ans.citations]
    if ans.reason:
        lines += ["", f"note: {ans.reason}"]
    return "\n".join(lines)
