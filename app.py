"""The chat UI: a thin Gradio shell over qa.QA (placeholder until the chat-UI issue lands)."""
from __future__ import annotations

import argparse

import gradio as gr

from qa import QA, QAError
from qa.progress import TqdmProgress


def build(bot: QA) -> gr.Blocks:
    def chat(message: str, history: list) -> str:
        try:
            ans = bot.answer(message)
        except QAError as err:
            raise gr.Error(str(err))
        if ans.text is None:
            return "The documents do not answer this question."
        cites = "\n".join(f"[{c.number}] {c.source}:{c.line}" for c in ans.citations)
        return f"{ans.text}\n\n{cites}"

    return gr.ChatInterface(chat, title="Ask your documents", api_name="chat")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", default="corpus")
    parser.add_argument("--index", default="embeddings")
    parser.add_argument("--model", default=None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7860)
    parser.add_argument("--concurrency", type=int, default=None, help="questions answered at once [default: Gradio's, 1]")
    args = parser.parse_args()
    bot = QA(args.corpus, args.index, model=args.model, progress=TqdmProgress())
    bot.refresh()
    bot.warm_up()  # load the model before serving: the first question would otherwise wait seconds for it
    demo = build(bot)
    if args.concurrency:
        demo.queue(default_concurrency_limit=args.concurrency)
    demo.launch(server_name=args.host, server_port=args.port)


if __name__ == "__main__":
    main()
