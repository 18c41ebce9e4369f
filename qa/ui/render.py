"""Answers, sources and documents as HTML for the chat UI, and the plain-text reply of its /chat API.

Document text is data, never markup: every piece of it goes through `html.escape`, inside
HTML blocks that Markdown leaves alone, so `<script>`, `<img onerror=...>`, `[x](javascript:...)`
or `$$...$$` in a file show as the characters they are. A citation link carries its file
name and character span in its target (`#qa-cite:START:END:SOURCE`); the UI turns a click on
it into a request for that span of that corpus file, which is served only if the index holds it.
"""
from __future__ import annotations

import base64
import re
from collections.abc import Callable, Sequence
from html import escape
from urllib.parse import quote, unquote

from ..followup import Resolution
from ..index import UpdateReport
from ..reply import NOT_ANSWERED, closest_passages, format_reply, snippet
from ..types import Answer, Citation, Document, Hit, Short

ReadFn = Callable[[str], "Document | None"]  # a corpus file by its cited name, or None

MAX_DOCUMENT_CHARS = 200_000  # a longer document is shown as a window around the cited sentence
CONTEXT_CHARS = 600  # passage context around a citation that no retrieved passage holds

CSS = """
.qa-answer, .qa-abstain, .qa-q { white-space: normal; }
.qa-cite { cursor: pointer; text-decoration: none !important; font-weight: 600; font-size: 0.85em;
  padding: 0 0.2em; border-radius: 0.3em; color: var(--color-accent) !important; }
.qa-cite:hover, .qa-cite:focus { background: var(--color-accent-soft); outline: none; }
.qa-note, .qa-reason { color: var(--body-text-color-subdued); font-size: 0.85em; margin-top: 0.4em; }
.qa-refs { margin-top: 0.5em; font-size: 0.85em; }
.qa-refs .qa-cite { font-weight: 500; }
.qa-panel h3 { margin: 0 0 0.5em 0; font-size: 1em; }
.qa-card { border: 1px solid var(--border-color-primary); border-radius: 0.5em; padding: 0.6em 0.8em; margin-bottom: 0.6em; }
.qa-card-head { font-size: 0.85em; margin-bottom: 0.3em; }
.qa-passage { white-space: pre-wrap; font-size: 0.9em; line-height: 1.45; }
.qa-panel mark, .qa-doc mark { background: #ffe08a; color: #1f2328; padding: 0.05em 0; border-radius: 0.15em; }
.qa-doc mark strong.qa-short { background: #f5b700; font-weight: 700; }
.qa-empty { color: var(--body-text-color-subdued); font-size: 0.9em; }
.qa-doc-head { font-size: 0.9em; margin-bottom: 0.4em; }
.qa-doc { max-height: 30em; overflow: auto; font-family: var(--font-mono); font-size: 0.8em; line-height: 1.5;
  border: 1px solid var(--border-color-primary); border-radius: 0.5em; padding: 0.5em 0.5em 0.5em 0; margin: 0; }
.qa-line { display: grid; grid-template-columns: 3.2em 1fr; column-gap: 0.8em; }
.qa-ln { text-align: right; user-select: none; color: var(--body-text-color-subdued); }
.qa-text { white-space: pre-wrap; word-break: break-word; min-height: 1.5em; }
.qa-hits { width: 100%; border-collapse: collapse; font-size: 0.85em; }
.qa-hits td, .qa-hits th { border-top: 1px solid var(--border-color-primary); padding: 0.35em; vertical-align: top; text-align: left; }
.qa-hits .qa-passage { font-size: 1em; }
.qa-num { white-space: nowrap; font-variant-numeric: tabular-nums; }
.qa-pdf { display: flex; flex-wrap: wrap; gap: 0.6em; align-items: flex-start; }
.qa-pdf > .qa-page-box { flex: 1 1 22em; max-height: 36em; overflow: auto; border: 1px solid var(--border-color-primary); border-radius: 0.3em; }
.qa-pdf > .qa-doc { flex: 1 1 16em; }
.qa-page-wrap { position: relative; line-height: 0; }
.qa-page { width: 100%; height: auto; display: block; }
.qa-page-hit { position: absolute; pointer-events: none; }
"""


CITE_PREFIX = "#qa-cite:"


def cite_href(source: str, start: int, end: int, strong: tuple[int, int] | None = None) -> str:
    """The link target of a citation, `#qa-cite:START:END:SOURCE` (SOURCE percent-encoded), and `@S-E` after it
    for the short answer inside the sentence: it survives the chat's HTML sanitiser, which drops data
    attributes, and the UI reads it back on a click."""
    tail = f"@{int(strong[0])}-{int(strong[1])}" if strong else ""
    return f"{CITE_PREFIX}{int(start)}:{int(end)}:{quote(source, safe='')}{tail}"


_STRONG_TAIL = re.compile(r"@(\d+)-(\d+)$")


def cite_strong(href: str) -> tuple[int, int] | None:
    """The short answer's span a citation link target carries, if any."""
    m = _STRONG_TAIL.search(href) if isinstance(href, str) and href.startswith(CITE_PREFIX) else None
    return (int(m.group(1)), int(m.group(2))) if m else None


def parse_cite_href(href: str) -> tuple[str, int, int] | None:
    """(source, start, end) from a citation link target, or None when it is not one."""
    if not isinstance(href, str) or not href.startswith(CITE_PREFIX):
        return None
    href = _STRONG_TAIL.sub("", href)
    start, _, rest = href[len(CITE_PREFIX):].partition(":")
    end, _, source = rest.partition(":")
    if not (start.isdigit() and end.isdigit() and source):
        return None
    return unquote(source), int(start), int(end)


def _link(source: str, start: int, end: int, where: str, text: str, strong: tuple[int, int] | None = None) -> str:
    """An <a> that opens `source` at [start, end) (with `strong` inside it in bold); `text` is already HTML;
    `where` ("line 12", "page 3") is its title."""
    return (
        f'<a class="qa-cite" href="{escape(cite_href(source, start, end, strong))}" '
        f'title="{escape(source)}, {escape(where)}">{text}</a>'
    )


def place(c: Citation) -> str:
    """Where a citation stands, for a person: `notes.txt, line 12`, `report.pdf, page 3`, `page.html, § "Heading"`."""
    return f"{c.source}, {c.location or f'line {c.line}'}"


def citation_link(c: Citation, label: str | None = None, short: Short | None = None) -> str:
    """A link that opens the cited sentence in its document (the short answer in it stronger, when it is this
    citation's); `[n]` unless `label` is given."""
    strong = (short.start, short.end) if short is not None and short.citation == c.number else None
    return _link(c.source, c.start, c.end, c.location or f"line {c.line}",
                 escape(label) if label is not None else f"[{c.number}]", strong)


def passage_link(h: Hit, label: str | None = None) -> str:
    """A link that opens a retrieved passage in its document."""
    where = h.location or f"line {h.line}"
    return _link(h.source, h.start, h.end, where, escape(label if label is not None else f"{h.source}, {where}"))


def _flat(text: str) -> str:
    return " ".join(text.split())


def _with_short(sentence: str, group: list[Citation], short: Short | None) -> str:
    """A quoted sentence as HTML, flattened to one line, with the short answer in bold when it stands in it."""
    first = group[0] if group else None
    if short is None or first is None or short.citation != first.number or first.quote != sentence:
        return escape(_flat(sentence))
    a, b = short.start - first.start, short.end - first.start
    if not (0 <= a < b <= len(sentence)):
        return escape(_flat(sentence))
    pieces = [re.sub(r"\s+", " ", p) for p in (sentence[:a], sentence[a:b], sentence[b:])]
    pieces[0], pieces[2] = pieces[0].lstrip(), pieces[2].rstrip()
    return f'{escape(pieces[0])}<strong class="qa-short">{escape(pieces[1])}</strong>{escape(pieces[2])}'


def cited_quotes(ans: Answer) -> list[tuple[str, list[Citation]]]:
    """The answer's quoted sentences, each with its citations."""
    by_number = {c.number: c for c in ans.citations}
    return [(q.text, [by_number[n] for n in q.citations]) for q in ans.quotes]


def render_question(question: str) -> str:
    """A question as the chat shows it: the person's words as text."""
    return f'<div class="qa-q">{escape(_flat(question))}</div>'


def render_reply(ans: Answer, resolution: Resolution | None = None, closest: int = 3) -> str:
    """The chat's reply: quoted sentences with clickable markers and a list of sources, or the plain
    "not in the documents" with the closest passages to look at."""
    out: list[str] = []
    if ans.text is None:
        out.append(f'<div class="qa-abstain"><p><strong>{escape(NOT_ANSWERED)}</strong></p>')
        offered = closest_passages(ans, closest)
        if offered:
            out.append("<p>You might look at:</p><ul>")
            for h in offered:
                out.append(f"<li>{passage_link(h)}: {escape(snippet(h.text, 160))}</li>")
            out.append("</ul>")
        if ans.reason:
            out.append(f'<div class="qa-reason">{escape(ans.reason)}</div>')
    else:
        out.append('<div class="qa-answer"><p>')
        for sentence, group in cited_quotes(ans):
            out.append(f'<span class="qa-sentence">{_with_short(sentence, group, ans.short)}</span>')
            out.append("".join(citation_link(c, short=ans.short) for c in group) + " ")
        out.append("</p>")
        refs = " · ".join(citation_link(c, f"[{c.number}] {place(c)}", ans.short) for c in ans.citations)
        out.append(f'<div class="qa-refs">Sources: {refs}</div>')
        if ans.reason:
            out.append(f'<div class="qa-note">Note: {escape(ans.reason)}</div>')
    if resolution is not None and resolution.is_followup:
        out.append(
            f'<div class="qa-note">Read as a follow-up, with “{escape(" ".join(resolution.added))}” '
            "from the conversation.</div>"
        )
    out.append("</div>")
    return "".join(out)


def _mark(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """`text` escaped, with the given [start, end) spans inside <mark>."""
    out, pos = [], 0
    for start, end in sorted(spans):
        start, end = max(start, pos), min(end, len(text))
        if start >= end:
            continue
        out.append(escape(text[pos:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        pos = end
    out.append(escape(text[pos:]))
    return "".join(out)


def citation_context(c: Citation, hits: Sequence[Hit], read: ReadFn | None = None) -> tuple[str, int]:
    """The passage around a citation and its offset in the file: a retrieved passage that holds it, else
    the paragraph of the document (from `read(source)`) around it, else the quote alone."""
    for h in hits:
        if h.source == c.source and h.start <= c.start and c.end <= h.end:
            return h.text, h.start
    doc = read(c.source) if read is not None else None
    if doc is not None and doc.text[c.start : c.end] == c.quote:
        lo = doc.text.rfind("\n\n", max(0, c.start - CONTEXT_CHARS), c.start)
        lo = lo + 2 if lo >= 0 else max(0, c.start - CONTEXT_CHARS)
        hi = doc.text.find("\n\n", c.end, c.end + CONTEXT_CHARS)
        hi = hi if hi >= 0 else min(len(doc.text), c.end + CONTEXT_CHARS)
        return doc.text[lo:hi], lo
    return c.quote, c.start


def render_sources(ans: Answer | None, read: ReadFn | None = None, closest: int = 3) -> str:
    """The sources panel: each citation's file and line, and its sentence highlighted in its passage
    (`read(source)` gives a document, or None, for a citation that no retrieved passage holds)."""
    if ans is None:
        return '<div class="qa-panel"><h3>Sources</h3><p class="qa-empty">Ask a question: the passages each answer quotes appear here.</p></div>'
    out = ['<div class="qa-panel">']
    if ans.text is None:
        out.append("<h3>Sources</h3>")
        offered = closest_passages(ans, closest)
        if not offered:
            out.append('<p class="qa-empty">Nothing in the documents is close to this question.</p></div>')
            return "".join(out)
        out.append('<p class="qa-empty">No passage answers this; the closest ones:</p>')
        for h in offered:
            out.append(f'<div class="qa-card"><div class="qa-card-head">{passage_link(h)}</div>')
            out.append(f'<div class="qa-passage">{escape(h.text)}</div></div>')
        out.append("</div>")
        return "".join(out)
    out.append("<h3>Sources</h3>")
    for c in ans.citations:
        context, offset = citation_context(c, ans.hits, read)
        out.append('<div class="qa-card" data-qa-card="%d">' % c.number)
        out.append(f'<div class="qa-card-head">{citation_link(c, f"[{c.number}] {place(c)}")}</div>')
        out.append(f'<div class="qa-passage">{_mark(context, [(c.start - offset, c.end - offset)])}</div></div>')
    out.append("</div>")
    return "".join(out)


def render_passages(hits: Sequence[Hit]) -> str:
    """The passages considered, with the fused score and what each retriever made of them."""
    if not hits:
        return '<p class="qa-empty">No passages yet.</p>'
    rows = ['<table class="qa-hits"><thead><tr><th>#</th><th>score</th><th>dense</th><th>BM25</th><th>passage</th></tr></thead><tbody>']

    def rank(r: int | None, s: float | None) -> str:
        return "–" if r is None else f"#{r} ({s:.3f})" if s is not None else f"#{r}"

    for i, h in enumerate(hits, 1):
        rows.append(
            f'<tr><td class="qa-num">{i}</td><td class="qa-num">{h.score:.4f}</td>'
            f'<td class="qa-num">{rank(h.dense_rank, h.dense_score)}</td>'
            f'<td class="qa-num">{rank(h.lexical_rank, h.lexical_score)}</td>'
            f'<td><div class="qa-card-head">{passage_link(h)}</div><div class="qa-passage">{escape(h.text)}</div></td></tr>'
        )
    rows.append("</tbody></table>")
    return "".join(rows)


def _window(text: str, start: int, end: int, limit: int) -> tuple[int, int]:
    """Line-aligned bounds of at most about `limit` characters around [start, end)."""
    if len(text) <= limit:
        return 0, len(text)
    lo = max(0, (start + end) // 2 - limit // 2)
    hi = min(len(text), lo + limit)
    lo = max(0, hi - limit)
    lo = text.rfind("\n", 0, lo) + 1 if lo > 0 else 0
    nl = text.find("\n", hi)
    hi = nl if 0 <= nl < hi + 2000 else hi
    return lo, hi


def render_document(doc: Document, start: int | None = None, end: int | None = None,
                    indexed_sha256: str | None = None, max_chars: int = MAX_DOCUMENT_CHARS,
                    strong: tuple[int, int] | None = None, location: str | None = None,
                    page_png: bytes | None = None, page_boxes: Sequence[tuple[float, float, float, float]] = ()) -> str:
    """A whole corpus file with line numbers and the span [start, end) highlighted (first mark has id qa-hit),
    and `strong` (the short answer) inside it highlighted more.

    For an extracted document, `location` names where the span stands ("page 3"); `page_png` is the PDF page
    with the span highlighted, shown beside the extracted text, and `page_boxes` (left, top, width, height as
    fractions of the page) mark where the highlight stands on it, for scrolling to it.
    """
    page = ""
    if page_png is not None:
        src = "data:image/png;base64," + base64.b64encode(page_png).decode("ascii")
        alt = f"{doc.source}, {location or 'the cited page'}, with the cited sentence highlighted"
        hits = "".join(
            f'<span class="qa-page-hit" style="left:{100 * x:.3f}%;top:{100 * y:.3f}%;width:{100 * w:.3f}%;'
            f'height:{100 * h:.3f}%"></span>'
            for x, y, w, h in page_boxes
        )
        page = (f'<div class="qa-page-box"><div class="qa-page-wrap"><img class="qa-page" src="{src}" '
                f'alt="{escape(alt)}">{hits}</div></div>')
    text = doc.text
    ok = isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)
    notes: list[str] = []
    if indexed_sha256 and indexed_sha256 != doc.sha256:
        notes.append("This file changed since it was indexed: the highlight may be off. Re-index to update it.")
    if start is not None and not ok:
        notes.append("The cited span is not in this file as it is now. Re-index to update it.")
    lo, hi = _window(text, start if ok else 0, end if ok else 0, max_chars)
    if lo > 0 or hi < len(text):
        notes.append(f"Showing characters {lo:,}–{hi:,} of {len(text):,}.")
    first_line = text.count("\n", 0, lo) + 1
    hit_line = text.count("\n", 0, start) + 1 if ok else None

    rows: list[str] = []
    marked = False
    number = first_line
    pos = lo
    while pos <= hi:
        nl = text.find("\n", pos, hi)
        stop = nl if nl >= 0 else hi
        piece = text[pos:stop]
        if ok and start < stop and end > pos:
            a, b = max(start, pos) - pos, min(end, stop) - pos
            attr = "" if marked else ' id="qa-hit"'
            marked = True
            inner = _strong_in(piece[a:b], pos + a, strong) if ok else escape(piece[a:b])
            body = f"{escape(piece[:a])}<mark{attr}>{inner}</mark>{escape(piece[b:])}"
        else:
            body = escape(piece)
        rows.append(f'<div class="qa-line"><span class="qa-ln">{number}</span><span class="qa-text">{body}</span></div>')
        number += 1
        if nl < 0:
            break
        pos = nl + 1
    where = f", {location}" if location and ok else f", line {hit_line}" if hit_line else ""
    head = f'<div class="qa-doc-head"><strong>{escape(doc.source)}</strong>{escape(where)}</div>'
    if doc.format != "text":
        notes.insert(0, f"The text extracted from this {doc.format.upper()} file; line numbers count its lines.")
    note = "".join(f'<div class="qa-note">{escape(n)}</div>' for n in notes)
    body = f'<div class="qa-doc">{"".join(rows)}</div>'
    if page:
        body = f'<div class="qa-pdf">{page}{body}</div>'
    return f'<div class="qa-source">{head}{note}{body}</div>'


def _strong_in(marked: str, offset: int, strong: tuple[int, int] | None) -> str:
    """`marked` (the text at `offset` in the file) escaped, with the `strong` span of the file in it emphasised."""
    if not strong:
        return escape(marked)
    a, b = max(strong[0] - offset, 0), min(strong[1] - offset, len(marked))
    if a >= b:
        return escape(marked)
    return f'{escape(marked[:a])}<strong class="qa-short">{escape(marked[a:b])}</strong>{escape(marked[b:])}'


def render_viewer_placeholder() -> str:
    """What the source view shows before a citation is clicked."""
    return '<div class="qa-source"><p class="qa-empty">Click a citation such as [1] to read it in its document.</p></div>'


def render_update(report: UpdateReport, files: int, passages: int) -> str:
    """One line on what an index refresh did, for a person."""
    what = "Index " + report.summary
    line = f"{what}: {files} files, {passages} passages."
    if report.skipped:
        line += " Skipped: " + "; ".join(f"{s.source} ({s.reason})" for s in report.skipped[:5])
        if len(report.skipped) > 5:
            line += f" and {len(report.skipped) - 5} more"
    if report.notes:
        line += " Notes: " + "; ".join(f"{n.source} ({n.text})" for n in report.notes[:5])
        if len(report.notes) > 5:
            line += f" and {len(report.notes) - 5} more"
    return line


def reply_text(ans: Answer, resolution: Resolution | None = None) -> str:
    """The reply as plain text, for scripts (qa.reply.format_reply), and how a follow-up was read."""
    text = format_reply(ans)
    if resolution is not None and resolution.is_followup:
        text += f"\n\n(read as: {resolution.asked})"
    return text
