"""Where an index lives: the store named by `--store` (FAISS files by default, or Milvus), found from a manifest too.

A backend writes a new index version (the records of the files kept from the previous one plus
the new files' records: a file's records are removed and added whole) and reads one back as a
Store; retrieval and answering only ever see the Store.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from ..chunking import ChunkSettings
from ..errors import IndexStoreError, SettingsError
from .faiss_store import FaissBackend
from .manifest import incompatibility, read_manifest
from .store import Records, Store
from .vectors import IndexSettings

FAISS = "faiss"


class Backend(Protocol):
    """One kind of store, at one location."""

    engine: str  # "faiss" | "milvus"
    location: str | None  # as given to --store; None: FAISS files in the index folder

    def describe(self) -> str: ...

    def holds(self, manifest: dict) -> bool:
        """Whether the index this manifest describes lives in this store."""

    def load(self, index_dir: Path, manifest: dict, index_settings: IndexSettings) -> Store:
        """The version the manifest names; IndexStoreError when it is missing, damaged or unreachable."""

    def write(self, index_dir: Path, old: Store | None, keep: set[str], manifest: dict, new: Records,
              index_settings: IndexSettings, progress=None, replaced: dict | None = None) -> Store:
        """A new version: `old`'s records of the files in `keep` and the `new` records; manifest.json switched to it
        only once everything is written (a write killed before leaves the previous version answering). `replaced`:
        the manifest of the version this one replaces, whose data the store may remove after the switch."""

    def clean(self, index_dir: Path, manifest: dict | None) -> None:
        """Remove what interrupted writes left in the index folder."""

    def forget(self, manifest: dict, current: dict) -> None:
        """Remove the data of the version `manifest` describes (in this store), replaced by `current`."""

    def up_to_date(self, store: Store, index_settings: IndexSettings) -> bool:
        """Whether the store's search structures are the ones the settings want (else it is written anew)."""


def backend_for(location: str | None) -> Backend:
    """The store named by a `--store` value: None or "faiss" for FAISS files, milvus://PATH.db, milvus+http://HOST:PORT."""
    if location is None or location == FAISS:
        return FaissBackend()
    if not isinstance(location, str):
        raise SettingsError(f"the store must be 'faiss' or a Milvus URI, got {location!r}")
    from .milvus_store import SCHEMES, MilvusBackend, parse_location

    if location.startswith(SCHEMES):
        return MilvusBackend(parse_location(location))
    raise SettingsError(
        f"unknown store {location!r}: use 'faiss' (files in the index folder), milvus://PATH.db (Milvus Lite) "
        "or milvus+http://HOST:19530 (a Milvus server)"
    )


def backend_of(manifest: dict) -> Backend:
    """The store a manifest says its index lives in."""
    st = manifest.get("store")
    if st is None:
        return FaissBackend()
    if not isinstance(st, dict) or st.get("engine") != "milvus" or not isinstance(st.get("location"), str):
        raise IndexStoreError(f"the manifest names a store this version cannot read ({st!r}): run `qa index --rebuild`")
    try:
        return backend_for(st["location"]) if _same_place(st) else _recorded(st)
    except SettingsError as err:
        raise IndexStoreError(f"the manifest names a store this version cannot read ({err})") from None


def _same_place(st: dict) -> bool:
    """Whether the recorded location still resolves to the recorded URI (a relative .db path from another folder does not)."""
    from .milvus_store import parse_location

    return parse_location(st["location"]).uri == st.get("uri")


def _recorded(st: dict) -> Backend:
    from .milvus_store import MilvusBackend, MilvusLocation

    return MilvusBackend(MilvusLocation(st["location"], st["uri"], st.get("collection", "qa"), st.get("lexical", "own")))


def load_store(
    index_dir: str | os.PathLike, manifest: dict | None = None, index_settings: IndexSettings = IndexSettings()
) -> Store:
    """Load the index version that manifest.json names, from the store it names; IndexStoreError when any part is
    missing, broken or unreachable."""
    index_dir = Path(index_dir)
    manifest = manifest or read_manifest(index_dir)
    if manifest is None:
        raise IndexStoreError(f"no index in {index_dir}: run `qa index`")
    return backend_of(manifest).load(index_dir, manifest, index_settings)


def load_current(
    index_dir: str | os.PathLike, embedder_name: str, settings: ChunkSettings = ChunkSettings(), store: str | None = None
) -> Store | None:
    """The index as it is on disk, without updating it or waiting for a build; None when none fits.

    Needs no lock: manifest.json always names a complete version. Another process may switch it
    and delete the old version meanwhile, so a failed read is retried on the new one. `store`: the
    index must live there (None: wherever the manifest says).
    """
    index_dir = Path(index_dir)
    wanted = backend_for(store) if store is not None else None
    for _ in range(3):
        try:
            manifest = read_manifest(index_dir)
        except IndexStoreError:
            return None
        if manifest is None or incompatibility(manifest, embedder_name, settings):
            return None
        if wanted is not None and not wanted.holds(manifest):
            return None
        try:
            return load_store(index_dir, manifest)
        except IndexStoreError:
            try:
                again = read_manifest(index_dir)
            except IndexStoreError:
                return None
            if again is not None and again.get("data") != manifest.get("data"):
                continue  # switched under us: read the new version
            return None
    return None
