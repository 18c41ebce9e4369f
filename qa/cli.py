"""The `qa` command: index a folder, ask questions. The only code that prints or exits."""
from __future__ import annotations

import json
import os
import sys

import click

from .errors import QAError

DEFAULTS = dict(corpus="corpus", index="embeddings")


def _qa(corpus: str, index: str, model: str | None, quiet: bool = False):
    from .pipeline import QA
    from .progress import TqdmProgress

    return QA(corpus, index, model=model, progress=None if quiet else TqdmProgress())


def corpus_options(f):
    f = click.option("--model", default=None, help="sentence-transformers model name or folder [default: the index's model, else all-MiniLM-L6-v2]")(f)
    f = click.option("--index", "index", default=DEFAULTS["index"], show_default=True, help="Index folder.")(f)
    f = click.option("--corpus", default=DEFAULTS["corpus"], show_default=True, help="Folder of .txt/.md documents.")(f)
    return f


def describe_update(report, store) -> str:
    """One line on what an index refresh did."""
    if report.rebuilt:
        what = f"built ({report.reason})"
    elif report.touched:
        parts = [f"{len(v)} {k}" for k, v in (("added", report.added), ("changed", report.changed), ("removed", report.removed)) if v]
        what = "updated: " + ", ".join(parts)
    else:
        what = "up to date"
    return f"index {what}: {len(store.manifest['files'])} files, {len(store.passages)} passages, {len(store.sentences)} sentences"


def echo_skipped(report) -> None:
    for s in report.skipped:
        click.echo(f"warning: skipped {s.source}: {s.reason}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="qa")
def cli() -> None:
    """Cited extractive question answering over a folder of documents."""


@cli.command()
@corpus_options
@click.option("--rebuild", is_flag=True, help="Re-embed everything, even unchanged files.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
def index(corpus: str, index: str, model: str | None, rebuild: bool, quiet: bool) -> None:
    """Build the index of CORPUS, or bring it up to date (only changed files are re-embedded)."""
    bot = _qa(corpus, index, model, quiet)
    report = bot.refresh(rebuild=rebuild)
    echo_skipped(report)
    click.echo(describe_update(report, bot.store))


@cli.command()
@click.argument("question")
@corpus_options
@click.option("-k", "k", default=5, show_default=True, type=click.IntRange(1, 100), help="Passages to retrieve.")
@click.option("--json", "as_json", is_flag=True, help="Print the Answer as JSON.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
def ask(question: str, corpus: str, index: str, model: str | None, k: int, as_json: bool, quiet: bool) -> None:
    """Answer QUESTION from the documents, citing file and line."""
    from .pipeline import check_question

    check_question(question)  # refuse a bad question before any indexing work
    bot = _qa(corpus, index, model, quiet or as_json)
    report = bot.refresh()
    echo_skipped(report)
    ans = bot.answer(question, k=k)
    if as_json:
        click.echo(json.dumps(ans.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(format_answer(ans))


@cli.command()
@corpus_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 for every interface).")
@click.option("--port", default=7860, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
def serve(corpus: str, index: str, model: str | None, host: str, port: int) -> None:
    """Bring the index of CORPUS up to date, then serve the chat UI on http://HOST:PORT."""
    import app  # the Gradio UI (app.py beside this package); imported here so other commands never load gradio

    app.serve(corpus, index, model, host, port)


def format_answer(ans) -> str:
    """The answer as a person reads it in a terminal: quoted sentences, then numbered sources."""
    lines = []
    if ans.reason and ans.text is not None:
        lines.append(f"note: {ans.reason}")
    if ans.text is None:
        lines.append("The documents do not answer this question.")
        if ans.reason:
            lines.append(f"({ans.reason})")
        if ans.hits:
            lines.append("")
            lines.append("Closest passages:")
            for h in ans.hits[:3]:
                lines.append(f"  {h.source}:{h.line}  {_clip(h.text)}")
        return "\n".join(lines)
    lines.append(ans.text)
    lines.append("")
    for c in ans.citations:
        lines.append(f"[{c.number}] {c.source}:{c.line}")
    return "\n".join(lines)


def _clip(text: str, n: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the CLI, turning errors into one line on stderr and exit status 1."""
    try:
        cli.main(args=argv, prog_name="qa", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.UsageError as err:
        where = err.ctx.command_path if err.ctx else "qa"
        click.echo(f"error: {err.format_message()} (see '{where} --help')", err=True)
        sys.exit(err.exit_code)
    except click.ClickException as err:
        click.echo(f"error: {err.format_message()}", err=True)
        sys.exit(err.exit_code)
    except QAError as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as err:  # a bug: say so in one line unless asked for the traceback
        if os.environ.get("QA_DEBUG"):
            raise
        click.echo(f"error: unexpected {type(err).__name__}: {err} (set QA_DEBUG=1 for the traceback)", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
