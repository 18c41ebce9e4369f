"""qa.formats.html: the main content of a page as text, headings as locations; scripts, styles, menus never text."""
from __future__ import annotations

from qa.formats.html import BEGINNING, extract_html

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Station news</title>
<style>.lead { color: red } /* The reactor was closed in 2001. */</style>
<script>var claim = "The reactor was closed in 2001."; document.write(claim);</script>
</head>
<body>
<header><a href="/">Home</a> <a href="/news">News</a></header>
<nav><ul><li><a href="/a">About us</a></li><li><a href="/c">Contact</a></li></ul></nav>
<div id="content">
  <h1>Lindholm   station</h1>
  <p class="lead">The reactor at Lindholm was <b>commissioned</b> in 1998
     by the ministry of energy.</p>
  <p style="display:none">Hidden text is not content.</p>
  <h2>Staff</h2>
  <p>The station employs 412 people.<br>Most live in the town.</p>
  <table><tr><th>Name</th><th>Role</th></tr><tr><td>Ivan Petrov</td><td>Director</td></tr></table>
  <pre>line one
    indented line two</pre>
  <noscript>Enable JavaScript.</noscript>
</div>
<aside>Related: other stations</aside>
<footer>© 2024 ACME. All rights reserved.</footer>
<script src="/analytics.js"></script>
</body></html>"""


def test_scripts_styles_menus_and_hidden_text_are_never_text():
    e = extract_html(PAGE)
    for gone in ("closed in 2001", "claim", "color", "Home", "About us", "Contact", "Hidden text", "JavaScript",
                 "Related", "rights reserved", "Station news"):
        assert gone not in e.text, gone


def test_paragraphs_headings_tables_and_pre():
    e = extract_html(PAGE)
    assert e.text.startswith("Lindholm station\n\nThe reactor at Lindholm was commissioned in 1998 by the ministry of energy.")
    assert "The station employs 412 people.\nMost live in the town." in e.text
    assert "Name | Role\nIvan Petrov | Director" in e.text
    assert "line one\n    indented line two" in e.text


def test_each_heading_starts_a_block_located_by_it():
    e = extract_html(PAGE)
    where = {b.location: e.text[b.start:b.end] for b in e.blocks}
    assert list(where) == ['§ "Lindholm station"', '§ "Staff"']
    assert "commissioned in 1998" in where['§ "Lindholm station"']
    assert "Ivan Petrov" in where['§ "Staff"']
    assert all(b.end == n.start for b, n in zip(e.blocks, e.blocks[1:]))


def test_main_element_is_the_content_when_there_is_one():
    html = "<body><div>Cookie banner text.</div><main><p>The answer is 42.</p></main><div>More links.</div></body>"
    e = extract_html(html)
    assert e.text == "The answer is 42."
    assert [b.location for b in e.blocks] == [BEGINNING]


def test_a_page_without_markup_around_its_text_still_reads():
    assert extract_html("Just a sentence.\nAnd another one.").text == "Just a sentence. And another one."
    assert extract_html("<p>Caf&eacute; &amp; cr&egrave;me</p>").text == "Café & crème"
    assert extract_html("").text == ""
