"""The index folder's lock: one process builds or updates an index at a time, others wait."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from ..errors import IndexStoreError
from .store import unwritable

LOCK = ".lock"
LOCK_TIMEOUT = 600.0
WAITING = "waiting for another process indexing this folder"


@contextmanager
def index_lock(index_dir: Path, progress: Callable[[str, int, int], None] | None = None) -> Iterator[None]:
    """Hold the lock of `index_dir` (creating the folder), reporting a wait as a progress stage."""
    from filelock import FileLock, Timeout

    lock = FileLock(str(index_dir / LOCK))
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        lock.acquire(timeout=0)
    except Timeout:  # (a subclass of OSError)
        if progress:
            progress(WAITING, 0, 1)
        try:
            lock.acquire(timeout=LOCK_TIMEOUT)
        except Timeout:
            raise IndexStoreError(
                f"another process has been indexing {index_dir} for {LOCK_TIMEOUT:.0f} s: wait for it, or stop it"
            ) from None
        if progress:
            progress(WAITING, 1, 1)
    except OSError as err:
        raise unwritable(index_dir, err) from None
    try:
        yield
    finally:
        lock.release()
