"""The short answer: the span of a quoted sentence that answers the question (a name, an amount, a date ...).

Candidates are the facts the quoted sentences state (`qa.facts`) of the kind the question asks
for; a fact the question names already is never the answer. Among them the one nearest to where
the question's own words stand in the sentence wins, in the first quote before the others. A
question that asks for no kind of fact ("why", "how does", "what happened") gets none: the
sentences stand alone; so does a quote holding several candidates and none of the question's
words, where nothing tells them apart.
"""
from __future__ import annotations

import re
import unicodedata

from .facts import DATE, MONEY, NAME, NOUNS_CAPITALISED, NUMBER, TITLE, Fact, find_facts, is_clock_time, is_year, named_by
from .lexical import fold_for, in_spaceless_script, terms, words, written_word
from .question import AnalysedQuestion
from .reader import SpanReader
from .types import Citation, Quote, Short

# The kinds of fact that answer each kind of question, the better first.
ANSWER_KINDS = {
    "money": (MONEY, NUMBER),
    "number": (NUMBER, MONEY),
    "date": (DATE,),
    "person": (NAME,),
    "place": (NAME,),
}
_LIST_JOINER = re.compile(r"\s*(,|;|,?\s*(and|et|und|y|e|и)|、|和|与)\s*")
_ORG_JOINERS = frozenset("of and & for".split())  # "Republic of Uzbekistan", "Department for Education"
# Prepositions of place before a name, in the languages whose rules we can test (a name elsewhere still counts).
_PLACE_PREPOSITIONS = frozenset("in at near from to a au aux en dans im am bei nach aus zu en cerca desde в во из на около".split())
# What may stand between the thing asked for and the name told with it, after it and before it
_BETWEEN_THING_AND_NAME = re.compile(r"[\s,:\"“”«»„]*(?:(?:the|le|la|les|l'|l’|der|die|das|el|los|las|il|lo)\s*)?[\"“«„]?")
_BETWEEN_NAME_AND_THING = re.compile(r"[\"”»“]?\s+")
# Words that bound a number just before it, in the languages whose rules we can test (en fr de es ru).
_BOUND_BEFORE = re.compile(
    r"(?<!\w)(more than|less than|fewer than|at least|at most|up to|over|about|nearly|almost|approximately|around|roughly"
    r"|some|plus de|moins de|au moins|au plus|près de|pres de|presque|environ|quelque|jusqu'à|mehr als|weniger als"
    r"|mindestens|höchstens|bis zu|über|etwa|rund|fast|knapp|ungefähr|más de|menos de|al menos|hasta|casi|cerca de|unos|unas"
    r"|более|менее|около|почти|свыше|до)\s+$",
    re.IGNORECASE,
)
# A year standing alone: not "1970s", not "1943年" (a Chinese year keeps its 年), not inside "1,943.5"
_YEAR_DIGITS = re.compile(r"(?<![\w.,])(1\d{3}|20\d{2})(?!\w|[.,]\d)")
# Words after which a sentence tells what something is called, in the languages whose rules we can test
_NAMING_CUE = re.compile(
    r"\b(called|named|known as|termed|nicknamed|dubbed|titled|entitled|appel[ée]e?s?|nomm[ée]e?s?|surnomm[ée]e?s?"
    r"|intitul[ée]e?s?|dénomm[ée]e?s?|connue? sous le nom d[e'’]|genannt|namens|heißt|hieß|bezeichnet als|betitelt"
    r"|llamad[oa]s?|denominad[oa]s?|conocid[oa]s? como|chiamat[oa]|называем\w*|под названием)(?!\w)",
    re.IGNORECASE,
)
_DISTANCE_CHARS = 400  # beyond this a fact is as far from the question's words as can be
_NEAR_CHARS = 40  # a question term this close to a fact is told with it
CHOOSE_PROBABILITY = 0.05  # the reader chooses among the facts when it gives one at least this (start × end)


def short_answer(question: AnalysedQuestion, quotes: list[Quote], citations: list[Citation], languages: dict[str, str | None],
                 reader: SpanReader | None = None, min_probability: float = 0.1, reader_chooses: bool = True,
                 skip_margin: float | None = None) -> Short | None:
    """The short answer inside the quotes, with the citation it belongs to, or None when none is reliable.

    `languages` maps each cited source to the language its facts are read in (None: English/French rules). Where
    the rules find none (no fact of the asked kind, or a question of no such kind) and the question asks for no
    explanation, `reader` reads the first quote: its span answers when the reader gives it at least
    `min_probability` and it is not the question's own words. Where the rules find several facts of the asked kind
    in a quote, the one the reader gives most probability wins (`reader_chooses`) when it gives one at least
    CHOOSE_PROBABILITY; else, when the reader's own span is a strict part of a name among them (a run of capitals
    holding two names: "the Republic of Uzbekistan Viktor Makhmudov"), that span; else the rules' own choice.

    With `skip_margin`, a leading quote the reader finds no answer in by more than `skip_margin` (log-odds) beyond
    another quote is passed over ("Who founded the festival?" over "The festival takes place in the town of Miren.
    It was founded by local farmers.": not "Miren").
    """
    quotes = _answering_quotes(question, quotes, reader, skip_margin)
    found = _by_rules(question, quotes, citations, languages, reader if reader_chooses else None)
    if found is not None or reader is None or question.explains or not citations or not quotes:
        return found
    if question.kind is not None and states_asked_kind(question, quotes, citations, languages):
        return None  # facts of the asked kind that nothing tells apart: the reader would only guess among them
    citation = next(c for c in citations if c.number == quotes[0].citations[0])
    read = reader.read(question.text, citation.quote)
    if read is None or read.probability < min_probability:
        return None
    if _repeats_question(question, citation.quote[read.start : read.end]):
        return None  # "the committee" for "What did the committee adopt?"
    return _short(citation, read.start, read.end)


def _answering_quotes(question: AnalysedQuestion, quotes: list[Quote], reader: SpanReader | None,
                      skip_margin: float | None) -> list[Quote]:
    """`quotes` from the first the reader does not rule out: leading quotes whose no-answer margin is above another
    quote's by more than `skip_margin` are passed over (all of them when the reader cannot tell)."""
    if reader is None or skip_margin is None or len(quotes) < 2 or question.explains:
        return quotes
    margins = [r.no_answer if r is not None else None for r in reader.read_many(question.text, [q.text for q in quotes])]
    if any(m is None for m in margins):
        return quotes
    surest = min(margins)
    first = next(k for k, m in enumerate(margins) if m - surest <= skip_margin)
    return quotes[first:]


def _by_rules(question: AnalysedQuestion, quotes: list[Quote], citations: list[Citation], languages: dict[str, str | None],
              reader: SpanReader | None = None) -> Short | None:
    """The short answer the facts of the asked kind give (qa.facts), or None; among several, the one `reader` weighs
    most when it is sure enough of one."""
    kinds = ANSWER_KINDS.get(question.kind or "")
    if not kinds:
        if question.kind is not None:
            return None
        return _named_after_a_cue(question, quotes, citations, languages) or _told_with_the_thing(question, quotes, citations, languages)
    # the first quote that states a fact of the asked kind holds the answer
    found = next(((c, facts) for c, facts in _candidates(question, quotes, citations, languages) if facts), None)
    if found is None:
        return None
    citation, facts = found
    text = citation.quote
    by_term = _question_word_positions(text, question, languages.get(citation.source))
    anchors = [a for positions in by_term.values() for a in positions]
    first_kind = min(kinds.index(f.kind) for f in facts)
    if not anchors and len({f.text for f in facts if kinds.index(f.kind) == first_kind}) > 1:
        # none of the question's words in the sentence (another language, a paraphrase): nothing tells
        # "250 representatives" from "47 delegations"
        return None
    if reader is not None and len({f.text for f in facts}) > 1:
        # "Who played the detective's sister?" over "The detective was played by Tom Hale, while his sister was played
        # by Jane Morrow": the rules see two names, Tom Hale nearest "played"; the reader, reading the question with
        # the sentence, weighs each as the answer
        weights = reader.span_probabilities(question.text, text, [(f.start, f.end) for f in facts])
        if weights and (best := max(weights)) >= CHOOSE_PROBABILITY:
            facts = [f for f, w in zip(facts, weights) if w == best]
        elif (inside := _read_inside(reader, question, text, facts)) is not None:
            # "Who read the address?" over "...the Security Council under the President of the Republic of Uzbekistan
            # Viktor Makhmudov read the Address...": a run of capitals holds two names; the reader's span inside it
            return _short(citation, *inside)
    fact = min(facts, key=lambda f: (kinds.index(f.kind), _person_preference(question, f), _place_preference(question, f, text),
                                     *_closeness(question, f, by_term, anchors), f.start))
    start, end = fact.start, fact.end
    if question.kind == "person":
        start, end = _with_coordinated(citation.quote, fact, languages.get(citation.source))
    elif question.year and fact.kind == DATE:
        start, end = _year_of(fact)
    elif fact.kind in (NUMBER, MONEY):
        start = _with_bound(citation.quote, start)
    return _short(citation, start, end)


def _read_inside(reader: SpanReader, question: AnalysedQuestion, text: str, facts: list[Fact]) -> tuple[int, int] | None:
    """The reader's own best span, when it gives it at least CHOOSE_PROBABILITY and the span is a strict part of one of
    the name facts (whose bounds are a run of capitals) and not only the question's words; else None."""
    read = reader.read(question.text, text)
    if read is None or read.probability < CHOOSE_PROBABILITY or _repeats_question(question, text[read.start : read.end]):
        return None
    inside = any(f.kind == NAME and f.start <= read.start and read.end <= f.end and (read.start, read.end) != (f.start, f.end)
                 for f in facts)
    return (read.start, read.end) if inside else None


def _repeats_question(question: AnalysedQuestion, span: str) -> bool:
    """Whether a span holds nothing but the question's own words: a span never repeats the question."""
    return set(words(span)) <= question.words


def _short(citation: Citation, start: int, end: int) -> Short:
    """The span [start, end) of a citation's quote, made of whole words (`whole_words`) and its brackets and quotation
    marks made whole (`balanced`), with its offsets in the file."""
    tidy = balanced(citation.quote, *whole_words(citation.quote, start, end))
    if tidy[0] < tidy[1]:  # else nothing but marks was left: the span stays as found
        start, end = tidy
    return Short(citation.quote[start:end], citation.source, citation.start + start, citation.start + end, citation.number)


def whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    """[start, end) of `text` widened to whole words where it starts or ends inside one: "dritt" in "drittgrößte",
    "techniker" in "Apothekentechniker" (the reader reads word pieces). In a script written without spaces every
    character is a word's edge."""
    while 0 < start < end and _inside_word(text[start - 1], text[start]):
        start -= 1
    while start < end < len(text) and _inside_word(text[end - 1], text[end]):
        end += 1
    return start, end


def _inside_word(before: str, after: str) -> bool:
    return all((c.isalnum() or unicodedata.category(c).startswith("M")) and not in_spaceless_script(c) for c in (before, after))


# Marks that open and close: brackets (a span starting inside one drops what is left of it) and quotation marks (a
# span starting inside one takes it whole). "“" closes „ in German and opens in English. Single quotes are not looked
# at: ' and ’ are apostrophes too.
_BRACKETS = {"(": ")", "[": "]", "{": "}", "（": "）", "【": "】", "〔": "〕"}
_QUOTES = {"«": "»", "“": "”", "„": "“", "‹": "›", "「": "」", "『": "』", "《": "》", "〈": "〉"}
_PAIRS = _BRACKETS | _QUOTES
_CLOSERS = {c: o for o, c in _PAIRS.items() if c != "“"}
_QUOTE_CLOSERS = frozenset(_QUOTES.values())
_REACH = 40  # chars: how far beyond a span its other mark is looked for


def balanced(text: str, start: int, end: int) -> tuple[int, int]:
    """[start, end) of `text` with no mark left open or closed alone: `American Medical Association (AMA` takes its
    ")", `ENR) is a trade magazine` starts after the ")" (what is left of a bracket), `kickback" payments` takes its
    opening '"'. A mark whose other half is not within _REACH chars is left out of the span instead."""
    for _ in range(4):  # a mark taken in may bring in another one; four is more than any span needs
        lone = _lone_mark(text, start, end)
        if lone is None:
            return start, end
        at, mark, opens = lone
        other = _other_half(text, start, end, at, mark, opens)
        if opens:
            if other is not None:
                end = other + 1
            elif at > start:
                end = at
            else:
                start = at + 1
        elif other is not None and (mark == '"' or mark in _QUOTE_CLOSERS):
            start = other
        elif at + 1 < end and text[at + 1 : end].strip():
            start = at + 1
        else:
            end = at
        start, end = _stripped(text, start, end)
        if start >= end:
            return start, start
    return start, end


def _lone_mark(text: str, start: int, end: int) -> tuple[int, str, bool] | None:
    """The first mark of text[start:end] whose other half is outside it: (its index, the mark, whether it opens)."""
    stack: list[tuple[int, str]] = []
    straight: list[int] = []
    for i in range(start, end):
        c = text[i]
        if c == "“" and stack and stack[-1][1] == "„":  # German „…“
            stack.pop()
            continue
        if c == "“" and not stack and _after_german_opening(text, start):
            return i, c, False
        if c in _PAIRS:
            stack.append((i, c))
        elif c in _CLOSERS:
            if stack and stack[-1][1] == _CLOSERS[c]:
                stack.pop()
            else:
                return i, c, False
        elif c == '"':
            straight.append(i)
    if stack:
        return stack[0][0], stack[0][1], True
    if len(straight) % 2:
        i = straight[0] if len(straight) == 1 else straight[-1]
        opens = (i == start or not text[i - 1].isalnum()) and i + 1 < end and text[i + 1].isalnum()
        return i, '"', opens
    return None


def _after_german_opening(text: str, start: int) -> bool:
    """Whether a „ before `start` (within _REACH) is still open there: a "“" in the span then closes it."""
    before = text[max(0, start - _REACH) : start]
    return before.rfind("„") > before.rfind("“")


def _other_half(text: str, start: int, end: int, at: int, mark: str, opens: bool) -> int | None:
    """Where the other half of the lone mark at `at` stands outside [start, end), within _REACH chars, or None."""
    if opens:
        closer = '"' if mark == '"' else _PAIRS[mark]
        found = text.find(closer, end, end + _REACH)
        return found if found >= 0 else None
    opener = '"' if mark == '"' else ("„" if mark == "“" else _CLOSERS[mark])
    found = text.rfind(opener, max(0, start - _REACH), start)
    return found if found >= 0 else None


def _stripped(text: str, start: int, end: int) -> tuple[int, int]:
    """[start, end) without the spaces and the commas, semicolons and colons at its ends."""
    while start < end and (text[start].isspace() or text[start] in ",;:"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:"):
        end -= 1
    return start, end


def states_asked_kind(question: AnalysedQuestion, quotes: list[Quote], citations: list[Citation],
                      languages: dict[str, str | None]) -> bool:
    """Whether the quotes state a fact of the kind the question asks for (whether or not one can be told the answer)."""
    return any(facts for _, facts in _candidates(question, quotes, citations, languages))


def _candidates(question: AnalysedQuestion, quotes: list[Quote], citations: list[Citation],
                languages: dict[str, str | None], kinds: tuple[str, ...] | None = None,
                whole: bool = False) -> list[tuple[Citation, list[Fact]]]:
    """Each quote's citation and the facts in it that could answer: of the asked kind (or of `kinds`), not named by
    the question; names without the question's own words at their ends (`_trimmed`) unless `whole`."""
    kinds = ANSWER_KINDS.get(question.kind or "", ()) if kinds is None else kinds
    by_number = {c.number: c for c in citations}
    out = []
    for quote in quotes:
        citation = by_number[quote.citations[0]]
        text = citation.quote
        stated = find_facts(text, languages.get(citation.source))
        # a year is not an amount nor a count ("How many visitors came?" is not answered by "2026")
        facts = [f if whole else _trimmed(f, text, question) for f in stated if f.kind in kinds and not is_year(f, stated)
                 and (is_clock_time(f) or not question.clock)]  # "at what time" is not answered by "September 4"
        out.append((citation, [f for f in facts if f and not named_by(f, question.words) and not _inside_question_words(f, question)]))
    return out


def _told_with_the_thing(question: AnalysedQuestion, quotes: list[Quote], citations: list[Citation],
                         languages: dict[str, str | None]) -> Short | None:
    """A "which X" question's answer where a quote tells a name with an X: just before it ("the Horniman Museum",
    "the network's "We Love TV" image campaign"; X kept when it is part of the name) or just after it, an article or
    a quotation mark between ("the hymn Ein neues Lied wir heben an", "a Buddhist monastery, the Dongshan Dafo
    Dian", "le général Bugeaud"). None when no quote does: "which"/"what" questions get no span otherwise
    (a name picked from anywhere in the sentence scored about 0.2 F1)."""
    if not question.thing:
        return None
    for citation, names in _candidates(question, quotes, citations, languages, (NAME, TITLE)):
        text, lang = citation.quote, languages.get(citation.source)
        wanted = set(terms(" ".join(question.thing), lang))
        if lang in NOUNS_CAPITALISED:
            # every noun has a capital ("Version", "Erkrankung"): a name of one word says nothing there
            names = [f for f in names if f.kind == TITLE or len(f.text.split()) > 1]
        for m in written_word().finditer(text):
            if not wanted & set(terms(m.group(), lang)):
                continue
            for f in names:
                if f.end < m.start() and _BETWEEN_NAME_AND_THING.fullmatch(text[f.end : m.start()]):
                    return _short(citation, f.start, m.end() if m.group()[:1].isupper() else f.end)
                if m.end() <= f.start <= m.end() + 8 and _BETWEEN_THING_AND_NAME.fullmatch(text[m.end() : f.start]):
                    return _short(citation, f.start, f.end)
    return None


def _named_after_a_cue(question: AnalysedQuestion, quotes: list[Quote], citations: list[Citation],
                       languages: dict[str, str | None]) -> Short | None:
    """For a question asking what something is called, the name or title a quote tells just after "called", "known
    as", "appelé", "genannt"... ("originally called the Museum of Manufactures"); None when no quote does."""
    if not question.naming:
        return None
    # whole names: "called the Museum of Manufactures" asked what the museum was called keeps "Museum"
    for citation, names in _candidates(question, quotes, citations, languages, (NAME, TITLE), whole=True):
        text = citation.quote
        for cue in _NAMING_CUE.finditer(text):
            for f in names:
                if cue.end() <= f.start <= cue.end() + 8 and _BETWEEN_THING_AND_NAME.fullmatch(text[cue.end() : f.start]):
                    return _short(citation, f.start, f.end)
    return None


def _with_bound(text: str, start: int) -> int:
    """A number's start moved back over the word that bounds it ("more than 70,000", "près de 150 000", "über 5.100"):
    the quote says no more than that, and the number alone would say more."""
    m = _BOUND_BEFORE.search(text, 0, start)
    return m.start() if m else start


def _year_of(fact: Fact) -> tuple[int, int]:
    """The year of a date ("7 January 1943" -> "1943") for a question that asks for a year; the whole fact when it
    names no year alone ("1756 to 1763", "early 1970s", "1943年1月7日": a Chinese year keeps its 年)."""
    years = list(_YEAR_DIGITS.finditer(fact.text))
    if len(years) != 1:
        return fact.start, fact.end
    return fact.start + years[0].start(), fact.start + years[0].end()


def _with_coordinated(text: str, fact: Fact, lang: str | None) -> tuple[int, int]:
    """A name with the names listed after it ("Robert Lane and Benjamin Vail"): who did it may be several."""
    end = fact.end
    names = [f for f in find_facts(text, lang) if f.kind == NAME and f.start >= end]
    for f in names:
        if not _LIST_JOINER.fullmatch(text[end : f.start]):
            break
        end = f.end
    return fact.start, end


def _trimmed(fact: Fact, text: str, question: AnalysedQuestion) -> Fact | None:
    """A name without the question's own words at its ends ("First Deputy Chairman Botir Tursunov" asked about
    the First Deputy Chairman -> "Botir Tursunov"); None when nothing else is left."""
    if fact.kind != NAME:
        return fact
    parts = [(m.start(), m.end()) for m in re.finditer(r"[\w.'’-]+", fact.text)]
    asked = lambda p: fold_for(fact.text[p[0] : p[1]].rstrip(".")) in question.words  # noqa: E731
    while parts and asked(parts[0]):
        parts.pop(0)
    while parts and asked(parts[-1]):
        parts.pop()
    if not parts:
        return None
    start, end = fact.start + parts[0][0], fact.start + parts[-1][1]
    return Fact(fact.kind, start, end, text[start:end])


def _person_preference(question: AnalysedQuestion, fact: Fact) -> int:
    """For "who" questions, 0 for a name that looks like a person's (two words or more, no "of"), else 1."""
    if question.kind != "person":
        return 0
    parts = fact.text.split()
    return 0 if len(parts) >= 2 and not any(p.casefold() in _ORG_JOINERS for p in parts) else 1



def _place_preference(question: AnalysedQuestion, fact: Fact, text: str) -> int:
    """For "where" questions, 0 for a name just after a preposition of place ("in Tashkent", "à Paris"), else 1."""
    if question.kind != "place":
        return 0
    before = re.search(r"(\w+)\W{0,2}$", text[: fact.start])
    return 0 if before and fold_for(before.group(1)) in _PLACE_PREPOSITIONS else 1


def _inside_question_words(fact: Fact, question: AnalysedQuestion) -> bool:
    """Whether a name or title is mostly the question's own words ("the State Security Service" when it asks about it)."""
    if fact.kind not in (NAME, TITLE):
        return False
    ws = words(fact.text)
    return bool(ws) and sum(w in question.words for w in ws) * 2 > len(ws)


def _question_word_positions(text: str, question: AnalysedQuestion, lang: str | None) -> dict[str, list[int]]:
    """Where each of the question's terms stands in the sentence (char offsets, near enough: a stem found as a
    prefix); terms the sentence lacks are left out."""
    folded = fold_for(text)
    found: dict[str, list[int]] = {}
    for term in set(question.terms_in(lang or question.language)):
        if len(term) < 2:
            continue
        positions = [m.start() for m in re.finditer(re.escape(term), folded)]
        if positions:
            found[term] = positions
    return found


def _closeness(question: AnalysedQuestion, fact: Fact, by_term: dict[str, list[int]], anchors: list[int]) -> tuple[int, int]:
    """How close a fact stands to the question's words, the closer the smaller: for the person a "who" question asks
    for, first how many of its terms are told with the name (`_nearby`), then the distance to the nearest; for
    other facts the distance first ("24 interceptions": a number is told with the one word it counts, and a place
    near the words that describe something else is often part of that description: "la deuxième Conférence de
    la CEI sur la lutte contre le terrorisme"), the count breaking ties ("250 representatives from ... 20 CIS and SCO
    member states" asked how many CIS and SCO member countries)."""
    near, far = -_nearby(fact, by_term), _distance(fact, anchors)
    return (near, far) if question.kind == "person" else (far, near)


def _nearby(fact: Fact, by_term: dict[str, list[int]]) -> int:
    """How many of the question's terms stand within _NEAR_CHARS of a fact: "Anne Boleyn, deuxième femme du roi Henri
    VIII" is told with three of them, "épousa Sir William Boleyn" with one."""
    return sum(_distance(fact, positions) <= _NEAR_CHARS for positions in by_term.values())


def _distance(fact: Fact, anchors: list[int]) -> int:
    if not anchors:
        return _DISTANCE_CHARS
    return min(_DISTANCE_CHARS, *(min(abs(a - fact.start), abs(a - fact.end)) for a in anchors))
