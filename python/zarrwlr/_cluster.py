"""What the cluster front ends (zarrwlr.dask, zarrwlr.ray) share: one archive per store in each
worker process, and the import of one file in a task with its outcome as plain, picklable
values."""
from __future__ import annotations

import os
import warnings
from typing import Iterable, Optional, Sequence

import zarrwlr

#: Archives opened by this worker process, by store path (an archive reopens itself after fork).
_archives: dict = {}


def store_path(store) -> str:
    """The store a cluster function is given, as the path (or s3:// URL) its workers open: a
    path, or an open ``zarrwlr.Archive`` (whose handle stays in this process)."""
    if isinstance(store, zarrwlr.Archive):
        return store.path
    if isinstance(store, (str, bytes, os.PathLike)):
        return os.fsdecode(store)
    raise zarrwlr.InvalidArgument("invalid argument", f"a store is a folder's path, an s3:// URL or a zarrwlr.Archive, not {store!r}")


def archive(store: str, create: bool = False) -> "zarrwlr.Archive":
    """The archive at `store` (created if missing when `create`), opened once per process."""
    opened = _archives.get(store)
    if opened is None:
        opened = _archives[store] = zarrwlr.Archive(store, create=create)
    return opened


def import_one(store: str, path: str) -> tuple[Optional[str], Optional[str], list[str]]:
    """Imports `path` into the archive at `store` (created if missing): `(id, None, notices)`
    when it went in (new, or the recording already holding it), `(None, "Kind: message", [])`
    when not; `notices` are the import's ``zarrwlr.ImportNotice`` messages, carried back to the
    caller, whose process (not the worker's) should show them."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", zarrwlr.ImportNotice)
            ids, errors = archive(store, create=True).import_files([path], raise_errors=False)
    except zarrwlr.Error as error:  # the store itself: unreachable, refused, damaged
        return None, f"{type(error).__name__}: {error}", []
    if ids:
        return ids[0], None, [str(w.message) for w in caught if issubclass(w.category, zarrwlr.ImportNotice)]
    error = next(iter(errors.values()))
    return None, f"{type(error).__name__}: {error}", []


def gather(paths: Sequence[str], outcomes: Iterable[tuple[Optional[str], Optional[str], list[str]]]) -> tuple[list[str], dict[str, str]]:
    """The `(ids, errors)` of ``import_one`` outcomes in the order of `paths`: the ids of the
    files that went in, and `{path: message}` for the others; their notices are warned of here
    (``zarrwlr.ImportNotice``), as ``Archive.import_files`` warns of them."""
    ids, errors = [], {}
    for path, (id, error, notices) in zip(paths, outcomes):
        for notice in notices:
            warnings.warn(notice, zarrwlr.ImportNotice, stacklevel=3)
        if id is not None:
            ids.append(id)
        else:
            errors[str(path)] = error
    return ids, errors
