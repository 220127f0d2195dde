"""Ray Data over an archive (ray is needed only here, and imported only when used).

    import ray, zarrwlr, zarrwlr.ray
    sampler = zarrwlr.SnippetSampler(zarrwlr.Archive("s3://bucket/season"), seconds=1.0, per_epoch=100_000)
    ds = zarrwlr.ray.read_snippets("s3://bucket/season", sampler.draws(epoch=0), rate=32_000, mono=True)
    for batch in ds.iter_batches(batch_size=256, batch_format="numpy"):
        batch["audio"]      # (256, 32000, 1) float32; batch["recording"], ["start"], ["stop"], ["rate"]
    ids, errors = zarrwlr.ray.import_files(paths, "s3://bucket/season")   # one task per file

`read_snippets` is a `ray.data.Dataset` made by ``SnippetDatasource``: its read tasks run on the
cluster's workers, each opening the archive once per process (an archive is opened from its
path) and decoding its blocks with ``Archive.read_batch`` (one library call per block, the GIL
released once). Every draw is checked on the driver before a task runs, so a bad id or range is
a typed error there, not a failed task. `import_files` imports each file in a task; the archive's
commit protocol keeps concurrent importers safe (every file once, ids never twice).
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

import zarrwlr
from zarrwlr import _cluster

try:
    import ray
    from ray.data import Datasource, ReadTask
    from ray.data.block import BlockAccessor, BlockMetadata
except ImportError:  # ray is optional: the functions below say so when used.
    ray = None
    Datasource = object


def _require_ray() -> None:
    if ray is None:
        raise ImportError("zarrwlr.ray needs Ray Data (pip install 'ray[data]'); the rest of zarrwlr works without it")


class SnippetDatasource(Datasource):
    """Draws `(recording id, start, stop)` of the archive at `store` as a Ray Data source: rows
    `audio` (frames x channels), `recording`, `start`, `stop` and `rate` (the rate of `audio`), in
    blocks of `rows_per_block` rows, each block one ``Archive.read_batch`` with the options given
    (`frames`, `dtype`, `pad`, `rate`, `quality`, `mono`, `channels`, as there). `frames`
    defaults to the longest draw, so every block has one shape."""

    def __init__(self, store: str, draws: Sequence[tuple[str, int, int]], rows_per_block: int = 256, read_workers: int = 1,
                 frames: Optional[int] = None, **read_options):
        _require_ray()
        super().__init__()
        self.store = _cluster.store_path(store)
        self.draws = [(str(i), zarrwlr._whole(a, "a draw's start", str(i)), zarrwlr._whole(b, "a draw's stop", str(i))) for i, a, b in draws]
        self.rows_per_block = zarrwlr._count(rows_per_block, "rows_per_block", minimum=1)
        self.read_workers = max(1, int(read_workers))
        archive = _cluster.archive(self.store)
        archive.check_draws(self.draws)
        self.frames = zarrwlr._count(frames, "frames", minimum=1) if frames is not None else archive._longest_draw(self.draws, read_options.get("rate"))
        self.read_options = dict(read_options)
        # One block read on the driver settles the shape, dtype and rate (and any option error).
        sample, self.rate = archive.read_batch(self.draws[:1], frames=self.frames, workers=1, **self.read_options) \
            if self.draws else (np.empty((0, self.frames, 0), dtype=read_options.get("dtype", "float32")), 0)
        self.row_bytes = int(sample[0].nbytes) if len(sample) else 0

    def estimate_inmemory_data_size(self) -> Optional[int]:
        return self.row_bytes * len(self.draws)

    def get_read_tasks(self, parallelism: int, per_task_row_limit: Optional[int] = None, data_context=None) -> list:
        blocks = [self.draws[k:k + self.rows_per_block] for k in range(0, len(self.draws), self.rows_per_block)]
        tasks = max(1, min(int(parallelism), len(blocks)))
        per_task = -(-len(blocks) // tasks)  # contiguous shares: the dataset keeps the draws' order
        shares = [blocks[k:k + per_task] for k in range(0, len(blocks), per_task)]
        return [ReadTask(_BlockReader(self.store, share, self.frames, self.read_workers, self.read_options),
                         BlockMetadata(num_rows=sum(map(len, share)), size_bytes=self.row_bytes * sum(map(len, share)),
                                       input_files=None, exec_stats=None),
                         per_task_row_limit=per_task_row_limit)
                for share in shares]


class _BlockReader:
    """A read task's work: its blocks of draws, each read in one batch in the worker."""

    def __init__(self, store: str, blocks: list, frames: int, read_workers: int, read_options: dict):
        self.store, self.blocks, self.frames, self.read_workers, self.read_options = store, blocks, frames, read_workers, read_options

    def __call__(self):
        archive = _cluster.archive(self.store)
        for draws in self.blocks:
            audio, rate = archive.read_batch(draws, frames=self.frames, workers=self.read_workers, **self.read_options)
            yield BlockAccessor.batch_to_block({
                "audio": audio,
                "recording": np.array([d[0] for d in draws]),
                "start": np.array([d[1] for d in draws], dtype=np.int64),
                "stop": np.array([d[2] for d in draws], dtype=np.int64),
                "rate": np.full(len(draws), rate, dtype=np.int64),
            })


def read_snippets(store, draws: Sequence[tuple[str, int, int]], rows_per_block: int = 256, read_workers: int = 1,
                  override_num_blocks: Optional[int] = None, **read_options):
    """The draws `(id, start, stop)` (samples at each recording's rate, e.g. from
    ``SnippetSampler.draws``) of the archive at `store` as a `ray.data.Dataset` read on the
    cluster (``SnippetDatasource``); `read_options` are ``Archive.read_batch``'s (`frames`,
    `dtype`, `pad`, `rate`, `quality`, `mono`, `channels`). Rows come in the order of `draws`
    (with Ray's `preserve_order`; otherwise block by block as tasks finish)."""
    source = SnippetDatasource(store, draws, rows_per_block=rows_per_block, read_workers=read_workers, **read_options)
    return ray.data.read_datasource(source, override_num_blocks=override_num_blocks)


def import_files(paths: Sequence[str], store, **remote_options):
    """Imports `paths` into the archive at `store`, one Ray task per file; returns `(ids,
    errors)`: the recording of each file that went in (new, or the one already holding it), in
    order, and `{path: "Kind: message"}` for the others. `remote_options` go to the tasks'
    ``ray.remote(...).options`` (`num_cpus`, `runtime_env`, `max_retries`, ...): a task retried
    after its worker died imports its file again, and the archive keeps it once. Starts a local
    Ray if none runs."""
    _require_ray()
    task = ray.remote(_cluster.import_one).options(**remote_options)
    paths = zarrwlr._path_list(paths)
    return _cluster.gather(paths, ray.get([task.remote(_cluster.store_path(store), p) for p in paths]))
