"""The Python package's speed, same run: 1 s extractions at the same random positions from
Python (Recording.read), from the Swift library in-process (the same reader, timed inside
Swift) and by python-soundfile seek + read on the plain .flac, interleaved and then each on its
own; and read_many with 1 and 2 workers. Medians.

usage: python python/benchmarks/bench.py [--minutes 10] [--count 300] [--json F]   (after pip install ./python)
"""
import argparse
import itertools
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile

import zarrwlr
from zarrwlr import _native


def field_like(seconds: int, rate: int, seed: int = 1) -> np.ndarray:
    """Pink-ish noise with a few tones, 16-bit range, as a field recording compresses."""
    rng = np.random.default_rng(seed)
    white = rng.standard_normal(seconds * rate)
    pink = np.cumsum(white) * 0.002
    pink -= np.convolve(pink, np.ones(2001) / 2001, mode="same")
    t = np.arange(seconds * rate) / rate
    signal = pink + 0.05 * np.sin(2 * np.pi * 3000 * t) * (np.sin(2 * np.pi * 0.5 * t) > 0)
    return np.clip(signal / np.abs(signal).max() * 0.5, -1, 1).astype("float32")


def first_draw(seed: int, bound: int) -> int:
    """The first position SplitMix64(seed) gives below `bound`, as `zw_bench_random_reads` draws it."""
    mask = (1 << 64) - 1
    z = (seed + 0x9E3779B97F4A7C15) & mask
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
    return (z ^ (z >> 31)) % bound


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=int, default=10)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--json")
    args = parser.parse_args()
    rate = 48_000
    with tempfile.TemporaryDirectory() as folder:
        flac = Path(folder) / "recording.flac"
        soundfile.write(str(flac), field_like(args.minutes * 60, rate), rate, subtype="PCM_16")
        archive = zarrwlr.Archive(str(Path(folder) / "season.zarr"), create=True)
        (id,) = archive.import_files([str(flac)])
        recording = archive[id]
        # Draw k reads where the library's one-read benchmark with seed k + 1 reads, so all three
        # take the same positions.
        starts = [first_draw(draw + 1, recording.total_samples - rate) for draw in range(args.count)]
        recording.read(0, rate)  # opens the recording (index loaded once)

        def from_python(draw: int) -> float:
            start = starts[draw]
            t = time.perf_counter()
            recording.read(start, start + rate, dtype="int16")
            return time.perf_counter() - t

        def from_swift(draw: int) -> float:  # the same 1 s read, timed inside Swift
            return _native.lib.zw_bench_random_reads(recording._reader(), 1, draw + 1, 0)

        def from_soundfile(draw: int) -> float:
            t = time.perf_counter()
            plain.seek(starts[draw])
            plain.read(rate, dtype="int16")
            return time.perf_counter() - t

        measure = {"python": from_python, "swift": from_swift, "soundfile": from_soundfile}
        # Interleaved draw by draw, so a noisy stretch of the machine falls on all three alike,
        # in all six orders (whichever reads a position first finds the caches cold for it);
        # then each on its own over the same draws ("blocks": its caches stay warm between reads).
        orders = list(itertools.permutations(measure))
        interleaved = {name: [] for name in measure}
        with soundfile.SoundFile(str(flac)) as plain:
            for draw in range(args.count):
                for name in orders[draw % len(orders)]:
                    interleaved[name].append(measure[name](draw))
            blocks = {name: [function(draw) for draw in range(args.count)] for name, function in measure.items()}

        ranges = [(s, s + rate) for s in starts]
        # Batches of 100 ranges, 1 and 2 workers alternating: the ratio of the median batch times.
        batches = [ranges[i:i + 100] for i in range(0, len(ranges), 100)]
        batch_times = {1: [], 2: []}
        for batch in batches * 3:
            for workers in (1, 2):
                t = time.perf_counter()
                recording.read_many(batch, dtype="int16", workers=workers)
                batch_times[workers].append(time.perf_counter() - t)
        many = {workers: statistics.median(values) for workers, values in batch_times.items()}

        medians = {way: {name: statistics.median(values) for name, values in times.items()}
                   for way, times in (("interleaved", interleaved), ("blocks", blocks))}
        rows = []
        for way, m in medians.items():
            rows += [
                (f"{way}: 1 s extraction from Python (Recording.read), median", f"{m['python'] * 1e3:.3f} ms"),
                (f"{way}: the same from the Swift library in-process, median", f"{m['swift'] * 1e3:.3f} ms"),
                (f"{way}: python-soundfile seek + read on the plain .flac, median", f"{m['soundfile'] * 1e3:.3f} ms"),
                (f"{way}: Python / Swift library", f"{m['python'] / m['swift']:.2f} (target <= 1.1)"),
                (f"{way}: Python / soundfile", f"{m['python'] / m['soundfile']:.2f} (target <= 0.67)"),
            ]
        rows.append(("read_many of 100 ranges: 1 worker / 2 workers, median batch", f"{many[1] / many[2]:.2f}x (target >= 1.8)"))
        print("| measurement | value |\n|---|---:|")
        for name, value in rows:
            print(f"| {name} | {value} |")
        if args.json:
            Path(args.json).write_text(json.dumps({"medians_s": medians, "read_many_100_1_worker_s": many[1],
                                                   "read_many_100_2_workers_s": many[2]}))
        archive.close()


if __name__ == "__main__":
    main()
