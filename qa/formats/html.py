"""HTML -> text with selectolax (the Lexbor HTML5 parser): the page's main content, its headings as locations.

Scripts, styles, templates and hidden elements are never text. The main content is the page's
<main> (or role=main), else its only <article>, else its <body> without the navigation, banners,
footers, sidebars and forms around it. Block elements become paragraphs, list items and table rows
lines (cells joined by " | "), white space inside a paragraph collapses to one space, <pre> is kept
as it is. Each heading starts a block whose location is the heading: '§ "Results"'.
"""
from __future__ import annotations

from .extracted import Extracted, TextBuilder

NEVER_TEXT = frozenset(
    "script style noscript template svg math head title meta link iframe object embed canvas video audio "
    "select option textarea input button dialog map".split()
)
AROUND_CONTENT = frozenset("nav header footer aside form menu".split())  # left out when the page has no <main>
AROUND_ROLES = frozenset("navigation banner contentinfo complementary search menu menubar".split())
PARAGRAPHS = frozenset(
    "p div section article main h1 h2 h3 h4 h5 h6 ul ol dl blockquote pre table figure figcaption address hr "
    "details summary fieldset center header footer nav aside form caption".split()
)
LINES = frozenset("li dt dd br".split())
CELLS = frozenset("td th".split())
HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
MAX_HEADING_CHARS = 80
BEGINNING = "beginning of the page"


def heading_location(text: str) -> str:
    """'§ "Heading"', cut to a readable length."""
    text = " ".join(text.split())
    if len(text) > MAX_HEADING_CHARS:
        text = text[: MAX_HEADING_CHARS - 1].rstrip() + "…"
    return f'§ "{text}"'


def extract_html(html: str, fmt: str = "html") -> Extracted:
    """The main text of an HTML page, with a block per heading."""
    out = TextBuilder()
    write_html(html, out, BEGINNING)
    return out.build(fmt)


def write_html(html: str, out: TextBuilder, beginning: str) -> None:
    """Write the main text of an HTML page into `out`; its text before a heading stands at `beginning`."""
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    root = _main_content(tree)
    out.brk(2)
    out.mark(beginning)
    if root is not None:
        _walk(root, out, skip_around=root.tag == "body", pre=False)
    out.brk(2)


def _main_content(tree):
    main = tree.css_first("main") or tree.css_first('[role="main"]')
    if main is not None and _visible(main):
        return main
    articles = [a for a in tree.css("article") if _visible(a)]
    if len(articles) == 1:
        return articles[0]
    return tree.body or tree.root


def _visible(node) -> bool:
    attrs = node.attributes
    if "hidden" in attrs or (attrs.get("aria-hidden") or "").lower() == "true":
        return False
    style = (attrs.get("style") or "").replace(" ", "").lower()
    return "display:none" not in style and "visibility:hidden" not in style


def _walk(node, out: TextBuilder, skip_around: bool, pre: bool) -> None:
    for child in node.iter(include_text=True):
        tag = child.tag
        if tag == "-text":
            out.write(child.text_content or "", keep_space=pre)
            continue
        if tag.startswith("-") or tag in NEVER_TEXT or not _visible(child):
            continue
        if skip_around and (tag in AROUND_CONTENT or (child.attributes.get("role") or "").lower() in AROUND_ROLES):
            continue
        if tag in HEADINGS:
            out.brk(2)
            title = child.text(deep=True, separator=" ")
            if title.strip():
                out.mark(heading_location(title))
            _walk(child, out, skip_around, pre)
            out.brk(2)
        elif tag in PARAGRAPHS:
            out.brk(2)
            _walk(child, out, skip_around, pre or tag == "pre")
            out.brk(2)
        elif tag == "tr":
            out.brk(1)
            cells = 0
            for cell in child.iter(include_text=False):
                if cell.tag in CELLS and _visible(cell):
                    if cells:
                        out.write(" | ")
                    cells += 1
                    _walk(cell, out, skip_around, pre)
            out.brk(1)
        elif tag in LINES:
            out.brk(1)
            _walk(child, out, skip_around, pre)
            out.brk(1)
        else:
            _walk(child, out, skip_around, pre)
