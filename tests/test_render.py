"""qa/ui/render.py: answers, sources and documents as HTML (document text always escaped), and the /chat reply."""
from __future__ import annotations

import hashlib
from html import unescape
from html.parser import HTMLParser

import pytest

from conftest import DATA
from qa.followup import resolve_conversation
from qa.index import UpdateReport
from qa.reply import NOT_ANSWERED
from qa.types import Answer, Citation, Document, Hit, Quote, Short, Skipped, quotes_text
from qa.ui.render import (
    cite_href, cite_strong, cited_quotes, parse_cite_href, render_document, render_passages, render_question, render_reply,
    render_sources, render_update, reply_text,
)

HOSTILE = (DATA / "hostile.md").read_text(encoding="utf-8")
SAFE_TAGS = {"div", "p", "span", "a", "strong", "mark", "ul", "li", "h3", "table", "thead", "tbody", "tr", "th", "td"}


class Tags(HTMLParser):
    """Collects every element and attribute of an HTML fragment, and its text."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def assert_inert(html: str) -> Tags:
    """No element but the renderer's own, no event handler, no link but a citation."""
    tags = Tags(html)
    for tag, attrs in tags.elements:
        assert tag in SAFE_TAGS, tag
        assert not [a for a in attrs if a.startswith("on")], attrs
        if tag == "a":
            assert attrs["href"].startswith("#qa-cite:"), attrs
    return tags


def doc(text: str, source: str = "hostile.md") -> Document:
    data = text.encode()
    return Document(source, text, hashlib.sha256(data).hexdigest(), len(data))


def cite(text: str, quote: str, number: int = 1, source: str = "hostile.md") -> Citation:
    start = text.index(quote)
    return Citation(number, source, start, start + len(quote), text.count("\n", 0, start) + 1, quote)


def hit(text: str, passage: str, source: str = "hostile.md", score: float = 0.5) -> Hit:
    start = text.index(passage)
    return Hit(source, passage, score, start, start + len(passage), text.count("\n", 0, start) + 1, 0,
               dense_rank=1, dense_score=0.61, lexical_rank=None)


SENTENCES = [line for line in HOSTILE.splitlines() if line and not line.startswith("#")]


def hostile_answer() -> Answer:
    c1, c2 = cite(HOSTILE, SENTENCES[0], 1), cite(HOSTILE, SENTENCES[1], 2)
    quotes = [Quote(SENTENCES[0], (1,)), Quote(SENTENCES[1], (2,))]
    hits = [hit(HOSTILE, s) for s in SENTENCES]
    return Answer("q", quotes_text(quotes), [c1, c2], hits, 0.7, quotes=quotes)


def test_cited_quotes_pair_sentences_with_their_citations():
    c1 = Citation(1, "a.txt", 0, 21, 1, "Alpha holds [1] here.")
    c2 = Citation(2, "b.txt", 0, 5, 1, "Beta.")
    c3 = Citation(3, "c.txt", 10, 15, 2, "Beta.")
    quotes = [Quote(c1.quote, (1,)), Quote("Beta.", (2, 3))]
    ans = Answer("q", quotes_text(quotes), [c1, c2, c3], quotes=quotes)
    assert cited_quotes(ans) == [(c1.quote, [c1]), ("Beta.", [c2, c3])]  # the quote's own "[1]" is only text


@pytest.mark.parametrize("source", ["a.txt", "sub dir/Été (1).md", "we:ird#name%.txt", "../x.txt"])
def test_citation_links_round_trip(source):
    assert parse_cite_href(cite_href(source, 3, 17)) == (source, 3, 17)


@pytest.mark.parametrize("href", [None, "", "#qa-viewer", "#qa-cite:1:2:", "#qa-cite:a:2:x.txt", "javascript:alert(1)"])
def test_other_links_are_not_citations(href):
    assert parse_cite_href(href) is None


def test_reply_shows_hostile_text_as_text():
    html = render_reply(hostile_answer())
    tags = assert_inert(html)
    shown = "".join(tags.text)
    assert "<script>window.__xss = 1" in shown and "<img src=x onerror=" in shown
    links = [parse_cite_href(attrs["href"]) for tag, attrs in tags.elements if tag == "a"]
    c1, c2 = hostile_answer().citations
    spans = [(c.source, c.start, c.end) for c in (c1, c2)]
    assert links == spans + spans  # the markers [1] [2], then the two sources under the answer
    assert "[1]" in shown and "[2]" in shown and "Sources: [1] hostile.md, line 3" in shown


def test_reply_text_is_in_html_blocks_markdown_leaves_alone():
    html = render_reply(hostile_answer())
    assert html.startswith("<div") and html.endswith("</div>") and "\n\n" not in html


def test_refusal_offers_the_closest_passages():
    hits = [hit(HOSTILE, s) for s in SENTENCES]
    ans = Answer("q", None, [], hits, 0.1, "the documents do not seem to answer this")
    tags = assert_inert(render_reply(ans))
    shown = "".join(tags.text)
    assert NOT_ANSWERED in shown and "You might look at:" in shown
    assert sum(1 for t, _ in tags.elements if t == "li") == 3
    assert "$$x^2$$" not in shown  # only the three closest
    text = reply_text(ans)
    assert text.startswith(NOT_ANSWERED) and text.count("\n- hostile.md:") == 3


def test_followup_is_explained():
    resolution = resolve_conversation(["Who signed the nightshade protocol?", "When did they sign it?"])
    html = render_reply(hostile_answer(), resolution)
    assert "Read as a follow-up" in html and "signed nightshade protocol" in html
    assert reply_text(hostile_answer(), resolution).endswith(f"(read as: {resolution.asked})")


def test_sources_panel_highlights_each_quote_in_its_passage():
    ans = hostile_answer()
    tags = assert_inert(render_sources(ans))
    marks = [m for m in render_sources(ans).split("<mark>")[1:]]
    assert [unescape(m.split("</mark>")[0]) for m in marks] == [SENTENCES[0], SENTENCES[1]]
    assert "hostile.md, line 3" in "".join(tags.text)


def test_sources_panel_reads_the_document_when_no_passage_holds_the_quote():
    ans = hostile_answer()
    bare = Answer(ans.question, ans.text, ans.citations, [], ans.confidence, quotes=ans.quotes)
    html = render_sources(bare, lambda source: doc(HOSTILE) if source == "hostile.md" else None)
    assert_inert(html)
    assert html.count("<mark>") == 2
    assert render_sources(bare, lambda source: None).count("<mark>") == 2  # the quote alone


def test_sources_panel_before_any_question_and_after_a_refusal():
    assert "Ask a question" in render_sources(None)
    hits = [hit(HOSTILE, s) for s in SENTENCES]
    html = render_sources(Answer("q", None, [], hits, 0.1))
    assert_inert(html)
    assert "closest" in html and "<mark>" not in html


def test_passages_table_escapes_and_shows_scores():
    hits = [hit(HOSTILE, s, score=0.5 - i / 10) for i, s in enumerate(SENTENCES)]
    html = render_passages(hits)
    tags = assert_inert(html)
    assert "0.5000" in html and "#1 (0.610)" in html and "–" in html
    assert "".join(tags.text).count("onerror") == 1
    assert "No passages" in render_passages([])


def test_document_view_highlights_the_span_and_numbers_lines():
    d = doc(HOSTILE)
    c = cite(HOSTILE, SENTENCES[1])
    html = render_document(d, c.start, c.end, d.sha256)
    tags = assert_inert(html)
    assert html.count('id="qa-hit"') == 1
    assert unescape(html.split('<mark id="qa-hit">')[1].split("</mark>")[0]) == SENTENCES[1]
    shown = "".join(tags.text)
    assert f"hostile.md, line {c.line}" in shown
    assert "[in the archive](javascript:window.__xss=3)" in shown and "${window.__xss = 5}" in shown
    numbers = [t for t in tags.text if t.isdigit()]
    assert numbers[:3] == ["1", "2", "3"] and len(numbers) >= HOSTILE.count("\n")


def test_document_view_marks_every_line_of_a_span_across_lines():
    text = "one\ntwo three\nfour\n"
    html = render_document(doc(text, "a.txt"), 0, text.index("four") + 4)
    assert html.count("<mark") == 3 and html.count('id="qa-hit"') == 1


@pytest.mark.parametrize("start, end", [(-1, 5), (5, 5), (0, 10**6), ("0", "4"), (None, 3)])
def test_document_view_with_a_span_not_in_the_file(start, end):
    html = render_document(doc("Short text.\n", "a.txt"), start, end)
    assert "<mark" not in html and "Short text." in html
    if start is not None:
        assert "not in this file" in html


def test_document_view_says_when_the_file_changed_since_indexing():
    html = render_document(doc("New text.\n", "a.txt"), 0, 3, indexed_sha256="0" * 64)
    assert "changed since it was indexed" in html


def test_long_document_is_shown_around_the_highlight():
    text = "".join(f"Line number {i} of a long file.\n" for i in range(20_000))
    quote = "Line number 15000 of a long file."
    start = text.index(quote)
    html = render_document(doc(text, "long.txt"), start, start + len(quote), max_chars=5_000)
    assert len(html) < 40_000 and "Showing characters" in html
    assert unescape(html.split('<mark id="qa-hit">')[1].split("</mark>")[0]) == quote
    assert '<span class="qa-ln">15001</span>' in html


def test_question_is_text():
    assert_inert(render_question("Is <b>this</b> [x](javascript:alert(1)) **bold**?"))
    assert "&lt;b&gt;" in render_question("<b>")


def test_update_line_names_what_changed_and_what_was_skipped():
    report = UpdateReport(added=["a.txt"], removed=["b.txt"], skipped=[Skipped("c.txt", "binary file")])
    line = render_update(report, 3, 40)
    assert line.startswith("Index updated: 1 added, 1 removed: 3 files, 40 passages.")
    assert "c.txt (binary file)" in line
    assert render_update(UpdateReport(), 3, 40).startswith("Index up to date")
    assert "built (no index yet)" in render_update(UpdateReport(rebuilt=True, reason="no index yet"), 3, 40)


def test_the_short_answer_is_bold_in_its_sentence_and_stronger_in_the_source():
    text = "Intro line.\nThe conference gathered 47 <b>delegations</b> in Tashkent.\n"
    c = cite(text, "The conference gathered 47 <b>delegations</b> in Tashkent.", source="a.txt")
    start = text.index("47")
    short = Short("47", "a.txt", start, start + 2, 1)
    quotes = [Quote(c.quote, (1,))]
    ans = Answer("How many?", quotes_text(quotes), [c], quotes=quotes, short=short)
    html = render_reply(ans)
    tags = assert_inert(html)
    assert '<strong class="qa-short">47</strong>' in html and "&lt;b&gt;delegations" in html
    hrefs = [attrs["href"] for tag, attrs in tags.elements if tag == "a"]
    assert all(cite_strong(h) == (start, start + 2) for h in hrefs)  # the marker and the source line carry it
    assert all(parse_cite_href(h) == ("a.txt", c.start, c.end) for h in hrefs)
    shown = render_document(doc(text, "a.txt"), c.start, c.end, strong=cite_strong(hrefs[0]))
    assert '<mark id="qa-hit">The conference gathered <strong class="qa-short">47</strong> &lt;b&gt;' in shown
    # a short answer of another citation, or none, leaves the sentence as it was
    other = Answer("How many?", quotes_text(quotes), [c], quotes=quotes, short=Short("47", "a.txt", start, start + 2, 2))
    assert "qa-short" not in render_reply(other) and cite_strong(cite_href("a.txt", 1, 2)) is None
