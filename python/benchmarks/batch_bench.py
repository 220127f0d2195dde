"""Batch reads for training, same run, medians of `--rounds`: 256 random 1 s draws from 8
recordings (48 kHz, 16-bit, mono, 2 min each) read (a) one `Recording.read` call each from one
thread, (b) by `Archive.read_batch` with 1 and 2 library workers, (c) by python-soundfile on the
same audio as .flac files, in 1 and 2 worker processes; and (d) resampling on read: 64 draws of
1 s from a 384 kHz recording with and without `rate=48000` (HQ).

usage: python python/benchmarks/batch_bench.py [--rounds 5]   (after pip install ./python, with soundfile)
"""
import argparse
import multiprocessing
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import field_like  # noqa: E402

import zarrwlr  # noqa: E402


def read_flac(draw):
    path, start, stop = draw
    with soundfile.SoundFile(path) as f:
        f.seek(start)
        return f.read(stop - start, dtype="float32", always_2d=True)


def rate_of(seconds, count):
    return count / seconds


def timed(function):
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    rate, count = 48_000, 256
    with tempfile.TemporaryDirectory() as folder:
        archive = zarrwlr.Archive(str(Path(folder) / "season.zarr"), create=True)
        flacs = []
        for k in range(8):
            flac = Path(folder) / f"r{k}.flac"
            soundfile.write(str(flac), field_like(120, rate, seed=k + 1), rate, subtype="PCM_16")
            flacs.append(str(flac))
        ids = archive.import_files(flacs)
        path_of = dict(zip(ids, flacs))
        rng = np.random.default_rng(1)
        draws = []
        for _ in range(count):
            id = ids[int(rng.integers(len(ids)))]
            start = int(rng.integers(0, 120 * rate - rate))
            draws.append((id, start, start + rate))
        flac_draws = [(path_of[id], a, b) for id, a, b in draws]
        recordings = {id: archive[id] for id in ids}
        for id in ids:
            recordings[id].read(0, 10)  # opened once, as a training loop would
        archive.read_batch(draws[:4])
        results = {name: [] for name in ("read, 1 thread", "read_batch, 1 worker", "read_batch, 2 workers",
                                          "soundfile, 1 process", "soundfile, 2 processes")}
        with multiprocessing.get_context("fork").Pool(2) as pool:
            pool.map(read_flac, flac_draws[:4])
            for _ in range(args.rounds):
                results["read, 1 thread"].append(rate_of(timed(lambda: [recordings[i].read(a, b) for i, a, b in draws]), count))
                results["read_batch, 1 worker"].append(rate_of(timed(lambda: archive.read_batch(draws, workers=1)), count))
                results["read_batch, 2 workers"].append(rate_of(timed(lambda: archive.read_batch(draws, workers=2)), count))
                results["soundfile, 1 process"].append(rate_of(timed(lambda: [read_flac(d) for d in flac_draws]), count))
                results["soundfile, 2 processes"].append(rate_of(timed(lambda: pool.map(read_flac, flac_draws, chunksize=16)), count))
        medians = {name: statistics.median(values) for name, values in results.items()}
        for name, value in medians.items():
            print(f"{name}: {value:,.0f} snippets/s (median of {args.rounds})")
        print(f"read_batch 2 workers / read 1 thread: {medians['read_batch, 2 workers'] / medians['read, 1 thread']:.2f}")
        print(f"read_batch 2 workers / soundfile 2 processes: {medians['read_batch, 2 workers'] / medians['soundfile, 2 processes']:.2f}")

        bat = Path(folder) / "bat.flac"
        soundfile.write(str(bat), field_like(60, 384_000, seed=9), 384_000, subtype="PCM_16")
        (bat_id,) = archive.import_files([str(bat)])
        bat_draws = [(bat_id, s, s + 384_000) for s in np.random.default_rng(2).integers(0, 59 * 384_000, 64).tolist()]
        archive.read_batch(bat_draws[:2], rate=48_000)
        plain = [timed(lambda: archive.read_batch(bat_draws, workers=2)) for _ in range(args.rounds)]
        resampled = [timed(lambda: archive.read_batch(bat_draws, workers=2, rate=48_000)) for _ in range(args.rounds)]
        print(f"384 kHz draws, 2 workers: {statistics.median(plain) * 1000:.1f} ms as stored, "
              f"{statistics.median(resampled) * 1000:.1f} ms resampled to 48 kHz (HQ): "
              f"{statistics.median(resampled) / statistics.median(plain):.2f}x")


if __name__ == "__main__":
    main()
