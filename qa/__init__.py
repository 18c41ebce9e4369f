"""Cited extractive question answering over your own documents."""
from .answer import AnswerSettings
from .chunking import ChunkSettings
from .embedding import Embedder, HashingEmbedder, SentenceTransformerEmbedder
from .errors import CorpusError, EvalSetError, IndexStoreError, ModelError, QAError, QuestionError, SettingsError
from .evaluation import EvalReport, Metrics, evaluate
from .index import IndexSettings, UpdateReport
from .models import DEFAULT_MODEL
from .pipeline import QA
from .retrieval import RetrievalSettings
from .types import Answer, Citation, Document, Hit, Passage, Quote, Sentence, Skipped


def render_page(citation: Citation, corpus: str = "corpus", index: str = "embeddings") -> bytes:
    """The PDF page a citation stands on as PNG, the cited sentence highlighted (QA(corpus, index).render_page)."""
    return QA(corpus, index).render_page(citation)

__all__ = [
    "QA",
    "render_page",
    "evaluate",
    "EvalReport",
    "Metrics",
    "Answer",
    "Citation",
    "Quote",
    "Hit",
    "Document",
    "Passage",
    "Sentence",
    "Skipped",
    "UpdateReport",
    "ChunkSettings",
    "RetrievalSettings",
    "AnswerSettings",
    "IndexSettings",
    "Embedder",
    "SentenceTransformerEmbedder",
    "HashingEmbedder",
    "DEFAULT_MODEL",
    "QAError",
    "CorpusError",
    "IndexStoreError",
    "ModelError",
    "QuestionError",
    "SettingsError",
    "EvalSetError",
]
