"""Follow-up questions without a language model: a question that leans on the conversation
("What did he say about Afghanistan?", "And his first deputy?", "When?") is asked again
with the key terms of the conversation's topic, the last question that stood on its own.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .lexical import fold, stopwords, with_marks

MAX_TOPIC_TERMS = 8

# Words that point back at something said before (English and French, folded).
_ANAPHORS = frozenset(
    "he him his himself she her hers herself they them their theirs themselves it its itself "
    "il elle ils elles lui leur leurs son sa ses celui celle ceux celles cela ca".split()
)
# Openings that continue the previous question ("And ...?", "What about ...?", "Et ...?").
_CONTINUATION = re.compile(
    r"^(and|also|so|then|what about|how about|what else|and what about|et|aussi|alors|et pour|et qu en est il)\b"
)
_QUESTION_WORDS = frozenset(
    "who whom whose what which when where why how many much qui que quoi quel quelle quels quelles quand ou pourquoi comment combien".split()
)


@dataclass(frozen=True, slots=True)
class Resolution:
    """A question as asked, as it is put to the index, and the topic it leaves for the next one."""

    question: str  # what the person typed
    asked: str  # what is put to the index: the question, plus topic terms when it is a follow-up
    topic: tuple[str, ...]  # key terms of the conversation's topic after this question
    added: tuple[str, ...] = ()  # topic terms joined to this question (empty when it stands alone)

    @property
    def is_followup(self) -> bool:
        return bool(self.added)


def key_terms(question: str) -> tuple[str, ...]:
    """The content words of a question as written, without stop words, question words or repeats."""
    stop = stopwords()
    seen: set[str] = set()
    kept: list[str] = []
    for token in with_marks(r"[\w'’{M}-]+").findall(question):
        token = token.strip("'’-")
        folded = fold(token)
        if not token or folded in stop or folded in _QUESTION_WORDS or folded in seen:
            continue
        if len(folded) < 2 and not folded.isdigit():
            continue
        seen.add(folded)
        kept.append(token)
    return tuple(kept)


def leans_on_context(question: str) -> bool:
    """Whether a question needs the conversation to be understood: a pronoun, an opening like
    "And ...", or no content word of its own."""
    folded = " ".join(re.findall(r"\w+", fold(question)))
    if _CONTINUATION.match(folded):
        return True
    if any(w in _ANAPHORS for w in folded.split()):
        return True
    return not key_terms(question)


def resolve(question: str, previous: Resolution | None = None) -> Resolution:
    """Resolve one question against the previous turn of the conversation (None for the first)."""
    own = key_terms(question)
    if previous is None or not previous.topic or not leans_on_context(question):
        return Resolution(question, question, own[:MAX_TOPIC_TERMS])
    mine = {fold(t) for t in own}
    added = tuple(t for t in previous.topic if fold(t) not in mine)
    if not added:
        return Resolution(question, question, previous.topic)
    asked = f"{question.rstrip()} {' '.join(added)}"
    return Resolution(question, asked, previous.topic, added)


def resolve_conversation(questions: list[str]) -> Resolution:
    """Resolve the last of a conversation's questions (earlier ones first); ValueError if there are none."""
    if not questions:
        raise ValueError("a conversation needs at least one question")
    resolution = None
    for q in questions:
        resolution = resolve(q, resolution)
    return resolution
