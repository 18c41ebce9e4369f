"""The ONNX backend of the sentence-transformers embedder: export once, quantise once, run with onnxruntime.

Only the transformer runs in onnxruntime; tokenising, mean pooling and normalising stay as the
model defines them, so the vectors equal the PyTorch ones (int8: to about 0.99 cosine).
"""
from __future__ import annotations

import hashlib
import logging
import os
import uuid
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .errors import ModelError

ONNX_FILE = {"onnx": "model.onnx", "onnx-int8": "model-int8.onnx"}
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def default_cache_dir() -> Path:
    """Where exports go when no index folder is given: the user's cache."""
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "qa" / "onnx"


def _check_pipeline(model) -> None:
    """ModelError unless the model is transformer -> mean pooling (-> normalize), what onnx_encode reproduces."""
    kinds = [type(m).__name__ for m in model]
    pooling = model[1] if len(model) > 1 else None
    mean = getattr(pooling, "pooling_mode_mean_tokens", False) or getattr(pooling, "pooling_mode", None) == "mean"
    if kinds[:2] != ["Transformer", "Pooling"] or not mean or any(k != "Normalize" for k in kinds[2:]):
        raise ModelError(
            f"the ONNX backend handles models made of Transformer, mean Pooling and Normalize; this one is {' -> '.join(kinds)}: "
            "use backend='torch'"
        )


def _model_dir(cache_dir: str | os.PathLike | None, name: str, weights: str) -> Path:
    """The cache folder of a model's exports: its name and a key of `weights`, the path or name it is loaded from."""
    key = hashlib.sha256(weights.encode()).hexdigest()[:12]
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in Path(name).name)
    return Path(cache_dir or default_cache_dir()) / f"{safe}-{key}"


@contextmanager
def _quiet_root_logger():
    """Keep libraries that log through the root logger from configuring it (and printing)."""
    root = logging.getLogger()
    handler = logging.NullHandler()
    added = not root.handlers
    if added:
        root.addHandler(handler)
    try:
        yield
    finally:
        if added:
            root.removeHandler(handler)


def export_onnx(model, path: Path) -> None:
    """Export the model's transformer to ONNX at `path` (written to a temporary name, then moved)."""
    import torch

    class Transformer(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    inner = model[0].auto_model.eval()
    enc = model.tokenizer(["an example sentence", "and another one, a little longer"], padding=True, return_tensors="pt")
    args = tuple(enc.get(k, torch.zeros_like(enc["input_ids"])) for k in _INPUTS)
    tmp = path.with_name(f"{path.name}.tmp-{uuid.uuid4().hex[:8]}")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with torch.no_grad(), _quiet_root_logger(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer notes about shapes; the export is checked against torch in tests
            torch.onnx.export(
                Transformer(inner),
                args,
                str(tmp),
                input_names=list(_INPUTS),
                output_names=["last_hidden_state"],
                dynamic_axes={k: {0: "batch", 1: "tokens"} for k in (*_INPUTS, "last_hidden_state")},
                opset_version=17,
                dynamo=False,
            )
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def quantise_onnx(src: Path, dst: Path) -> None:
    """Dynamic int8 quantisation of the weights (no calibration data needed)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = dst.with_name(f"{dst.name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        with _quiet_root_logger():
            quantize_dynamic(str(src), str(tmp), weight_type=QuantType.QInt8, per_channel=True)
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)


def onnx_session(model, name: str, weights: str, backend: str, cache_dir: str | os.PathLike | None = None):
    """An onnxruntime session for the model `name` loaded from `weights` (a folder or a name), exporting (and
    quantising) it into the cache on first use."""
    _check_pipeline(model)
    try:
        import onnxruntime as ort
    except ImportError:
        raise ModelError("the ONNX backend needs onnxruntime and onnx: run `make setup`") from None
    folder = _model_dir(cache_dir, name, weights)
    fp32 = folder / ONNX_FILE["onnx"]
    try:
        if not fp32.exists():
            export_onnx(model, fp32)
        path = fp32
        if backend == "onnx-int8":
            path = folder / ONNX_FILE["onnx-int8"]
            if not path.exists():
                quantise_onnx(fp32, path)
        options = ort.SessionOptions()
        options.log_severity_level = 3  # errors only: the core does not print
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except ModelError:
        raise
    except Exception as err:
        raise ModelError(
            f"cannot export or load the ONNX form of {name!r} in {folder} ({type(err).__name__}: {err}): "
            "delete that folder to export again, or use backend='torch'"
        ) from err


def onnx_encode(session, model, texts: list[str]) -> np.ndarray:
    """Unit-length mean-pooled vectors of the texts, as the sentence-transformers model computes them."""
    enc = model.tokenizer(texts, padding=True, truncation=True, max_length=model.max_seq_length, return_tensors="np")
    mask = enc["attention_mask"].astype(np.int64)
    feed = {}
    for i in session.get_inputs():
        value = enc.get(i.name)
        feed[i.name] = np.zeros_like(mask) if value is None else value.astype(np.int64)
    hidden = session.run(None, feed)[0]
    weights = mask[..., None].astype(np.float32)
    vecs = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    vecs /= np.clip(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12, None)
    return np.ascontiguousarray(vecs, dtype=np.float32)
