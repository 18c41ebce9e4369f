"""The chat in a real headless Chromium (Debian's /usr/bin/chromium driven by Playwright): ask, read the
cited answer, open the citation in its document; hostile document text stays text; upload and ask."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# ms for any wait (the page, an answer, a toast): only reached when the thing never comes; a loaded 2-core
# machine answering with the real model takes many times longer than a quiet one.
TIMEOUT = 240_000


def find_chromium() -> str | None:
    """The system Chromium (`make setup` installs Debian's package when it is missing)."""
    for candidate in (os.environ.get("QA_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.fixture(scope="module")
def browser():
    executable = find_chromium()
    if executable is None:
        pytest.skip("no Chromium found (looked for /usr/bin/chromium, chromium, google-chrome): run `make setup` as root")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, ui_server):
    """A fresh page on the chat; records dialogs (alert) and page errors, which must stay empty."""
    url, _ = ui_server
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT)
    pg.dialogs, pg.errors = [], []
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.goto(url)
    pg.wait_for_selector("#qa-question textarea")
    # The source view's script defines the citation handler once the component mounts, after the textarea:
    # a citation clicked (or called) before then would do nothing.
    pg.wait_for_function("typeof window.qaOpenCitation === 'function'")
    yield pg
    context.close()


def shot(pg, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def ask(pg, question: str):
    """Type a question, press Enter, and return the new reply element once it is there."""
    before = pg.locator("#qa-chat [data-testid=bot]").count()
    pg.fill("#qa-question textarea", question)
    pg.press("#qa-question textarea", "Enter")
    reply = pg.locator("#qa-chat [data-testid=bot]").nth(before)
    reply.locator(".qa-answer, .qa-abstain").wait_for()
    return reply


def open_citation(pg, link) -> str:
    """Click a citation link and return the text of the highlighted span in the source view."""
    link.click()
    mark = pg.locator("#qa-viewer mark#qa-hit")
    mark.wait_for()
    return mark.inner_text()


def open_passages(pg) -> None:
    """Open the collapsed passages section and wait for its table."""
    pg.locator("#qa-passages-box").get_by_text("Passages the answer was drawn from").click()
    pg.locator("#qa-passages tbody tr").first.wait_for()


def highlight_is_visible(pg) -> bool:
    """Whether the highlighted sentence lies inside the source view's scroll box and the window."""
    return pg.evaluate(
        """() => {
        const m = document.querySelector('#qa-viewer #qa-hit'), box = document.querySelector('#qa-viewer .qa-doc');
        const r = m.getBoundingClientRect(), b = box.getBoundingClientRect();
        return r.top >= b.top - 1 && r.top < b.bottom && r.top >= 0 && r.top < window.innerHeight;
    }"""
    )


def test_question_citation_and_source_view(page):
    reply = ask(page, "Who is the first deputy chairman of the State Security Service?")
    assert "Botir Tursunov" in reply.inner_text()
    assert "Botir Tursunov" in reply.locator(".qa-answer strong").first.inner_text()  # the short answer, in bold
    markers = reply.locator(".qa-answer p a.qa-cite")
    assert markers.first.inner_text() == "[1]"
    card = page.locator("#qa-sources .qa-card").first
    assert "000_ae18acf054cccfff.txt, line" in card.inner_text()
    assert "Botir Tursunov" in card.locator("mark").inner_text()

    highlighted = open_citation(page, markers.first)
    assert "First Deputy Chairman of the State Security Service" in highlighted
    assert "Botir Tursunov" in page.locator("#qa-viewer mark strong").inner_text()  # stronger than its sentence
    assert "000_ae18acf054cccfff.txt" in page.locator("#qa-viewer .qa-doc-head").inner_text()
    page.wait_for_function("() => document.querySelector('#qa-viewer .qa-doc').scrollTop > 0")
    assert highlight_is_visible(page)  # the cited sentence is far down the file: it was scrolled to
    shot(page, "answer-with-source")
    open_passages(page)
    assert page.locator("#qa-passages tbody tr").count() == 5  # the slider's default
    shot(page, "answer-with-passages")

    # the panel's link opens the same sentence
    page.locator("#qa-viewer .qa-doc").evaluate("el => el.scrollTop = 0")
    assert open_citation(page, card.locator("a.qa-cite")) == highlighted
    assert page.dialogs == [] and page.errors == []


def test_followup_in_the_chat(page):
    ask(page, "Who chairs the State Security Service of Uzbekistan?")
    reply = ask(page, "And his first deputy?")
    text = reply.inner_text()
    assert "First Deputy Chairman" in text and "Read as a follow-up" in text


def test_off_topic_question_offers_passages_to_look_at(page):
    reply = ask(page, "Who won the 2018 football world cup?")
    text = reply.inner_text()
    assert "The documents do not answer this question." in text and "You might look at:" in text
    assert open_citation(page, reply.locator("a.qa-cite").first)


def test_example_question_on_the_first_screen(page):
    examples = page.locator("#qa-chat .example")
    assert examples.count() >= 4
    examples.first.click()
    page.locator("#qa-chat [data-testid=bot] .qa-answer").wait_for()
    assert "[1]" in page.locator("#qa-chat [data-testid=bot]").first.inner_text()


def test_hostile_document_text_is_shown_as_text_and_nothing_runs(page):
    reply = ask(page, "Who signed the nightshade protocol?")
    assert '<script>window.__xss = 1; alert("script ran")</script>' in reply.inner_text()
    open_citation(page, reply.locator(".qa-answer p a.qa-cite").first)
    view = page.locator("#qa-viewer .qa-doc").inner_text()
    for text in ['<img src=x onerror="window.__xss = 2', "[in the archive](javascript:window.__xss=3)",
                 "${window.__xss = 5}", "{{7*7}}", "$$x^2$$", '<a href="javascript:window.__xss=6">', "**bold**"]:
        assert text in view
    open_passages(page)
    assert "onerror=" in page.locator("#qa-passages").inner_text()
    assert "onerror=" in page.locator("#qa-sources").inner_text() or "<script>" in page.locator("#qa-sources").inner_text()
    shot(page, "hostile-document")

    found = page.evaluate(
        """() => {
        const areas = ['#qa-chat', '#qa-sources', '#qa-viewer', '#qa-passages'].map(s => document.querySelector(s));
        const bad = [];
        for (const area of areas) for (const el of area.querySelectorAll('*')) {
            if (['SCRIPT', 'IMG', 'IFRAME', 'OBJECT', 'EMBED'].includes(el.tagName) && !el.closest('button')) bad.push(el.outerHTML);
            for (const a of el.attributes) {
                if (a.name.startsWith('on') || /^\\s*javascript:/i.test(a.value)) bad.push(el.outerHTML.slice(0, 200));
            }
        }
        return {bad, xss: window.__xss === undefined ? null : window.__xss};
    }"""
    )
    assert found == {"bad": [], "xss": None}
    assert page.dialogs == [] and page.errors == []


def test_upload_a_file_and_ask_about_it(page, tmp_path, ui_server):
    _, bot = ui_server
    upload = tmp_path / "Zephyr notes (draft).md"
    upload.write_text(
        "# Zephyr station\n\nThe keeper of the Zephyr lighthouse is Orla Quintavalle, appointed in 1987.\n",
        encoding="utf-8",
    )
    page.locator("#qa-docs-box").get_by_text("Add documents or re-index").click()
    page.set_input_files("#qa-upload input[type=file]", str(upload))
    page.locator("#qa-status").get_by_text("Index updated").wait_for()
    assert "Zephyr_notes_draft.md" in page.locator("#qa-status").inner_text()
    assert (Path(bot.corpus_dir) / "Zephyr_notes_draft.md").read_bytes() == upload.read_bytes()

    reply = ask(page, "Who is the keeper of the Zephyr lighthouse?")
    assert "Orla Quintavalle" in reply.inner_text() and "Zephyr_notes_draft.md" in reply.inner_text()
    shot(page, "uploaded-and-answered")


def test_bad_upload_and_empty_question_are_readable_messages(page, tmp_path):
    bad = tmp_path / "scan.txt"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    page.locator("#qa-docs-box").get_by_text("Add documents or re-index").click()
    page.set_input_files("#qa-upload input[type=file]", str(bad))
    status = page.locator("#qa-status")
    status.get_by_text("not added").wait_for()
    assert "it is an image" in status.inner_text() and "Traceback" not in status.inner_text()

    page.click("#qa-ask")
    toast = page.locator(".toast-body").first
    toast.wait_for()
    assert "the question is empty" in toast.inner_text()
    assert "Traceback" not in page.locator("body").inner_text()
    assert "Botir Tursunov" in ask(page, "Who is the first deputy chairman of the State Security Service?").inner_text()


def test_only_corpus_files_can_be_shown(page):
    page.evaluate("window.qaOpenCitation('#qa-cite:0:10:..%2F..%2F..%2Fetc%2Fpasswd')")
    toast = page.locator(".toast-body").first
    toast.wait_for()
    assert "is not a document of the corpus" in toast.inner_text()
    assert "root:" not in page.locator("#qa-viewer").inner_text()


def test_reindex_picks_up_a_file_changed_on_disk(page, ui_server):
    _, bot = ui_server
    (Path(bot.corpus_dir) / "harbour_log.txt").write_text(
        "The harbour log records that the ferry Saint Brendan left at dawn with ninety passengers.\n", encoding="utf-8"
    )
    page.locator("#qa-docs-box").get_by_text("Add documents or re-index").click()
    page.click("#qa-reindex")
    page.locator("#qa-status").get_by_text("1 added").wait_for()
    reply = ask(page, "How many passengers were on the ferry Saint Brendan?")
    assert "ninety passengers" in reply.inner_text()


def test_passages_control_sets_how_many_are_considered(page):
    number = page.locator("#qa-k input[type=number]")
    number.fill("8")
    number.press("Enter")
    ask(page, "What threats are increasing in cyberspace?")
    open_passages(page)
    assert page.locator("#qa-passages tbody tr").count() == 8


def test_a_pdf_citation_shows_its_page_with_the_sentence_highlighted(page, tmp_path, ui_server):
    """Upload a PDF; its answer cites a page; the citation opens that page, rendered from the PDF, with the
    sentence highlighted where the PDF's own char boxes put it, and the extracted text beside it."""
    import pypdfium2 as pdfium

    from tests.makedocs import paragraphs_pdf

    filler = ("The observatory stands on the northern ridge above the village, where the air is dry and the nights "
              "are long in winter, which suits the work of the astronomers who come from many countries. ")
    fact = "The Vallorcine observatory recorded 314 meteors during the August shower of 2023."
    data = paragraphs_pdf([filler * 5] * 5 + [fact] + [filler * 5] * 2, header="Observatory yearbook", footer=True,
                          title="Vallorcine observatory yearbook")
    upload = tmp_path / "Observatory yearbook.pdf"
    upload.write_bytes(data)
    page.locator("#qa-docs-box").get_by_text("Add documents or re-index").click()
    page.set_input_files("#qa-upload input[type=file]", str(upload))
    page.locator("#qa-status").get_by_text("Index updated").wait_for()
    assert "Observatory_yearbook.pdf" in page.locator("#qa-status").inner_text()

    reply = ask(page, "How many meteors did the Vallorcine observatory record?")
    assert "314 meteors" in reply.inner_text()
    doc = pdfium.PdfDocument(data)
    on_page = next(i + 1 for i in range(len(doc)) if "314 meteors" in doc[i].get_textpage().get_text_range())
    assert f"Observatory_yearbook.pdf, page {on_page}" in reply.inner_text()

    highlighted = open_citation(page, reply.locator(".qa-answer p a.qa-cite").first)
    assert "314 meteors" in highlighted
    image = page.locator("#qa-viewer img.qa-page")
    image.wait_for()
    page.wait_for_function("() => { const i = document.querySelector('#qa-viewer img.qa-page'); return i && i.complete && i.naturalWidth > 0; }")
    assert f"page {on_page}" in page.locator("#qa-viewer .qa-doc-head").inner_text()
    assert f"page {on_page}" in image.get_attribute("alt")
    # where the page shows the highlight, against the PDF's own char boxes of the sentence
    tp = doc[on_page - 1].get_textpage()
    index, count = tp.search("314 meteors", match_case=True).get_next()
    boxes = [tp.get_charbox(i, loose=True) for i in range(index, index + count)]
    width, height = doc[on_page - 1].get_size()
    word_left, word_top = min(b[0] for b in boxes) / width, (height - max(b[3] for b in boxes)) / height
    marks = page.evaluate("""() => {
        const img = document.querySelector('#qa-viewer img.qa-page').getBoundingClientRect();
        return [...document.querySelectorAll('#qa-viewer .qa-page-hit')].map(m => {
            const r = m.getBoundingClientRect();
            return [(r.left - img.left) / img.width, (r.top - img.top) / img.height,
                    (r.right - img.left) / img.width, (r.bottom - img.top) / img.height];
        });
    }""")
    assert marks and any(x0 - 0.01 <= word_left <= x1 and y0 - 0.01 <= word_top <= y1 for x0, y0, x1, y1 in marks)
    page.wait_for_function("() => document.querySelector('#qa-viewer .qa-page-box').scrollTop > 0")
    page.set_viewport_size({"width": 1400, "height": 1350})  # the answer and the page in one picture (docs/pdf-page.png)
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "pdf-page-highlight")
    page.locator("#qa-viewer").screenshot(path=str(ARTIFACTS / "pdf-page-highlight-viewer.png"))
    assert page.dialogs == [] and page.errors == []
