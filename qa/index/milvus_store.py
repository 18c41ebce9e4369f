"""The Milvus store: an index version's records, vectors and BM25 in two Milvus collections (passages, sentences).

`--store milvus://PATH.db` is Milvus Lite, started in this process from the pip package;
`--store milvus+http://HOST:19530` (or milvus+https://) a Milvus standalone or cluster. Options
follow a `?`: `collection=NAME` (default "qa": the prefix of the collections' names) and
`lexical=own|milvus` (BM25 by sparse vectors of our own analyser, the default, or by Milvus's
BM25 function with its standard analyzer).

Every row carries its file's name and the tag of the version that wrote it; the manifest names,
for each file, the tag of its live rows. An update inserts the new files' rows under a new tag,
flushes, writes the lexicon and only then switches manifest.json: killed before the switch, the
rows it wrote are not live and the previous version answers as before. Rows that are no longer
live (replaced, removed, or left by an interrupted update) are deleted at the start of the next
update, so a reader still holding the previous version keeps finding its rows meanwhile. A full
build writes new collections and drops the old ones after the switch.

Opening a version reads each live row's key, file and passage links (a few bytes a row); texts,
offsets and vectors stay in Milvus and are fetched by id, a batch at a time, when answering or an
update needs them (the rows read lately are kept).
"""
from __future__ import annotations

import json
import logging
import threading
import urllib.parse
from array import array
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import IndexStoreError, SettingsError, StoreUnreachableError
from ..jsonfile import write_json
from ..language import UNDETERMINED
from ..lexical import terms
from ..types import Passage, Sentence
from .lexicon import LEXICON, Lexicon, load_lexicon
from .manifest import write_manifest
from .store import COMPLETE, Records, Store, checksums, clean_leftovers, file_languages, from_files, verify
from .vectors import IndexSettings

SCHEMES = ("milvus://", "milvus+http://", "milvus+https://")
LEXICAL = ("own", "milvus")
CONNECT_TIMEOUT = 10.0  # seconds to reach a server before saying it is unreachable
BATCH = 1000  # rows a request inserts or fetches
CACHED_VECTORS = 20_000  # vectors kept after fetching (30 MB at 384 dimensions)
CACHED_RECORDS = 20_000  # passages and sentences kept after fetching
PAGE = 8192  # keys a request reads when a version is opened (Milvus answers at most 16,384 rows a query)
MAX_TEXT = 65535  # bytes a VARCHAR field holds
NO_TERMS = {2**32 - 2: 1e-9}  # a passage without terms: Milvus stores no empty sparse vector; no question holds this id
KEYS = "keys.npz"  # a version's live keys, file codes, ranges and not-live keys, beside its lexicon
PENDING = "milvus-pending.json"  # the collections a full build is creating, until its manifest names them
_clients: dict[str, object] = {}
_clients_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class MilvusLocation:
    """Where a Milvus index lives: what pymilvus connects to, the collections' prefix, how BM25 is done."""

    given: str  # as the user wrote it (recorded in the manifest)
    uri: str  # an absolute path to a Milvus Lite .db, or http(s)://host:port
    collection: str = "qa"
    lexical: str = "own"

    @property
    def lite(self) -> bool:
        return not self.uri.startswith(("http://", "https://"))


def parse_location(location: str) -> MilvusLocation:
    """`milvus://PATH.db[?collection=NAME&lexical=own|milvus]` or `milvus+http(s)://HOST:PORT[?...]`."""
    if not location.startswith(SCHEMES):
        raise SettingsError(f"a Milvus store is milvus://PATH.db or milvus+http://HOST:PORT, got {location!r}")
    base, _, query = location.partition("?")
    options = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
    unknown = set(options) - {"collection", "lexical"}
    if unknown:
        raise SettingsError(f"unknown Milvus store option {sorted(unknown)[0]!r} in {location!r} (known: collection, lexical)")
    collection = options.get("collection", "qa")
    if not collection or not collection.replace("_", "a").isalnum() or not collection[0].isalpha() or len(collection) > 100:
        raise SettingsError(f"a Milvus collection name is letters, digits and _ (starting with a letter), got {collection!r}")
    lexical = options.get("lexical", "own")
    if lexical not in LEXICAL:
        raise SettingsError(f"lexical must be one of {', '.join(LEXICAL)}, got {lexical!r}")
    if base.startswith("milvus://"):
        path = base[len("milvus://"):]
        if not path.endswith(".db"):
            raise SettingsError(f"a Milvus Lite store is a path ending in .db (milvus://PATH.db), got {location!r}")
        uri = str(Path(path).expanduser().resolve())
    else:
        uri = base[len("milvus+"):]
        if not urllib.parse.urlsplit(uri).hostname:
            raise SettingsError(f"a Milvus server is milvus+http://HOST:PORT, got {location!r}")
    return MilvusLocation(location, uri, collection, lexical)


def connect(where: MilvusLocation):
    """A client of the Milvus at `where` (one per URI in this process); IndexStoreError when it cannot be reached."""
    _quiet_logs()
    with _clients_lock:
        client = _clients.get(where.uri)
        if client is not None:
            return client
        try:
            from pymilvus import MilvusClient
        except ImportError:
            raise IndexStoreError(
                "the Milvus store needs pymilvus and milvus-lite: pip install 'pymilvus[milvus_lite]' (or this package's [scale] extra)"
            ) from None
        try:
            if where.lite:
                Path(where.uri).parent.mkdir(parents=True, exist_ok=True)
            client = MilvusClient(uri=where.uri, timeout=CONNECT_TIMEOUT)
            client.list_collections(timeout=CONNECT_TIMEOUT)
        except Exception as err:
            raise _unreachable(where, err) from None
        _clients[where.uri] = client
        return client


def disconnect(where: MilvusLocation) -> None:
    """Close this process's client of `where`; for Milvus Lite, stop its server and free the .db for another process."""
    with _clients_lock:
        client = _clients.pop(where.uri, None)
    if client is not None:
        try:
            client.close()
        except Exception:
            pass
    if where.lite:
        try:
            from milvus_lite.server_manager import server_manager_instance
        except ImportError:
            return
        server_manager_instance.release_server(where.uri)


class _DropNoise(logging.Filter):
    """Drop Milvus Lite's traceback of a .db locked by another process: our own error says it, and what to do."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Failed to start MilvusLite server" not in record.getMessage()


def _quiet_logs() -> None:
    for name in ("pymilvus.client.iterator.query_iterator", "milvus_lite.server_manager"):
        log = logging.getLogger(name)
        if not any(isinstance(f, _DropNoise) for f in log.filters):
            log.addFilter(_DropNoise())


def _unreachable(where: MilvusLocation, err: Exception) -> StoreUnreachableError:
    detail = " ".join(str(err).split())[:300]
    if where.lite:
        return StoreUnreachableError(
            f"cannot open the Milvus Lite database {where.uri} ({type(err).__name__}: {detail}): Milvus Lite serves one "
            f"process at a time; to share it, run `milvus-lite server --data-dir {where.uri}` and use --store milvus+http://..."
        )
    return StoreUnreachableError(
        f"cannot reach Milvus at {where.uri} ({type(err).__name__}: {detail}): start the server or check --store"
    )


def _forget(where: MilvusLocation) -> None:
    """Drop this process's client of `where` after a failed request: the next request connects afresh (a client
    whose server went away does not come back by itself when it returns)."""
    with _clients_lock:
        client = _clients.pop(where.uri, None)
    if client is not None and not where.lite:
        try:
            client.close()
        except Exception:
            pass


def _call(where: MilvusLocation, what: str, fn, *args, **kwargs):
    """A request to Milvus; its failure as a StoreUnreachableError naming the server and what was being done.

    `fn` is a method name of the client (looked up on this process's current client) or a callable."""
    try:
        if isinstance(fn, str):
            fn = getattr(connect(where), fn)
        return fn(*args, **kwargs)
    except IndexStoreError:
        raise
    except Exception as err:
        _forget(where)
        detail = " ".join(str(err).split())[:300]
        raise StoreUnreachableError(f"Milvus at {where.uri} failed to {what} ({type(err).__name__}: {detail})") from err


@dataclass(frozen=True)
class MilvusVectors:
    """The vectors of one collection, by record id (position in the Store), fetched from Milvus when read."""

    search: "MilvusSearch"
    table: str
    dim: int
    dtype = np.dtype(np.float32)

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.search.pks[self.table]), self.dim)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, index):
        if isinstance(index, (int, np.integer)):
            return self.search.vectors(self.table, [int(index)])[0]
        return self.search.vectors(self.table, _positions(index, len(self)))

    def __array__(self, dtype=None, copy=None):
        out = self[np.arange(len(self))]
        return out.astype(dtype) if dtype is not None else out


def _positions(index, n: int) -> list[int]:
    """The record ids a slice, a list or array of ids (negative ones from the end) or a boolean mask selects."""
    rows = np.arange(n)[index] if isinstance(index, slice) else np.asarray(index)
    if rows.dtype == bool:
        rows = np.flatnonzero(rows)
    return [int(i) + (n if i < 0 else 0) for i in rows.astype(np.int64).ravel()]


@dataclass(frozen=True, eq=False)
class MilvusRecords(Sequence):
    """The passages or sentences of one version, by record id (position in the Store), fetched from Milvus when
    read; which file each comes from is known without fetching (`from_files`, `source_counts`)."""

    search: "MilvusSearch"
    table: str

    def __len__(self) -> int:
        return len(self.search.pks[self.table])

    def __getitem__(self, index):
        if isinstance(index, (int, np.integer)):
            i = int(index) + (len(self) if index < 0 else 0)
            if not 0 <= i < len(self):
                raise IndexError(f"record {index} out of range ({len(self)} {self.table})")
            return self.search.records(self.table, [i])[0]
        return self.search.records(self.table, _positions(index, len(self)))

    def __iter__(self):
        for at in range(0, len(self), BATCH):
            yield from self.search.records(self.table, list(range(at, min(len(self), at + BATCH))))

    def __eq__(self, other) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str) or len(other) != len(self):
            return False
        return all(a == b for a, b in zip(self, other))

    __hash__ = None

    def __repr__(self) -> str:
        return f"MilvusRecords({self.table}, {len(self)} rows in {self.search.names[self.table]})"

    def at(self, ids) -> list:
        """The records of ids `ids`, in that order, in one read."""
        return self.search.records(self.table, [int(i) for i in ids])

    def source_of(self, i: int) -> str:
        """The file record `i` comes from, without reading it."""
        return self.search.files[int(self.search.file_of[self.table][i])]

    def from_files(self, files: set[str]) -> np.ndarray:
        """A mask of the records whose file is in `files`."""
        codes = [i for i, f in enumerate(self.search.files) if f in files]
        return np.isin(self.search.file_of[self.table], np.array(codes, dtype=np.int32))

    def source_counts(self) -> Counter:
        """How many records each file holds."""
        counts = np.bincount(self.search.file_of[self.table], minlength=len(self.search.files))
        return Counter({f: int(n) for f, n in zip(self.search.files, counts) if n})


@dataclass(frozen=True)
class MilvusSearch:
    """Search in the two collections of one version; Milvus primary keys mapped to Store ids and back."""

    where: MilvusLocation
    names: dict  # "passages" | "sentences" -> collection name
    pks: dict  # table -> the live rows' primary keys, ascending: the Store id is the position
    stale: dict  # table -> primary keys of rows that are not live (deleted by the next update)
    lex: Lexicon
    lexical_mode: str
    dim: int
    next_ids: dict  # table -> the primary key the next row written gets (above every row's, live or not)
    files: tuple = ()  # the indexed files' names, in the order of the codes below
    file_of: dict = field(default_factory=dict)  # table -> the file code (int32) of each live row, by Store id
    params: dict = field(default_factory=dict)  # dense search parameters
    engine: str = "milvus"
    # vectors fetched lately, by key (a version's rows never change): answering reads the same ones again
    cache: OrderedDict = field(default_factory=OrderedDict, repr=False, compare=False)
    cache_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    record_cache: OrderedDict = field(default_factory=OrderedDict, repr=False, compare=False)

    @property
    def lexicon(self) -> Lexicon:
        return self.lex

    def _ids(self, table: str, hits) -> list[tuple[int, float]]:
        """(Store id, score) of Milvus hits, dropping rows that are not live."""
        pks = self.pks[table]
        keys = np.array([int(h["id"]) for h in hits], dtype=np.int64)
        pos = np.searchsorted(pks, keys)
        pos = np.minimum(pos, max(len(pks) - 1, 0))
        return [(int(p), float(h["distance"])) for h, p, key in zip(hits, pos, keys) if len(pks) and pks[p] == key]

    def _ask(self, table: str, method: str, *args, **kwargs):
        """A search or fetch in a collection; a collection a restarted server holds released is loaded, then asked again."""
        name = self.names[table]
        what = f"{'fetch vectors from' if method == 'get' else method} {name}"
        try:
            return _call(self.where, what, method, name, *args, **kwargs)
        except StoreUnreachableError as err:
            if "load" not in str(err.__cause__).lower():
                raise
            _call(self.where, f"load {name}", "load_collection", name)
            return _call(self.where, what, method, name, *args, **kwargs)

    def _limit(self, table: str, k: int) -> int:
        # rows that are not live take places in Milvus's answer: ask for as many more
        return max(1, min(k + len(self.stale[table]), 16384))

    def dense(self, table: str, qvec: np.ndarray, k: int) -> list[tuple[int, float]]:
        if not len(self.pks[table]) or k < 1:
            return []
        res = self._ask(
            table, "search", data=[np.asarray(qvec, dtype=np.float32).ravel().tolist()], anns_field="vector", limit=self._limit(table, k),
            search_params={"metric_type": "IP", "params": self.params}, output_fields=["id"],
        )
        return self._ids(table, res[0])[:k]

    def lexical(self, query: list[str], text: str, k: int) -> list[tuple[int, float]]:
        if not len(self.pks["passages"]) or k < 1:
            return []
        if self.lexical_mode == "milvus":
            if not text.strip():
                return []
            data, field_name, metric = [text], "bm25", "BM25"
        else:
            vec = self.lex.query_vector(query)
            if not vec:
                return []
            data, field_name, metric = [vec], "terms", "IP"
        res = self._ask(
            "passages", "search", data=data,
            anns_field=field_name, limit=self._limit("passages", k), search_params={"metric_type": metric}, output_fields=["id"],
        )
        found = self._ids("passages", res[0])
        if self.lexical_mode == "milvus":
            found = [(i, abs(s)) for i, s in found]  # Milvus Lite gives BM25 as a distance (negated score)
        return [(i, s) for i, s in found if s > 0][:k]

    def document_frequency(self, term_ids: list[int]) -> list[int]:
        return self.lex.document_frequency(term_ids)

    def records(self, table: str, ids: list[int]) -> list:
        """The Passage or Sentence records of Store ids `ids`, in that order."""
        keys = [int(self.pks[table][i]) for i in ids]
        found = self._fetch(table, keys, self.record_cache, RECORD_FIELDS[table], CACHED_RECORDS, self._record)
        return [found[k] for k in keys]

    def _record(self, table: str, row: dict):
        if table == "passages":
            return Passage(row["source"], int(row["start"]), int(row["end"]), int(row["line"]), row["text"])
        passage = int(np.searchsorted(self.pks["passages"], int(row["passage"])))
        return Sentence(row["source"], int(row["start"]), int(row["end"]), int(row["line"]), row["text"], passage)

    def _fetch(self, table: str, keys: list[int], cache: OrderedDict, fields: list[str], keep: int, convert) -> dict:
        """`convert(table, row)` of the rows with primary keys `keys`: from the cache, or fetched a batch at a time."""
        found: dict = {}
        with self.cache_lock:
            for k in keys:
                v = cache.get((table, k))
                if v is not None:
                    found[k] = v
                    cache.move_to_end((table, k))
        unique = sorted(set(keys) - found.keys())
        for at in range(0, len(unique), BATCH):
            chunk = unique[at:at + BATCH]
            rows = self._ask(table, "get", ids=chunk, output_fields=fields)
            fetched = {int(r["id"]): convert(table, r) for r in rows}
            found.update(fetched)
            with self.cache_lock:
                cache.update(((table, k), v) for k, v in fetched.items())
                while len(cache) > keep:
                    cache.popitem(last=False)
        missing = [k for k in unique if k not in found]
        if missing:
            raise IndexStoreError(
                f"{len(missing)} rows of {self.names[table]} in Milvus at {self.where.uri} are gone (e.g. id {missing[0]}): "
                "the collection was changed outside this index; run `qa index --rebuild`"
            )
        return found

    def vectors(self, table: str, ids: list[int]) -> np.ndarray:
        """The vectors of Store ids `ids`, in that order."""
        dim = self.dim
        if not ids:
            return np.zeros((0, dim), dtype=np.float32)
        keys = [int(self.pks[table][i]) for i in ids]
        found = self._fetch(table, keys, self.cache, ["vector"], CACHED_VECTORS,
                            lambda _, r: np.asarray(r["vector"], dtype=np.float32))
        return np.stack([found[k] for k in keys]).reshape(len(keys), dim)


class MilvusBackend:
    """An index kept in Milvus collections; its manifest and lexicon stay in the index folder."""

    engine = "milvus"

    def __init__(self, where: MilvusLocation):
        self.where = where
        self.location = where.given

    def describe(self) -> str:
        return self.location

    def holds(self, manifest: dict) -> bool:
        st = manifest.get("store")
        return isinstance(st, dict) and st.get("engine") == "milvus" and st.get("uri") == self.where.uri \
            and st.get("collection") == self.where.collection and st.get("lexical", "own") == self.where.lexical

    def up_to_date(self, store: Store, index_settings: IndexSettings) -> bool:
        return True  # Milvus chooses and keeps its own index parameters per collection

    def clean(self, index_dir: Path, manifest: dict | None) -> None:
        clean_leftovers(index_dir, manifest.get("data") if manifest else None)

    def forget(self, manifest: dict, current: dict) -> None:
        """Drop the collections of a version another one replaced, after the switch (those of the dimension it
        wrote only: a collection that holds another one now is not this index's any more)."""
        st, now = manifest.get("store") or {}, current.get("store") or {}
        keep = set((now.get("names") or {}).values()) if now.get("uri") == self.where.uri else set()
        self._drop([n for n in (st.get("names") or {}).values() if isinstance(n, str) and n not in keep], manifest.get("dim"))

    # --- reading ---

    def load(self, index_dir: Path, manifest: dict, index_settings: IndexSettings) -> Store:
        st = manifest.get("store") or {}
        data = index_dir / str(manifest.get("data", ""))
        try:
            if not (data / COMPLETE).exists():
                raise ValueError("its data folder is missing or was never finished")
            verify(data)
            lexicon = load_lexicon(data / LEXICON)
            names, rows_of = dict(st["names"]), dict(st["rows"])
        except Exception as err:
            raise IndexStoreError(f"the index in {index_dir} is damaged ({type(err).__name__}: {err})") from err
        connect(self.where)  # unreachable: say so now
        dim = int(manifest.get("dim", -1))
        for table in ("passages", "sentences"):
            self._check_collection(names[table], dim)
        below = {t: int((st.get("next") or {}).get(t, 0)) for t in ("passages", "sentences")}
        if (data / KEYS).exists():
            pks, stale, files, file_of, ranges, top = self._saved_keys(data, names, below)
        else:  # a version written before the keys were saved: read them from the rows
            pks, stale, files, file_of, ranges, top = self._scanned_keys(names, rows_of, below)
        if len(pks["passages"]) != manifest.get("passages") or len(pks["sentences"]) != manifest.get("sentences") \
                or lexicon.passages != len(pks["passages"]) or len(ranges) != len(pks["passages"]):
            raise IndexStoreError(
                f"the index in {index_dir} is inconsistent: the manifest counts {manifest.get('passages')} passages and "
                f"{manifest.get('sentences')} sentences, Milvus at {self.where.uri} holds {len(pks['passages'])} and "
                f"{len(pks['sentences'])} live"
            )
        next_ids = {t: max(top[t] + 1, below[t]) for t in ("passages", "sentences")}
        search = self._search(names, pks, stale, lexicon, dim, next_ids, index_settings, files, file_of)
        return _store(manifest, ranges, search, data)

    def _saved_keys(self, data: Path, names: dict, below: dict):
        """The keys the version saved when it was written, and the rows an interrupted write left past them (the
        keys from the manifest's next key on: one query, not a read of every row)."""
        try:
            with np.load(data / KEYS, allow_pickle=False) as saved:
                pks = {t: saved[f"{t}_keys"].astype(np.int64) for t in ("passages", "sentences")}
                stale = {t: saved[f"{t}_stale"].astype(np.int64) for t in ("passages", "sentences")}
                file_of = {t: saved[f"{t}_files"].astype(np.int32) for t in ("passages", "sentences")}
                files = tuple(str(f) for f in saved["files"])
                ranges = saved["ranges"].astype(np.int64).reshape(-1, 2)
        except (OSError, KeyError, ValueError) as err:
            raise IndexStoreError(f"the keys of the index in {data.parent} are unreadable ({type(err).__name__}: {err})") from err
        top = {}
        for t in ("passages", "sentences"):
            # an interrupted write's keys follow on from the next key, page after page
            left = [int(r["id"]) for page in self._pages(names[t], below[t], below[t], ["id"]) for r in page]
            stale[t] = np.union1d(stale[t], np.array(left, dtype=np.int64))
            top[t] = max([below[t] - 1, *left])
        return pks, stale, files, file_of, ranges, top

    def _scanned_keys(self, names: dict, rows_of: dict, below: dict):
        """The keys, file codes and ranges read from every row's key, file, tag and links."""
        files = tuple(sorted(rows_of))
        code = {f: i for i, f in enumerate(files)}
        ppk, pfile, plinks, pstale, pmax = self._live_rows(names["passages"], rows_of, code, ["first", "last"], below["passages"])
        spk, sfile, _, sstale, smax = self._live_rows(names["sentences"], rows_of, code, [], below["sentences"])
        ranges = np.stack([np.searchsorted(spk, plinks["first"]), np.searchsorted(spk, plinks["last"])], axis=1).astype(np.int64)
        return ({"passages": ppk, "sentences": spk}, {"passages": pstale, "sentences": sstale}, files,
                {"passages": pfile, "sentences": sfile}, ranges.reshape(-1, 2), {"passages": pmax, "sentences": smax})

    def _search(self, names, pks, stale, lexicon, dim, next_ids, index_settings, files, file_of) -> MilvusSearch:
        return MilvusSearch(self.where, names, pks, stale, lexicon, self.where.lexical, dim, next_ids, files, file_of,
                            {"ef": index_settings.hnsw_ef, "nprobe": index_settings.ivf_probe})

    def _check_collection(self, name: str, dim: int) -> None:
        """IndexStoreError when the collection is missing or holds vectors of another dimension."""
        if not _call(self.where, "list collections", "has_collection", name):
            raise IndexStoreError(f"the collection {name} is missing from Milvus at {self.where.uri}: run `qa index` to rebuild it")
        got = _vector_dim(_call(self.where, f"describe {name}", "describe_collection", name))
        if got != dim:
            raise IndexStoreError(
                f"the collection {name} in Milvus at {self.where.uri} holds vectors of dimension {got}, the index's model "
                f"gives {dim}: it belongs to another index; name another collection (?collection=NAME) or rebuild"
            )
        try:
            _call(self.where, f"load {name}", "load_collection", name)  # a restarted Milvus holds it released
        except StoreUnreachableError:
            # Milvus Lite writes a segment's index file in place: a process killed while it wrote one leaves a file that
            # no load can read again ("No data left in file"). An index is made from the collection's rows: make it anew.
            # A server's failure to load may pass (memory, a node restarting): its indexes are not dropped for it.
            if not (self.where.lite and self._reindexed(name)):
                raise
            _call(self.where, f"load {name}", "load_collection", name)

    def _reindexed(self, name: str) -> bool:
        """Whether the collection's indexes could be dropped and made again from its rows, with the same settings."""
        from pymilvus import MilvusClient

        meta = {"index_type", "metric_type", "field_name", "index_name", "total_rows", "indexed_rows", "pending_index_rows", "state",
                "params"}
        try:
            client = connect(self.where)
            described = [client.describe_index(name, index) for index in client.list_indexes(name)]
            client.release_collection(name)
            params = MilvusClient.prepare_index_params()
            for d in described:
                try:
                    client.drop_index(name, d["index_name"])
                except Exception:
                    pass  # Milvus Lite drops every index of a collection with its first
                params.add_index(field_name=d["field_name"], index_type=d["index_type"], metric_type=d["metric_type"],
                                 params=d.get("params") or {k: v for k, v in d.items() if k not in meta})
            client.create_index(name, params, sync=False)
            return True
        except Exception:
            _forget(self.where)
            return False

    def _live_rows(self, name: str, rows_of: dict, code: dict, links: list[str], below: int):
        """The keys of the rows the manifest names (by file and tag), ascending; their file codes (`code`) and
        `links` fields, in the same order; the keys of the other rows; the largest key.

        Read page by page of keys: every key below `below` (the manifest's next key), then on while pages past it
        hold rows (an interrupted write leaves its rows at the keys just past it). Texts are not read: a row
        costs a few bytes here, whatever its text.
        """
        keys, files, stale = array("q"), array("i"), array("q")
        linked = {f: array("q") for f in links}
        top = -1
        for page in self._pages(name, 0, below, ["id", "source", "tag", *links]):
            for r in page:
                key = int(r["id"])
                top = max(top, key)
                if rows_of.get(r["source"]) == r["tag"]:
                    keys.append(key)
                    files.append(code[r["source"]])
                    for f in links:
                        linked[f].append(int(r[f]))
                else:
                    stale.append(key)
        order = np.argsort(np.frombuffer(keys, dtype=np.int64), kind="stable")
        return (
            np.frombuffer(keys, dtype=np.int64)[order].copy(),
            np.frombuffer(files, dtype=np.int32)[order].copy(),
            {f: np.frombuffer(v, dtype=np.int64)[order].copy() for f, v in linked.items()},
            np.sort(np.frombuffer(stale, dtype=np.int64)),
            top,
        )

    def _pages(self, name: str, start: int, below: int, fields: list[str]):
        """The rows of a collection, a page of PAGE keys at a time from key `start`: every page below `below`, then
        on while pages hold rows (an interrupted write leaves its rows at the keys just past it)."""
        at = start
        while True:
            page = _call(self.where, f"read {name}", "query", name, filter=f"id >= {at} and id < {at + PAGE}",
                         output_fields=fields, limit=PAGE)
            if page:
                yield page
            at += PAGE
            if at >= below and not page:
                return

    # --- writing ---

    def write(self, index_dir: Path, old: Store | None, keep: set[str], manifest: dict, new: Records,
              index_settings: IndexSettings, progress=None, replaced: dict | None = None) -> Store:
        """Add the rows of `new` under the manifest's tag, keep those of `old`'s files in `keep`, then switch."""
        connect(self.where)  # unreachable: say so before anything is written
        dim = int(manifest["dim"])
        tag = manifest["data"]
        same = old is not None and old.engine == "milvus" and self.holds(old.manifest)
        if same:
            names = dict(old.manifest["store"]["names"])
            rows_of = {s: t for s, t in old.manifest["store"]["rows"].items() if s in keep}
            next_ids = dict(old.search.next_ids)
            for table in ("passages", "sentences"):
                self._check_collection(names[table], dim)
                stale = old.search.stale[table]  # rows no version names any more: gone now
                for at in range(0, len(stale), BATCH * 10):
                    _call(self.where, f"delete from {names[table]}", "delete", names[table],
                          ids=[int(i) for i in stale[at:at + BATCH * 10]])
            lexicon = old.search.lexicon
            removed = old.passages[~from_files(old.passages, keep)]
        else:
            suffix = tag.rsplit("-", 1)[-1]
            names = {t: f"{self.where.collection}__{suffix}_{t}" for t in ("passages", "sentences")}
            rows_of, next_ids, lexicon, removed = {}, {"passages": 0, "sentences": 0}, Lexicon(), []
            self._drop_pending(index_dir)  # collections of a full build killed before its switch
            write_json(index_dir / PENDING, {"uri": self.where.uri, "names": sorted(names.values())})
            for table in ("passages", "sentences"):
                self._create(names[table], table, dim, index_settings.kind(len(new.passages if table == "passages" else new.sentences)))
        languages = file_languages(manifest)
        added_terms = [terms(p.text, languages.get(p.source, UNDETERMINED)) for p in new.passages]
        removed_terms = [terms(p.text, languages_of(old).get(p.source, UNDETERMINED)) for p in removed] if removed else []
        lexicon = lexicon.changed(removed_terms, added_terms)
        p0, s0 = next_ids["passages"], next_ids["sentences"]

        def passage_rows(at: int, to: int) -> list[dict]:
            vectors = np.asarray(new.passage_vectors[at:to], dtype=np.float32).tolist()
            return [
                {"id": p0 + i, "source": p.source, "tag": tag, "start": p.start, "end": p.end, "line": p.line,
                 "text": _fit(p.text), "first": s0 + f, "last": s0 + l, "language": languages.get(p.source, UNDETERMINED),
                 "sha256": manifest["files"].get(p.source, {}).get("sha256", ""), "vector": v,
                 **({"terms": lexicon.passage_vector(added_terms[i]) or NO_TERMS} if self.where.lexical == "own" else {})}
                for i, p, (f, l), v in zip(range(at, to), new.passages[at:to], new.ranges[at:to], vectors)
            ]

        def sentence_rows(at: int, to: int) -> list[dict]:
            vectors = np.asarray(new.sentence_vectors[at:to], dtype=np.float32).tolist()
            return [
                {"id": s0 + i, "source": s.source, "tag": tag, "start": s.start, "end": s.end, "line": s.line,
                 "text": _fit(s.text), "passage": p0 + s.passage, "language": languages.get(s.source, UNDETERMINED),
                 "sha256": manifest["files"].get(s.source, {}).get("sha256", ""), "vector": v}
                for i, s, v in zip(range(at, to), new.sentences[at:to], vectors)
            ]

        total = len(new.passages) + len(new.sentences)
        done = 0
        for table, n, rows_of_batch in (("passages", len(new.passages), passage_rows), ("sentences", len(new.sentences), sentence_rows)):
            for at in range(0, n, BATCH):  # a batch of rows at a time: a big update never holds them all as Python lists
                _call(self.where, f"insert into {names[table]}", "insert", names[table], rows_of_batch(at, min(n, at + BATCH)))
                done += min(n, at + BATCH) - at
                if progress:
                    progress("writing to Milvus", done, total)
            _call(self.where, f"flush {names[table]}", "flush", names[table])
        rows_of.update({p.source: tag for p in new.passages})
        next_ids = {"passages": p0 + len(new.passages), "sentences": s0 + len(new.sentences)}
        manifest["store"] = {
            "engine": "milvus", "location": self.where.given, "uri": self.where.uri, "collection": self.where.collection,
            "lexical": self.where.lexical, "names": names, "rows": dict(sorted(rows_of.items())), "next": next_ids,
        }
        data = index_dir / tag
        store = self._assembled(manifest, old if same else None, keep, new, names, (p0, s0), lexicon, dim, index_settings, data)
        data.mkdir(parents=True, exist_ok=False)
        lexicon.save(data / LEXICON)
        _save_keys(data / KEYS, store)
        write_json(data / COMPLETE, {"data": tag, "checksums": checksums(data)})
        write_manifest(index_dir, manifest)  # the switch: from here on the new rows are the index
        if not same:
            (index_dir / PENDING).unlink(missing_ok=True)
        return store

    def _assembled(self, manifest, old, keep, new, names, bases, lexicon, dim, index_settings, data) -> Store:
        """The new version as a Store, without reading Milvus back: `old`'s kept rows then the new ones."""
        p0, s0 = bases
        files = tuple(sorted(manifest["store"]["rows"]))
        code = {f: i for i, f in enumerate(files)}
        if old is not None:
            pkeep, skeep = from_files(old.passages, keep), from_files(old.sentences, keep)
            sid_map = np.cumsum(skeep) - 1
            kept = np.asarray(old.ranges, dtype=np.int64).reshape(-1, 2)[pkeep]
            ranges = np.stack([sid_map[kept[:, 0]], sid_map[kept[:, 1] - 1] + 1], axis=1) if len(kept) else kept
            recode = np.array([code.get(f, -1) for f in old.search.files] or [-1], dtype=np.int32)
            pfile = recode[old.search.file_of["passages"][pkeep]]
            sfile = recode[old.search.file_of["sentences"][skeep]]
            ppk, spk = old.search.pks["passages"][pkeep], old.search.pks["sentences"][skeep]
            stale = {"passages": old.search.pks["passages"][~pkeep], "sentences": old.search.pks["sentences"][~skeep]}
        else:
            ranges = np.zeros((0, 2), np.int64)
            pfile, sfile = np.zeros(0, np.int32), np.zeros(0, np.int32)
            ppk, spk = np.zeros(0, np.int64), np.zeros(0, np.int64)
            stale = {"passages": np.zeros(0, np.int64), "sentences": np.zeros(0, np.int64)}
        m0 = len(spk)
        new_ranges = np.asarray(new.ranges, dtype=np.int64).reshape(-1, 2) + m0
        search = self._search(
            names,
            {"passages": np.concatenate([ppk, np.arange(p0, p0 + len(new.passages), dtype=np.int64)]),
             "sentences": np.concatenate([spk, np.arange(s0, s0 + len(new.sentences), dtype=np.int64)])},
            stale, lexicon, dim, dict(manifest["store"]["next"]), index_settings, files,
            {"passages": np.concatenate([pfile, np.array([code[p.source] for p in new.passages], dtype=np.int32)]),
             "sentences": np.concatenate([sfile, np.array([code[x.source] for x in new.sentences], dtype=np.int32)])},
        )
        return _store(manifest, np.concatenate([ranges.reshape(-1, 2), new_ranges]).astype(np.int64), search, data)

    def _create(self, name: str, table: str, dim: int, kind: str) -> None:
        from pymilvus import DataType, Function, FunctionType, MilvusClient

        if _call(self.where, "list collections", "has_collection", name):
            _call(self.where, f"drop {name}", "drop_collection", name)  # left by a build killed before its switch
        schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("source", DataType.VARCHAR, max_length=4096)
        schema.add_field("tag", DataType.VARCHAR, max_length=64)
        for name_ in ("start", "end", "line"):
            schema.add_field(name_, DataType.INT64)
        lexical_text = table == "passages" and self.where.lexical == "milvus"
        schema.add_field("text", DataType.VARCHAR, max_length=MAX_TEXT, **({"enable_analyzer": True} if lexical_text else {}))
        for name_ in (("first", "last") if table == "passages" else ("passage",)):
            schema.add_field(name_, DataType.INT64)
        schema.add_field("language", DataType.VARCHAR, max_length=16)
        schema.add_field("sha256", DataType.VARCHAR, max_length=64)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
        index = MilvusClient.prepare_index_params()
        dense = {"flat": ("FLAT", {}), "ivf": ("IVF_FLAT", {"nlist": 1024}), "hnsw": ("HNSW", {"M": 32, "efConstruction": 128})}[kind]
        index.add_index(field_name="vector", index_type=dense[0], metric_type="IP", params=dense[1])
        if table == "passages" and self.where.lexical == "own":
            schema.add_field("terms", DataType.SPARSE_FLOAT_VECTOR)
            index.add_index(field_name="terms", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
        if lexical_text:
            schema.add_field("bm25", DataType.SPARSE_FLOAT_VECTOR)
            schema.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["text"],
                                         output_field_names=["bm25"]))
            index.add_index(field_name="bm25", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
        _call(self.where, f"create {name}", "create_collection", name, schema=schema, consistency_level="Strong")
        # sync=False: nothing to wait for on an empty collection (and Milvus Lite cannot report an index's progress)
        _call(self.where, f"index {name}", "create_index", name, index, sync=False)
        _call(self.where, f"load {name}", "load_collection", name)

    def _drop(self, names, dim: int | None = None) -> None:
        """Drop the collections (those of dimension `dim` only, when given)."""
        for name in names:
            if not _call(self.where, "list collections", "has_collection", name):
                continue
            if dim is None or _vector_dim(_call(self.where, f"describe {name}", "describe_collection", name)) == dim:
                _call(self.where, f"drop {name}", "drop_collection", name)

    def _drop_pending(self, index_dir: Path) -> None:
        """Drop the collections a full build of this index created and never switched to (it was killed)."""
        try:
            pending = json.loads((index_dir / PENDING).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if isinstance(pending, dict) and pending.get("uri") == self.where.uri:
            self._drop([n for n in pending.get("names", []) if isinstance(n, str)])
        (index_dir / PENDING).unlink(missing_ok=True)


RECORD_FIELDS = {  # what a record is made of, fetched by id
    "passages": ["id", "source", "start", "end", "line", "text"],
    "sentences": ["id", "source", "start", "end", "line", "text", "passage"],
}


def languages_of(store: Store | None) -> dict[str, str]:
    return file_languages(store.manifest) if store is not None else {}


def _save_keys(path: Path, store: Store) -> None:
    """What opening the version needs of every row, saved beside its lexicon: reading it back from Milvus row by
    row took 70 s for 107k passages and 359k sentences on Milvus Lite."""
    search = store.search
    with open(path, "wb") as f:
        np.savez(
            f,
            files=np.array(search.files, dtype=str),
            ranges=np.asarray(store.ranges, dtype=np.int64).reshape(-1, 2),
            **{f"{t}_keys": search.pks[t] for t in ("passages", "sentences")},
            **{f"{t}_stale": search.stale[t] for t in ("passages", "sentences")},
            **{f"{t}_files": search.file_of[t] for t in ("passages", "sentences")},
        )


def _store(manifest, ranges: np.ndarray, search: MilvusSearch, data: Path) -> Store:
    return Store(manifest, MilvusRecords(search, "passages"), MilvusRecords(search, "sentences"), ranges,
                 MilvusVectors(search, "passages", search.dim), MilvusVectors(search, "sentences", search.dim), search, data)


def _fit(text: str) -> str:
    """A text cut to what a VARCHAR field holds (a record's text is its file's own; only an absurd one is cut)."""
    if len(text.encode("utf-8")) <= MAX_TEXT:
        return text
    return text.encode("utf-8")[:MAX_TEXT].decode("utf-8", errors="ignore")


def _vector_dim(description: dict) -> int:
    for f in description.get("fields", []):
        if f.get("name") == "vector":
            return int(f.get("params", {}).get("dim", -1))
    return -1
