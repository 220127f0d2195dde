"""Training draws from an annotation layer: labelled positives and negatives."""
from __future__ import annotations
import math

from typing import Iterator, Optional, Sequence

import numpy as np

import zarrwlr


class LabelledSampler:
    """Snippets of `seconds` for training from layer `layer` of `archive`: positives (a snippet
    over a row with one of the labels `positives`, every labelled row when None: centred on a
    row shorter than the snippet, at a random place inside a longer one) and, `negatives` per
    positive, negatives: snippets at random places of the layer's recordings that overlap no
    row of those labels (unlabelled sound or other labels), label None.

    Reproducible for `(seed, epoch)`, fresh each epoch, split without overlap into shards by
    `(rank, world_size)` and by data-loader worker, as ``SnippetSampler``. All the layer's
    recordings must share one rate and channel count (a batch holds one).
    ``draws(epoch, worker, workers)`` gives `(id, start, stop, label)`; ``batches(...)`` reads
    them with ``Archive.read_batch``.
    """

    def __init__(self, archive: "zarrwlr.Archive", layer: str, seconds: float = 1.0, positives: Optional[Sequence[str]] = None,
                 negatives: float = 1.0, seed: int = 0, rank: int = 0, world_size: int = 1):
        if not (0 <= zarrwlr._whole(rank, "rank") < zarrwlr._whole(world_size, "world_size")):
            raise zarrwlr.InvalidArgument("invalid argument", f"rank must lie in 0..world_size-1, not rank {rank} of world_size {world_size}")
        seconds = zarrwlr._seconds(seconds, "seconds")
        if not (math.isfinite(float(negatives)) and negatives >= 0):
            raise zarrwlr.InvalidArgument("invalid argument", f"negatives must be a number, 0 or more, not {negatives!r}")
        self.archive, self.seed, self.negatives = archive, seed, float(negatives)
        self.rank, self.world_size = int(rank), int(world_size)
        rows = archive.layer(layer)
        recordings = {}
        for id in dict.fromkeys(r["recording"] for r in rows):
            try:
                recordings[id] = archive[id]
            except zarrwlr.InvalidArgument:  # no such recording: an earlier version's delete left its rows
                pass
        rows = [r for r in rows if r["recording"] in recordings]
        wanted = None if positives is None else {str(p) for p in positives}
        self._positive_rows = [r for r in rows if r["label"] is not None and (wanted is None or r["label"] in wanted)]
        if not self._positive_rows:
            raise zarrwlr.InvalidArgument("invalid argument", f"layer {layer!r} has no rows labelled {sorted(wanted) if wanted else 'at all'}")
        kinds = {(r.sample_rate, r.channels) for r in recordings.values()}
        if len(kinds) > 1:
            raise zarrwlr.InvalidArgument("invalid argument", f"the layer's recordings differ in rate or channel count ({sorted(kinds)}): a batch holds one")
        self.sample_rate, self.channels = next(iter(kinds))
        self.frames = int(round(seconds * self.sample_rate))
        self._recordings = [r for r in recordings.values() if 0 < self.frames <= r.total_samples]
        if not self._recordings:
            raise zarrwlr.InvalidArgument("invalid argument", f"no recording of layer {layer!r} holds a snippet of {seconds} s (at least one sample, at most the recording's length)")
        self._busy = {}
        for r in self._positive_rows:
            self._busy.setdefault(r["recording"], []).append((r["start"], r["stop"]))
        usable = np.array([r.total_samples - self.frames + 1 for r in self._recordings], dtype=np.float64)
        self._weights = usable / usable.sum()

    def __len__(self) -> int:
        return len(self._positive_rows) + int(round(self.negatives * len(self._positive_rows)))

    def _positive(self, row: dict, rng) -> tuple:
        total = self.archive[row["recording"]].total_samples
        length = row["stop"] - row["start"]
        if length <= self.frames:
            start = row["start"] - (self.frames - length) // 2
        else:
            start = row["start"] + int(rng.integers(0, length - self.frames + 1))
        start = min(max(0, start), total - self.frames)
        return (row["recording"], start, start + self.frames, row["label"])

    def _negative(self, rng) -> Optional[tuple]:
        for _ in range(100):
            recording = self._recordings[int(rng.choice(len(self._recordings), p=self._weights))]
            start = int(rng.integers(0, recording.total_samples - self.frames + 1))
            stop = start + self.frames
            if all(stop <= a or b <= start for a, b in self._busy.get(recording.id, [])):
                return (recording.id, start, stop, None)
        return None  # the layer's recordings are all but covered by positives

    def _all_draws(self, epoch: int) -> list:
        rng = np.random.default_rng([int(self.seed), int(epoch)])
        draws = [self._positive(row, rng) for row in self._positive_rows]
        for _ in range(int(round(self.negatives * len(self._positive_rows)))):
            negative = self._negative(rng)
            if negative is None:
                raise zarrwlr.InvalidArgument("invalid argument", "no place without a positive row was found for a negative snippet in 100 tries")
            draws.append(negative)
        order = rng.permutation(len(draws))
        return [draws[k] for k in order]

    def draws(self, epoch: int = 0, worker: int = 0, workers: int = 1) -> list:
        """Draws `(id, start, stop, label)` of this rank's shard for data-loader `worker` of `workers`."""
        if not (0 <= int(worker) < int(workers)):
            raise zarrwlr.InvalidArgument("invalid argument", f"worker must lie in 0..workers-1, not worker {worker} of {workers}")
        shards = self.world_size * int(workers)
        return self._all_draws(epoch)[self.rank * int(workers) + int(worker)::shards]

    def batches(self, batch_size: int, epoch: int = 0, worker: int = 0, workers: int = 1, dtype: str = "float32",
                read_workers: int = 2) -> Iterator[tuple]:
        """This shard's draws in batches: `(samples, labels, draws)`, samples `(batch, frames, channels)`."""
        draws = self.draws(epoch, worker, workers)
        size = max(1, int(batch_size))
        for first in range(0, len(draws), size):
            chunk = draws[first:first + size]
            samples, _ = self.archive.read_batch([d[:3] for d in chunk], frames=self.frames, dtype=dtype, workers=read_workers)
            yield samples, [d[3] for d in chunk], chunk
