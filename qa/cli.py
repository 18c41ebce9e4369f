"""The `qa` command: index a folder, ask questions. The only code that prints or exits."""
from __future__ import annotations

import json
import os
import sys

import click

from .errors import QAError

DEFAULTS = dict(corpus="corpus", index="embeddings")


def _qa(corpus: str, index: str, model: str | None, quiet: bool = False, store: str | None = None, **more):
    from .pipeline import QA
    from .progress import TqdmProgress

    return QA(corpus, index, model=model, progress=None if quiet else TqdmProgress(), store=store, **more)


STORE_HELP = (
    "Where the index lives: faiss (files in the index folder), milvus://PATH.db (Milvus Lite, embedded) or "
    "milvus+http://HOST:19530 (a Milvus server); options ?collection=NAME&lexical=own|milvus "
    "[default: where the index's manifest says, else faiss]"
)


def corpus_options(f):
    f = click.option("--store", default=None, metavar="STORE", help=STORE_HELP)(f)
    f = click.option("--model", default=None, help="multilingual-e5-small (packaged, the default), all-MiniLM-L6-v2 (packaged, English only), or a sentence-transformers model name or folder [default: the index's model, else multilingual-e5-small]")(f)
    f = click.option("--index", "index", default=DEFAULTS["index"], show_default=True, help="Index folder.")(f)
    f = click.option("--corpus", default=DEFAULTS["corpus"], show_default=True, help="Folder of documents (.txt, .md, .pdf, .html, .docx, .odt, .epub).")(f)
    return f


def describe_update(report, store) -> str:
    """One line on what an index refresh did."""
    return (
        f"index {report.summary}: {len(store.manifest['files'])} files, {len(store.passages)} passages, "
        f"{len(store.sentences)} sentences; {store.holds()}"
    )


def echo_skipped(report) -> None:
    for s in report.skipped:
        click.echo(f"warning: skipped {s.source}: {s.reason}", err=True)
    for n in report.notes:
        click.echo(f"note: {n.source}: {n.text}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="qa")
def cli() -> None:
    """Cited extractive question answering over a folder of documents."""


@cli.command()
@corpus_options
@click.option("--rebuild", is_flag=True, help="Re-embed everything, even unchanged files.")
@click.option("--ray", "ray", is_flag=False, flag_value="local", default=None, metavar="[ADDRESS]",
              help="Embed as a Ray Data pipeline: on this machine (--ray alone) or on the Ray cluster at ADDRESS.")
@click.option("--ray-workers", type=click.IntRange(1), default=None, metavar="N",
              help="Ray actors embedding at once, each holding a model [default: one per CPU of the Ray cluster].")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
def index(corpus: str, index: str, model: str | None, store: str | None, rebuild: bool, ray: str | None,
          ray_workers: int | None, quiet: bool) -> None:
    """Build the index of CORPUS, or bring it up to date (only changed files are re-embedded)."""
    if ray_workers is not None and ray is None:
        raise click.UsageError("--ray-workers needs --ray")
    bot = _qa(corpus, index, model, quiet, store, ray=ray, ray_workers=ray_workers)
    report = bot.refresh(rebuild=rebuild)
    echo_skipped(report)
    click.echo(describe_update(report, bot.store))


@cli.command()
@click.argument("question")
@corpus_options
@click.option("-k", "k", default=5, show_default=True, type=click.IntRange(1, 100), help="Passages to retrieve.")
@click.option("--json", "as_json", is_flag=True, help="Print the Answer as JSON.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
def ask(question: str, corpus: str, index: str, model: str | None, store: str | None, k: int, as_json: bool, quiet: bool) -> None:
    """Answer QUESTION from the documents, citing file and line."""
    from .pipeline import check_question
    from .reply import format_reply

    check_question(question)  # refuse a bad question before any indexing work
    bot = _qa(corpus, index, model, quiet or as_json, store)
    report = bot.refresh()
    echo_skipped(report)
    ans = bot.answer(question, k=k)
    if not (quiet or as_json):
        click.echo(f"index: {bot.store.holds()}", err=True)
    if as_json:
        click.echo(json.dumps(ans.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(format_reply(ans))


@cli.command()
@corpus_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 for every interface).")
@click.option("--port", default=7860, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
def serve(corpus: str, index: str, model: str | None, store: str | None, host: str, port: int) -> None:
    """Bring the index of CORPUS up to date, then serve the chat UI on http://HOST:PORT."""
    from .ui import serve as serve_chat  # imported here so that other commands never load gradio

    serve_chat(corpus, index, model, host, port, store=store)


# --------------------------------------------------------------------------- qa eval, qa calibrate

# option -> (metric, True for a floor / False for a ceiling)
GATES = {
    "min_hit1": ("hit_at_1", True),
    "min_hit": ("hit_at_k", True),
    "min_mrr": ("mrr", True),
    "min_gold_in_passages": ("gold_in_passages", True),
    "min_containment": ("containment", True),
    "min_em": ("exact_match", True),
    "min_f1": ("f1", True),
    "min_citation": ("citation_accuracy", True),
    "min_citation_recall": ("citation_recall", True),
    "min_abstain_precision": ("abstain_precision", True),
    "min_abstain_recall": ("abstain_recall", True),
    "max_false_abstention": ("false_abstention", False),
    "max_words": ("words_median", False),
}


def gate_options(f):
    share = click.FloatRange(0, 1)
    helps = {
        "min_hit1": ("--min-hit1", share, "source hit@1"),
        "min_hit": ("--min-hit", share, "source hit@k"),
        "min_mrr": ("--min-mrr", share, "MRR"),
        "min_gold_in_passages": ("--min-gold-in-passages", share, "gold answer in the top-k passages"),
        "min_containment": ("--min-containment", share, "containment"),
        "min_em": ("--min-em", share, "exact match"),
        "min_f1": ("--min-f1", share, "token F1"),
        "min_citation": ("--min-citation", share, "citation accuracy"),
        "min_citation_recall": ("--min-citation-recall", share, "citation recall"),
        "min_abstain_precision": ("--min-abstain-precision", share, "abstain precision"),
        "min_abstain_recall": ("--min-abstain-recall", share, "abstain recall"),
        "max_false_abstention": ("--max-false-abstention", share, "false abstention"),
        "max_words": ("--max-words", click.FloatRange(0), "median answer words"),
    }
    for dest, (flag, kind, what) in reversed(helps.items()):
        word = "below" if GATES[dest][1] else "above"
        f = click.option(flag, dest, type=kind, default=None, help=f"Exit 1 when {what} is {word} X.", metavar="X")(f)
    return f


def testset_options(f):
    f = click.option("--seed", default=0, show_default=True, help="Seed of --sample.")(f)
    f = click.option("--sample", type=click.IntRange(1), default=None, metavar="N", help="Ask a random N questions of each file (reproducible with --seed).")(f)
    f = click.option(
        "--unanswerable", "unanswerable", multiple=True, type=click.Path(dir_okay=False), metavar="FILE.jsonl",
        help="Also ask the questions of this test set (of another corpus) as unanswerable ones. Repeatable.",
    )(f)
    f = click.option("-k", "k", default=5, show_default=True, type=click.IntRange(1, 100), help="Passages per question that retrieval metrics look at.")(f)
    return f


def _ready_qa(corpus: str, index: str, model: str | None, quiet: bool, store: str | None = None):
    bot = _qa(corpus, index, model, quiet, store)
    report = bot.refresh()
    echo_skipped(report)
    return bot


def format_metrics(columns: dict) -> str:
    """The metrics of one or more runs as an aligned text table."""
    from .evaluation.metrics import METRICS
    from .evaluation.report import format_value

    width = max(len(label) for label, _ in METRICS.values())
    heads = list(columns)
    cols = [max(len(h), 7) for h in heads]
    lines = [" " * width + "  " + "  ".join(h.rjust(c) for h, c in zip(heads, cols))]
    for name, (label, _) in METRICS.items():
        cells = "  ".join(format_value(getattr(m, name), name).rjust(c) for m, c in zip(columns.values(), cols))
        lines.append(f"{label.ljust(width)}  {cells}")
    return "\n".join(lines)


@cli.command("eval")
@click.argument("testset", type=click.Path(dir_okay=False))
@corpus_options
@testset_options
@click.option("--threshold", type=click.FloatRange(0, 1), default=None, help="Abstention threshold [default: the index's saved one, else AnswerSettings'].")
@click.option("--compare", is_flag=True, help="Also run dense-only and BM25-only retrieval and show them side by side.")
@click.option("--calibrate", "calibrate_too", is_flag=True, help="Also print the abstention trade-off and the threshold qa calibrate would choose.")
@click.option("--json", "as_json", is_flag=True, help="Print the report (metrics and every question) as JSON.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), default=None, metavar="FILE.md", help="Write a markdown report with every miss.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
@gate_options
def eval_command(testset, corpus, index, model, store, k, unanswerable, sample, seed, threshold, compare, calibrate_too, as_json, report_path, quiet, **gates):
    """Measure retrieval, answers, citations, abstention and latency on TESTSET (JSONL)."""
    from .evaluation.gates import check_gates
    from .evaluation.run import METHOD_LABELS, evaluate
    from .evaluation.run import compare as compare_methods
    from .progress import TqdmProgress

    quiet = quiet or as_json
    bot = _ready_qa(corpus, index, model, quiet, store)
    progress = None if quiet else TqdmProgress()
    options = dict(k=k, threshold=threshold, unanswerable=unanswerable, sample=sample, seed=seed, progress=progress)
    if compare:
        reports = compare_methods(testset, bot, **options)
        report = reports["hybrid"]
    else:
        report = evaluate(testset, bot, **options)
        reports = {report.method: report}
    if report_path:
        from .evaluation.report import write_report

        write_report(report, report_path, reports if compare else None)
    if as_json:
        payload = {m: r.to_dict() for m, r in reports.items()} if compare else report.to_dict()
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        m = report.metrics
        extra = f" + unanswerable from {', '.join(report.unanswerable_sets)}" if report.unanswerable_sets else ""
        click.echo(f"{report.testset}{extra}: {m.questions} questions ({m.answerable} answerable, {m.unanswerable} unanswerable)")
        click.echo(f"k={report.k}, abstention threshold {report.threshold:.3f}, index {report.index} ({bot.store.holds()})")
        click.echo("")
        click.echo(format_metrics({METHOD_LABELS.get(name, name): r.metrics for name, r in reports.items()}))
        if calibrate_too:
            from .evaluation.calibration import calibrate

            click.echo("")
            click.echo(format_calibration(calibrate(report.results), report, report.threshold))
        if report_path:
            click.echo(f"\nreport written to {report_path}")
    minimums = {GATES[o][0]: v for o, v in gates.items() if v is not None and GATES[o][1]}
    maximums = {GATES[o][0]: v for o, v in gates.items() if v is not None and not GATES[o][1]}
    failures = check_gates(report.metrics, minimums, maximums)
    for f in failures:
        click.echo(f"gate failed: {f}", err=True)
    if failures:
        sys.exit(1)


@cli.command("calibrate")
@click.argument("testset", type=click.Path(dir_okay=False))
@corpus_options
@testset_options
@click.option("--max-false-abstention", "max_false", type=click.FloatRange(0, 1), default=0.05, show_default=True, help="Largest share of answerable questions it may abstain on.")
@click.option("--save", is_flag=True, help="Save the chosen threshold into the index folder (settings.json); QA uses it from then on.")
@click.option("--json", "as_json", is_flag=True, help="Print the calibration as JSON.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
def calibrate_command(testset, corpus, index, model, store, k, unanswerable, sample, seed, max_false, save, as_json, quiet):
    """Choose the abstention threshold that best separates answerable from unanswerable questions of TESTSET."""
    from .evaluation.calibration import calibrate
    from .evaluation.run import evaluate
    from .saved_settings import save_threshold
    from .progress import TqdmProgress

    quiet = quiet or as_json
    bot = _ready_qa(corpus, index, model, quiet, store)
    current = bot.answer_settings.min_confidence
    report = evaluate(testset, bot, k=k, unanswerable=unanswerable, sample=sample, seed=seed, progress=None if quiet else TqdmProgress())
    cal = calibrate(report.results, max_false)
    saved = None
    if save:
        sets = ", ".join([testset, *unanswerable])
        saved = save_threshold(bot.index_dir, cal.threshold, f"qa calibrate on {sets}: {cal.rule}")
    if as_json:
        click.echo(json.dumps({**cal.to_dict(), "current": current, "saved_to": str(saved) if saved else None}, indent=2))
        return
    click.echo(format_calibration(cal, report, current))
    if saved:
        click.echo(f"saved min_confidence={cal.threshold:.4g} to {saved}")
    else:
        click.echo("run again with --save to use it for this index")


def format_calibration(cal, report, current: float) -> str:
    """The threshold sweep as a text table, the chosen row marked, and how the current threshold does."""
    lines = [f"{cal.answerable} answerable and {cal.unanswerable} unanswerable questions; rule: {cal.rule}", ""]
    lines.append("threshold  abstain precision  abstain recall  false abstention  containment")
    for row in cal.rows:
        mark = " <- chosen" if row.threshold == cal.chosen.threshold else (" <- current" if abs(row.threshold - current) < 1e-9 else "")
        cells = [_share_text(v) for v in (row.abstain_precision, row.abstain_recall, row.false_abstention, row.containment)]
        lines.append(f"{row.threshold:9.3f}  {cells[0]:>17}  {cells[1]:>14}  {cells[2]:>16}  {cells[3]:>11}{mark}")
    now = report.at(current)
    lines += [
        "",
        f"chosen threshold {cal.threshold:.3f} (current {current:.3f}: abstain recall {_share_text(now.abstain_recall)}, "
        f"false abstention {_share_text(now.false_abstention)})",
    ]
    return "\n".join(lines)


def _share_text(value) -> str:
    return "–" if value is None else f"{value:.3f}"


@cli.command("near-topic")
@click.argument("testset", type=click.Path(dir_okay=False))
@click.option("--corpus", default="corpus", show_default=True, type=click.Path(file_okay=False), help="The test set's corpus folder.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Folder to write corpus/ and questions.jsonl into.")
@click.option("--sample", default=150, show_default=True, type=click.IntRange(1), help="Questions made near-topic.")
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of the sample.")
def near_topic_command(testset, corpus, out_dir, sample, seed):
    """Make a near-topic test set from TESTSET: SAMPLE questions lose their answer sentences from a copy of the corpus.

    Then `qa eval OUT/questions.jsonl --corpus OUT/corpus --index DIR` measures abstention on those
    questions (about their documents, but answered nowhere) and false abstention on the rest.
    """
    from .evaluation.near_topic import make_near_topic_set

    made = make_near_topic_set(testset, corpus, out_dir, sample, seed)
    click.echo(f"{made.near_topic} near-topic questions and {made.answerable} answerable ones in {made.questions}; corpus in {made.corpus}")


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

