"""Batch reads from S3, same run, medians of `--rounds`: 256 random 1 s draws (48 kHz, 16-bit
mono FLAC, 4 recordings of 2 min) read by `Archive.read_batch` with 1, 8 and 64 library workers,
against a bare client (obstore, 64 threads) fetching byte ranges of the same size from the same
blobs; then all again through a proxy that holds every GET's answer back `--delay-ms` (real S3's
first-byte latency), where requests in flight, not the server, set the rate.

usage (the S3 test server running: scripts/s3-server start; eval "$(scripts/s3-server env)"):
    python python/benchmarks/s3_bench.py [--rounds 3] [--delay-ms 20]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import soundfile

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import field_like  # noqa: E402

import zarrwlr  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def start_proxy(folder: str, upstream: int, delay_ms: int) -> tuple[subprocess.Popen, int]:
    schedule, log, port_file = (os.path.join(folder, name) for name in ("schedule.json", "proxy.jsonl", "port"))
    with open(schedule, "w") as f:
        json.dump([{"method": "GET", "action": "delay", "delay_ms": delay_ms, "times": -1}], f)
    proxy = subprocess.Popen([sys.executable, str(ROOT / "Tests/ZarrwlrArchiveTests/s3_fault_proxy.py"), str(upstream), schedule, log, port_file,
                              "--lifetime", "900"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(500):
        if os.path.exists(port_file):
            return proxy, int(open(port_file).read())
        time.sleep(0.02)
    proxy.kill()
    raise SystemExit("the proxy did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--delay-ms", type=int, default=20)
    args = parser.parse_args()
    endpoint, bucket = os.environ.get("AWS_ENDPOINT_URL"), os.environ.get("ZARRWLR_S3_BUCKET")
    if not endpoint or not bucket:
        raise SystemExit("no S3 server: scripts/s3-server start; eval \"$(scripts/s3-server env)\"")
    import obstore
    from obstore.store import S3Store
    rate, count, prefix = 48_000, 256, f"bench/{uuid.uuid4().hex}"
    url = f"s3://{bucket}/{prefix}"
    with tempfile.TemporaryDirectory() as folder:
        files = []
        for k in range(4):
            path = Path(folder) / f"r{k}.flac"
            soundfile.write(str(path), field_like(120, rate, seed=k + 1), rate, subtype="PCM_16")
            files.append(str(path))
        ids = zarrwlr.Archive(url, create=True).import_files(files)
        rng = np.random.default_rng(3)
        draws = [(ids[int(rng.integers(len(ids)))], s, s + rate) for s in rng.integers(0, 119 * rate, count).tolist()]
        # The bare client: the same number of ranged GETs of one 1 s draw's size, from the blobs.
        blob_keys = [f"{prefix}/{id}/audio_data_blob_array/c/0" for id in ids]
        draw_bytes = max(1, os.path.getsize(files[0]) // 120)
        ranges = [(blob_keys[int(rng.integers(len(ids)))], int(rng.integers(0, 100 * draw_bytes))) for _ in range(count)]

        def measure(endpoint_url: str) -> dict:
            os.environ["AWS_ENDPOINT_URL"] = endpoint_url
            archive = zarrwlr.Archive(url)
            archive.read_batch(draws[:8], workers=8)  # readers opened once, as a training loop keeps them
            store = S3Store(bucket, endpoint=endpoint_url, client_options={"allow_http": True}, region="us-east-1",
                            access_key_id=os.environ["AWS_ACCESS_KEY_ID"], secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"])
            figures = {}
            for workers in (1, 8, 64):
                times = []
                for _ in range(args.rounds):
                    started = time.perf_counter()
                    archive.read_batch(draws, workers=workers)
                    times.append(time.perf_counter() - started)
                figures[f"read_batch, {workers} workers"] = count / statistics.median(times)
            with ThreadPoolExecutor(64) as pool:
                times = []
                for _ in range(args.rounds):
                    started = time.perf_counter()
                    list(pool.map(lambda r: bytes(obstore.get_range(store, r[0], start=r[1], length=draw_bytes)), ranges))
                    times.append(time.perf_counter() - started)
            figures["obstore, 64 threads, same-size ranges"] = count / statistics.median(times)
            archive.close()
            return figures

        direct = measure(endpoint)
        proxy, port = start_proxy(folder, int(endpoint.rsplit(":", 1)[1]), args.delay_ms)
        try:
            delayed = measure(f"http://127.0.0.1:{port}")
        finally:
            proxy.kill()
            os.environ["AWS_ENDPOINT_URL"] = endpoint
        for name in direct:
            print(f"{name}: {direct[name]:,.0f}/s direct, {delayed[name]:,.0f}/s with {args.delay_ms} ms added per GET")
        print(f"read_batch 64 workers / obstore 64 threads, direct: {direct['read_batch, 64 workers'] / direct['obstore, 64 threads, same-size ranges']:.2f}")
        print(f"with {args.delay_ms} ms per GET: 64 workers / 1 worker: {delayed['read_batch, 64 workers'] / delayed['read_batch, 1 workers']:.1f}x")


if __name__ == "__main__":
    main()
