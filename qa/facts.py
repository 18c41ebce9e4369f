"""Facts a sentence states, found as spans with exact offsets: numbers, amounts of money, dates, names, titles.

What the answer rules look for in a sentence (does it hold the kind of fact asked for?) and what
the short answer is cut from. The rules are script-wide where they can be: digits of any script,
currency signs (Unicode's Sc category), Chinese and Japanese numerals and 年/月/日 dates, quoted
titles in any quotation marks, capitalised names in any script with capitals. Words are per
language: month and weekday names of every language CLDR knows (through Babel, its data in the
package), number words and scale words for English and French (the corpora this was made for)
and, measured there, German and Chinese.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from .lexical import fold, fold_for, stopwords, stopwords_for

NUMBER = "number"
MONEY = "money"
DATE = "date"
NAME = "name"
TITLE = "title"
RANK = "rank"  # "17th", "4e": neither a count nor a date
NOUNS_CAPITALISED = frozenset({"de", "lb"})  # languages that capitalise every noun: a capital says nothing of a name


@dataclass(frozen=True, slots=True)
class Fact:
    """A fact a sentence states: `text == sentence[start:end]`."""

    kind: str  # NUMBER, MONEY, DATE, RANK, NAME or TITLE
    start: int
    end: int
    text: str


# Number words (folded), by language ("one", "un", "ein" left out: mostly articles); scale words join a number ("2.5 million", "3 milliards").
_NUMBER_WORDS = {
    "en": "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen "
    "eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand million billion "
    "trillion dozen dozens hundreds thousands millions once twice thrice half",
    "fr": "deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize vingt trente "
    "quarante cinquante soixante cent cents mille million millions milliard milliards dizaine dizaines centaine "
    "centaines millier milliers",
    "de": "zwei drei vier funf sechs sieben acht neun zehn elf zwolf zwanzig dreißig dreissig vierzig funfzig "
    "hundert tausend million millionen milliarde milliarden dutzend",
}
_SCALE_WORDS = frozenset(
    "hundred hundreds thousand thousands million millions billion billions trillion trillions mille milliard milliards "
    "hundert tausend millionen milliarde milliarden mio mrd bn".split()
)
_PERCENT = frozenset("percent per cent pourcent prozent".split())
# Currency words the CLDR names of a locale may miss (plural forms, colloquial names), folded.
_CURRENCY_WORDS = frozenset(
    "dollar dollars euro euros pound pounds sterling yen yuan renminbi ruble rubles rouble roubles franc francs rupee "
    "rupees som soum soums sum sums peso pesos usd eur gbp".split()
)
_PERIOD_PARTS = frozenset("early late mid debut fin milieu anfang ende mitte".split())
_CENTURY_WORDS = frozenset("century centuries siecle siecles jahrhundert jahrhunderts siglo secolo seculo eeuw".split())
_MONEY_JOINERS = frozenset("of de d".split())  # "3 million of dollars", "3 millions d'euros"
_HAN_DIGITS = "〇零一二两兩三四五六七八九十百千万萬亿億"
_HAN_NUMBER = re.compile(f"[{_HAN_DIGITS}]+")
_HAN_SCALE = "百千万萬亿億"
# A Chinese numeral is a number when a counter follows it ("两次", "三个"), or when it is more than "一" alone
# ("一些" is "some", "一项" "an item").
_HAN_COUNTERS = "个個次名位年岁歲人种種项項座家所条條件倍场場届屆只隻枚回台部本张張辆輛天月周週世纪紀元美欧英日卢镑"
_CJK_DATE = re.compile(
    rf"(?:\d{{1,4}}|[{_HAN_DIGITS}]{{1,4}})\s*[年년](?:\s*(?:\d{{1,2}}|[{_HAN_DIGITS}]{{1,3}})\s*[月월])?"
    rf"(?:\s*(?:\d{{1,2}}|[{_HAN_DIGITS}]{{1,3}})\s*[日号號일])?"
    rf"|(?:\d{{1,2}}|[{_HAN_DIGITS}]{{1,3}})\s*[月월]\s*(?:\d{{1,2}}|[{_HAN_DIGITS}]{{1,3}})\s*[日号號일]"
    r"|(?:\d{1,4}|[" + _HAN_DIGITS + r"]{1,4})\s*世纪"
)
# A number in digits of any script, with thousands separators and decimals: 1,500 / 1 500 / 32.9 / 3,5
_DIGITS = re.compile(r"\d+(?:[,.\u00a0\u202f ]\d{3}(?!\d))*(?:[.,]\d+)?(?:\s?[%％‰])?")
_ORDINAL_END = re.compile(r"(?:st|nd|rd|th|e|er|eme|ème|re|ère|\.(?=\s+[a-zäöü]))\b")
# Times of day: 4:51, 14h30, 9:30 pm, 21 h, 20 h 50, 9 a.m., 10 Uhr, 10.30 Uhr, 3 o'clock, 下午3点, 3点半, noon, midi
_TIME = re.compile(
    r"(?<![\d:])(?:[01]?\d|2[0-3])[:h]\d{2}(?::\d{2})?(?:\s?[ap]\.?m\.?)?(?![\d:])"
    r"|(?<![\d:.,])\b(?:[01]?\d|2[0-3])\s?h(?:\s?[0-5]\d)?\b(?![.,]?\d)"
    r"|(?<![\d:.,])\b(?:1[0-2]|0?[1-9])(?:[:.][0-5]\d)?\s?[ap]\.?m\b\.?"
    r"|(?<![\d:.,])\b(?:[01]?\d|2[0-3])(?:[:.][0-5]\d)?\s?uhr\b"
    r"|(?<![\d:.,])\b(?:1[0-2]|0?[1-9])\s?o['’]clock\b"
    rf"|(?:[上下]午|早上|晚上|凌晨)?(?:\d{{1,2}}|[{_HAN_DIGITS}]{{1,3}})\s*[点點](?:\s*(?:\d{{1,2}}|[{_HAN_DIGITS}]{{1,3}})\s*分|半|钟|鐘)?"
    r"|\b(?:noon|midday|midnight|midi|minuit|mittags?|mitternacht|mediod[ií]a|medianoche|mezzogiorno|mezzanotte|полдень|полночь)\b"
    r"|中午|午夜|正午",
    re.IGNORECASE,
)
_KATAKANA_NAME = re.compile(r"[\u30a1-\u30fa\u30fc]+(?:[・·][\u30a1-\u30fa\u30fc]+)+")
# Centuries in Roman numerals: "XVIe siècle", "IXe siècle", "siglo XX", "XX secolo"
_ROMAN_CENTURY = re.compile(
    r"\b(?-i:[IVX]{1,5})(?:e|er|ème|eme|th)?\s+(?:si[eè]cles?|century|centuries|secolo|s[eé]culo)\b"
    r"|\b(?:siglo|s[eé]culo|secolo)\s+(?-i:[IVX]{1,5})\b",  # I, V, X in capitals: "Le siècle" is no date
    re.IGNORECASE,
)
_YEAR = re.compile(r"(1[0-9]{3}|20[0-9]{2})")
_WORD = re.compile(r"[^\W_][\w.-]*")  # apostrophes part words: "d'euros" -> "d", "euros"
# Words that join the capitalised words of one name: "University of Chicago", "Charles de Gaulle".
_NAME_JOINERS = frozenset("of de du des la le von van der den di da del dos y al bin ibn and &".split())
_QUOTED = re.compile(r"«\s*([^«»]{2,120}?)\s*»|“([^“”]{2,120})”|„([^„“”]{2,120})[“”]|\"([^\"]{2,120})\"|「([^「」]{1,60})」"
                     r"|『([^『』]{1,60})』|《([^《》]{1,60})》")
_SENTENCE_OPENING = re.compile(r"^\W*$")


def _locales(lang: str | None, always: tuple[str, ...] = ("en", "fr")):
    """The CLDR locales of `always` and of `lang` (the ones Babel knows)."""
    from babel import Locale, UnknownLocaleError

    for code in sorted({*always, *([lang] if lang else [])}):
        try:
            yield Locale.parse(code)
        except (UnknownLocaleError, ValueError, TypeError):
            continue


@lru_cache(maxsize=None)
def _calendar_words(lang: str | None) -> tuple[frozenset[str], frozenset[str]]:
    """Month names and weekday names (folded, wide forms) of English, French and `lang`, from CLDR."""
    from babel.dates import get_day_names, get_month_names

    months: set[str] = set()
    days: set[str] = set()
    for locale in _locales(lang):
        for context in ("format", "stand-alone"):
            months |= {fold_for(n) for n in get_month_names("wide", context, locale).values()}
            days |= {fold_for(n) for n in get_day_names("wide", context, locale).values()}
    # Numbered forms ("1月") are read by the CJK date rule; one-letter names are not words.
    keep = lambda names: frozenset(n for n in names if len(n) > 2 and not any(c.isdigit() for c in n))  # noqa: E731
    return keep(months), keep(days)


@lru_cache(maxsize=None)
def _currency_names(lang: str | None) -> tuple[frozenset[str], tuple[str, ...], frozenset[str]]:
    """Currency words of English, French and `lang` from CLDR (folded): whole words and codes, and the stems of
    the longer names, which inflect ("рубль" -> "рублей", "dollar" -> "dollars")."""
    names = set(_CURRENCY_WORDS)
    stems: set[str] = set()
    codes: set[str] = set()
    for locale in _locales(lang):
        for iso, name in locale.currencies.items():
            if iso.startswith("X"):
                continue  # gold, silver, units of account ("or" is French gold)
            codes.add(iso)
            last = fold_for(name.split()[-1])
            if " " not in name:
                names.add(last)
            if len(last) >= 5:  # shorter last words are common words too ("won", "real")
                stems.add(last[:-1])
    return frozenset(names), tuple(sorted(stems)), frozenset(codes)


@lru_cache(maxsize=None)
def _spaceless_currency(lang: str | None) -> re.Pattern[str]:
    """Currency names written without spaces (Chinese, Japanese: "美元", "欧元", "日元"), as one pattern."""
    names = {"元", "圆", "圓"}
    for locale in _locales(lang, ("zh", "ja")):
        names |= {n for iso, n in locale.currencies.items() if not iso.startswith("X") and n and all(_is_spaceless(c) for c in n)}
    return re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)))


def _is_currency(word: str, lang: str | None, written: str = "") -> bool:
    """Whether a word (folded; `written` as in the text) names a currency: a name, an inflected one, or an ISO
    code in capitals ("USD"; "cup" is a cup, "CUP" the Cuban peso)."""
    names, stems, codes = _currency_names(lang)
    return word in names or (len(word) >= 4 and word.startswith(stems)) or written in codes


_UNITS = (
    "length-kilometer length-meter length-centimeter length-millimeter length-mile length-foot length-inch length-yard "
    "length-light-year mass-kilogram mass-gram mass-tonne mass-ton mass-pound area-square-kilometer area-square-meter "
    "area-hectare area-acre area-square-mile volume-liter volume-cubic-meter duration-century duration-year duration-month "
    "duration-week duration-day duration-hour duration-minute duration-second temperature-celsius temperature-fahrenheit "
    "speed-kilometer-per-hour speed-mile-per-hour power-watt power-kilowatt power-megawatt energy-kilowatt-hour "
    "concentr-percent"
).split()


@lru_cache(maxsize=None)
def unit_words(lang: str | None) -> tuple[str, ...]:
    """Units of measure as English, French and `lang` write them after a number (folded; CLDR through Babel):
    "mètres", "km²", "°C", "公里", "года"... longest first."""
    from babel.core import UnknownLocaleError
    from babel.units import UnknownUnitError, format_unit

    found: set[str] = set()
    for code in {"en", "fr", *([lang] if lang else [])}:
        for unit in _UNITS:
            for value in (1, 2, 5, 1.5):
                for length in ("long", "short"):
                    try:
                        formatted = format_unit(value, unit, length, locale=code)
                    except (UnknownLocaleError, UnknownUnitError, ValueError, KeyError, TypeError):
                        continue
                    rest = re.sub(r"[\d.,\s\u00a0\u202f]+", " ", formatted).strip()
                    if rest:
                        found.add(fold_for(rest))
    common = stopwords() | (stopwords_for(lang) if lang else frozenset())
    found = {u for u in found if u not in common}  # "in" (inches) is a word first
    return tuple(sorted(found, key=len, reverse=True))


def _unit_after(text: str, end: int, lang: str | None) -> int:
    """The end of a unit of measure right after a number ending at `end` ("188 mètres", "5公里"), else `end`."""
    j = end
    while j < len(text) and text[j] in " \u00a0\u202f" and j - end < 2:
        j += 1
    ahead = fold_for(text[j : j + 40])
    m = _unit_pattern(lang).match(ahead)
    if m is None:
        return end
    unit = m.group()
    stop = j + len(unit)
    if stop >= len(text) or not text[stop].isalpha() or _is_spaceless(unit[-1]):
        return stop if len(fold_for(text[j:stop])) == len(unit) else end
    return end


@lru_cache(maxsize=None)
def _unit_pattern(lang: str | None) -> re.Pattern[str]:
    """The units of `unit_words(lang)` as one pattern, the longest first (so "km²" wins over "km")."""
    return re.compile("|".join(re.escape(u) for u in unit_words(lang)))


def warm_up(languages: list[str] | tuple[str, ...] | set[str] = ()) -> None:
    """Load the CLDR names of English, French and these languages now (about 0.3 s a language), not at a question."""
    for lang in {None, *languages}:
        _calendar_words(lang)
        _currency_names(lang)
        _unit_pattern(lang)


def number_words(lang: str | None) -> frozenset[str]:
    """Number words (folded) of English and French, and of `lang` where listed."""
    return frozenset(" ".join([_NUMBER_WORDS["en"], _NUMBER_WORDS["fr"], _NUMBER_WORDS.get(lang or "", "")]).split())


def month_names(lang: str | None) -> frozenset[str]:
    """Month names (folded) of English, French and `lang`: what a date is read by."""
    return _calendar_words(lang)[0]


@lru_cache(maxsize=65536)
def find_facts(text: str, lang: str | None = None) -> tuple[Fact, ...]:
    """The facts a sentence states, in text order; a span may hold another (a year inside a date).

    Cached: a corpus's sentences come back question after question (about 1 ms a sentence uncached)."""
    found: list[Fact] = []
    found += _dates(text, lang)
    found += _numbers(text, lang)
    months, days = _calendar_words(lang)
    calendar = months | days | _NAME_JOINERS  # "Wednesday and Thursday" is no name either
    found += [f for f in _names(text, lang) if not all(fold_for(w) in calendar for w in f.text.split())]
    # a foreign name in Japanese: katakana words joined by a middle dot ("ジョン・エルウェイ"), bounded by their script
    found += [_fact(NAME, text, m.start(), m.end()) for m in _KATAKANA_NAME.finditer(text)]
    found += _titles(text)
    kept = {f for f in found if not any(_inside(f, g) for g in found)}
    return tuple(sorted(kept, key=lambda f: (f.start, -f.end, f.kind)))


def _inside(f: Fact, g: Fact) -> bool:
    """Whether f is a part of the larger fact g that says no more ("2018" of a date, "5" of "5 March")."""
    larger = g.start <= f.start and f.end <= g.end and (g.end - g.start) > (f.end - f.start)
    return larger and (g.kind == f.kind or g.kind == DATE or g.kind == MONEY and f.kind != NAME)


def _fact(kind: str, text: str, start: int, end: int) -> Fact:
    while end > start and text[end - 1] in " ,;:.":
        end -= 1
    return Fact(kind, start, end, text[start:end])


def _words(text: str) -> list[tuple[int, int, str]]:
    """Words with their offsets and folded forms (trailing dots dropped: "5." is a German day)."""
    return [(m.start(), m.end(), fold_for(m.group().rstrip("."))) for m in _WORD.finditer(text)]


def _dates(text: str, lang: str | None) -> list[Fact]:
    out = [_fact(DATE, text, m.start(), m.end()) for m in _CJK_DATE.finditer(text)]
    out += [_fact(DATE, text, m.start(), m.end()) for m in _TIME.finditer(text)]
    out += [_fact(DATE, text, m.start(), m.end()) for m in _ROMAN_CENTURY.finditer(text)]
    months, days = _calendar_words(lang)
    toks = _words(text)
    for i, (start, end, w) in enumerate(toks):
        if w in months:
            first, last = i, i
            # a day before ("5 mars", "5. März", "le 14") and a day and a year after ("September 4-5, 2018")
            if i > 0 and toks[i - 1][2][:1].isdigit() and len(toks[i - 1][2]) <= 5:
                first = i - 1
                if i > 1 and toks[i - 2][2].isdigit() and text[toks[i - 2][1] : toks[i - 1][0]].strip() in ("-", "–", "—"):
                    first = i - 2  # a range of days: "10 - 12 November"
            j = i + 1
            while j < len(toks) and j <= i + 2 and toks[j][2][:1].isdigit() and text[toks[j - 1][1] : toks[j][0]].strip(" ,") == "":
                last = j
                j += 1
            out.append(_fact(DATE, text, toks[first][0], toks[last][1]))
        elif w in days:
            out.append(_fact(DATE, text, start, end))
    for m in _YEAR.finditer(text):
        if _standalone_digits(text, m.start(), m.end()):
            start, end = m.start(), m.end()
            if text[end : end + 1] == "s":  # a decade: "the 1980s"
                end += 1
            k = _word_before(toks, text, start)
            if k is not None and toks[k][2] in _PERIOD_PARTS:  # "late 1980s", "début 1990"
                start = toks[k][0]
            out.append(Fact(DATE, start, end, text[start:end]))
    return out


def _standalone_digits(text: str, start: int, end: int) -> bool:
    """Digits not inside a longer number or word (a year "1990", not "19901" or "1990s" ... or "1,990")."""
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    if before.isdigit() or after.isdigit() or before.isalpha() and not _is_spaceless(before):
        return False
    if after in ",." and end + 1 < len(text) and text[end + 1].isdigit():
        return False
    return not (after.isalpha() and not _is_spaceless(after) and after not in "sS")


def _is_spaceless(c: str) -> bool:
    name = unicodedata.name(c, "")
    return name.startswith(("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "THAI", "LAO", "KHMER", "MYANMAR"))


def _numbers(text: str, lang: str | None) -> list[Fact]:
    out: list[Fact] = []
    toks = _words(text)
    starts = {s: i for i, (s, _, _) in enumerate(toks)}
    words_of_number = number_words(lang)
    spans: list[tuple[int, int]] = []
    ranks: list[re.Match[str]] = []
    for m in _DIGITS.finditer(text):
        if m.start() and (text[m.start() - 1].isalpha() and not _is_spaceless(text[m.start() - 1])):
            continue  # part of a code or a name ("A380")
        if _ORDINAL_END.match(text, m.end()):
            ranks.append(m)
            continue  # a rank ("17th", "4e", "2nd"): not an amount
        spans.append((m.start(), m.end()))
    for start, end, w in toks:
        parts = w.split("-")  # "Six-time", "vingt-deux"
        if parts[0] in words_of_number and not any(s <= start < e for s, e in spans):
            whole = all(p in words_of_number for p in parts)
            spans.append((start, end if whole else start + len(parts[0])))
    for m in _HAN_NUMBER.finditer(text):
        if m.group() == "一" or any(s <= m.start() < e for s, e in spans):
            continue  # "一" alone is mostly "a" ("一些" some, "一项" an item)
        after = text[m.end()] if m.end() < len(text) else ""
        spans.append((m.start(), m.end() + (1 if after and after in _HAN_COUNTERS else 0)))
    taken_to = -1
    for start, end in sorted(spans):
        if start < taken_to:
            continue  # a scale word already joined to the number before it
        # a Chinese scale sign right after digits, a counter, a currency: "500万", "3亿美元", "35件", "24 次"
        while end < len(text) and text[end] in _HAN_SCALE:
            end += 1
        gap = 1 if text[end : end + 1] == " " else 0
        currency = _spaceless_currency(lang).match(text, end + gap)
        if currency:
            end = currency.end()
        elif text[end + gap : end + gap + 1] in _HAN_COUNTERS and text[end + gap : end + gap + 1] and text[start].isdigit():
            end += gap + 1
        # join a scale word or a percent word that follows: "2.5 million", "40 per cent"
        i = _next_word(toks, starts, text, end)
        while i is not None:
            if toks[i][2] in _SCALE_WORDS or toks[i][2] in _PERCENT:
                end = toks[i][1]
            elif toks[i][2] in ("per", "pour") and i + 1 < len(toks) and toks[i + 1][2] == "cent":
                end = toks[i + 1][1]
            else:
                break
            i = _next_word(toks, starts, text, end)
        end = _unit_after(text, end, lang)
        kind = MONEY if currency or _money_beside(text, toks, starts, start, end, lang) else NUMBER
        if kind == MONEY:
            start, end = _with_currency(text, toks, starts, start, end, lang)
        out.append(_fact(kind, text, start, end))
        taken_to = end
    for m in ranks:  # "the 19th century" is a date; "the 17th exhibition" a rank
        end = _ORDINAL_END.match(text, m.end()).end()
        i = _next_word(toks, starts, text, end)
        if i is not None and toks[i][2] in _CENTURY_WORDS:
            out.append(_fact(DATE, text, m.start(), toks[i][1]))
        else:
            out.append(_fact(RANK, text, m.start(), end))
    return out


def _word_before(toks, text: str, start: int) -> int | None:
    """The index of the word right before `start` (white space between), or None."""
    k = next((k for k in range(len(toks) - 1, -1, -1) if toks[k][1] <= start), None)
    return k if k is not None and text[toks[k][1] : start].strip() == "" else None


def _next_word(toks, starts, text: str, end: int) -> int | None:
    """The index of the word right after `end` (white space between), or None."""
    j = end
    while j < len(text) and text[j] == " ":
        j += 1
    return starts.get(j)


def _money_beside(text: str, toks, starts, start: int, end: int, lang: str | None) -> bool:
    """Whether a currency sign, code or name stands right before or after a number."""
    before = text[max(0, start - 4) : start].rstrip()
    after = text[end : end + 4].lstrip()
    if (before and unicodedata.category(before[-1]) == "Sc") or (after and unicodedata.category(after[0]) == "Sc"):
        return True
    i = _next_word(toks, starts, text, end)
    if i is not None and toks[i][2] in _MONEY_JOINERS and i + 1 < len(toks):
        i += 1
    if i is not None and _is_currency(toks[i][2], lang, text[toks[i][0] : toks[i][1]]):
        return True
    k = _word_before(toks, text, start)
    return k is not None and _is_currency(toks[k][2], lang, text[toks[k][0] : toks[k][1]]) or bool(after) and after[0] in "元圆圓"


def _with_currency(text: str, toks, starts, start: int, end: int, lang: str | None) -> tuple[int, int]:
    """The money span widened to its currency sign or word: "$3 million", "2 000 euros", "500万元"."""
    s = start
    before = text[max(0, start - 3) : start]
    signs = [i for i, c in enumerate(before) if unicodedata.category(c) == "Sc"]
    if signs and before[signs[-1] + 1 :].strip() == "":
        s = start - len(before) + signs[-1]
    else:
        k = _word_before(toks, text, start)
        if k is not None and _is_currency(toks[k][2], lang, text[toks[k][0] : toks[k][1]]):
            s = toks[k][0]
    e = end
    rest = text[end:]
    stripped = rest.lstrip()
    if stripped and (unicodedata.category(stripped[0]) == "Sc" or stripped[0] in "元圆圓"):
        e = end + (len(rest) - len(stripped)) + 1
    else:
        i = _next_word(toks, starts, text, end)
        if i is not None and toks[i][2] in _MONEY_JOINERS and i + 1 < len(toks):
            i += 1
        if i is not None and _is_currency(toks[i][2], lang, text[toks[i][0] : toks[i][1]]):
            e = toks[i][1]
    return s, e


def _is_capitalised(word: str) -> bool:
    return word[:1].isupper()


def _names(text: str, lang: str | None = None) -> list[Fact]:
    """Runs of capitalised words (with "of", "de", "von"... inside) in a script with capitals."""
    out: list[Fact] = []
    toks = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
    i = 0
    while i < len(toks):
        start, end, w = toks[i]
        if not (_is_capitalised(w) and w[0].isalpha()):
            i += 1
            continue
        j = i
        while j + 1 < len(toks):
            gap = text[toks[j][1] : toks[j + 1][0]]
            nxt = toks[j + 1][2]
            if gap.strip() not in ("", "-", "'", "’") or len(gap) > 2:
                break
            if _is_capitalised(nxt) and nxt[0].isalpha():
                j += 1
            elif nxt.casefold() in _NAME_JOINERS and j + 2 < len(toks) and _is_capitalised(toks[j + 2][2]) \
                    and text[toks[j + 1][1] : toks[j + 2][0]].strip() == "":
                j += 2
            else:
                break
        opening = _SENTENCE_OPENING.match(text[:start]) is not None
        lone = j == i and (len(w.rstrip(".")) < 2 or _is_function_word(w.rstrip("."), lang))  # "C" of "°C", "Dans" after a colon
        if (not opening or j > i) and not lone:
            first = i + 1 if opening and j > i and _is_function_word(toks[i][2], lang) else i
            out.append(_fact(NAME, text, toks[first][0], toks[j][1]))
        i = j + 1
    return out


def _is_function_word(word: str, lang: str | None) -> bool:
    """A word that opens a sentence capitalised without being part of a name ("The", "His", "Le", "Die")."""
    w = fold_for(word)
    return w in stopwords() or (lang is not None and w in stopwords_for(lang))


def _titles(text: str) -> list[Fact]:
    out = []
    for m in _QUOTED.finditer(text):
        group = next(g for g in range(1, 8) if m.group(g) is not None)
        out.append(Fact(TITLE, m.start(group), m.end(group), m.group(group)))
    return out


def holds_kind(kind: str | None, facts: tuple[Fact, ...], question_words: frozenset[str] | set[str]) -> float:
    """1.0 when the facts hold one of the asked kind that the question does not name, 0.5 for a near kind.

    `kind` is a question's kind, or "clock" for a time of day."""
    if kind is None:
        return 0.0
    new = [f for f in facts if not named_by(f, question_words)]
    if kind in ("money", "number"):
        new = [f for f in new if not is_year(f, facts)]
    kinds = {f.kind for f in new}
    if kind == "money":
        return 1.0 if MONEY in kinds else 0.5 if NUMBER in kinds else 0.0
    if kind == "number":
        return 1.0 if kinds & {NUMBER, MONEY} else 0.0  # a rank ("17th") is not a count
    if kind == "date":
        return 1.0 if DATE in kinds else 0.5 if NUMBER in kinds else 0.0
    if kind == "clock":  # a time of day; a date is the near kind
        return 1.0 if any(is_clock_time(f) for f in new) else 0.5 if DATE in kinds else 0.0
    if kind in ("person", "place"):
        return 1.0 if NAME in kinds else 0.0
    return 0.0


def is_clock_time(fact: Fact) -> bool:
    """Whether a fact is a time of day ("14h30", "9 a.m.", "noon"), which answers "at what time", where a date does not."""
    return fact.kind == DATE and bool(_TIME.fullmatch(fact.text))


def is_year(fact: Fact, facts: tuple[Fact, ...] | list[Fact]) -> bool:
    """Whether a number is a date too (a year: "2026"), hence neither an amount nor a count."""
    return fact.kind != DATE and any(f.kind == DATE and (f.start, f.end) == (fact.start, fact.end) for f in facts)


def named_by(fact: Fact, question_words: frozenset[str] | set[str]) -> bool:
    """Whether every word of the fact is a word of the question (the question names it already)."""
    ws = [fold(w) for w in re.findall(r"\w+", fact.text)]
    return bool(ws) and all(w in question_words for w in ws)
