"""Embedding as a Ray Data pipeline: `map_batches` with an actor per worker, each holding its own copy of the model.

`RayEmbedder` wraps the embedder the index is built with: chunking still counts tokens with the
local copy, and `embed()` (every passage and sentence of the files to index) streams the texts
through the actors, on this machine (`ray.init()`) or on a cluster (`ray.init(address=...)`),
reporting each batch as it comes back so the progress bar still counts passages. The vectors
come back to this process and are written to the store from here. On a cluster every worker
needs this package and the model installed (the same image, or a runtime_env; docs/scale.md).
"""
from __future__ import annotations

import logging
import threading
import warnings
from typing import Callable, Sequence

import numpy as np

from ..embedding import Embedder, Progress
from ..errors import SettingsError

MAX_BLOCKS = 10_000  # blocks of texts at most (more texts: several batches a block)
START_ATTEMPTS = 3  # ray.init() tries, when starting times out
LOCAL = "local"  # --ray without an address: a Ray on this machine, started by ray.init()
_started: dict[str, bool] = {}
_start_lock = threading.Lock()


class EmbedWorker:
    """A Ray Data actor: builds its model once, then embeds batch after batch."""

    def __init__(self, make: Callable[[], Embedder]):
        self.embedder = make()

    def __call__(self, batch: dict) -> dict:
        return {"row": batch["row"], "vector": self.embedder.embed_batch([str(t) for t in batch["text"]])}


def start_ray(address: str | None, workers: int | None = None) -> None:
    """Connect to Ray once per process: a local one (sized to `workers` CPUs when given) or the cluster at `address`."""
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise SettingsError("--ray needs Ray Data: pip install 'ray[data]' (or this package's [scale] extra)") from None

    key = address or LOCAL
    with _start_lock:
        if _started.get(key) and ray.is_initialized():
            return
        for name in ("ray", "ray.data"):
            logging.getLogger(name).setLevel(logging.WARNING)
        options = dict(include_dashboard=False, log_to_driver=False, ignore_reinit_error=True, configure_logging=False)
        for attempt in range(START_ATTEMPTS):
            try:
                if address in (None, LOCAL):
                    ray.init(num_cpus=workers, **options)
                else:
                    ray.init(address=address, **options)
                break
            except (ConnectionError, RuntimeError, ValueError) as err:
                # a local Ray's processes can miss their start-up deadline on a busy machine: try again afresh
                ray.shutdown()
                if attempt + 1 == START_ATTEMPTS or "Timed out" not in str(err):
                    raise SettingsError(
                        f"cannot start or reach Ray at {address or 'this machine'} ({type(err).__name__}: {err})"
                    ) from None
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False  # our own bar counts the passages
        ctx.print_on_execution_start = False  # else Ray prints its whole configuration on stdout
        # fewer batches than workers is fine (a small update): Ray warns that some actors have nothing to do
        warnings.filterwarnings("ignore", message="The minimum number of concurrent actors", category=UserWarning)
        _started[key] = True


class RayEmbedder(Embedder):
    """An Embedder whose `embed()` runs on Ray workers; everything else is the local model's."""

    def __init__(self, local: Embedder, make: Callable[[], Embedder], address: str | None = None,
                 workers: int | None = None, batch_size: int = 64):
        if workers is not None and workers < 1:
            raise SettingsError(f"Ray workers must be at least 1, got {workers}")
        self.local = local
        self.make = make  # builds the same model on a worker (pickled there by Ray)
        self.address = address
        self.workers = workers
        self.batch_size = batch_size
        self.name = local.name

    @property
    def multilingual(self) -> bool:
        return self.local.multilingual

    @property
    def min_confidence(self) -> float | None:
        return self.local.min_confidence

    @property
    def dim(self) -> int:
        return self.local.dim

    @property
    def max_tokens(self) -> int:
        return self.local.max_tokens

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self.local.count_tokens(texts)

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        return self.local.embed_batch(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return self.local.embed_query(text)

    def embed(self, texts: Sequence[str], batch_size: int | None = None, progress: Progress | None = None) -> np.ndarray:
        """The texts' vectors, computed by `workers` actors (default: one per CPU of the Ray cluster)."""
        import ray

        out = np.empty((len(texts), self.dim), dtype=np.float32)
        if not len(texts):
            return out
        start_ray(self.address, self.workers)
        workers = self.workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        size = batch_size or self.batch_size
        # a block a batch (up to MAX_BLOCKS): the workers share the texts evenly and each batch comes back, counted,
        # as soon as it is embedded (a worker returns a block only when all of it is done)
        blocks = min(MAX_BLOCKS, -(-len(texts) // size))
        ds = ray.data.from_items([{"row": i, "text": t} for i, t in enumerate(texts)], override_num_blocks=blocks)
        ds = ds.map_batches(
            EmbedWorker, fn_constructor_kwargs={"make": self.make}, batch_size=size, batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(size=workers), num_cpus=1,
        )
        seen = np.zeros(len(texts), dtype=bool)
        for batch in ds.iter_batches(batch_size=None, batch_format="numpy"):
            rows = np.asarray(batch["row"], dtype=np.int64)
            out[rows] = batch["vector"]
            seen[rows] = True
            if progress:
                progress(len(rows))
        if not seen.all():
            raise RuntimeError(f"the Ray pipeline returned {int(seen.sum())} of {len(texts)} vectors")
        return out
