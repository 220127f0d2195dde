"""The Python package's speed, same run: random 1 s extractions from Python (Recording.read)
vs the Swift library in-process (the same reader, timed inside Swift) vs python-soundfile
seek + read on the plain .flac file; and read_many with 1 and 2 workers. Medians.

usage: python python/benchmarks/bench.py [--minutes 10] [--count 300]   (after pip install ./python)
"""
import argparse
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
        rng = np.random.default_rng(5)
        starts = [int(s) for s in rng.integers(0, recording.total_samples - rate, args.count)]
        recording.read(0, rate)  # opens the recording (index loaded once)

        python_times = []
        for start in starts:
            t = time.perf_counter()
            recording.read(start, start + rate, dtype="int16")
            python_times.append(time.perf_counter() - t)
        swift = _native.lib.zw_bench_random_reads(recording._reader(), args.count, 5, 0)

        sf_times = []
        with soundfile.SoundFile(str(flac)) as plain:
            for start in starts:
                t = time.perf_counter()
                plain.seek(start)
                plain.read(rate, dtype="int16")
                sf_times.append(time.perf_counter() - t)

        ranges = [(s, s + rate) for s in starts]
        many = {}
        for workers in (1, 2):
            t = time.perf_counter()
            recording.read_many(ranges, dtype="int16", workers=workers)
            many[workers] = time.perf_counter() - t

        python, soundfile_median = statistics.median(python_times), statistics.median(sf_times)
        rows = [
            ("1 s extraction from Python (Recording.read), median", f"{python * 1e3:.3f} ms"),
            ("the same from the Swift library in-process, median", f"{swift * 1e3:.3f} ms"),
            ("python-soundfile seek + read on the plain .flac, median", f"{soundfile_median * 1e3:.3f} ms"),
            ("Python / Swift library", f"{python / swift:.2f} (target <= 1.1)"),
            ("Python / soundfile", f"{python / soundfile_median:.2f} (target <= 0.67)"),
            (f"read_many of {args.count}: 1 worker / 2 workers", f"{many[1] / many[2]:.2f}x (target >= 1.8)"),
        ]
        print("| measurement | value |\n|---|---:|")
        for name, value in rows:
            print(f"| {name} | {value} |")
        if args.json:
            Path(args.json).write_text(json.dumps({"python_s": python, "swift_s": swift, "soundfile_s": soundfile_median,
                                                   "read_many_1_s": many[1], "read_many_2_s": many[2]}))
        archive.close()


if __name__ == "__main__":
    main()
