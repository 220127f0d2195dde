"""What the cluster front ends (zarrwlr.dask, zarrwlr.ray) share: one archive per store in each
worker process, and the import of one file in a task with its outcome as plain, picklable
values."""
from __future__ import annotations

from typing import Iterable, Optional, Sequence

import zarrwlr

#: Archives opened by this worker process, by store path (an archive reopens itself after fork).
_archives: dict = {}


def archive(store: str, create: bool = False) -> "zarrwlr.Archive":
    """The archive at `store` (created if missing when `create`), opened once per process."""
    opened = _archives.get(store)
    if opened is None:
        opened = _archives[store] = zarrwlr.Archive(store, create=create)
    return opened


def import_one(store: str, path: str) -> tuple[Optional[str], Optional[str]]:
    """Imports `path` into the archive at `store` (created if missing): `(id, None)` when it went
    in (new, or the recording already holding it), `(None, "Kind: message")` when not."""
    try:
        ids, errors = archive(store, create=True).import_files([path], raise_errors=False)
    except zarrwlr.Error as error:  # the store itself: unreachable, refused, damaged
        return None, f"{type(error).__name__}: {error}"
    if ids:
        return ids[0], None
    error = next(iter(errors.values()))
    return None, f"{type(error).__name__}: {error}"


def gather(paths: Sequence[str], outcomes: Iterable[tuple[Optional[str], Optional[str]]]) -> tuple[list[str], dict[str, str]]:
    """The `(ids, errors)` of ``import_one`` outcomes in the order of `paths`: the ids of the
    files that went in, and `{path: message}` for the others."""
    ids, errors = [], {}
    for path, (id, error) in zip(paths, outcomes):
        if id is not None:
            ids.append(id)
        else:
            errors[str(path)] = error
    return ids, errors
