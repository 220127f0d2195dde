"""Tile latency of `aimport serve` (release build), cold cache: random deep-zoom tiles (10 s by
the full band, 256x256, FFT 1024) of a 384 kHz recording, and overview tiles of the whole
recording, from a folder archive and (with the S3 environment of scripts/s3-server) from S3.

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


def measure(store, seconds, tiles, label):
    server, address = serve(store)
    try:
        rng = random.Random(1)
        deep = [timed(f"{address}api/tile?recording=0&start={s}&end={s + 10}&width=256&height=256")
                for s in (rng.uniform(0, seconds - 10) for _ in range(tiles))]
        overview = [timed(f"{address}api/tile?recording=0&start=0&end={seconds}&width=256&height={256 + k}") for k in range(tiles // 4)]
    finally:
        server.terminate()
        server.wait()
    for name, values in (("deep zoom (10 s)", deep), ("overview (whole)", overview)):
        values.sort()
        p95 = values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]
        print(f"{label:7s} {name:17s} n={len(values):3d} median {statistics.median(values):7.1f} ms  p95 {p95:7.1f} ms")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--tiles", type=int, default=60)
    options = parser.parse_args()
    seconds = options.minutes * 60
    with tempfile.TemporaryDirectory() as folder:
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
