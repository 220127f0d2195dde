"""PyTorch datasets over an archive (torch is needed only here, and imported only here).

    from zarrwlr.torch import SnippetBatches
    data = SnippetBatches("season.zarr", seconds=1.0, per_epoch=100_000, batch_size=256, seed=0)
    loader = torch.utils.data.DataLoader(data, batch_size=None, num_workers=8)
    for epoch in range(10):
        data.set_epoch(epoch)
        for samples, draws in loader:            # samples: (256, 48000, channels) float32
            ...

`SnippetBatches` is an iterable dataset that yields ready batches, each read in one library call
(``Archive.read_batch``): give the DataLoader `batch_size=None`. Draws are split without overlap
between the processes of a distributed run (`rank`, `world_size`: taken from
torch.distributed when it is initialised) and the loader's workers, fresh each epoch and the
same for the same seed and epoch (``zarrwlr.SnippetSampler``). `SnippetDataset` is the
map-style form: item k of the epoch's draws, one snippet each. Both pickle as what reopens them
(the archive's path), so they work with workers started by fork or spawn (with spawn, give
`where` as a function of a module, which pickles, not a lambda).

Without torch, importing this module works; making a dataset raises ImportError.
"""
from __future__ import annotations

from typing import Optional

import zarrwlr

try:
    import torch as _torch
    _Iterable, _MapStyle = _torch.utils.data.IterableDataset, _torch.utils.data.Dataset
except ImportError:  # torch is optional: the classes below say so when used.
    _torch = None
    _Iterable = _MapStyle = object


def _require_torch() -> None:
    if _torch is None:
        raise ImportError("zarrwlr.torch needs PyTorch (pip install torch); the rest of zarrwlr works without it")


def _distributed() -> tuple[int, int]:
    """(rank, world_size) of an initialised torch.distributed run, else (0, 1)."""
    distributed = _torch.distributed
    if distributed.is_available() and distributed.is_initialized():
        return distributed.get_rank(), distributed.get_world_size()
    return 0, 1


class _Snippets:
    """What both datasets share: the archive opened once per process, and the sampler."""

    def __init__(self, path: str, seconds: float, per_epoch: int, seed: int, where, min_seconds, max_seconds,
                 rank: Optional[int], world_size: Optional[int], dtype: str):
        _require_torch()
        self.path, self.dtype, self.epoch = str(path), dtype, 0
        if rank is None or world_size is None:
            rank, world_size = _distributed()
        self._settings = dict(seconds=seconds, per_epoch=per_epoch, seed=seed, where=where, min_seconds=min_seconds,
                              max_seconds=max_seconds, rank=rank, world_size=world_size)
        self._sampler: Optional[zarrwlr.SnippetSampler] = None

    @property
    def sampler(self) -> zarrwlr.SnippetSampler:
        if self._sampler is None:
            self._sampler = zarrwlr.SnippetSampler(zarrwlr.Archive(self.path), **self._settings)
        return self._sampler

    def set_epoch(self, epoch: int) -> None:
        """Fresh draws for `epoch` (call it before each epoch, as with DistributedSampler)."""
        self.epoch = int(epoch)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_sampler"] = None  # reopened in the worker
        return state


class SnippetBatches(_Snippets, _Iterable):
    """Batches of `batch_size` snippets, `(samples tensor, draws)`; see the module."""

    def __init__(self, path: str, seconds: float = 1.0, per_epoch: int = 10_000, batch_size: int = 64, seed: int = 0, where=None,
                 min_seconds: Optional[float] = None, max_seconds: Optional[float] = None, rank: Optional[int] = None,
                 world_size: Optional[int] = None, dtype: str = "float32", read_workers: int = 2, drop_last: bool = False):
        super().__init__(path, seconds, per_epoch, seed, where, min_seconds, max_seconds, rank, world_size, dtype)
        self.batch_size = zarrwlr._count(batch_size, "batch_size", minimum=1)
        self.read_workers, self.drop_last = int(read_workers), drop_last

    def __iter__(self):
        info = _torch.utils.data.get_worker_info()
        worker, workers = (info.id, info.num_workers) if info is not None else (0, 1)
        for samples, draws in self.sampler.batches(self.batch_size, self.epoch, worker, workers, self.dtype, self.read_workers,
                                                   self.drop_last):
            yield _torch.from_numpy(samples), draws


class SnippetDataset(_Snippets, _MapStyle):
    """Item k: the k-th snippet of this rank's draws for the epoch, `(samples tensor, draw)`."""

    def __init__(self, path: str, seconds: float = 1.0, per_epoch: int = 10_000, seed: int = 0, where=None,
                 min_seconds: Optional[float] = None, max_seconds: Optional[float] = None, rank: Optional[int] = None,
                 world_size: Optional[int] = None, dtype: str = "float32"):
        super().__init__(path, seconds, per_epoch, seed, where, min_seconds, max_seconds, rank, world_size, dtype)
        self._draws: Optional[tuple[int, list]] = None

    def _epoch_draws(self) -> list:
        if self._draws is None or self._draws[0] != self.epoch:
            self._draws = (self.epoch, self.sampler.draws(self.epoch))
        return self._draws[1]

    def __len__(self) -> int:
        return len(self._epoch_draws())

    def __getitem__(self, k: int):
        id, start, stop = self._epoch_draws()[k]
        samples, _ = self.sampler.archive.read_batch([(id, start, stop)], frames=self.sampler.max_frames, dtype=self.dtype, pad=True,
                                                     workers=1)
        return _torch.from_numpy(samples[0]), (id, start, stop)

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state["_draws"] = None
        return state
