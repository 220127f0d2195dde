"""Requests at once to `aimport serve` (release build): rounds of 32 concurrent /api/audio
requests (1 s each, random places in a 5 min 48 kHz recording), from a folder archive and, with
the S3 environment of scripts/s3-server, from S3 through the fault proxy holding every GET's
answer back 20 ms (real S3's first-byte latency), where the requests' waits, not the CPU, set
the time. The wall time of each round; the median of the rounds.

    swift build -c release --product aimport
    python Benchmarks/serve_concurrency.py [--rounds 5] [--requests 32] [--aimport PATH]
"""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fault_proxy(folder, upstream, delay_ms):
    """The test suite's fault proxy in front of `upstream`, each GET answered `delay_ms` late."""
    schedule, log, port_file = (os.path.join(folder, name) for name in ("schedule.json", "proxy.jsonl", "port"))
    with open(schedule, "w") as f:
        json.dump([{"method": "GET", "action": "delay", "delay_ms": delay_ms, "times": -1}], f)
    proxy = subprocess.Popen([sys.executable, os.path.join(ROOT, "Tests/ZarrwlrArchiveTests/s3_fault_proxy.py"), str(upstream), schedule, log, port_file,
                              "--lifetime", "900"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(500):
        if os.path.exists(port_file):
            return proxy, int(open(port_file).read())
        time.sleep(0.02)
    proxy.kill()
    raise SystemExit("the proxy did not start")


def rounds(aimport, store, env, args):
    server = subprocess.Popen([aimport, "serve", "--store", store, "--port", "0", "--no-build-overviews"], env=env, stdout=subprocess.PIPE, text=True)
    address = server.stdout.readline().split(": ", 1)[1].strip().rstrip("/")
    try:
        def fetch(path):
            with urllib.request.urlopen(address + path, timeout=120) as answer:
                return len(answer.read())
        fetch("/api/audio?recording=0&start=1&end=2")  # the reader opened once
        rng, times = random.Random(1), []
        for _ in range(args.rounds):
            starts = [rng.uniform(0, 290) for _ in range(args.requests)]
            began = time.perf_counter()
            with ThreadPoolExecutor(args.requests) as pool:
                sizes = list(pool.map(lambda s: fetch(f"/api/audio?recording=0&start={s:.3f}&end={s + 1:.3f}"), starts))
            times.append(time.perf_counter() - began)
            if min(sizes) < 96_000:
                raise SystemExit(f"a response was short: {min(sizes)} bytes")
        return times
    finally:
        server.terminate()
        server.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=32)
    parser.add_argument("--aimport", default=os.path.join(ROOT, ".build", "release", "aimport"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        wav = os.path.join(folder, "rec.wav")
        subprocess.run(["sox", "-n", "-r", "48000", "-b", "16", "-c", "1", wav, "synth", "300", "pinknoise", "vol", "0.3"], check=True)
        stores = [("folder", os.path.join(folder, "a.zarr"), dict(os.environ))]
        proxy = None
        if os.environ.get("ZARRWLR_S3_BUCKET"):
            proxy, port = fault_proxy(folder, int(os.environ["AWS_ENDPOINT_URL"].rsplit(":", 1)[1]), 20)
            stores.append(("S3, 20 ms per GET", f"s3://{os.environ['ZARRWLR_S3_BUCKET']}/serve-concurrency/{uuid.uuid4().hex}",
                           dict(os.environ, AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}")))
        try:
            for label, store, env in stores:
                subprocess.run([args.aimport, "import", "--store", store, wav], check=True, capture_output=True, env=env)
                times = rounds(args.aimport, store, env, args)
                print(f"{label}: {args.requests} concurrent 1 s audio requests, rounds {' '.join(f'{t:.3f}' for t in times)} s, median {statistics.median(times):.3f} s")
        finally:
            if proxy:
                proxy.terminate()


if __name__ == "__main__":
    main()
