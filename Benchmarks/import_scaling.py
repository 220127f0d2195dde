"""Does an import's cost grow with the archive? Imports the same 100 short WAVs (0.5 s each,
distinct) into an empty folder archive and into one of N recordings, through the release CLI,
and prints the medians of `rounds` runs each (interleaved) and their ratio.

    swift build -c release --product aimport
    python3 Benchmarks/import_scaling.py [--recordings 10000] [--rounds 3]

The large archive is made quickly: one imported recording, its folder hard-linked N-1 times
under the following ids (what each import would see of N real recordings: N folders with a
zarr.json each), and the id counter set past them.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
aimport = os.path.join(root, ".build", "release", "aimport")


def tones(folder, count):
    files = []
    for k in range(count):
        path = os.path.join(folder, f"t{k:03d}.wav")
        subprocess.run(["sox", "-R", "-n", "-r", "16000", "-b", "16", "-c", "1", path, "synth", "0.5", "sine", str(200 + 7 * k)], check=True)
        files.append(path)
    return files


def large_archive(path, seed_file, recordings):
    subprocess.run([aimport, "import", "--store", path, seed_file], check=True, stdout=subprocess.DEVNULL)
    for id in range(1, recordings):
        shutil.copytree(os.path.join(path, "0"), os.path.join(path, str(id)), copy_function=os.link)
    with open(os.path.join(path, ".zarrwlr", "next_id"), "w") as f:
        f.write(str(recordings))


def timed_import(store, files):
    started = time.perf_counter()
    subprocess.run([aimport, "import", "--store", store, *files], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--recordings", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        files = tones(folder, 100)
        seed_file = os.path.join(folder, "seed.wav")
        subprocess.run(["sox", "-R", "-n", "-r", "16000", "-b", "16", "-c", "1", seed_file, "synth", "0.5", "sine", "5000"], check=True)
        template = os.path.join(folder, "template.zarr")
        large_archive(template, seed_file, options.recordings)
        empty_times, large_times = [], []
        for round in range(options.rounds):
            empty = os.path.join(folder, f"empty{round}.zarr")
            large = os.path.join(folder, f"large{round}.zarr")
            # Hard links: the archive replaces files by renaming new ones into place, never in place.
            shutil.copytree(template, large, copy_function=os.link)
            empty_times.append(timed_import(empty, files))
            large_times.append(timed_import(large, files))
            shutil.rmtree(empty)
            shutil.rmtree(large)
        empty_median, large_median = statistics.median(empty_times), statistics.median(large_times)
        print(f"100 imports into an empty archive: median {empty_median:.2f} s of {options.rounds} ({', '.join(f'{t:.2f}' for t in empty_times)})")
        print(f"100 imports into {options.recordings} recordings: median {large_median:.2f} s ({', '.join(f'{t:.2f}' for t in large_times)})")
        print(f"ratio large / empty: {large_median / empty_median:.2f}")


if __name__ == "__main__":
    main()
