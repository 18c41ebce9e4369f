"""qa.evaluation: test-set loading, every metric on hand-made cases, calibration, reports, and the `qa eval` gates."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from qa import QA, AnswerSettings, EvalSetError, SettingsError
from qa.cli import cli, main
from qa.evaluation.calibration import calibrate
from qa.evaluation.gates import check_gates
from qa.evaluation.matching import contains_answer, count_words, exact_match, f1_score, normalize_answer, strip_citations
from qa.evaluation.metrics import compute_metrics, percentile
from qa.evaluation.report import write_report
from qa.evaluation.run import EvalReport, evaluate
from qa.evaluation.scoring import answer_sentences, score_answer
from qa.evaluation.testset import EvalQuestion, check_sources, load_testset, sample_questions
from qa.saved_settings import save_threshold
from qa.types import Answer, Citation, Hit, Quote, quotes_text

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "corpus"
SEEDS_QA = ROOT / "tests" / "data" / "seeds_qa.jsonl"


# --------------------------------------------------------------------------- normalisation and answer metrics


@pytest.mark.parametrize(
    "text, lang, expected",
    [
        ("The Cat's  hat!", "en", "cats hat"),
        ("An apple, a pear; the end.", "en", "apple pear end"),
        ("«Bonjour» — dit-il…", "en", "bonjour ditil"),  # Unicode punctuation goes too
        ("L'homme et la femme", "fr", "homme et femme"),
        ("les enfants d’une école", "fr", "enfants d école"),
        ("la femme", "en", "la femme"),  # French articles only for French
        ("Des pommes, un fruit", "fr", "pommes fruit"),
    ],
)
def test_normalize_answer(text, lang, expected):
    assert normalize_answer(text, lang) == expected


def test_normalize_answer_can_split_at_punctuation():
    assert normalize_answer("Manning's 24-yard pass", split_punctuation=True) == "manning s 24 yard pass"
    assert normalize_answer("Manning's 24-yard pass") == "mannings 24yard pass"


def test_strip_citations_and_count_words():
    assert strip_citations("It gave up 308 points. [1][2] Then it won. [3]") == "It gave up 308 points. Then it won."
    assert count_words("It gave up 308 points. [1][2] Then it won. [3]") == 8


@pytest.mark.parametrize(
    "text, golds, expected",
    [
        ("The defense gave up 308 points. [1]", ["308"], True),
        ("The defense gave up 3080 points. [1]", ["308"], False),  # whole words only
        ("Despite Manning's problems, he won.", ["Manning"], True),  # punctuation separates words
        ("Six-time Grammy winner Lady Gaga sang.", ["six"], True),
        ("They got the ball on their own 24-yard line.", ["24"], True),
        ("It rose by 90.2 percent.", ["90.2 percent"], True),
        ("It rose by 90 percent.", ["90.2 percent"], False),
        ("Panthers won. [1]", ["the Panthers"], True),  # articles do not count
        ("It was [1] cold.", ["1"], False),  # citation markers are not answer text
        ("Nothing here.", ["308", "Paris"], False),
        ("They met in Paris. [2]", ["308", "Paris"], True),  # any gold will do
        # Chinese: a character is a word, and a number or Latin name beside one is a word too (MLQA's segmentation)
        ("黑豹队的防守只丢了 308分，在联赛中排名第六。", ["308"], True),
        ("黑豹队的防守只丢了3080分。", ["308"], False),
        ("它们共拦截了 136次。", ["136 次"], True),
        ("黑豹队的防守只丢了 308分。", ["308 分"], True),
        ("以 24 次拦截领先国家橄榄球联盟 (NFL)。", ["NFL"], True),
        ("以 24 次拦截领先国家橄榄球联盟NFLX。", ["NFL"], False),
        ("丹佛野马队赢得了比赛。", ["野马"], True),
    ],
)
def test_contains_answer(text, golds, expected):
    assert contains_answer(text, golds) is expected


def test_exact_match_and_f1_by_hand():
    assert exact_match("The Eiffel Tower.", "eiffel tower") == 1.0
    assert exact_match("Eiffel Tower in Paris", "Eiffel Tower") == 0.0
    # pred tokens [cat, sat, on, mat], gold [cat, on, mat]: P = 3/4, R = 1, F1 = 2PR/(P+R) = 6/7
    assert f1_score("the cat sat on the mat", "cat on mat") == pytest.approx(6 / 7)
    # repeated tokens count as often as both sides hold them: [x, y, y] vs [y, y, z] -> 2 common, P = R = 2/3
    assert f1_score("x y y", "y y z") == pytest.approx(2 / 3)
    assert f1_score("nothing shared", "else") == 0.0
    assert f1_score("the", "a") == 1.0  # both empty after normalisation
    # Chinese by MLQA's mixed segmentation: [308, 分] against [308]: P = 1/2, R = 1, F1 = 2/3
    assert f1_score("308分", "308") == pytest.approx(2 / 3)
    assert exact_match("308 分", "308分") == 1.0
    assert f1_score("丹佛野马队", "野马") == pytest.approx(2 * (2 / 5) / (2 / 5 + 1))


def test_percentile_interpolates_like_numpy():
    assert percentile([50, 10, 40, 20, 30], 50) == 30
    assert percentile([10, 20, 30, 40, 50], 95) == pytest.approx(48)  # rank 3.8 -> 40 + 0.8 * 10
    assert percentile([], 50) is None


def _answer(quotes, cited, hits, confidence):
    """An Answer quoting (sentence, citation numbers) pairs, citing the files `cited` as [1], [2], ..."""
    quotes = [Quote(text, tuple(numbers)) for text, numbers in quotes]
    citations = [Citation(i, s, 0, 1, 1, "q") for i, s in enumerate(cited, 1)]
    hits = [Hit(s, t, 1.0, 0, len(t), 1, i) for i, (s, t) in enumerate(hits)]
    return Answer("q?", quotes_text(quotes), citations, hits, confidence, quotes=quotes)


def test_answer_sentences_follow_the_citation_numbers():
    ans = _answer([("Alpha is one.", [1]), ("Gamma [12] rises [3].", [2, 3])], ["a.txt", "b.txt", "c.txt"], [], 0.9)
    assert ans.text == "Alpha is one. [1] Gamma [12] rises [3]. [2][3]"
    got = [(s.text, s.sources) for s in answer_sentences(ans)]
    # "[12]" and "[3]." inside the quoted sentence are its words, not citations
    assert got == [("Alpha is one.", ("a.txt",)), ("Gamma [12] rises [3].", ("b.txt", "c.txt"))]
    assert answer_sentences(_answer([], [], [], 0.1)) == []


def _q(qid, answers, sources, line=1):
    return EvalQuestion(f"question {qid}?", tuple(answers), tuple(sources), qid, "en", "set.jsonl", line)


def hand_results():
    """Five questions whose figures are worked out by hand in the tests below (k = 2)."""
    cases = [
        # answerable; gold source second; answer holds the gold and cites it
        (_q("q1", ["308"], ["a.txt"]), _answer([("They gave up 308 points.", [1])], ["a.txt"], [("b.txt", "nothing"), ("a.txt", "gave up 308 points")], 0.8)),
        # answerable with two gold sources; the gold is in the second sentence, which cites one of them
        (_q("q2", ["Paris"], ["c.txt", "d.txt"]), _answer([("Lyon is big.", [1]), ("Paris is the capital.", [2])], ["e.txt", "d.txt"], [("c.txt", "Paris is the capital")], 0.4)),
        # answerable; retrieval missed it; low confidence
        (_q("q3", ["blue"], ["a.txt"]), _answer([("Red it is.", [1])], ["b.txt"], [("b.txt", "red")], 0.2)),
        # unanswerable, answered with some confidence
        (_q("q4", [], []), _answer([("Something here.", [1])], ["a.txt"], [("a.txt", "something")], 0.35)),
        # unanswerable; nothing readable came back
        (_q("q5", [], []), _answer([], [], [], 0.0)),
    ]
    return [score_answer(q, a, 2, ms) for (q, a), ms in zip(cases, [10, 20, 30, 40, 50])]


def test_per_question_figures_by_hand():
    r1, r2, r3, r4, r5 = hand_results()
    assert (r1.source_rank, r1.gold_in_passages, r1.contains, r1.words) == (2, True, True, 5)
    assert r1.f1 == pytest.approx(1 / 3)  # [they, gave, up, 308, points] vs [308]: P = 1/5, R = 1
    assert (r1.citation_ok, r1.citation_recall) == (True, 1.0)
    assert (r2.source_rank, r2.contains, r2.f1, r2.words) == (1, True, 0.0, 7)  # F1 is of the first sentence
    assert (r2.citation_ok, r2.citation_recall) == (True, 0.5)  # cites d.txt of {c.txt, d.txt}
    assert (r3.source_rank, r3.gold_in_passages, r3.contains, r3.citation_ok) == (None, False, False, None)
    assert r5.abstains(0.0) and not r4.abstains(0.3) and r4.abstains(0.5)


def test_metrics_by_hand_at_two_thresholds():
    results = hand_results()
    m = compute_metrics(results, 0.3, k=2)  # abstains on q3 (0.2) and q5 (no answer)
    assert (m.questions, m.answerable, m.unanswerable) == (5, 3, 2)
    assert m.hit_at_1 == pytest.approx(1 / 3)  # q2 only
    assert m.hit_at_k == pytest.approx(2 / 3)  # q1, q2
    assert m.mrr == pytest.approx((1 / 2 + 1 + 0) / 3)
    assert m.gold_in_passages == pytest.approx(2 / 3)
    assert m.containment == pytest.approx(2 / 3)
    assert m.containment_no_abstention == pytest.approx(2 / 3)
    assert m.exact_match == 0.0
    assert m.f1 == pytest.approx((1 / 3) / 3)
    assert (m.words_median, m.words_mean) == (5.0, pytest.approx(14 / 3))  # answers given: q1 5, q2 7, q4 2 words
    assert m.citation_accuracy == 1.0
    assert m.citation_recall == pytest.approx(0.75)
    assert m.abstain_precision == pytest.approx(1 / 2)  # abstained on q3 (answerable) and q5 (unanswerable)
    assert m.abstain_recall == pytest.approx(1 / 2)
    assert m.false_abstention == pytest.approx(1 / 3)
    assert (m.latency_p50_ms, m.latency_p95_ms) == (30, pytest.approx(48))

    m = compute_metrics(results, 0.5, k=2)  # abstains on q2, q3, q4, q5
    assert m.containment == pytest.approx(1 / 3)
    assert m.containment_no_abstention == pytest.approx(2 / 3)  # does not depend on the threshold
    assert m.abstain_precision == pytest.approx(2 / 4)
    assert m.abstain_recall == 1.0
    assert m.false_abstention == pytest.approx(2 / 3)
    assert m.citation_accuracy == 1.0 and m.citation_recall == 1.0  # only q1 is shown
    assert m.hit_at_k == pytest.approx(2 / 3)  # retrieval does not depend on the threshold


def test_metrics_without_unanswerable_questions_are_none():
    m = compute_metrics(hand_results()[:3], 0.3, k=2)
    assert m.abstain_recall is None and m.unanswerable == 0


def test_calibrate_by_hand():
    results = hand_results()
    # confidences 0.2 (q3, answerable), 0.35 (q4, unanswerable), 0.4 (q2), 0.8 (q1); q5 always abstains.
    # Candidates 0, 0.275, 0.375, 0.6: only 0 keeps false abstention at 0 (recall 1/2).
    cal = calibrate(results, max_false_abstention=0.05)
    assert cal.threshold == 0.0
    assert (cal.chosen.abstain_recall, cal.chosen.false_abstention) == (0.5, 0.0)
    # allowing 0.4: 0.375 abstains on q3, q4, q5 -> recall 1, false abstention 1/3
    cal = calibrate(results, max_false_abstention=0.4)
    assert cal.threshold == pytest.approx(0.375)
    assert cal.chosen.abstain_recall == 1.0 and cal.chosen.false_abstention == pytest.approx(1 / 3)
    assert cal.chosen.abstain_precision == pytest.approx(2 / 3)
    assert cal.chosen.containment == pytest.approx(2 / 3)
    assert cal.chosen in cal.rows and [r.threshold for r in cal.rows] == sorted(r.threshold for r in cal.rows)
    # the sweep agrees with the full metrics at every row
    for row in cal.rows:
        m = compute_metrics(results, row.threshold, k=2)
        assert (row.abstain_recall, row.false_abstention, row.containment) == (m.abstain_recall, m.false_abstention, m.containment)


def test_calibrate_prefers_separation_over_the_last_unanswerable_question():
    answerable = [0.5, 0.6, 0.7, 0.8]
    unanswerable = [0.1, 0.2, 0.65]
    results = [
        score_answer(_q(f"q{i}", ["x"] if i < 4 else [], ["a.txt"] if i < 4 else []), _answer([("x y.", [1])], ["a.txt"], [], c), 1, 1.0)
        for i, c in enumerate(answerable + unanswerable)
    ]
    # 0.35 abstains on 0.1 and 0.2: recall 2/3, no false abstention (J = 2/3);
    # catching 0.65 too needs 0.675, which abstains on 0.5 and 0.6: recall 1, false abstention 1/2 (J = 1/2)
    cal = calibrate(results, max_false_abstention=1.0)
    assert cal.threshold == pytest.approx(0.35)
    assert (cal.chosen.abstain_recall, cal.chosen.false_abstention) == (pytest.approx(2 / 3), 0.0)


def test_calibrate_needs_both_kinds_of_question():
    with pytest.raises(EvalSetError, match="0 unanswerable"):
        calibrate(hand_results()[:3])


def test_gates():
    m = compute_metrics(hand_results(), 0.3, k=2)
    assert check_gates(m, {"hit_at_k": 2 / 3}, {"false_abstention": 1 / 3}) == []
    failures = check_gates(m, {"hit_at_k": 0.7, "containment": 0.5}, {"words_median": 4})
    assert [(f.metric, f.minimum) for f in failures] == [("hit_at_k", True), ("words_median", False)]
    assert str(failures[0]) == "source hit@k 0.667 < 0.7"
    unmeasured = check_gates(compute_metrics(hand_results()[:3], 0.3, 2), {"abstain_recall": 0.5})
    assert "cannot be measured" in str(unmeasured[0])


# --------------------------------------------------------------------------- test sets


def _write(tmp_path, *lines) -> Path:
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_load_testset_reads_both_source_forms(tmp_path):
    path = _write(
        tmp_path,
        '{"id": "a", "question": " How many? ", "answers": ["47"], "sources": ["x.txt", "y.txt"], "lang": "en"}',
        "",
        '{"question": "Who?", "answers": ["Ann"], "source": "x.txt"}',
        '{"question": "Not there?", "answers": []}',
    )
    qs = load_testset(path)
    assert [(q.id, q.question, q.answers, q.sources, q.line) for q in qs] == [
        ("a", "How many?", ("47",), ("x.txt", "y.txt"), 1),
        ("set.jsonl:3", "Who?", ("Ann",), ("x.txt",), 3),
        ("set.jsonl:4", "Not there?", (), (), 4),
    ]
    assert [q.answerable for q in qs] == [True, True, False]
    other = load_testset(path, unanswerable=True)
    assert all(not q.answerable and not q.sources for q in other)


@pytest.mark.parametrize(
    "line, message",
    [
        ('{"question": "Who?", "answers": ["Ann"]', "not valid JSON"),
        ('["Who?"]', "expected a JSON object"),
        ('{"answers": ["Ann"]}', 'missing "question"'),
        ('{"question": "  ", "answers": ["Ann"]}', 'missing "question"'),
        ('{"question": "Who?"}', 'missing "answers"'),
        ('{"question": "???", "answers": []}', "has no words"),
        ('{"question": "Who?", "answers": [1]}', '"answers" must be a list of strings'),
        ('{"question": "Who?", "answers": [""]}', "empty string"),
        ('{"question": "Who?", "answers": [], "sources": ["x.txt"]}', "unanswerable question"),
        ('{"question": "Who?", "answers": ["A"], "sources": ["x.txt"], "source": "x.txt"}', "not both"),
        ('{"question": "Who?", "answers": ["A"], "lang": 3}', '"lang" must be a string'),
        ('{"id": "a", "question": "Who?", "answers": ["A"]}', "already used on line 1"),
    ],
)
def test_load_testset_names_file_and_line_of_a_bad_record(tmp_path, line, message):
    path = _write(tmp_path, '{"id": "a", "question": "Fine?", "answers": ["yes"]}', line)
    with pytest.raises(EvalSetError) as err:
        load_testset(path)
    assert str(err.value).startswith(f"{path}:2: ") and message in str(err.value)


def test_load_testset_missing_or_empty(tmp_path):
    with pytest.raises(EvalSetError, match="does not exist"):
        load_testset(tmp_path / "nope.jsonl")
    with pytest.raises(EvalSetError, match="holds no questions"):
        load_testset(_write(tmp_path, "", "  "))
    with pytest.raises(EvalSetError, match="is a folder"):
        load_testset(tmp_path)


def test_check_sources_names_missing_ones():
    qs = [_q("a", ["x"], ["a.txt"], line=1), _q("b", ["y"], ["gone.txt"], line=7)]
    check_sources(qs[:1], {"a.txt"})
    with pytest.raises(EvalSetError, match=r"set.jsonl:7 'gone.txt'"):
        check_sources(qs, {"a.txt"})


def test_sample_is_reproducible_and_keeps_file_order():
    qs = [_q(str(i), ["x"], [], line=i) for i in range(100)]
    a, b = sample_questions(qs, 10, seed=1), sample_questions(qs, 10, seed=1)
    assert a == b and len(a) == 10 and [q.line for q in a] == sorted(q.line for q in a)
    assert sample_questions(qs, 10, seed=2) != a
    assert sample_questions(qs, 500) == qs


def test_seeds_test_set_is_well_formed():
    qs = load_testset(SEEDS_QA)
    files = {p.name for p in SEEDS.iterdir()}
    check_sources(qs, files)
    assert len(qs) >= 40
    assert sum(not q.answerable for q in qs) >= 8
    assert sum(q.lang == "fr" for q in qs) >= 6
    assert any(len(q.sources) >= 3 for q in qs)
    for q in qs:  # every gold answer is in every file named as its source
        for source in q.sources:
            assert contains_answer((SEEDS / source).read_text(encoding="utf-8"), q.answers, q.lang), (q.id, source)


# --------------------------------------------------------------------------- runs with the fake embedder


@pytest.fixture
def tiny(tmp_path):
    """A three-file corpus and a four-question test set (one unanswerable)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "birds.txt").write_text(
        "The heron nests in tall reeds beside the lake every spring.\n\n"
        "Herons eat fish, frogs and small mammals caught in shallow water.\n",
        encoding="utf-8",
    )
    (corpus / "trains.txt").write_text(
        "The night train from Vienna reaches Venice at nine in the morning.\n\n"
        "Sleeping cars on the night train have six berths in each compartment.\n",
        encoding="utf-8",
    )
    (corpus / "bread.txt").write_text(
        "Sourdough bread rises slowly because wild yeast ferments the dough overnight.\n", encoding="utf-8"
    )
    testset = tmp_path / "tiny.jsonl"
    rows = [
        {"id": "1", "question": "Where does the heron nest every spring?", "answers": ["tall reeds"], "sources": ["birds.txt"]},
        {"id": "2", "question": "When does the night train from Vienna reach Venice?", "answers": ["nine in the morning"], "sources": ["trains.txt"]},
        {"id": "3", "question": "How many berths do sleeping cars on the night train have?", "answers": ["six"], "source": "trains.txt"},
        {"id": "4", "question": "What is the price of a ticket to the opera?", "answers": []},
    ]
    testset.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return corpus, tmp_path / "index", testset


def test_evaluate_runs_every_question_once_with_progress(tiny, fake_embedder):
    corpus, index, testset = tiny
    bot = QA(corpus, index, model=fake_embedder)
    calls = []
    report = evaluate(testset, bot, k=3, progress=lambda stage, done, total: calls.append((stage, done, total)))
    assert isinstance(report, EvalReport)
    assert calls[0] == ("full", 0, 4) and calls[-1] == ("full", 4, 4) and len(calls) == 5
    assert [r.id for r in report.results] == ["1", "2", "3", "4"]
    assert report.threshold == bot.answer_settings.min_confidence and report.k == 3
    m = report.metrics
    assert (m.questions, m.answerable, m.unanswerable) == (4, 3, 1)
    assert m.hit_at_k == 1.0  # three files, k = 3: every source is in the top k
    assert all(r.text is not None for r in report.results)  # run with abstention off
    assert report.at(1.01).abstain_recall == 1.0 and report.at(1.01).false_abstention == 1.0


def test_evaluate_rejects_sources_not_in_the_index(tiny, fake_embedder, tmp_path):
    corpus, index, _ = tiny
    bad = _write(tmp_path, '{"question": "Where?", "answers": ["x"], "sources": ["birds.md"]}')
    with pytest.raises(EvalSetError, match="'birds.md'"):
        evaluate(bad, QA(corpus, index, model=fake_embedder))


def test_write_report_lists_misses(tiny, fake_embedder, tmp_path):
    corpus, index, testset = tiny
    report = evaluate(testset, QA(corpus, index, model=fake_embedder), threshold=1.0)  # abstains on everything
    path = write_report(report, tmp_path / "out" / "report.md")
    text = path.read_text(encoding="utf-8")
    assert "| containment | 0.000 |" in text
    assert "## Answerable questions it abstained on (3)" in text
    assert "When does the night train from Vienna reach Venice?" in text and "nine in the morning" in text
    assert "## Unanswerable questions it answered (0)" in text


def test_saved_threshold_is_used_unless_settings_are_given(tiny, fake_embedder):
    corpus, index, _ = tiny
    assert QA(corpus, index, model=fake_embedder).answer_settings.min_confidence == AnswerSettings().min_confidence
    path = save_threshold(index, 0.1234, "by hand")
    assert json.loads(path.read_text())["min_confidence"] == 0.1234
    assert QA(corpus, index, model=fake_embedder).answer_settings.min_confidence == 0.1234
    given = AnswerSettings(min_confidence=0.5)
    assert QA(corpus, index, model=fake_embedder, answer=given).answer_settings is given
    path.write_text('{"min_confidence": "high"}')
    with pytest.raises(SettingsError, match="settings.json"):
        QA(corpus, index, model=fake_embedder)
    with pytest.raises(SettingsError, match="cannot read"):
        path.write_text("{oops")
        save_threshold(index, 0.2)


# --------------------------------------------------------------------------- the CLI and its gates


def _eval(tiny, *args):
    corpus, index, testset = tiny
    return CliRunner().invoke(cli, ["eval", str(testset), "--corpus", str(corpus), "--index", str(index), "--model", "hashing", "-q", *args])


def test_cli_gates_pass_at_the_value_and_fail_just_above(tiny):
    result = _eval(tiny, "--json")
    assert result.exit_code == 0, result.output
    m = json.loads(result.output)["metrics"]
    ok = _eval(tiny, "--min-hit", str(m["hit_at_k"]), "--min-containment", str(m["containment"]), "--max-false-abstention", str(m["false_abstention"]))
    assert ok.exit_code == 0, ok.output
    assert "containment" in ok.output and "source hit@k" in ok.output
    assert m["containment"] > 0
    bad = _eval(tiny, "--threshold", "1", "--min-hit", str(m["hit_at_k"]), "--min-containment", "0.001")  # abstains on all
    assert bad.exit_code == 1 and "gate failed: containment 0.000 < 0.001" in bad.output
    assert "gate failed: source hit@k" not in bad.output
    worse = _eval(tiny, "--max-words", "0")  # every answer has words
    assert worse.exit_code == 1 and "gate failed: answer words, median" in worse.output


def test_cli_gate_that_cannot_be_measured_fails(tiny, tmp_path):
    corpus, index, _ = tiny
    only_answerable = _write(tmp_path, '{"question": "Where does the heron nest?", "answers": ["tall reeds"]}')
    result = CliRunner().invoke(
        cli, ["eval", str(only_answerable), "--corpus", str(corpus), "--index", str(index), "--model", "hashing", "-q", "--min-abstain-recall", "0.5"]
    )
    assert result.exit_code == 1 and "abstain recall cannot be measured" in result.output


@pytest.mark.parametrize("args", [["--min-hit", "1.5"], ["-k", "0"], ["--sample", "0"]])
def test_cli_rejects_bad_options(tiny, args):
    assert _eval(tiny, *args).exit_code == 2


def test_cli_compare_and_report(tiny, tmp_path):
    result = _eval(tiny, "--compare", "--report", str(tmp_path / "r.md"))
    assert result.exit_code == 0, result.output
    header = next(line for line in result.output.splitlines() if "dense only" in line)
    assert header.split() == ["dense", "only", "BM25", "only", "full"]
    assert "| metric | dense only | BM25 only | full | definition |" in (tmp_path / "r.md").read_text()


def test_cli_eval_calibrate_prints_the_trade_off(tiny):
    result = _eval(tiny, "--calibrate")
    assert result.exit_code == 0, result.output
    assert "3 answerable and 1 unanswerable questions" in result.output
    assert "<- chosen" in result.output and "chosen threshold" in result.output


def test_cli_calibrate_saves_a_threshold_qa_then_uses(tiny, tmp_path):
    corpus, index, testset = tiny
    other = _write(tmp_path, '{"question": "Who painted the Mona Lisa?", "answers": ["Leonardo"], "sources": ["mona.txt"]}')
    args = ["calibrate", str(testset), "--corpus", str(corpus), "--index", str(index), "--model", "hashing", "-q", "--unanswerable", str(other)]
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    cal = json.loads(result.output)
    assert cal["unanswerable"] == 2 and cal["answerable"] == 3 and cal["saved_to"] is None
    assert not (index / "settings.json").exists()
    result = CliRunner().invoke(cli, [*args, "--save"])
    assert result.exit_code == 0, result.output
    assert "<- chosen" in result.output and "saved min_confidence" in result.output
    assert QA(corpus, index).answer_settings.min_confidence == pytest.approx(cal["threshold"])


def test_main_reports_a_bad_test_set_in_one_line(tiny, tmp_path, capsys):
    corpus, index, _ = tiny
    bad = _write(tmp_path, '{"question": "Fine?", "answers": ["yes"]}', '{"question": 3, "answers": []}')
    with pytest.raises(SystemExit) as exit_:
        main(["eval", str(bad), "--corpus", str(corpus), "--index", str(index), "--model", "hashing", "-q"])
    assert exit_.value.code == 1
    err = capsys.readouterr().err.strip()
    assert err == f'error: {bad}:2: missing "question" (a non-empty string)'


# --------------------------------------------------------------------------- the shipped test set with the real model

# A little under what the seed corpus reaches (see README "Evaluation"), so CI notices a regression.
SEED_GATES = [
    "--min-hit", "0.95",
    "--min-mrr", "0.85",
    "--min-gold-in-passages", "0.9",
    "--min-containment", "0.9",
    "--min-citation", "0.9",
    "--max-false-abstention", "0.07",
    "--min-abstain-recall", "0.8",  # 19 of 23 near-topic questions with either model (docs/evaluation.md)
    "--max-words", "65",
]


# The default, multilingual model reaches 0.911 containment and 0.74 abstain recall on the seeds (docs/evaluation.md).
SEED_GATES_MULTILINGUAL = [*SEED_GATES]
SEED_GATES_MULTILINGUAL[SEED_GATES.index("--min-containment") + 1] = "0.88"


@pytest.mark.slow
@pytest.mark.parametrize(
    "bot, gates", [("seed_qa", SEED_GATES), ("seed_qa_multilingual", SEED_GATES_MULTILINGUAL)], ids=["minilm", "e5-default"]
)
def test_seed_test_set_passes_its_gates(request, bot, gates, tmp_path):
    """`qa eval tests/data/seeds_qa.jsonl` with each packaged model over the session's seed index."""
    seed_qa = request.getfixturevalue(bot)
    report_path = tmp_path / "seeds.md"
    args = ["eval", str(SEEDS_QA), "--corpus", str(seed_qa.corpus_dir), "--index", str(seed_qa.index_dir), "-q", "--report", str(report_path), *gates]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "gate failed" not in result.output
    assert "## Answerable questions whose answer lacks the gold answer" in report_path.read_text(encoding="utf-8")


def test_near_topic_set_takes_out_the_answer_sentences(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("The bridge opened in 1932. It is 503 metres long. Many tourists visit it.\n", encoding="utf-8")
    (corpus / "b.txt").write_text("The tower was built by Gustave Eiffel. It is in Paris.\n", encoding="utf-8")
    rows = [
        {"id": "q1", "question": "When did the bridge open?", "answers": ["1932"], "sources": ["a.txt"]},
        {"id": "q2", "question": "How long is the bridge?", "answers": ["503 metres"], "sources": ["a.txt"]},
        {"id": "q3", "question": "Who built the tower?", "answers": ["Gustave Eiffel"], "sources": ["b.txt"]},
    ]
    questions = tmp_path / "q.jsonl"
    questions.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = CliRunner().invoke(cli, ["near-topic", str(questions), "--corpus", str(corpus), "--out", str(tmp_path / "nt"), "--sample", "1", "--seed", "3"])
    assert result.exit_code == 0, result.output
    made = load_testset(tmp_path / "nt" / "questions.jsonl")
    near = [q for q in made if not q.answerable]
    assert len(near) == 1 and len(made) == 3
    gone = next(r for r in rows if r["id"] == near[0].id)
    text = (tmp_path / "nt" / "corpus" / gone["sources"][0]).read_text(encoding="utf-8")
    assert gone["answers"][0] not in text and text.strip()  # its sentence is gone, the rest of its file stays
    assert (corpus / gone["sources"][0]).read_text(encoding="utf-8").count(gone["answers"][0]) == 1  # the original is untouched
    for q in made:
        if q.answerable:
            assert q.answers[0] in (tmp_path / "nt" / "corpus" / q.sources[0]).read_text(encoding="utf-8")
