"""A question read once into a record: the kind of answer it asks for, its terms, the values it names, its language.

The lexicons that read a question (interrogatives, the cues of each kind of answer, words that
name a kind of answer, hedges, ranks) live here, with the words that show a fact of each kind
(months, weekdays, number words) that sentence scoring looks for.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .facts import NOUNS_CAPITALISED
from .language import UNDETERMINED, Identified, identify
from .lexical import fold, in_spaceless_script, stopwords, stopwords_for, stretches, terms, words, written_word

NUMBER_WORDS = frozenset(
    "one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty hundred thousand million "
    "billion dozen un une deux trois quatre cinq six sept huit neuf dix onze douze vingt trente quarante cinquante "
    "cent cents mille million millions milliard milliards".split()
)
MONTHS = frozenset(
    "january february march april may june july august september october november december "
    "janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre".split()
)
WEEKDAYS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday lundi mardi mercredi jeudi vendredi samedi dimanche".split()
)
# What a quantity question asks for when it has no "how many": "what is the population of ...".
_QUANTITY_NOUNS = (
    "population|area|size|length|height|width|depth|weight|distance|speed|"
    "temperature|capacity|rate|percentage|amount|total|age|duration|superficie|taille|longueur|hauteur|poids|"
    "vitesse|capacite|taux|duree"
)
# ... and an amount of money ("what was the budget of ..."): the answer should name a currency.
_MONEY_NOUNS = "budget|cost|costs|price|salary|revenue|income|fee|fees|value|worth|prix|cout|salaire|revenu|montant|valeur"
# The asked-for kind of fact, from the question's wording (folded, English or French). When a
# question has several cues ("Who spoke when the event opened?"), the first one wins.
# The same cues in other languages, as general as the English and French ones (folded: no accents on Latin
# letters). Languages written without spaces have no word boundaries: their cues match anywhere.
_OTHER_CUES = {
    "money": (
        r"\bwie viel (kostet|kostete|kosten|kosteten)\b|\bcuanto (cuesta|costo|cuestan)\b|\bquanto (custa|custou|costa|costava)\b"
        r"|\bсколько (стоит|стоил|стоила|стоило|стоят|стоили)\b",
        r"花了多少钱|多少钱|费用是多少|いくら",
    ),
    "number": (
        r"\b(wie (viele|viel|lange|lang|alt|weit|gross|hoch|schwer|breit|tief)|wieviele|wieviel|cuant[oa]s?|quant[oa]s?|quant[ie]|hoeveel|сколько)\b",
        r"多少|几个|几位|几名|几次|几年|几种|多大|多长|多久|多远|多高|多重|いくつ|何人|何個|何回|どのくらい|どれくらい|どれぐらい|どのぐらい",
    ),
    "date": (
        r"\b(wann|seit wann|in welchem jahr|welche[mns]? (jahr|datum|tag|monat|jahrhundert)|cuando|en que (ano|fecha)"
        r"|quando|em que ano|in che anno|wanneer|in welk jaar|когда|в каком году"
        r"|um wie ?viel uhr|um welche uhrzeit|a que horas?|a che ora|hoe laat|во сколько|в котором часу)\b",
        r"什么时候|何时|哪一年|哪年|哪一天|几月|几号|哪个世纪|几点|幾點|いつ|何年",
    ),
    "person": (r"\b(wer|wem|wen|wessen|quien|quienes|quem|chi|кто|кого|кому|кем)\b", r"谁|誰|だれ"),
    "place": (r"\b(wo|woher|wohin|donde|onde|dove|waar|где|куда|откуда)\b", r"哪里|哪儿|在哪|何处|哪个国家|哪个城市|どこ"),
}
# The asked-for kind of fact, from the question's wording (folded). When a question has several cues
# ("Who spoke when the event opened?"), the first one wins.
_ENGLISH_FRENCH_CUES = (
    ("money", re.compile(
        r"\bhow much (\w+ ){0,6}(cost|costs|pay|paid|spend|spent|earn|earned|charge|charged|sell|sold|raise|raised|worth)\b"
        rf"|\b(what|which) (is|was|are|were) the ({_MONEY_NOUNS})\b|\bquel(le)? (est|etait) (le |la |l )?({_MONEY_NOUNS})\b"
        r"|\bcombien (coute|coutent|coutait|a coute|ont coute|gagne|a paye|vaut)\b"
    )),
    ("number", re.compile(
        r"\b(how (many|much|long|old|far|large|big|tall|high)|what (percentage|number|amount|proportion)|combien"
        r"|quel(le)?s? (est|sont|etait) (le|la) (nombre|pourcentage|montant)|quel(le)? (nombre|pourcentage|montant)"
        rf"|(what|which) (is|was|are|were) the ({_QUANTITY_NOUNS})|quel(le)? (est|etait) (le |la |l )?({_QUANTITY_NOUNS}))\b"
    )),
    ("date", re.compile(
        r"\b(when|(what|which) ((day|days) of the (week|month)|years?|dates?|days?|months?|century|decade|period|time)"
        r"|in what year|quand|en quelle annee|quelle (annee|date|periode)|quel (jour de la semaine|jour|mois|siecle)"
        r"|quels (jours|mois)|depuis quand"
        r"|a quelle (date|epoque|periode|heure))\b"
    )),
    ("person", re.compile(r"\b(who|whom|whose|qui (a|est|etait|sont|fut|ont|avait|dirige|preside)|^qui\b|par qui|quel est le nom)\b")),
    ("place", re.compile(
        r"\b(where|(what|which) (country|city|region|state|town|province|village|island|continent)"
        r"|^ou\b|(dans )?quel(le)? (pays|ville|region|province|ile|continent))\b"
    )),
)
_KIND_CUES = tuple(
    # the cues without spaces are folded as the question is: "どのくらい" is read "とのくらい" (its voicing marks dropped)
    (name, re.compile(f"{pattern.pattern}|{_OTHER_CUES[name][0]}|{fold(_OTHER_CUES[name][1])}"))
    for name, pattern in _ENGLISH_FRENCH_CUES
)
_ENGLISH_FRENCH = dict(_ENGLISH_FRENCH_CUES)
# "How many" in languages with no other cue here, each read only in a question of its language (Polish "ile" is the
# French "île"): the answer is a number, which digits show in any language, so a sentence stating one is the likelier
# answer and quotes stating none keep less confidence ("Ile mostów przecina Velnę?" over sentences about the river).
# Folded as the question is; no word boundary after a word that ends in a vowel sign (a mark is not `\w`).
_COUNT_CUES = {lang: re.compile(fold(pattern)) for lang, pattern in {
    "pl": r"\bil[eu]\b", "cs": r"\bkolik\b", "sk": r"\bkoľko\b", "sl": r"\bkoliko\b", "hr": r"\bkoliko\b",
    "bs": r"\bkoliko\b", "sr": r"\bкол(ико|ко)\b|\bkoliko\b", "bg": r"\bколко\b", "uk": r"\bскільки\b",
    "be": r"\bколькі\b", "lt": r"\bkiek\b", "lv": r"\bcik\b", "et": r"\bmitu\b", "fi": r"\bkuinka monta\b|\bmontako\b",
    "hu": r"\bhány(an)?\b", "tr": r"\bkaç\b", "ro": r"\bcâ(te|ți)\b", "el": r"\bπόσ(οι|ες|α)\b", "ar": r"\bكم\b",
    "he": r"\bכמה\b", "fa": r"\bچند\b", "ur": r"\bکتن[ےیا]", "hi": r"\bकितन[ेीा]", "mr": r"\bकिती",
    "bn": r"\bকত(জন|টি)?|\bকয়টি", "ta": r"\bஎத்தனை", "id": r"\bberapa\b", "ms": r"\bberapa\b",
    "vi": r"\bbao nhiêu\b", "sw": r"\b\w*ngapi\b", "ko": r"몇",
}.items()}
FACT_TYPES = ("money", "number", "date")  # kinds of answer that can be told apart reliably

# Words that name the kind of answer ("which city", "what year", "day of the week"): the answer
# holds a city or a year, not these words, so they are not terms a sentence should match.
_FOCUS_WORDS = frozenset(
    "year years date dates day days week month months century decade period time city country region state town "
    "province village island continent percentage number amount proportion annee jour jours semaine mois siecle "
    "periode epoque heure pays ville province ile nombre pourcentage montant".split()
)
# Words that only say how precise the answer should be ("roughly how many", "how many altogether").
_HEDGES = frozenset(
    "roughly approximately exactly precisely altogether overall nearly almost approximativement environ exactement "
    "precisement".split()
)
# Interrogatives the stop-word lists miss (French ones above all): the question's form, not its content.
_INTERROGATIVES = frozenset(
    "combien quel quelle quels quelles lequel laquelle lesquels lesquelles pourquoi comment quand quoi whose".split()
)
# Interrogatives of other languages their stop-word lists miss (bm25s's): the question's form, not its content
# ("Warum verließ Tesla Edison?"). Ignored in questions of that language only: "quando" or "come" are words elsewhere.
_INTERROGATIVES_OF = {
    lang: frozenset(fold(words_).split())
    for lang, words_ in {
        "de": "wer wen wem wessen wann warum weshalb wieso weswegen wofür wozu worauf woran womit wodurch worüber wovon "
              "woher wohin worin",
        "es": "cuáles cuánto cuánta cuántos cuántas adónde",
        "it": "cosa quali quando",
        "pt": "quais onde porque quanto quanta quantos quantas",
        "nl": "wanneer waar waarom welke welk hoeveel waardoor waarmee waarvoor",
        "ru": "почему какое какие сколько чей откуда",
        # languages bm25s has no stop words for: their interrogatives were a question's heaviest terms (no passage
        # holds them), which kept every answer's confidence down (a probe of 26 languages, docs/languages.md)
        "pl": "kto kogo komu co czego kiedy gdzie dokąd skąd ile ilu dlaczego czemu jak jaki jaka jakie jakiego jakiej "
              "jakim który która które którego której czyj",
        "cs": "kdo koho komu co čeho kdy kde kam odkud kolik proč jak jaký jaká jaké jakého který která které kterého "
              "kterou čí",
        "sk": "kto koho komu čo kedy kde kam odkiaľ koľko prečo ako aký aká aké ktorý ktorá ktoré čí",
        "uk": "хто кого кому що чого коли де куди звідки скільки чому як який яка яке які якого якій чий",
        "bg": "кой коя кое кои кого какво кога къде откъде колко защо как какъв каква какви",
        "fi": "kuka ketkä kenen kenet mikä mitkä mitä minkä milloin missä mihin mistä miksi kuinka montako "
              "paljonko millainen millä",
        "hu": "ki kik kit kinek mi mit mik mikor hol hová honnan hány hányan mennyi miért hogyan milyen melyik",
        "ro": "cine ce când unde câte câți cât cum care căror",
        "el": "ποιος ποια ποιο ποιοι ποιες ποιον ποιας τι πότε πού πόσο πόσα πόσοι πόσες γιατί πώς",
        "id": "siapa apa apakah kapan mana manakah berapa mengapa kenapa bagaimana",
        "ms": "siapa apa apakah bila mana berapa mengapa kenapa bagaimana",
        "vi": "ai gì nào đâu bao nhiêu",  # not "sao" ("tại sao", why): also a star
        "sw": "nani nini lini wapi gani ngapi mangapi wangapi vipi kwa nini",
        "he": "מי מה מתי איפה היכן לאן מאין כמה למה מדוע איך איזה איזו אילו",
        "ar": "من ما ماذا متى أين كم لماذا كيف أي هل",
        "fa": "چه کسی کسانی کدام کی چند چقدر کجا چرا چطور چگونه",
        "ur": "کون کیا کب کہاں کتنے کتنی کتنا کیوں کیسے",
        "hi": "कौन किसने किसे किसको किस क्या कब कहाँ कहां कितने कितनी कितना क्यों कैसे",
        "bn": "কে কারা কাকে কবে কোথায় কত কতজন কয়টি কী কি কেন কোন কিভাবে",
        "ta": "யார் எப்போது எங்கே எத்தனை என்ன ஏன் எந்த எப்படி",
        "ko": "누가 누구 언제 어디 어디서 얼마 얼마나 몇 왜 어느 무엇 무슨",
    }.items()
}
# A question that asks for a year ("What year did Tesla die?", "En quelle année ...", "In welchem Jahr ...", "В каком
# году ..."): of a date, the year answers it.
_YEAR_ASKED = re.compile(
    r"\b((what|which) years?|quelles? annees?|welche[mns]? jahr|que ano|che anno|welk jaar|в каком году|какой год)\b|哪一?年"
)
# A question that asks for a time of day ("At what time did it open?", "À quelle heure ...", "Um wie viel Uhr ...",
# "Во сколько ...", "几点"): a date alone does not answer it. Folded; "what time frame" is no time of day.
_CLOCK = re.compile(
    r"\b(at what time|what time (is|was|will|did|does|do|are|were|should|must|can|could|would)|(at )?what hour"
    r"|(a|des|vers|jusqu a) quelle heure|quelle heure (est|etait|sera)|um wie ?viel uhr|um welche uhrzeit|wie spat"
    r"|a que horas?|a che ora|hoe laat|во сколько|в котором часу)\b|几点|幾點"
)
# The word that asks to pick out a thing, by language ("In which hotel ...", "Dans quel hôtel ...", "In welchem Hotel
# ...", "В каком отеле ..."): the words after it up to a stop word name the thing, and the answer is often a name
# told with it ("the Horniman Museum", "the hymn Ein neues Lied").
_WHICH = {
    lang: frozenset(interrogatives.split())
    for lang, interrogatives in {
        "en": "which what", "fr": "quel quelle quels quelles", "de": "welche welcher welches welchem welchen",
        "es": "que cual cuales", "it": "quale quali", "pt": "qual quais", "nl": "welke welk",
        "ru": "какой какая какое какие каком какую каких какого какому какими",
    }.items()
}
# Words after "which"/"what" that name no thing to look for: "what type of ...", "which part of ...".
_GENERIC_THINGS = frozenset(
    "type types kind kinds sort sorts form forms part parts name names example examples way ways thing things one ones "
    "other others group groups member members aspect aspects item items category categories term terms word words "
    "genre sorte forme partie nom exemple chose choses art arten teil beispiel тип вид часть имя пример".split()
)
_NO_THING = _FOCUS_WORDS | _GENERIC_THINGS
# Questions asking why or how, which a name never answers ("Why was this short termed organization created?")
_WHY_HOW = "why|how|pourquoi|warum|weshalb|wieso|por que|perche|почему|зачем"
_NOT_NAMING = re.compile(rf"({_WHY_HOW})\b")
# A question asking for an explanation or a manner ("Why...", "How does..."; not "how many", which has a kind): no
# short span answers it. Besides those above, the words for "how" that also open a question asking for a name
# ("Wie hieß...", "Comment s'appelait...": `naming` decides). Opening the question, or anywhere in a language
# that puts it after the subject (Chinese).
_EXPLAINING = re.compile(rf"({_WHY_HOW}|comment|wie|como|come|как)\b")
_EXPLAINING_INSIDE = re.compile(r"为什么|为何|怎么|怎样|如何")
# A question asking what someone said, wrote or declared ("What did he say about Afghanistan?", "Qu'a-t-il dit ...",
# "Was hat er ... gesagt", "Что он сказал ...", "他说了什么"): what answers is a statement, not a span (folded text). In
# English only "what" then an auxiliary ("What book did he write?" asks for a title), and the verb then ends the
# question or says what about ("What did the IPCC say was mistaken?" asks for a fact).
_REPORTED = re.compile(
    r"^(?:and\s+)?what\s+(?:did|does|do|has|have|had|will|would)\s+(?:\S+\s+){1,5}?(?:"
    r"(?:say|said|think|thought|write|wrote|written|announce|announced|declare|declared|stress|stressed|note|noted|mention|"
    r"mentioned|add|added)(?=\s*\??$|\s+(?:about|of|on|regarding|concerning|in|at|to|during|after|before|when)\b)"
    r"|(?:tell|told)(?=(?:\s+\S+){0,3}?\s*\??$|(?:\s+\S+){0,3}?\s+about\b))"
    r"|^qu['’]\s*(?:a|ont|avait|avaient)(?:-t-(?:il|elle|on))?\s+(?:\S+\s+){0,4}?(?:dit|declare|ecrit|annonce|affirme)\b"
    r"|^qu['’]est-ce\s+qu.{0,50}?\b(?:dit|declare|ecrit|annonce|affirme)\b"
    r"|^was\s+(?:sagte|sagt|sagten|sagen|schrieb|erklarte)\b"
    r"|^was\s+(?:hat|haben|hatte|hatten)\b.{0,50}?\b(?:gesagt|geschrieben|erklart)\b"
    r"|^¿?\s*que\s+(?:\S+\s+){0,3}?(?:dijo|dice|dicho|escribio|declaro|afirmo)\b"
    r"|^что\s+(?:\S+\s+){0,3}?(?:сказал|сказала|сказали|говорил|говорила|заявил|заявила|заявили|написал|написала)\b"
)
_REPORTED_INSIDE = re.compile(r"说了什么|讲了什么|说些什么|表示了什么")
# "What is the name of the gallery devoted to Chinese art?": the thing is what follows "the name of" (any case).
_NAME_OF = re.compile(
    r"\b(?:name|names|nom|noms|namen?|nombre|nome|название|имя)\s+(?:of|de|du|des|d['’]|der|del|di|della|do|da|dos|das)\s*"
    r"(?:(?:the|a|an|la|le|les|l['’]|el|los|las|il|lo|un|une)\s*)?",
    re.IGNORECASE,
)
# The question asks what something is called ("What was the museum originally called?", "Comment s'appelle ...",
# "Wie heißt ..."), folded text.
_NAMING = re.compile(
    r"\b(called|call|named|name of|known as|termed|nicknamed|dubbed|titled|appel\w*|nomm\w*|surnomm\w*|nom d\w*"
    r"|genannt|nennt|nannte|heisst|hiess|namen|bezeichnet|llamad\w*|llama|denominad\w*|chiamat\w*|chiama"
    r"|называ\w*|назван\w*|названи\w*)\b"
)
_COUNTED = re.compile(r"\b(?:how many|how much|combien d(?:e|es|u)?)\s+(.*)")

# A question opening with one of these asks what it asks there (English and French); a kind cue further on is a clause.
_LEADING_INTERROGATIVE = re.compile(r"(what|which|why|whom|whose|que|quoi|pourquoi|comment|quel|quelle|quels|quelles)\b")
YEAR = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})\b")
ORDINAL = re.compile(r"(\d+)(?:st|nd|rd|th|e|er|eme|re|ere)")  # "17th", "4e": a rank, not a date
_RANK_WORDS = {
    w: i + 1
    for names in (
        "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth "
        "fifteenth sixteenth seventeenth eighteenth nineteenth twentieth",
        "premiere deuxieme troisieme quatrieme cinquieme sixieme septieme huitieme neuvieme dixieme onzieme douzieme",
    )
    for i, w in enumerate(names.split())
}  # "premier" is left out: "premier ministre", "Premier League"
# A year just after one of these bounds a period rather than naming it ("before 1990", "avant 1990").
_BOUNDS = frozenset("before after since until prior by from avant apres depuis jusqu des partir".split())


@dataclass(frozen=True, slots=True)
class AnalysedQuestion:
    """What every scorer needs to know about a question, read once from its text."""

    text: str
    kind: str | None  # 'money', 'number', 'date', 'person', 'place' or None
    clock: bool  # it asks for a time of day (kind 'date'): only a clock time answers it
    year: bool  # it asks for a year (kind 'date'): the year of a date answers it
    naming: bool  # it asks what something is called: a name told after "called", "known as", "appelé"... answers it
    explains: bool  # it asks why or how (an explanation, a manner) or what someone said: no short span answers it
    thing: tuple[str, ...]  # the thing "which X" asks to pick out, as written ("hotel",), or () when none
    words: frozenset[str]  # folded words, stop words kept; in a script without spaces every stretch of its runs
    ignored: frozenset[str]  # words no answer sentence is expected to hold: interrogatives, answer-kind words, hedges
    terms: tuple[str, ...]  # content terms a sentence should hold (the ignored words left out)
    counted: frozenset[str]  # what a "how many X" question counts: the term of X's first word
    asked_values: frozenset[tuple[str, int]]  # years and ranks it names, as ('year', 1990) or ('rank', 11)
    language: str  # ISO 639-1 code, or 'und'
    language_sure: bool  # identified surely enough that a sentence in another language is foreign to it

    @property
    def asks_fact(self) -> bool:
        """Whether it asks for an amount, a number or a date (kinds a sentence shows reliably)."""
        return self.kind in FACT_TYPES

    def terms_in(self, lang: str) -> tuple[str, ...]:
        """Its content terms by the rules of a language (a passage's), the ignored words left out."""
        if lang == self.language:
            return self.terms
        return _content_terms(self.text, self.ignored, lang)


def analyse_question(text: str, language: Identified | None = None) -> AnalysedQuestion:
    """Read a question once: its kind of answer, terms, counted thing, named years and ranks, language.

    `language` is the question's language as the documents' languages suggest (identified alone when None).
    """
    language = language or identify(text)
    folded = fold(text)
    kind, cue = _kind_cue(folded.strip())
    if kind is None and (count := _COUNT_CUES.get(language.language)) and (said := count.search(folded)):
        kind, cue = "number", said.group()
    clock = bool(_CLOCK.search(folded))
    if clock:
        kind = "date"
    year = kind == "date" and not clock and bool(_YEAR_ASKED.search(folded))
    asked = words(text)
    asked_set = set(asked)
    ignored = (set(words(cue)) & _FOCUS_WORDS) | (asked_set & _HEDGES) | (asked_set & _INTERROGATIVES)
    ignored |= asked_set & _INTERROGATIVES_OF.get(language.language, frozenset())
    if cue and not _ENGLISH_FRENCH[kind].search(folded.strip()):
        ignored |= set(words(cue))  # another language's interrogative ("wie viele", "сколько", "多少"): form, not content
    naming = kind is None and not _NOT_NAMING.match(folded.strip()) and bool(_NAMING.search(folded))
    return AnalysedQuestion(
        text=text,
        kind=kind,
        clock=clock,
        year=year,
        naming=naming,
        explains=kind is None and not naming and bool(_EXPLAINING.match(folded.strip()) or _EXPLAINING_INSIDE.search(folded)
                                                      or _REPORTED.match(folded.strip()) or _REPORTED_INSIDE.search(folded)),
        thing=_asked_thing(text, language.language),
        words=frozenset(asked_set.union(*map(stretches, asked))),
        ignored=frozenset(ignored),
        terms=_content_terms(text, frozenset(ignored), language.language),
        counted=frozenset(_counted_terms(folded)),
        asked_values=frozenset(_asked_values(asked)),
        language=language.language,
        language_sure=language.sure,
    )


def _content_terms(text: str, ignored: frozenset[str], lang: str) -> tuple[str, ...]:
    """The text's terms by a language's rules, without the terms of its ignored words (nor, in a script
    written without spaces, the character pairs that hold part of one)."""
    lang = lang if lang != UNDETERMINED else None
    dropped: set[str] = set()
    if ignored:
        # the ignored words as the question writes them too: a language's rules keep marks `fold` drops (Vietnamese
        # "nhiêu", Hindi's nukta)
        written = [w for w in written_word().findall(text) if fold(w) in ignored]
        dropped = set(terms(" ".join([*ignored, *written]), lang))
    glyphs = {c for w in ignored for c in w if in_spaceless_script(c)}
    return tuple(t for t in terms(text, lang)
                 if t not in dropped and not (glyphs and glyphs & set(t)) and not _KANA_ENDING.fullmatch(t))


# A pair of hiragana in a question is its grammar (particles and endings: "ですか", "ました", "には"), not its content:
# such pairs were most of a Japanese question's terms, none of them in the sentence that answers ("ヴェルナ川の長さは
# どれくらいですか？": 11 of 15 terms)
_KANA_ENDING = re.compile(r"[\u3041-\u309f]{2}")


def _kind_cue(folded: str) -> tuple[str | None, str]:
    """The kind of answer asked for and the words that cue it; the earliest cue wins."""
    found = [(m.start(), i, name, m.group()) for i, (name, pattern) in enumerate(_KIND_CUES) if (m := pattern.search(folded))]
    if not found:
        return None, ""
    start, _, name, cue = min(found)
    head, comma, rest = folded.partition(", ")
    if comma and _LEADING_INTERROGATIVE.match(rest):
        # "When many people are arrested, what is a common tactic?": the question is after the clause
        return _kind_cue(rest)
    if start > 0 and _LEADING_INTERROGATIVE.match(folded):
        # "What was the tribe of the woman he married when he was 16?": the question asks what its first word
        # asks; a later "when" opens a clause
        return None, ""
    return name, cue


def _asked_thing(text: str, lang: str) -> tuple[str, ...]:
    """The words after the first "which"/"what" (or its language's own word) up to a stop word: "In which hotel did
    ..." -> ("hotel",). Empty where the language has no rule, and where they name a kind of answer ("which city": a
    place), a generic thing ("what type of ...") or nothing ("what is ...")."""
    which = _WHICH.get(lang)
    if not which:
        return ()
    stop = stopwords_for(lang) | stopwords()
    at = next((m for m in written_word().finditer(text) if fold(m.group()) in which), None)
    if at is None:
        return ()
    named = _NAME_OF.search(text)
    # "What is the name of the gallery ...", "le nom de l'hôtel ...": the gallery, the hotel is the thing
    end = named.end() if named else at.end()
    following = list(written_word().finditer(text, end))
    if named and lang not in NOUNS_CAPITALISED:
        # "the name of Wesley's famous sermon": a name or a possessor before the thing is not the thing
        while following and (following[0].group()[:1].isupper() or following[0].group().endswith(("'s", "’s"))):
            end = following.pop(0).end()
    thing = []
    for m in following[:3]:
        w = m.group()
        if (text[end : m.start()] and not text[end : m.start()].isspace()) or fold(w) in stop or len(w) < 3:
            break  # "On what principle, Azizov said, ...": the thing ends at the comma
        thing.append(w)
        end = m.end()
    return () if any(fold(w) in _NO_THING for w in thing) else tuple(thing)


def _counted_terms(folded: str) -> set[str]:
    m = _COUNTED.search(folded)
    if not m:
        return set()
    following = [w for w in words(m.group(1))[:2] if w not in stopwords()]
    return set(terms(following[0])) if following else set()


def named_value(token: str) -> tuple[str, int] | None:
    """('rank', n) for "eleventh", "11th", "onzième", "11e"; ('year', n) for a year; None otherwise."""
    if token in _RANK_WORDS:
        return "rank", _RANK_WORDS[token]
    m = ORDINAL.fullmatch(token)
    if m:
        return "rank", int(m.group(1))
    if YEAR.fullmatch(token):
        return "year", int(token)
    return None


def ranks_written(text: str) -> set[int]:
    """The ranks a passage writes, more leniently than a question is read for them: every `named_value` rank, the
    "premier" left out of questions, and Roman numerals in capitals ("XIVe siècle", "siglo XIV", "Louis XIV", "World
    War II"; two letters at least: "Le", "Ce" and "I" are words)."""
    written = words(text)
    found = {v[1] for t in written if (v := named_value(t)) and v[0] == "rank"}
    found |= {1 for t in written if t == "premier"}
    return found | {n for m in _ROMAN.finditer(text) if (n := _roman(m.group(1)))}


def _roman(numeral: str) -> int | None:
    """The value of a Roman numeral written as it should be ("XIV" 14), else None ("IIII", "VX")."""
    values = [_ROMAN_VALUES[c] for c in numeral]
    n = sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))
    return n if 0 < n < 400 and _to_roman(n) == numeral else None


def _to_roman(n: int) -> str:
    out = ""
    for value, letters in ((100, "C"), (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        out += letters * (n // value)
        n %= value
    return out


_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
_ROMAN = re.compile(r"\b([IVXLC]{2,}|I(?=er|re))(?:e|er|re|ème|eme|è|o|º|ª)?\b")


def _asked_values(q: list[str]) -> set[tuple[str, int]]:
    return {v for i, t in enumerate(q) if (v := named_value(t)) and not (v[0] == "year" and _BOUNDS & set(q[max(0, i - 2) : i]))}
