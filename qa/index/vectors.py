"""FAISS indexes of the vectors: exact up to a size, approximate (IVF or HNSW) beyond, as IndexSettings say."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import SettingsError

APPROXIMATE = ("ivf", "hnsw")


@dataclass(frozen=True, slots=True)
class IndexSettings:
    """How vectors are searched: exactly up to `approximate_above` vectors, approximately beyond.

    Applies to the passage and the sentence index separately. Changing it re-indexes the stored
    vectors on the next open (nothing is embedded again).
    """

    approximate_above: int = 100_000  # vectors; exact search below this stays fast (see benchmarks/scale.py)
    approximate: str = "ivf"  # ivf | hnsw; IVF builds 14x faster (updates re-add without training) at equal speed
    ivf_probe: int = 48  # IVF lists searched per query (of about 2 * sqrt(n)): recall@10 0.955 at 100k
    hnsw_m: int = 32  # HNSW graph degree
    hnsw_ef: int = 128  # HNSW candidates kept per query

    def __post_init__(self) -> None:
        if self.approximate not in APPROXIMATE:
            raise SettingsError(f"approximate index must be one of {', '.join(APPROXIMATE)}, got {self.approximate!r}")
        if self.approximate_above < 1:
            raise SettingsError(f"approximate_above must be at least 1, got {self.approximate_above}")
        if self.ivf_probe < 1 or self.hnsw_m < 4 or self.hnsw_ef < 1:
            raise SettingsError(
                f"ivf_probe and hnsw_ef must be at least 1 and hnsw_m at least 4, got {self.ivf_probe}, {self.hnsw_ef}, {self.hnsw_m}"
            )

    def kind(self, n: int) -> str:
        """'flat', 'ivf' or 'hnsw': the index these settings want for n vectors."""
        return self.approximate if n > self.approximate_above else "flat"


def faiss_kind(index) -> str:
    """'flat', 'ivf' or 'hnsw': what kind of FAISS index this is."""
    import faiss

    if isinstance(index, faiss.IndexHNSW):
        return "hnsw"
    if isinstance(index, faiss.IndexIVF):
        return "ivf"
    return "flat"


def tune_index(index, settings: IndexSettings):
    """Set the search-time parameters of an approximate index (they are not part of what is built)."""
    kind = faiss_kind(index)
    if kind == "ivf":
        index.nprobe = min(settings.ivf_probe, index.nlist)
    elif kind == "hnsw":
        index.hnsw.efSearch = settings.hnsw_ef
    return index


def build_faiss_index(vectors: np.ndarray, settings: IndexSettings = IndexSettings(), previous=None):
    """An inner-product FAISS index of the vectors: exact, or approximate above the size threshold.

    An IVF index reuses the trained lists of `previous` (the index being updated) while the
    collection has not grown or shrunk by more than half, so an update needs no new training.
    """
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n, dim = len(vectors), vectors.shape[1]
    kind = settings.kind(n)
    if kind == "flat":
        index = faiss.IndexFlatIP(dim)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, settings.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = max(40, settings.hnsw_ef)
    else:
        index = _ivf_index(vectors, previous)
    if n:
        index.add(vectors)
    return tune_index(index, settings)


def _ivf_index(vectors: np.ndarray, previous):
    """An empty, trained IVF index: the lists of `previous` when they still fit, else freshly trained."""
    import faiss

    n, dim = vectors.shape
    trained = getattr(previous, "ntotal", 0) if previous is not None and faiss_kind(previous) == "ivf" else 0
    if trained and previous.d == dim and 0.5 * trained <= n <= 1.5 * trained:
        quantizer = faiss.clone_index(faiss.downcast_index(previous.quantizer))  # already trained
        return faiss.IndexIVFFlat(quantizer, dim, previous.nlist, faiss.METRIC_INNER_PRODUCT)
    nlist = max(1, min(int(2 * np.sqrt(n)), n // 40))  # k-means wants about 40 points a list
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
    index.cp.niter = 10  # enough for lists that are only searched, not compressed
    sample = 64 * nlist  # k-means on a fixed sample: the same vectors give the same lists
    index.train(vectors[np.random.default_rng(0).choice(n, sample, replace=False)] if n > sample else vectors)
    return index
