"""The chat page: a thin Gradio shell over qa.QA, with /chat and /answer API endpoints; `qa serve` runs it."""
from __future__ import annotations

import logging
import sys
from html import escape
from pathlib import Path

import gradio as gr

from ..documents import MAX_UPLOAD_BYTES, UPLOAD_SUFFIXES, cited_page, read_source, save_upload
from ..errors import QAError
from ..formats import locate
from ..formats.cache import ExtractCache
from ..followup import resolve_conversation
from ..pipeline import QA, check_question
from .render import (
    CSS, cite_strong, parse_cite_href, render_document, render_passages, render_question, render_reply, render_sources, render_update,
    render_viewer_placeholder, reply_text,
)

log = logging.getLogger("qa.app")
DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "corpus"  # the corpus/ folder of the repository
# Questions the seed corpus answers well (checked with the real model); shown on an empty chat.
EXAMPLES = [
    "How many representatives attended the conferences?",
    "Who is the first deputy chairman of the State Security Service?",
    "What are the East-Anti-Terror-2024 exercises?",
    "What threats are increasing in cyberspace?",
    "Combien de représentants ont participé aux conférences ?",
]
# One listener for the whole page: a click (or Enter) on any citation link (#qa-cite:...) asks the source view
# (this component) for that span of that file; when the view changes, its highlight scrolls into view.
CITATION_JS = """
window.qaOpenCitation = (href) => trigger('cite', {href: href});
if (!window.qaCitationListener) {
  window.qaCitationListener = true;
  const handle = (e) => {
    const el = e.target.closest && e.target.closest('a[href^="#qa-cite:"]');
    if (!el || (e.type === 'keydown' && e.key !== 'Enter' && e.key !== ' ')) return;
    e.preventDefault(); e.stopPropagation();
    window.qaOpenCitation(el.getAttribute('href'));
  };
  document.addEventListener('click', handle, true);
  document.addEventListener('keydown', handle, true);
}
watch('value', () => {
  const hit = element.querySelector('#qa-hit');
  if (hit) hit.scrollIntoView({block: 'center'});
  const box = element.querySelector('.qa-page-box'), onPage = element.querySelector('.qa-page-hit');
  if (box && onPage) {  // a PDF page beside the text: scroll it to the highlight once the image has its size
    const img = box.querySelector('img');
    const go = () => { box.scrollTop = Math.max(0, onPage.offsetTop - box.clientHeight / 3); };
    if (img && !img.complete) img.addEventListener('load', go, {once: true}); else go();
  }
});
"""


def readable(err: Exception) -> str:
    """An error as one sentence for the page; unexpected ones are logged with their traceback."""
    if isinstance(err, QAError):
        return str(err)
    log.exception("unexpected error in the chat UI")
    return f"something went wrong ({type(err).__name__}: {err}); the app is still running, try again"


def build(bot: QA, examples: list[str] | None = None) -> gr.Blocks:
    """The chat page and its API endpoints (/chat, /answer) for one QA."""

    cache = ExtractCache(bot.index_dir)  # text extracted from PDF, HTML and Word files, by file hash

    def indexed() -> dict:
        return bot.store.manifest["files"]

    def read_or_none(source: str):
        try:
            return read_source(bot.corpus_dir, source, indexed(), cache)
        except QAError:
            return None

    def accept(message: str, history: list, conversation: list):
        try:
            check_question(message)
        except QAError as err:
            raise gr.Error(str(err), title="Cannot ask this") from None
        return "", [*history, {"role": "user", "content": render_question(message)}], [*conversation, message]

    def pick_example(history: list, conversation: list, evt: gr.SelectData):
        return accept(evt.value["text"], history, conversation)

    def respond(history: list, conversation: list, k: float):
        try:
            resolution = resolve_conversation(conversation)
            ans = bot.answer(resolution.question, k=int(k), context=" ".join(resolution.added) or None)
        except Exception as err:  # shown in the chat, the app keeps serving
            reply = f'<div class="qa-abstain"><strong>Sorry:</strong> {escape(readable(err))}</div>'
            return [*history, {"role": "assistant", "content": reply}], gr.skip(), gr.skip()
        reply = {"role": "assistant", "content": render_reply(ans, resolution)}
        return [*history, reply], render_sources(ans, read_or_none), render_passages(ans.hits)

    def show_source(evt: gr.EventData):
        try:
            href = (evt._data or {}).get("href")
            cited = parse_cite_href(href)
            if cited is None:
                raise QAError("that link does not name a document of the corpus")
            source, start, end = cited
            files = indexed()
            doc = read_source(bot.corpus_dir, source, files, cache)
            location = locate(files[source].get("blocks"), start, doc.text.count("\n", 0, start) + 1) if doc.format != "text" else None
            png, boxes = None, ()
            if doc.format == "pdf" and doc.text[start:end].strip():
                hl, png = cited_page(bot.corpus_dir, source, start, end, files, cache)
                boxes = hl.areas
            return render_document(doc, start, end, files[source].get("sha256"), strong=cite_strong(href),
                                   location=location, page_png=png, page_boxes=boxes)
        except Exception as err:
            raise gr.Error(readable(err), title="Cannot show this source") from None

    def add_files(paths: list[str] | None, progress=gr.Progress()):
        lines = []
        for path in paths or []:
            name = Path(path).name
            try:
                data = Path(path).read_bytes()
                saved = save_upload(bot.corpus_dir, name, data, cache,
                                    lambda done, total, name=name: progress((done, total), desc=f"reading {name}"))
                lines.append(f"- added **{_md(saved.source)}**" if saved.new else f"- {_md(saved.source)} is already in the corpus")
            except Exception as err:
                lines.append(f"- not added: {_md(readable(err))}")
        return "\n".join([*lines, reindex(progress)]), None

    def reindex(progress=gr.Progress()):
        try:
            report = bot.refresh(progress=lambda stage, done, total: progress((done, total), desc=stage))
            store = bot.store
            return _md(render_update(report, len(store.manifest["files"]), len(store.passages)))
        except Exception as err:
            return f"Index trouble: {_md(readable(err))}"

    def new_conversation():
        return [], [], render_sources(None), "", render_viewer_placeholder()

    def chat(message: str, history: list[dict] | None = None, passages: int = 5) -> str:
        """Answer a question from the documents (plain text with [n] markers and sources); `history` is the
        conversation so far as messages ({"role", "content"}) so that follow-up questions are understood."""
        ans, resolution = _answer_api(message, history, passages)
        return reply_text(ans, resolution)

    def answer(message: str, history: list[dict] | None = None, passages: int = 5) -> dict:
        """The whole Answer as JSON (text, citations, hits, confidence, reason) and the question as asked."""
        ans, resolution = _answer_api(message, history, passages)
        return {**ans.to_dict(), "asked": resolution.asked}

    def _answer_api(message, history, passages):
        try:
            check_question(message)
            earlier = [_text(m) for m in history or [] if isinstance(m, dict) and m.get("role") == "user"]
            resolution = resolve_conversation([*[q for q in earlier if q.strip()], message])
            return bot.answer(resolution.question, k=max(1, min(int(passages), 50)), context=" ".join(resolution.added) or None), resolution
        except Exception as err:
            raise gr.Error(readable(err)) from None

    with gr.Blocks(title="Ask your documents") as demo:
        conversation = gr.State([])
        gr.Markdown(
            "## Ask your documents\nAnswers are sentences quoted word for word from the files, "
            "each with its source. Click a marker such as **[1]** to read it in its document."
        )
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    label="Chat", elem_id="qa-chat", height=480, latex_delimiters=[], feedback_options=None,
                    examples=[{"text": q} for q in examples or []], placeholder="Ask a question about the documents.",
                    buttons=[],  # a copy button would copy the message's HTML, not its text
                )
                with gr.Row():
                    box = gr.Textbox(show_label=False, placeholder="Ask a question and press Enter", scale=5,
                                     elem_id="qa-question", max_lines=4)
                    send = gr.Button("Ask", variant="primary", scale=1, elem_id="qa-ask")
                with gr.Row(equal_height=True):
                    k = gr.Slider(1, 20, value=5, step=1, label="Passages to consider", elem_id="qa-k", scale=4)
                    clear = gr.Button("New conversation", size="md", variant="secondary", scale=1)
                with gr.Accordion("Passages the answer was drawn from", open=False, elem_id="qa-passages-box"):
                    passages_view = gr.HTML("", js_on_load=None, elem_id="qa-passages")
            with gr.Column(scale=2):
                sources = gr.HTML(render_sources(None), js_on_load=None, elem_id="qa-sources")
                viewer = gr.HTML(render_viewer_placeholder(), js_on_load=CITATION_JS, elem_id="qa-viewer")
        with gr.Accordion("Add documents or re-index", open=False, elem_id="qa-docs-box"):
            with gr.Row():
                upload = gr.File(label="Add documents to the corpus (.txt, .md, .pdf, .html, .docx, .odt, .epub)", file_count="multiple",
                                 file_types=list(UPLOAD_SUFFIXES), type="filepath", elem_id="qa-upload")
                with gr.Column():
                    rescan = gr.Button("Re-index (pick up files changed on disk)", elem_id="qa-reindex")
                    status = gr.Markdown(elem_id="qa-status")

        # Checking a question is instant (no limit), but it goes through the queue: only queued events show gr.Error.
        asked = dict(inputs=[box, chatbot, conversation], outputs=[box, chatbot, conversation], concurrency_limit=None,
                     api_visibility="private")
        answered = dict(fn=respond, inputs=[chatbot, conversation, k], outputs=[chatbot, sources, passages_view],
                        concurrency_limit=4, concurrency_id="answer", show_progress="minimal", api_visibility="private")
        box.submit(accept, **asked).success(**answered)
        send.click(accept, **asked).success(**answered)
        chatbot.example_select(pick_example, [chatbot, conversation], [box, chatbot, conversation],
                               concurrency_limit=None, api_visibility="private").success(**answered)
        clear.click(new_conversation, None, [chatbot, conversation, sources, passages_view, viewer], queue=False,
                    api_visibility="private")
        chatbot.clear(new_conversation, None, [chatbot, conversation, sources, passages_view, viewer], queue=False,
                      api_visibility="private")
        viewer.cite(show_source, None, viewer, concurrency_limit=8, api_visibility="private")
        # Index changes run one at a time; answers keep using the index version they started with.
        upload.upload(add_files, upload, [status, upload], concurrency_limit=1, concurrency_id="index",
                      api_visibility="private")
        rescan.click(reindex, None, status, concurrency_limit=1, concurrency_id="index", api_visibility="private")
        demo.load(lambda: _md(_status(bot)), None, status, concurrency_limit=None, api_visibility="private")
        gr.api(chat, api_name="chat", concurrency_limit=4, concurrency_id="answer")
        gr.api(answer, api_name="answer", concurrency_limit=4, concurrency_id="answer")
    demo.queue(max_size=64, default_concurrency_limit=2)
    return demo


def _status(bot: QA) -> str:
    store = bot.store
    return f"Corpus `{bot.corpus_dir}`: {len(store.manifest['files'])} files, {len(store.passages)} passages; {store.holds()}."


def _md(text: str) -> str:
    """Text shown literally inside Markdown (file names and messages may hold * _ [ ] < >)."""
    return "".join("\\" + c if c in "\\`*_{}[]()#+-.!|~" else c for c in escape(text, quote=False))


def _text(message: dict) -> str:
    content = message.get("content")
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return str(content or "")


def launch(demo: gr.Blocks, host: str = "127.0.0.1", port: int = 7860, block: bool = True):
    """Serve the page; with block=False return at once (for tests), the server running in a thread."""
    return demo.launch(
        server_name=host, server_port=port, css=CSS, prevent_thread_lock=not block, show_error=False,
        max_file_size=MAX_UPLOAD_BYTES, footer_links=["api"], quiet=not block,
    )


def serve(corpus: str, index: str, model: str | None, host: str, port: int, store: str | None = None) -> None:
    """Refresh the index of `corpus` (progress on stderr), then serve the chat until interrupted."""
    from ..progress import TqdmProgress

    bot = QA(corpus, index, model=model, progress=TqdmProgress(), store=store)
    report = bot.refresh()
    bot.warm_up()  # load the model before serving: the first question would otherwise wait seconds for it
    print(render_update(report, len(bot.store.manifest["files"]), len(bot.store.passages)), file=sys.stderr)
    examples = EXAMPLES if Path(corpus).resolve() == DEFAULT_CORPUS else None
    launch(build(bot, examples), host, port)

