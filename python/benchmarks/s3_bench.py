"""Batch reads from S3, same run: random 1 s draws (48 kHz, 16-bit mono FLAC, 4 recordings of
2 min) read by `Archive.read_batch` with 1 and 8 library workers (256 draws) and 64 (`--draws`), against two bare clients
(obstore and boto3, 64 threads each) fetching the same byte ranges: the ranged GETs the batch
read sends, taken from the log of a proxy it was first run through. The 64-worker batch and the
bare clients take turns in each round, and the ratio is the median of the rounds' ratios. Then
all again through a proxy that holds every GET's answer back `--delay-ms` (real S3's
first-byte latency), where requests in flight, not the server, set the rate.

usage (the S3 test server running: scripts/s3-server start; eval "$(scripts/s3-server env)"):
    python python/benchmarks/s3_bench.py [--rounds 5] [--draws 1024] [--delay-ms 20]
"""
import argparse
import json
import os
import resource
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


def start_proxy(folder: str, upstream: int, delay_ms: int) -> tuple[subprocess.Popen, int, str]:
    """The fault proxy in front of `upstream`, every GET answered `delay_ms` late (0: as it
    comes); returns it, its port and its log."""
    schedule, log, port_file = (os.path.join(folder, f"{name}-{delay_ms}") for name in ("schedule.json", "proxy.jsonl", "port"))
    with open(schedule, "w") as f:
        json.dump([{"method": "GET", "action": "delay", "delay_ms": delay_ms, "times": -1}] if delay_ms else [], f)
    proxy = subprocess.Popen([sys.executable, str(ROOT / "Tests/ZarrwlrArchiveTests/s3_fault_proxy.py"), str(upstream), schedule, log, port_file,
                              "--lifetime", "900"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(500):
        if os.path.exists(port_file):
            return proxy, int(open(port_file).read()), log
        time.sleep(0.02)
    proxy.kill()
    raise SystemExit("the proxy did not start")


def client_cpu() -> float:
    """CPU seconds of this process so far (all its threads, the library's included)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def server_cpu() -> float:
    """CPU seconds of the S3 server (`weed`) so far; 0 when it is not a process here."""
    found = subprocess.run(["pgrep", "-x", "weed"], capture_output=True, text=True).stdout.split()
    if not found:
        return 0.0
    with open(f"/proc/{found[0]}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--draws", type=int, default=1024)
    parser.add_argument("--delay-ms", type=int, default=20)
    args = parser.parse_args()
    endpoint, bucket = os.environ.get("AWS_ENDPOINT_URL"), os.environ.get("ZARRWLR_S3_BUCKET")
    if not endpoint or not bucket:
        raise SystemExit("no S3 server: scripts/s3-server start; eval \"$(scripts/s3-server env)\"")
    import boto3
    import botocore.config
    import obstore
    from obstore.store import S3Store
    rate, count, prefix = 48_000, args.draws, f"bench/{uuid.uuid4().hex}"
    url = f"s3://{bucket}/{prefix}"
    upstream = int(endpoint.rsplit(":", 1)[1])
    with tempfile.TemporaryDirectory() as folder:
        files = []
        for k in range(4):
            path = Path(folder) / f"r{k}.flac"
            soundfile.write(str(path), field_like(120, rate, seed=k + 1), rate, subtype="PCM_16")
            files.append(str(path))
        ids = zarrwlr.Archive(url, create=True).import_files(files)
        rng = np.random.default_rng(3)
        draws = [(ids[int(rng.integers(len(ids)))], s, s + rate) for s in rng.integers(0, 119 * rate, count).tolist()]

        # The byte ranges the batch read asks for: its GETs of blob shards, through a logging proxy.
        proxy, port, log = start_proxy(folder, upstream, 0)
        try:
            os.environ["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{port}"
            archive = zarrwlr.Archive(url)
            archive.read_batch(draws[:8], workers=8)
            opened = sum(1 for _ in open(log))
            archive.read_batch(draws, workers=8)
            archive.close()
        finally:
            proxy.kill()
            os.environ["AWS_ENDPOINT_URL"] = endpoint
        ranges = []
        for line in list(open(log))[opened:]:
            entry = json.loads(line)
            if entry["method"] == "GET" and entry["range"] and "/audio_data_blob_array/c/" in entry["path"]:
                key = entry["path"].lstrip("/").split("?")[0].split("/", 1)[1]
                first, last = (int(v) for v in entry["range"].removeprefix("bytes=").split("-"))
                ranges.append((key, first, last + 1 - first))
        print(f"{count} draws: {len(ranges)} ranged GETs of blob shards, {sum(r[2] for r in ranges) / len(ranges) / 1000:.1f} kB on average")

        def measure(endpoint_url: str) -> dict:
            os.environ["AWS_ENDPOINT_URL"] = endpoint_url
            archive = zarrwlr.Archive(url)
            archive.read_batch(draws[:8], workers=8)  # readers opened once, as a training loop keeps them
            store = S3Store(bucket, endpoint=endpoint_url, client_options={"allow_http": True}, region="us-east-1",
                            access_key_id=os.environ["AWS_ACCESS_KEY_ID"], secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"])
            # boto3's clients are thread-safe; one with a connection per thread.
            client = boto3.client("s3", endpoint_url=endpoint_url, region_name="us-east-1",
                                  config=botocore.config.Config(max_pool_connections=64))
            figures = {}
            few = draws[:256]  # one worker with 20 ms per GET reads 15 draws a second
            for workers in (1, 8):
                times = []
                for _ in range(args.rounds):
                    started = time.perf_counter()
                    archive.read_batch(few, workers=workers)
                    times.append(time.perf_counter() - started)
                figures[f"read_batch, {workers} workers"] = len(few) / statistics.median(times)
            ways = {
                "read_batch, 64 workers": lambda pool: archive.read_batch(draws, workers=64),
                "obstore, 64 threads, same ranges": lambda pool: list(pool.map(
                    lambda r: bytes(obstore.get_range(store, r[0], start=r[1], length=r[2])), ranges)),
                "boto3, 64 threads, same ranges": lambda pool: list(pool.map(
                    lambda r: client.get_object(Bucket=bucket, Key=r[0], Range=f"bytes={r[1]}-{r[1] + r[2] - 1}")["Body"].read(), ranges)),
            }
            times = {name: [] for name in ways}
            cpu = {name: [0.0, 0.0] for name in ways}  # this process's and the server's CPU seconds
            with ThreadPoolExecutor(64) as pool:
                for name, way in ways.items():
                    way(pool)  # connections opened before the rounds
                for _ in range(args.rounds):
                    for name, way in ways.items():
                        own, server, started = client_cpu(), server_cpu(), time.perf_counter()
                        way(pool)
                        times[name].append(time.perf_counter() - started)
                        cpu[name][0] += client_cpu() - own
                        cpu[name][1] += server_cpu() - server
            for name in ways:
                figures[name] = count / statistics.median(times[name])
                figures[f"cpu {name}"] = [seconds * 1e6 / (count * args.rounds) for seconds in cpu[name]]
            for client_name in ("obstore", "boto3"):
                bare = times[f"{client_name}, 64 threads, same ranges"]
                figures[f"ratio to {client_name}"] = statistics.median(b / a for a, b in zip(times["read_batch, 64 workers"], bare))
            archive.close()
            return figures

        direct = measure(endpoint)
        # What decoding costs without S3: the same draws from a local copy of the archive.
        local = zarrwlr.Archive(os.path.join(folder, "local.zarr"), create=True)
        by_id = dict(zip(ids, local.import_files(files)))
        local_draws = [(by_id[i], start, stop) for i, start, stop in draws]
        local.read_batch(local_draws[:8], workers=2)
        before = client_cpu()
        for _ in range(args.rounds):
            local.read_batch(local_draws, workers=2)
        local_us = (client_cpu() - before) * 1e6 / (count * args.rounds)
        local.close()
        proxy, port, _ = start_proxy(folder, upstream, args.delay_ms)
        try:
            delayed = measure(f"http://127.0.0.1:{port}")
        finally:
            proxy.kill()
            os.environ["AWS_ENDPOINT_URL"] = endpoint
        for name in direct:
            if name.startswith("cpu "):
                print(f"{name[4:]}: {direct[name][0]:,.0f} us of client CPU and {direct[name][1]:,.0f} us of server CPU per GET, direct")
            elif not name.startswith("ratio"):
                print(f"{name}: {direct[name]:,.0f}/s direct, {delayed[name]:,.0f}/s with {args.delay_ms} ms added per GET")
        for client_name in ("obstore", "boto3"):
            print(f"read_batch 64 workers / {client_name} 64 threads (median of the rounds' ratios): "
                  f"{direct[f'ratio to {client_name}']:.2f} direct, {delayed[f'ratio to {client_name}']:.2f} with {args.delay_ms} ms per GET")
        print(f"read_batch of the same draws from a local copy (2 workers): {local_us:,.0f} us of CPU per draw (reading and decoding)")
        print(f"with {args.delay_ms} ms per GET: 64 workers / 1 worker: {delayed['read_batch, 64 workers'] / delayed['read_batch, 1 workers']:.1f}x")


if __name__ == "__main__":
    main()
