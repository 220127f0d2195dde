"""Tile latency of `aimport serve` (release build), cold cache: random deep-zoom tiles (10 s by
the full band, 256x256, FFT 1024) of a 384 kHz recording, and overview tiles of the whole
recording (from its spectrum overview, built first with `aimport overview`: its build time and
its size against the archive's are printed), from a folder archive and (with the S3 environment
of scripts/s3-server) from S3. With --hours, a second recording of that many hours at 8 kHz
(the overview's cost does not depend on the rate) gives overview tiles of a long recording.

    swift build -c release --product aimport
    python Benchmarks/serve_tiles.py [--minutes 30] [--tiles 60]

Each tile is asked for once (distinct spans, so the server's cache never answers); medians and
95th percentiles of the wall time of the HTTP request on loopback.
"""
import argparse
import os
import random
import statistics
import subprocess
import tempfile
import time
import urllib.request
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AIMPORT = os.path.join(ROOT, ".build", "release", "aimport")


def serve(store):
    server = subprocess.Popen([AIMPORT, "serve", "--store", store, "--port", "0"], stdout=subprocess.PIPE, text=True)
    return server, server.stdout.readline().split(": ", 1)[1].strip()


def timed(url):
    began = time.perf_counter()
    with urllib.request.urlopen(url) as answer:
        answer.read()
    return (time.perf_counter() - began) * 1000


def build_overview(store, label):
    began = time.perf_counter()
    subprocess.run([AIMPORT, "overview", "--store", store], check=True, capture_output=True)
    built = time.perf_counter() - began
    if os.path.isdir(store):
        def size(path):
            return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(path) for f in files)
        overview, archive = size(os.path.join(store, ".zarrwlr", "overviews")), size(store)
        print(f"{label:7s} overview built in {built:.2f} s, {overview / 1e6:.2f} MB = {100 * overview / (archive - overview):.2f} % of the rest of the archive ({(archive - overview) / 1e6:.1f} MB)")
    else:
        print(f"{label:7s} overview built in {built:.2f} s")


def measure(store, seconds, tiles, label):
    build_overview(store, label)
    server, address = serve(store)
    try:
        rng = random.Random(1)
        deep = [timed(f"{address}api/tile?recording=0&start={s}&end={s + 10}&width=256&height=256")
                for s in (rng.uniform(0, seconds - 10) for _ in range(tiles))]
        overview = [timed(f"{address}api/tile?recording=0&start=0&end={seconds}&width=256&height={256 + k}") for k in range(tiles // 4)]
    finally:
        server.terminate()
        server.wait()
    report(label, "deep zoom (10 s)", deep)
    report(label, "overview (whole)", overview)


def report(label, name, values):
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]
    print(f"{label:7s} {name:17s} n={len(values):3d} median {statistics.median(values):7.1f} ms  p95 {p95:7.1f} ms")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--tiles", type=int, default=60)
    parser.add_argument("--hours", type=float, default=0)
    options = parser.parse_args()
    seconds = options.minutes * 60
    with tempfile.TemporaryDirectory() as folder:
        if options.hours:
            long = os.path.join(folder, "long.wav")
            subprocess.run(["sox", "-R", "-n", "-r", "8000", "-b", "16", "-c", "1", long, "synth", str(options.hours * 3600), "pinknoise", "vol", "0.3"], check=True)
            store = os.path.join(folder, "long.zarr")
            subprocess.run([AIMPORT, "import", "--store", store, long], check=True, capture_output=True)
            os.unlink(long)
            build_overview(store, f"{options.hours:g} h")
            server, address = serve(store)
            try:
                values = [timed(f"{address}api/tile?recording=0&start=0&end={options.hours * 3600}&width=256&height={256 + k}") for k in range(options.tiles)]
            finally:
                server.terminate()
                server.wait()
            report(f"{options.hours:g} h", "overview (whole)", values)
        wav = os.path.join(folder, "bat.wav")
        subprocess.run(["sox", "-R", "-n", "-r", "384000", "-b", "16", "-c", "1", wav, "synth", str(seconds), "pinknoise", "vol", "0.3"], check=True)
        local = os.path.join(folder, "local.zarr")
        subprocess.run([AIMPORT, "import", "--store", local, wav], check=True, capture_output=True)
        measure(local, seconds, options.tiles, "folder")
        if os.environ.get("ZARRWLR_S3_BUCKET"):
            s3 = f"s3://{os.environ['ZARRWLR_S3_BUCKET']}/tiles/{uuid.uuid4().hex}"
            subprocess.run([AIMPORT, "import", "--store", s3, wav], check=True, capture_output=True)
            measure(s3, seconds, options.tiles, "s3")


if __name__ == "__main__":
    main()
