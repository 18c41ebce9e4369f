"""Question + retrieved passages -> an extractive Answer with numbered citations, or an abstention.

The question is read once (qa.question) and every sentence of the best passages is scored
(qa.scoring). The best sentence is the answer, unless its confidence is too low; at most two
more join it when they score nearly as well and add question terms or the asked-for kind of
fact. A sentence told again in other files (near-identical vectors or words, or the same
numbers and names) is cited once with all of its files.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import replace
from pathlib import PurePosixPath

import numpy as np

from .formats import locate
from .index import Store
from .lexical import covered_stretches, fold, terms, with_marks, word_count, words, written_parts
from .language import Identified, scripts
from .question import AnalysedQuestion, analyse_question, named_value, ranks_written
from .retrieval import question_language
from .scoring import AnswerSettings  # re-exported: the settings are imported from here
from .facts import NAME, NOUNS_CAPITALISED, find_facts
from .scoring import (Scored, has_case, rules_of, conflicting_value, is_content, overlap, partial_match, pronoun_antecedent,
                      question_terms, score_sentences, window_terms)
from .reader import SpanReader, default_reader
from .span import short_answer, states_asked_kind
from .types import Answer, Citation, Hit, Quote, quotes_text

_ANCHOR = re.compile(r"\d+(?:[.,]\d+)?|\b[A-Z][A-Za-z]*[A-Z]\w*|\b[A-Z]\w{2,}")


def compose_answer(
    store: Store, question: str, qvec: np.ndarray, hits: list[Hit], settings: AnswerSettings = AnswerSettings(),
    note: str | None = None, context: str | None = None, language: Identified | None = None,
) -> Answer:
    """An Answer quoting the best sentences of the hits with numbered citations, or an abstention.

    `context` holds terms of the conversation a follow-up leans on: they guide the search at a
    lower weight than the question's own terms. `language` is the question's (`question_language`), identified
    here when None.
    """
    asked = analyse_question(question, language or question_language(store, question))
    scored = score_sentences(store, asked, qvec, hits, settings, context)
    if not scored:
        return Answer(question, None, [], hits, 0.0, _join(note, "no readable sentence in the retrieved passages"))
    reader = default_reader() if settings.reader else None
    judged = scored[0]
    if reader is not None:
        scored = reread(store, reader, asked, scored, settings)
    if not (judged.foreign or scored[0].foreign):
        judged = scored[0]
    # else the reader's reading across languages chose which sentence is quoted, not whether to answer: the
    # confidence is the best sentence's before it read (a sentence it moves up across languages is one it finds an
    # answer in, not one nearer the question; English over Chinese quoted the gold first 0.583 -> 0.670 offline)
    chosen = _pick(store, scored, settings)
    best = chosen[0]
    joined = None  # the sentence beside the best that the reader found the answer in, when it joined
    if reader is not None and settings.reader_next_margin is not None:
        chosen, joined = _with_neighbour(store, reader, asked, chosen, settings)
    if chosen[0] is best:  # (the sentence before it did not join: the one its pronoun points to may lead it)
        chosen = _with_antecedent(store, chosen, asked)
    citations, quotes = _cite(store, chosen, [s.sid for s in scored], asked.language, settings)
    languages = {c.source: rules_of(store.language_of(c.source)) for c in citations}
    # Whether the quotes answer is judged in the question's language only: across languages the no-answer head the
    # tuned reader replaced refused English questions over German articles 0.106 of the time instead of 0.040 (not
    # measured again with the tuned reader)
    unread = (reader is not None and not asked.explains and all(store.language_of(c.source) == asked.language for c in citations)
              and no_answer_read(reader, asked, quotes, settings.no_answer_margin))
    if reader is not None and settings.context_credit is not None and not judged.foreign:
        judged = in_context(store, reader, asked, judged, settings, context)
    conf = confidence(store, asked, judged, settings)
    if judged.foreign and settings.foreign_agreement:
        # No word of the question can be looked for in a sentence of another language: that the passage and the
        # sentence searches both put its passage first is what tells an answer from a question of another corpus
        conf *= _agreement(store, hits[: settings.passages], judged.sid)
    if not judged.foreign:
        same_language = [h for h in hits[: settings.passages] if store.language_of(h.source) == asked.language]
        unnamed = unnamed_names(asked, same_language) + unnamed_values(asked, same_language)
    elif settings.foreign_names:
        # "Qui est le père de Jean Riolan le Jeune ?" over English articles that never write Riolan, even nearly. Not
        # the passages in the question's language that were read beside an answer in another: in a folder of
        # several languages they are others' (English questions over Chinese articles beside the seeds' English reports,
        # which never write "Tesla": false abstention 0.705 -> 0.460; over the Chinese articles alone 0.296)
        unnamed = unwritten_names(asked, hits[: settings.passages], store.sentences[judged.sid].text)
    else:
        unnamed = []
    if unnamed:
        # "Who won the battle of Bannockburn?" over passages in its language that never name Bannockburn;
        # "Which city will host the eleventh conference?" over passages that name no eleventh anything
        conf *= settings.unnamed_name_factor
    unstated = (asked.kind in ("money", "number") or asked.clock) and not states_asked_kind(asked, quotes, citations, languages)
    if unstated:
        # "How much did the conference cost?" over sentences about the conference that state no amount, "At what time
        # did it open?" over sentences that give its day but no time (a date is often told in words: "at the end of
        # the Middle Ages", "between the wars": no rule for dates)
        conf *= settings.unstated_fact_factor
    if unread:
        # "In which hotel did the delegations stay?" over sentences about the delegations that name no hotel
        conf *= settings.no_answer_factor
    least = least_margin(reader, asked, quotes) if reader is not None and settings.reading_weight else None
    if least is not None:
        # What the reader makes of the quotes, read with the question: across languages the vectors' similarity and
        # agreement were all there was to tell a French question of another corpus from an English question about
        # a Chinese article, and the reader tells them apart better (docs/evaluation.md, "The reader's reading weighs
        # in the confidence")
        conf = min(1.0, max(0.0, conf + settings.reading_weight * (settings.reading_margin - least)))
    if conf < settings.min_confidence:
        why = f"confidence {conf:.2f} < {settings.min_confidence:.2f}"
        reason = _refusal(store, asked, scored, why, unstated, unread)
        if unnamed:
            reason = f"{reason}; no passage names {', '.join(unnamed)}"
        return Answer(question, None, [], hits, conf, _join(note, reason))
    # Only for an answer given: the reader may read its quotes for it (a refusal spent 20 ms on it)
    def short_in(among: list[Quote]):
        return short_answer(asked, among, citations, languages, reader, settings.reader_min_probability,
                            settings.reader_chooses, settings.reader_skip_margin)

    # the sentence that joined for the answer the reader found in it is where the short answer is looked for first
    short = short_in([quotes[[c.sid for c in chosen].index(joined)]]) if joined is not None else None
    return Answer(question, quotes_text(quotes), citations, hits, conf, note, quotes, short or short_in(quotes))


def confidence(store: Store, question: AnalysedQuestion, best: Scored, settings: AnswerSettings) -> float:
    """How well the best sentence answers, in [0, 1]: dense similarity and term coverage, less what it misses."""
    conf = max(0.0, min(1.0, settings.confidence_dense_weight * best.dense + settings.confidence_overlap_weight * best.overlap))
    if question.counted and not best.foreign and not _holds_all(store, best.sid, question.counted):
        # "How many journalists...?" answered by a sentence that counts no journalists (in another language than
        # the question no word of it can be looked for).
        conf *= settings.unmatched_count_factor
    if question.asks_fact:
        # "When was it founded?" answered by a sentence without a date; half as much for a bare
        # number where a date or an amount was asked for.
        conf *= 1.0 - (1.0 - best.typed) * (1.0 - settings.missing_type_factor)
    if conflicting_value(question, store.sentences[best.sid].text):
        # "Who will host the eleventh conference?" answered by a sentence about the tenth.
        conf *= settings.conflict_factor
    return conf


def in_context(store: Store, reader: SpanReader, asked: AnalysedQuestion, best: Scored, settings: AnswerSettings,
               context: str | None = None) -> Scored:
    """The best sentence with the question's terms that the sentences before it in its passage hold counted in its
    overlap (`settings.context_credit` of a term of its own), where the reader, reading it after those of them that
    hold such terms, puts its span in it and prefers the span to "no answer" by more than `settings.context_margin`.

    A sentence often names its topic only through the ones before it: "The building was completed in 1911..." after
    "The Orlen City Library is the main public library...", "Tiene una longitud de 340 kilómetros." after "El Velna es
    un río...". Its own words miss what the question names, and its confidence fell below the threshold for ten of the
    26-language probe's questions, in eight languages (docs/evaluation.md, "A sentence's topic in the sentences before
    it"). The reader reading the two together is what tells a sentence that goes on about the topic from one that only
    sits beside it."""
    sentence = store.sentences[best.sid]
    before = []
    sid = best.sid - 1
    while sid >= 0 and store.sentences[sid].source == sentence.source and store.sentences[sid].passage == sentence.passage:
        before.append(sid)
        sid -= 1
    if not before:
        return best
    language = store.language_of(sentence.source)
    rules = rules_of(language)
    qterms = question_terms(store, asked, context, settings, language)
    own = set(terms(sentence.text, rules))
    held = {i: set(terms(store.sentences[i].text, rules)) for i in before}
    borrowed = set().union(*held.values())
    share, covered = overlap(qterms, own, settings.partial_credit, borrowed, settings.context_credit)
    if share <= best.overlap:
        return best
    lent = covered - best.covered - own
    lead = " ".join(store.sentences[i].text for i in sorted(before) if any(t in held[i] or partial_match(t, held[i]) for t in lent))
    if not lead:
        return best
    read = reader.read_many(asked.text, [f"{lead} {sentence.text}"])[0]
    if read is None or read.no_answer is None or read.start <= len(lead) or read.no_answer >= settings.context_margin:
        return best
    return replace(best, overlap=share, covered=best.covered | covered)


def reread(store: Store, reader: SpanReader, asked: AnalysedQuestion, scored: list[Scored],
           settings: AnswerSettings) -> list[Scored]:
    """`scored` with its best `reader_rerank` sentences read by the reader: each loses `reader_rerank_weight` × its
    no-answer margin (gains where the reader sees an answer more surely than none), best first again.

    With `reader_rerank_foreign` off, sentences in another language than the question keep their scores, and the
    list is unchanged when fewer than two are in its language. Unchanged too when the reader cannot read or gives no
    margin. The sentences come back in the same order as their scores: ties keep the sentence order.
    """
    top = scored[: settings.reader_rerank]
    # The heads over frozen states read sentences in the question's language only: across languages their margins ran
    # higher, and re-reading cost English over German 0.8 points of containment. The tuned reader reads across
    # languages too (English over Chinese, gold in the best sentence offline 0.583 -> 0.670; over German 0.693 -> 0.727)
    read = [s.sid for s in top if settings.reader_rerank_foreign or not s.foreign]
    if len(read) < 2 or settings.reader_rerank_weight == 0:
        return scored
    reads = dict(zip(read, reader.read_many(asked.text, [store.sentences[sid].text for sid in read])))
    moved = [
        replace(s, score=s.score - settings.reader_rerank_weight * r.no_answer)
        if (r := reads.get(s.sid)) is not None and r.no_answer is not None else s
        for s in top
    ]
    return sorted(moved, key=lambda s: (-s.score, s.sid)) + scored[len(top):]


def no_answer_read(reader: SpanReader, asked: AnalysedQuestion, quotes: list[Quote], margin: float) -> bool:
    """Whether the reader finds no answer in any of the quotes: it prefers "no answer here" to its best span by more
    than `margin` in each (False when it cannot tell: unavailable, or a head not trained for it)."""
    margins = quote_margins(reader, asked, quotes)
    return bool(margins) and all(m is not None and m > margin for m in margins)


def least_margin(reader: SpanReader, asked: AnalysedQuestion, quotes: list[Quote]) -> float | None:
    """The least no-answer margin the reader gives among the quotes (`Read.no_answer`: how much it prefers "no answer
    here" to its best span; below 0 where it prefers a span), or None when it reads none of them."""
    margins = [m for m in quote_margins(reader, asked, quotes) if m is not None]
    return min(margins) if margins else None


def quote_margins(reader: SpanReader, asked: AnalysedQuestion, quotes: list[Quote]) -> list[float | None]:
    """Each quote's no-answer margin, None where the reader read nothing or cannot tell (one reading: the reader keeps
    it for the next asking)."""
    return [r.no_answer if r is not None else None for r in reader.read_many(asked.text, [q.text for q in quotes])]


def _refusal(store: Store, asked: AnalysedQuestion, scored: list[Scored], why: str, kind_missing: bool = False,
             unread: bool = False) -> str:
    """Why the answer abstains: what the documents mention but not the kind of fact (or the thing) asked for, when
    that is so."""
    top = scored[:3]
    mentioned = _mentioned(asked, frozenset().union(*(s.covered for s in top)), store.language_of(store.sentences[top[0].sid].source))
    lacking = kind_missing or not any(s.typed >= 1.0 and s.covered for s in top)
    if asked.kind and mentioned and lacking:
        return f"the documents mention {mentioned} but not the {'time of day' if asked.clock else _KIND_NAMES[asked.kind]} asked for ({why})"
    if unread and mentioned:
        asked_for = f"the {' '.join(asked.thing)} asked for" if asked.thing else "what was asked"
        return f"the documents mention {mentioned} but not {asked_for} ({why}; no quote answers it)"
    return f"the documents do not seem to answer this ({why})"


def unnamed_names(question: AnalysedQuestion, hits: list[Hit]) -> list[str]:
    """The names the question writes (capitalised, in a script with capitals) that none of `hits` writes even in
    part: a word of the name sharing its first four letters with a word of a passage counts as written there.

    Give it passages in the question's language: across languages names are translated ("Rhine", "Rhein";
    "Black Death", "Schwarzer Tod"), and English questions over German articles were refused 0.13 of the time
    instead of 0.05 with every passage counted.
    """
    names = _names(question)
    texts = [h.text for h in hits if has_case(h.text)]
    if not names or not texts:
        return []  # passages in Chinese, Arabic, Thai...: a Latin name would be transliterated
    titles = [file_title(h.source) for h in hits]
    heads = {w[:_NAME_HEAD] for t in texts + titles for w in words(t)}
    unheaded = [(name, parts) for name, parts in names if not any(w[:_NAME_HEAD] in heads for w in parts)]
    if not unheaded:
        return []
    # the names written, to be misspelt: capitalised words, and the words of files' names
    written = {fold(w) for t in texts for w in re.findall(r"[^\W\d_][\w'’-]*", t) if w[0].isupper()}
    written |= {w for t in titles for w in words(t)}
    return [name for name, parts in unheaded if not any(_misspelt(w, written) for w in parts)]


def file_title(source: str) -> str:
    """The words of a file's name, which name what it is about as its text may not ("madame-de-maintenon.txt", whose
    paragraphs say "Françoise d'Aubigné" and "elle")."""
    return re.sub(r"[_\W]+", " ", PurePosixPath(source).stem)


def _misspelt(word: str, written: set[str]) -> bool:
    """Whether `word`, of `_TYPO_LENGTH` letters or more, is a misspelling of a name written: "Hegwige" for "Hedwige",
    "Guesaldo" for "Gesualdo" (difflib's ratio at least `_TYPO_SPELLING`)."""
    return len(word) >= _TYPO_LENGTH and bool(difflib.get_close_matches(word, written, n=1, cutoff=_TYPO_SPELLING))


def unwritten_names(question: AnalysedQuestion, hits: list[Hit], answer: str) -> list[str]:
    """The names the question writes when not one of them is written, even nearly, in any of `hits` in the names'
    script, when that is the script of the `answer` sentence: a question about something else, where the answer is
    in another language than the question.

    Across languages names are translated ("Poland", "Polen"; "Rhine", "Rhein"), so a word of a name counts as
    written where a passage has a word sharing its first four letters or spelled nearly alike (difflib's ratio at
    least `_NEAR_SPELLING`), and a single name written is enough: an English question about "Luther" and "the
    Christian Nobility" is about the German article that names Luther. Names in another script than the answer
    ("Ташкент" over English, "Tesla" answered in Chinese) cannot be looked for: other passages read in the names'
    script tell nothing of how the answer's documents write them (English questions over Chinese and French
    articles, answered in Chinese beside French passages that never write "Tesla", were refused 0.559 of the time
    instead of 0.434).
    """
    names = _names(question)
    answer_script = next(iter(scripts(answer)), None)
    if not names or answer_script is None:
        return []
    vocabulary: dict[str, set[str]] = {}  # script -> the words of the passages mostly in it
    titled: dict[str, set[str]] = {}  # script -> the words of those passages' files' names
    for h in hits:
        script = next(iter(scripts(h.text)), None)
        if script is not None:
            vocabulary.setdefault(script, set()).update(words(h.text))
            title = file_title(h.source)
            # a file's name in another script than its text says nothing of how the text writes names (English
            # file names of Chinese articles: English questions answered there were refused for names they lack)
            if script in scripts(title):
                titled.setdefault(script, set()).update(words(title))
    # a file's name counts by its words' first letters only: spelled nearly alike, its short words are anything
    # ("and" is 0.75 of "Grand")
    heads = {script: {w[:_NAME_HEAD] for w in vocab | titled.get(script, set())} for script, vocab in vocabulary.items()}
    checked = [(name, parts, s) for name, parts in names
               if (s := next(iter(scripts(name)), None)) == answer_script and s in vocabulary]
    if not checked:
        return []
    for _, parts, s in checked:
        if any(w[:_NAME_HEAD] in heads[s] or difflib.get_close_matches(w, vocabulary[s], n=1, cutoff=_NEAR_SPELLING) for w in parts):
            return []
    return [name for name, _, _ in checked]


def _names(question: AnalysedQuestion) -> list[tuple[str, list[str]]]:
    """The names the question writes, each with its words of at least `_NAME_HEAD` letters (folded); none where
    capitals cannot tell a name (no case, or every noun has one: German)."""
    if not has_case(question.text) or question.language in NOUNS_CAPITALISED:
        return []
    found = []
    for fact in find_facts(question.text, rules_of(question.language)):
        if fact.kind == NAME and (parts := [w for w in words(fact.text) if len(w) >= _NAME_HEAD]):
            found.append((fact.text, parts))
    return found


def unnamed_values(question: AnalysedQuestion, hits: list[Hit]) -> list[str]:
    """The years and ranks the question names ("in 2015", "the eleventh conference"; `AnalysedQuestion.asked_values`)
    that none of `hits` names, as the question writes them.

    Give it passages in the question's language, as to `unnamed_names`: rank words are translated ("eleventh",
    "onzième"). A year counts as named wherever its digits stand alone, also inside a word ("2015年").
    """
    if not question.asked_values or not hits:
        return []
    said = {("rank", n) for h in hits for n in ranks_written(h.text)}
    text = " ".join(h.text for h in hits)
    missing = []
    for w in dict.fromkeys(words(question.text)):
        v = named_value(w)
        if v is None or v not in question.asked_values:
            continue
        named = re.search(rf"(?<!\d){v[1]}(?!\d)", text) if v[0] == "year" else v in said
        if not named:
            missing.append(w)
    return missing


_NAME_HEAD = 4
# A misspelling: a long name nearly as written ("hegwige", "hedwige" 0.86; "guesaldo", "gesualdo" 0.88). Shorter names
# one letter apart are other names ("Walker", "Walter" 0.83)
_TYPO_LENGTH = 7
_TYPO_SPELLING = 0.85
_NEAR_SPELLING = 0.7  # near: "Warsaw", "Warschau" 0.71; "Poland", "Polen" 0.73; "Rhine", "Rhein" 0.8. Not: "Germany", "Deutschland"
_KIND_NAMES = {"money": "amount", "number": "number", "date": "date", "person": "person", "place": "place"}


# Scripts written without spaces whose characters are words or syllables; in the others (Thai, Lao, Khmer, Myanmar) a
# character is a letter, and a stretch of fewer than _WORD_LETTERS of them is a piece of a word: "ลา" of "ลายมือ"
# (handwriting), whose bigram the documents hold in other words
_SYLLABIC = frozenset({"CJK", "HIRAGANA", "KATAKANA", "KATAKANA-HIRAGANA", "IDEOGRAPHIC"})  # ("ー", "々")
_WORD_LETTERS = 4


def _mentioned(question: AnalysedQuestion, covered: frozenset[str], lang: str) -> str:
    """The question's words that the best sentence holds, as the question wrote them ("Securex exhibition")."""
    rules = rules_of(lang)
    said = []
    for m in with_marks(r"[^\W_][\w'’{M}-]*").finditer(question.text):
        for part, spaceless in written_parts(m.group()):
            if spaceless:
                # a run without spaces is one "word" of the whole clause: only its stretches of covered bigrams were said
                said += [s for s in covered_stretches(part, covered) if set(scripts(s)) <= _SYLLABIC
                         or sum(not unicodedata.category(c).startswith("M") for c in s) >= _WORD_LETTERS]
            elif set(terms(part, rules)) & covered:
                said.append(part)
    return " ".join(dict.fromkeys(said))


def anchors(text: str) -> set[str]:
    """Numbers, acronyms and capitalised words: what survives translation of a factual sentence."""
    found = {fold(m.group()).replace(",", ".") for m in _ANCHOR.finditer(text)}
    first = re.match(r"\W*(\w+)", text)
    if first:
        found.discard(fold(first.group(1)))  # a sentence's first word is capitalised anyway
    return found


def same_statement(store: Store, a: int, b: int, settings: AnswerSettings) -> bool:
    """Whether sentences a and b say the same thing: near-identical vectors or words, or the same facts."""
    va = np.asarray(store.sentence_vectors[a])
    vb = np.asarray(store.sentence_vectors[b])
    if float(va @ vb) >= settings.duplicate_similarity:
        return True
    ta, tb = store.sentences[a].text, store.sentences[b].text
    wa, wb = set(terms(ta)), set(terms(tb))
    if wa and wb and len(wa & wb) / len(wa | wb) >= settings.duplicate_word_share:
        return True
    # Across languages words differ but numbers and names stay: several shared numbers and a
    # large share of shared anchors mean the same fact told twice.
    aa, ab = anchors(ta), anchors(tb)
    shared = aa & ab
    numbers = [x for x in shared if x[0].isdigit()]
    return len(numbers) >= 2 and len(shared) >= 3 and len(shared) >= 0.3 * min(len(aa), len(ab))


def _pick(store: Store, scored: list[Scored], settings: AnswerSettings) -> list[Scored]:
    """The best sentence, and up to max_sentences - 1 more that add a fact (or are in another language than the
    question, where the words cannot tell) and score nearly as well, or fairly well while the answer stays brief."""
    best = scored[0]
    chosen = [best]
    covered = set(best.covered)
    known = anchors(store.sentences[best.sid].text)
    length = word_count(store.sentences[best.sid].text)
    for cand in scored[1:]:
        if len(chosen) >= settings.max_sentences or cand.score < settings.brief_ratio * best.score:
            break
        more = word_count(store.sentences[cand.sid].text)
        if cand.score < settings.extra_ratio * best.score and length + more > settings.brief_words:
            continue
        if any(same_statement(store, cand.sid, c.sid, settings) for c in chosen):
            continue
        new_anchors = anchors(store.sentences[cand.sid].text) - known
        # A sentence in another language than the question shares none of its words: what it adds cannot be
        # told from them, and scoring nearly as well as the best is what there is to go on.
        if cand.covered - covered or cand.typed >= 1.0 or new_anchors or cand.foreign:
            chosen.append(cand)
            covered |= cand.covered
            known |= new_anchors
            length += more
    return chosen


# Where the reader is this sure the best sentence answers alone (no-answer margin, odds of 400 to 1 for an answer),
# the sentence after it is not read with it: offline (docs/evaluation.md, "The next sentence") every answer the next
# sentence gained had a best sentence above it, and it spares a quarter of the pair readings (26 ms each).
_SURE_ANSWER = -6.0


def _with_neighbour(store: Store, reader: SpanReader, asked: AnalysedQuestion, chosen: list[Scored],
                    settings: AnswerSettings) -> tuple[list[Scored], int | None]:
    """The chosen sentences with the sentence after the best in its file quoted right after it, or the one before it
    (`reader_previous`) right before it, when the reader, reading that sentence and the best as one text, puts its span
    in it and prefers the span to "no answer" by more than `reader_next_margin`, or by `reader_next_gain` more than it
    does in the best sentence read alone (the surer of the two where both would join); and that sentence's id when it
    joined and the reader, reading the best one alone, prefers "no answer" there (the short answer is then looked for
    in the joined sentence first).

    The best sentence often repeats the question's words and the next one states the fact ("Luther's version quickly
    became a popular and influential Bible translation." then "As such, it made a significant contribution to the
    evolution of the German language and literature."), or the one before does ("Maharishi invites them to a
    seminar he is to give in Bangor, Wales." before "Two days later, the Beatles go there and meet Mick Jagger");
    read alone, that sentence lacks what it answers about.
    """
    best = chosen[0]
    first = store.sentences[best.sid]

    def neighbour(sid: int):
        if not 0 <= sid < len(store.sentences) or any(c.sid == sid for c in chosen):
            return None
        sentence = store.sentences[sid]
        return sentence if sentence.source == first.source and is_content(sentence.text) else None

    after, before = neighbour(best.sid + 1), neighbour(best.sid - 1) if settings.reader_previous else None
    if after is None and before is None:
        return chosen, None
    # the best sentence alone was read when the sentences were re-read (the reading is kept)
    alone = reader.read_many(asked.text, [first.text])[0]
    alone_margin = alone.no_answer if alone is not None else None
    if alone_margin is not None and alone_margin < _SURE_ANSWER:
        return chosen, None
    # (the neighbour's id, the two as one text, where in that text the neighbour is)
    pairs = [(best.sid + 1, f"{first.text} {after.text}", len(first.text) + 1, None)] if after is not None else []
    if before is not None:
        pairs.append((best.sid - 1, f"{before.text} {first.text}", 0, len(before.text)))
    joins = []
    for (sid, _, start, end), read in zip(pairs, reader.read_many(asked.text, [text for _, text, _, _ in pairs])):
        if read is None or read.no_answer is None or read.start < start or (end is not None and read.end > end):
            continue  # the span is in the best sentence (or nothing was read)
        gained = (settings.reader_next_gain is not None and alone_margin is not None
                  and read.no_answer < alone_margin - settings.reader_next_gain)
        if read.no_answer < settings.reader_next_margin or gained:
            joins.append((read.no_answer, sid))
    if not joins:
        return chosen, None
    sid = min(joins)[1]
    follower = Scored(sid, best.score, best.dense, best.overlap, frozenset(), 0.0, best.foreign)
    # Where the best sentence answers alone the reader's span in the pair is often another fact of the same kind
    # ("black-and-white" for the 2001 logo's "black-and-yellow"): XQuAD-en short answers 5 better and 5 worse when
    # the joined sentence was always read first, 4 and 1 when only where the best alone does not answer
    answers_alone = alone_margin is None or alone_margin <= 0
    joined = [follower, best] if sid < best.sid else [best, follower]
    return [*joined, *chosen[1:]], None if answers_alone else sid


def _with_antecedent(store: Store, chosen: list[Scored], question: AnalysedQuestion) -> list[Scored]:
    """The chosen sentences, led by the sentence the best one's pronoun points to when the best lacks the asked fact.

    "He was speaking ..." without the fact asked for: the sentence "he" points to goes first, whether it was
    chosen already or not.
    """
    best = chosen[0]
    if question.kind is None or best.typed >= 1.0:
        return chosen
    before = pronoun_antecedent(store, best.sid)
    if before is None or not is_content(store.sentences[before].text):
        return chosen
    joined = [c for c in chosen if c.sid == before]  # chosen on its own score: it moves ahead of its pronoun
    lead = joined[0] if joined else Scored(before, best.score, best.dense, best.overlap, frozenset(), 0.0)
    return [lead, *(c for c in chosen if c.sid != before)]


def _cite(
    store: Store, chosen: list[Scored], pool: list[int], language: str, settings: AnswerSettings
) -> tuple[list[Citation], list[Quote]]:
    """A quote per chosen sentence, citing it and every other file that says the same thing."""
    citations: list[Citation] = []
    quotes: list[Quote] = []
    for c in chosen:
        witnesses = _witnesses(store, c, pool, language, settings)
        first = len(citations) + 1
        for sid in witnesses:
            s = store.sentences[sid]
            where = locate(store.manifest["files"].get(s.source, {}).get("blocks"), s.start, s.line)
            citations.append(Citation(len(citations) + 1, s.source, s.start, s.end, s.line, s.text, where))
        quotes.append(Quote(store.sentences[witnesses[0]].text, tuple(range(first, len(citations) + 1))))
    return citations, quotes


def _witnesses(store: Store, chosen: Scored, pool: list[int], language: str, settings: AnswerSettings) -> list[int]:
    """The chosen sentence and the sentences of other files in the pool that say the same thing.

    The first one returned is the one to quote: the chosen sentence, unless it is in another
    language than the question and a witness is in the question's.
    """
    main = store.sentences[chosen.sid]
    found = [chosen.sid]
    seen = {main.source}
    for sid in pool:
        s = store.sentences[sid]
        if s.source in seen:
            continue
        if same_statement(store, chosen.sid, sid, settings):
            found.append(sid)
            seen.add(s.source)
    if len(found) > 1 and store.language_of(main.source) != language:
        for i, sid in enumerate(found[1:], 1):
            if store.language_of(store.sentences[sid].source) == language:
                found.insert(0, found.pop(i))
                break
    return found


def _agreement(store: Store, hits: list[Hit], sid: int) -> float:
    """The dense agreement (`Hit.agreement`) of the first hit whose passage holds sentence `sid`."""
    for h in hits:
        first, last = store.ranges[h.passage_id]
        if first <= sid < last:
            return h.agreement
    return 1.0


def _holds_all(store: Store, sid: int, wanted: frozenset[str]) -> bool:
    """Whether the sentence, with its neighbours, holds every wanted term (a shared stem prefix counts)."""
    around = window_terms(store, sid, lambda i: terms(store.sentences[i].text))
    return all(t in around or partial_match(t, around) for t in wanted)


def _join(a: str | None, b: str) -> str:
    return f"{a}; {b}" if a else b
