"""Dask over an archive (dask is needed only here, and imported only here).

    import zarrwlr.dask
    x = zarrwlr.dask.recording_array("s3://bucket/season", "3", chunk_seconds=60)   # lazy dask.array
    x[48_000:96_000].compute()                      # decoded per chunk by the library, = read(...)
    ids, errors = zarrwlr.dask.import_files(client, paths, "s3://bucket/season")   # on the workers

`recording_dataarray` is the same as an xarray `DataArray` (dims `seconds`, `channel`) whose
`seconds` index is lazy (an xarray RangeIndex: nothing of the length of the recording is built)
and, where the start instant is known, with a lazy `time` coordinate of wall-clock instants
(datetime64[ns], UTC).

`recording_array` is a `dask.array` of shape (frames, channels) whose chunks each open the
archive in their worker (an archive pickles as its path) and read their frame range, so a chunk
costs one recording open and one read. `import_files` imports each file in a task on the cluster;
the archive's commit protocol keeps concurrent importers safe (every file once, ids never twice).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

import zarrwlr
from zarrwlr import _cluster

try:
    import dask.array as _da
except ImportError:  # dask is optional: the functions below say so when used.
    _da = None


def _require_dask() -> None:
    if _da is None:
        raise ImportError("zarrwlr.dask needs Dask (pip install 'dask[array]'); the rest of zarrwlr works without it")


class _RecordingFrames:
    """One recording as an array-like of shape (frames, channels) for `dask.array.from_array`:
    indexing reads the frame range it covers (then picks frames and channels within it). Pickles as
    the store path, id and dtype; each process opens the archive once."""

    def __init__(self, store: str, id: str, dtype: str):
        self.store, self.id, self.dtype = store, id, np.dtype(dtype)
        recording = _cluster.archive(store)[id]
        self.shape = (recording.total_samples, recording.channels)
        self.ndim = 2

    @property
    def _recording(self) -> zarrwlr.Recording:
        return _cluster.archive(self.store)[self.id]

    def __getitem__(self, key):
        frames, channels = key if isinstance(key, tuple) else (key, slice(None))
        frames = frames if isinstance(frames, slice) else slice(int(frames), int(frames) + 1)
        start, stop, step = frames.indices(self.shape[0])
        if stop <= start:
            return np.zeros((0, self.shape[1]), dtype=self.dtype)[:, channels]
        samples = self._recording.read(start, stop, dtype=self.dtype.name)
        return samples[::step, channels] if step != 1 else samples[:, channels]

    def __getstate__(self):
        return {"store": self.store, "id": self.id, "dtype": self.dtype, "shape": self.shape, "ndim": self.ndim}


def recording_array(store, id: str, chunk_seconds: float = 60.0, dtype: str = "float32"):
    """Recording `id` of the archive at `store` (a folder, an s3:// URL or an open
    ``zarrwlr.Archive``) as a lazy `dask.array` of
    shape (frames, channels), chunked every `chunk_seconds`; its values equal
    ``Recording.read(start, stop, dtype)`` of the same range."""
    _require_dask()
    dtype = zarrwlr._dtype(dtype)[0]
    seconds = zarrwlr._seconds(chunk_seconds, "chunk_seconds")
    store = _cluster.store_path(store)
    frames = _RecordingFrames(store, str(id), dtype)
    rate = _cluster.archive(store)[str(id)].sample_rate
    chunk = max(1, int(round(seconds * rate)))
    return _da.from_array(frames, chunks=(chunk, frames.shape[1]), asarray=False, fancy=False, meta=np.empty((0, 0), dtype=dtype),
                          name=f"zarrwlr-{store}-{id}-{dtype}-{chunk}")


def recording_dataarray(store, id: str, chunk_seconds: float = 60.0, dtype: str = "float32"):
    """Recording `id` as a lazy xarray `DataArray` over ``recording_array``: dims (`seconds`,
    `channel`), `seconds` a lazy RangeIndex (sample k at k / rate), a `time` coordinate of UTC
    instants when the recording's start instant is known; attrs `recording`, `sample_rate`,
    `start_time`. `.isel(seconds=slice(a, b))` (and `.sel(seconds=t, method="nearest")`, what a
    RangeIndex allows) reads only the chunks it needs."""
    _require_dask()
    import xarray
    from xarray.indexes import RangeIndex
    recording = _cluster.archive(_cluster.store_path(store))[str(id)]
    data = recording_array(store, id, chunk_seconds, dtype)
    frames, rate = recording.total_samples, recording.sample_rate
    seconds = xarray.Coordinates.from_xindex(RangeIndex.linspace(0.0, frames / rate, num=frames, endpoint=False, dim="seconds"))
    array = xarray.DataArray(data, dims=("seconds", "channel"), coords=seconds, name=f"recording {recording.id}",
                             attrs={"recording": recording.id, "sample_rate": rate, "start_time": recording.start_time or ""})
    start = recording.start_time
    if start and (start.endswith("Z") or "+" in start[10:] or "-" in start[10:]):
        origin = np.datetime64(_utc(start), "ns")
        step = 1e9 / rate
        offsets = (_da.arange(frames, chunks=data.chunks[0], dtype=np.float64) * step).round().astype("int64")
        array = array.assign_coords(time=("seconds", origin + offsets.astype("timedelta64[ns]")))
    return array


def _utc(text: str) -> str:
    """An ISO 8601 instant with Z or an offset as naive UTC text numpy reads."""
    from datetime import datetime, timezone
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc).replace(tzinfo=None).isoformat()


def import_files(client, paths: Sequence[str], store):
    """Imports `paths` into the archive at `store`, one task per file on the cluster of `client`
    (a `distributed.Client`); returns `(ids, errors)`: the recording of each file that went in
    (new, or the one already holding it), in order, and `{path: message}` for the others."""
    paths = zarrwlr._path_list(paths)
    futures = client.map(_cluster.import_one, [_cluster.store_path(store)] * len(paths), paths, pure=False)
    return _cluster.gather(paths, client.gather(futures))
