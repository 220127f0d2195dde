"""zarrwlr.ray and zarrwlr.dask on local clusters of worker processes against the S3 server
scripts/test starts (SeaweedFS), reached through a logging proxy (Tests/.../s3_fault_proxy.py,
no faults scheduled) so that the test sees every request the workers make."""
import json
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import zarrwlr

ROOT = Path(__file__).resolve().parents[2]


def start_proxy(folder, rules):
    """The fault proxy (Tests/.../s3_fault_proxy.py) in front of the S3 server with schedule
    `rules`: its process, its endpoint URL and its request log's path."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    assert endpoint and os.environ.get("ZARRWLR_S3_BUCKET"), "no S3 test server: run through ./scripts/test"
    (folder / "schedule.json").write_text(json.dumps(rules))
    log, port_file = folder / "log.jsonl", folder / "port"
    proxy = subprocess.Popen([sys.executable, str(ROOT / "Tests/ZarrwlrArchiveTests/s3_fault_proxy.py"), endpoint.rsplit(":", 1)[1],
                              str(folder / "schedule.json"), str(log), str(port_file), "--lifetime", "1200"])
    for _ in range(500):
        if port_file.exists():
            break
        time.sleep(0.02)
    return proxy, f"http://127.0.0.1:{port_file.read_text()}", log


@pytest.fixture(scope="module")
def proxied_s3(tmp_path_factory):
    """AWS_ENDPOINT_URL pointing at a logging proxy in front of the S3 server for the module's
    tests (worker processes started meanwhile inherit it); yields the request log's path."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    proxy, proxied, log = start_proxy(tmp_path_factory.mktemp("proxy"), [])
    os.environ["AWS_ENDPOINT_URL"] = proxied
    try:
        yield log
    finally:
        os.environ["AWS_ENDPOINT_URL"] = endpoint
        proxy.kill()
        proxy.wait()


@pytest.fixture(scope="module")
def field_files(tmp_path_factory):
    """20 paths: 16 distinct half-second recordings and 4 of them again; and a file that is not audio."""
    folder = tmp_path_factory.mktemp("field")
    paths = []
    for k in range(16):
        path = folder / f"site{k % 4}_{k:02d}.wav"
        subprocess.run(["sox", "-R", "-n", "-r", "16000", "-b", "16", "-c", "2", str(path), "synth", "0.5", "sine", str(200 + 50 * k)],
                       check=True)
        paths.append(str(path))
    bad = folder / "bad.wav"
    bad.write_bytes(b"RIFF but not audio")
    return paths + paths[3:7], str(bad)


def new_store(engine):
    return f"s3://{os.environ['ZARRWLR_S3_BUCKET']}/{engine}/{uuid.uuid4().hex}"


def check_each_file_once(store, paths, bad, ids, errors):
    assert list(errors) == [bad] and errors[bad].startswith(("CorruptData", "Unsupported")), errors
    assert len(ids) == 20 and len(set(ids)) == 16 and ids[16:] == ids[3:7]
    assert sorted(r.id for r in zarrwlr.Archive(store).recordings()) == sorted(set(ids))


def requests_since(log, mark):
    with open(log) as f:
        return [json.loads(line) for line in f.readlines()[mark:]]


def log_length(log):
    with open(log) as f:
        return len(f.readlines())


def check_reads_open_each_recording_once(requests, store, ids, processes):
    """Reading touched only the recordings read, never listed the archive, and fetched each
    metadata object (anything but audio shards) at most twice per process (the recording's facts,
    then its reader) and a handful of them per recording: O(1) objects, whatever the draws."""
    prefix = "/" + store[len("s3://"):] + "/"
    listings = [r for r in requests if "list-type" in r["path"]]
    assert all("max-keys=1&" in r["path"] for r in listings), "the archive was listed"  # max-keys=1: is the store there
    assert len(listings) <= processes
    metadata = Counter(r["path"] for r in requests if r["method"] in ("GET", "HEAD") and "/c/" not in r["path"])
    touched = {path[len(prefix):].split("/")[0] for path in metadata if path.startswith(prefix) and path[len(prefix):].split("/")[0].isdigit()}
    assert touched <= set(ids)
    assert max(metadata.values()) <= 2 * processes, metadata.most_common(3)
    per_recording = Counter(path[len(prefix):].split("/")[0] for path in metadata if path.startswith(prefix))
    assert max(per_recording.values()) <= 4, per_recording


def test_ray_imports_each_file_once_and_reads_snippets_equal_to_read(proxied_s3, field_files):
    ray = pytest.importorskip("ray")
    import zarrwlr.ray
    paths, bad = field_files
    store = new_store("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        ids, errors = zarrwlr.ray.import_files(paths + [bad], store)
        check_each_file_once(store, paths, bad, ids, errors)

        rng = np.random.default_rng(7)
        draws = [(ids[k % 16], int(a), int(a) + 1600) for k, a in enumerate(rng.integers(0, 8000 - 1600, size=96))]
        mark = log_length(proxied_s3)
        rows = zarrwlr.ray.read_snippets(store, draws, rows_per_block=8, dtype="int16").take_all()
        check_reads_open_each_recording_once(requests_since(proxied_s3, mark), store, ids, processes=3)
        archive = zarrwlr.Archive(store)
        assert sorted((r["recording"], r["start"], r["stop"]) for r in rows) == sorted(draws)
        for row in rows:
            assert row["rate"] == 16000 and row["audio"].shape == (1600, 2)
            assert np.array_equal(row["audio"], archive[row["recording"]].read(row["start"], row["stop"], dtype="int16"))
        by_archive = zarrwlr.ray.read_snippets(archive, draws[:8], rows_per_block=4, dtype="int16").take_all()
        assert sorted((r["recording"], r["start"]) for r in by_archive) == sorted((d[0], d[1]) for d in draws[:8])

        resampled = zarrwlr.ray.read_snippets(store, draws[:16], rows_per_block=4, rate=8000, mono=True).take_all()
        expected, rate = archive.read_batch(draws[:16], rate=8000, mono=True)
        assert rate == 8000 and all(r["rate"] == 8000 for r in resampled)
        by_draw = {(r["recording"], r["start"]): r["audio"] for r in resampled}
        for k, (id, start, _) in enumerate(draws[:16]):
            assert np.array_equal(by_draw[(id, start)], expected[k])

        # Bad input: an unknown store, a range outside a recording, wrong credentials on the workers.
        with pytest.raises(zarrwlr.NotFound):
            zarrwlr.ray.read_snippets(f"s3://no-such-bucket-zarrwlr/{uuid.uuid4().hex}", draws)
        with pytest.raises(zarrwlr.InvalidArgument, match=f"recording {ids[0]}"):
            zarrwlr.ray.read_snippets(store, [(ids[0], 0, 10**9)])
        with pytest.raises(zarrwlr.InvalidArgument, match="whole number"):
            zarrwlr.ray.read_snippets(store, [(ids[0], 0.5, 1600)])  # was read from sample 0
        with pytest.raises(zarrwlr.InvalidArgument, match="list of paths"):
            zarrwlr.ray.import_files(paths[0], store)
        wrong = {"env_vars": {"AWS_SECRET_ACCESS_KEY": "not-the-secret"}}
        more, refused = zarrwlr.ray.import_files(paths[:3], store, runtime_env=wrong)
        assert more == [] and list(refused) == paths[:3]
        assert all(message.startswith(("PermissionDenied", "StorageError")) for message in refused.values()), refused
        assert len(zarrwlr.Archive(store).recordings()) == 16
    finally:
        ray.shutdown()


def test_a_dask_cluster_on_s3_imports_each_file_once_and_reads_what_read_gives(proxied_s3, field_files):
    distributed = pytest.importorskip("distributed")
    import zarrwlr.dask
    paths, bad = field_files
    store = new_store("dask")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        ids, errors = zarrwlr.dask.import_files(client, paths + [bad], store)
        check_each_file_once(store, paths, bad, ids, errors)
        archive = zarrwlr.Archive(store)
        mark = log_length(proxied_s3)
        arrays = [zarrwlr.dask.recording_array(store, id, chunk_seconds=0.05, dtype="int16") for id in ids[:4]]
        computed = client.compute(arrays, sync=True)
        check_reads_open_each_recording_once(requests_since(proxied_s3, mark), store, ids, processes=3)
        for id, values in zip(ids[:4], computed):
            assert np.array_equal(values, archive[id].read(0, 8000, dtype="int16"))
        # The issue's own call, recording_array(archive, id, chunk_seconds): an open Archive is its store.
        by_archive = zarrwlr.dask.recording_array(archive, ids[0], chunk_seconds=0.05, dtype="int16")
        assert np.array_equal(client.compute(by_archive, sync=True), computed[0])
        with pytest.raises(zarrwlr.InvalidArgument, match="zarrwlr.Archive"):
            zarrwlr.dask.recording_array(42, ids[0])
        with pytest.raises(zarrwlr.NotFound):
            zarrwlr.dask.recording_array(f"s3://no-such-bucket-zarrwlr/{uuid.uuid4().hex}", "0")
        with pytest.raises(zarrwlr.InvalidArgument, match="list of paths"):
            zarrwlr.dask.import_files(client, paths[0], store)  # not one task per letter
        for bad in [0, -1, float("nan")]:
            with pytest.raises(zarrwlr.InvalidArgument, match="chunk_seconds"):
                zarrwlr.dask.recording_array(store, ids[0], chunk_seconds=bad)


def test_workers_killed_during_a_dask_import_leave_each_file_once_and_nothing_half_visible(proxied_s3, field_files, tmp_path):
    """Every worker process is killed (SIGKILL) while one of them waits for the answer to a
    recording's commit (a conditional PUT of its zarr.json, which the proxy forwards and answers
    only 8 s later): Dask retries the killed tasks on the restarted workers. Each file must then be
    in the archive once (a commit that landed unanswered is found again, not repeated), no other
    recording may be listed, every recording must read as its source, and `aimport gc` must
    leave nothing of the dead importers."""
    distributed = pytest.importorskip("distributed")
    soundfile = pytest.importorskip("soundfile")
    import signal
    import threading
    import zarrwlr.dask
    paths, bad = field_files
    rules = [{"method": "PUT", "key": "/[0-9]+/zarr.json$", "header": "if-none-match", "action": "delay", "delay_ms": 8000, "times": 1}]
    proxy, proxied, log = start_proxy(tmp_path, rules)
    endpoint = os.environ["AWS_ENDPOINT_URL"]
    os.environ["AWS_ENDPOINT_URL"] = proxied
    store = new_store("killed")
    try:
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
                distributed.Client(cluster) as client:
            outcome = []
            running = threading.Thread(target=lambda: outcome.append(zarrwlr.dask.import_files(client, paths + [bad], store)))
            running.start()
            for _ in range(600):
                if any(json.loads(line)["action"] == "delay" for line in open(log)):
                    break
                time.sleep(0.05)
            else:
                raise AssertionError("no commit reached the server")
            killed = client.run(os.getpid)
            for pid in killed.values():
                os.kill(pid, signal.SIGKILL)
            running.join(timeout=300)
            assert outcome, "the import did not finish after its workers were killed"
            assert set(client.run(os.getpid).values()).isdisjoint(killed.values()), "the workers were not replaced"
        ids, errors = outcome[0]
        check_each_file_once(store, paths, bad, ids, errors)
        archive = zarrwlr.Archive(store)
        for path, id in zip(paths, ids):
            source, _ = soundfile.read(path, dtype="int16")
            assert np.array_equal(archive[id].read(0, len(source), dtype="int16"), source)
        gc = subprocess.run([str(ROOT / ".build" / "debug" / "aimport"), "gc", "--store", store], capture_output=True, text=True)
        assert gc.returncode == 0, gc.stderr
        prefix = store[len("s3://"):].split("/", 1)[1]
        obstore = pytest.importorskip("obstore")
        from obstore.store import S3Store
        bucket = S3Store(os.environ["ZARRWLR_S3_BUCKET"], endpoint=endpoint, client_options={"allow_http": True}, region="us-east-1",
                         access_key_id=os.environ["AWS_ACCESS_KEY_ID"], secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"])
        keys = [entry["path"] for batch in obstore.list(bucket, prefix=prefix + "/") for entry in batch]
        tops = {key[len(prefix) + 1:].split("/")[0] for key in keys}
        assert tops - {".zarrwlr", "zarr.json"} == set(ids), tops
        assert len(zarrwlr.Archive(store).recordings()) == 16
    finally:
        os.environ["AWS_ENDPOINT_URL"] = endpoint
        proxy.kill()
        proxy.wait()
