"""zarrwlr from Python against references nobody here wrote: soundfile's decode of the sources
and `aimport extract` (the CLI over the same library) for the same ranges."""
import json
import math
import os
import subprocess
import sys
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile

import zarrwlr

ROOT = Path(__file__).resolve().parents[2]


def source_samples(path, start, stop, dtype):
    return soundfile.read(str(path), dtype=dtype, start=start, stop=stop, always_2d=True)[0]


def cli_extract(aimport, store, id, start, stop, tmp_path):
    out = tmp_path / f"cli-{id}-{start}.raw"
    subprocess.run([aimport, "extract", "--store", store, id, "--start", str(start), "--end", str(stop), "--format", "f32",
                    "--output", str(out)], check=True)
    return np.fromfile(out, dtype="<f4")


def test_the_package_is_imported_from_outside_the_repository():
    assert not Path(zarrwlr.__file__).resolve().is_relative_to(ROOT / "python"), zarrwlr.__file__
    assert Path(os.getcwd()).resolve() != ROOT


def test_recordings_carry_their_facts(archive_path, sources):
    archive = zarrwlr.Archive(archive_path["store"])
    by_id = {r.id: r for r in archive.recordings()}
    assert len(by_id) == 5
    flac = by_id[archive_path["ids"]["flac16"]]
    assert (flac.sample_rate, flac.channels, flac.total_samples, flac.bits_per_sample, flac.codec) == (48000, 2, 288000, 16, "flac")
    assert flac.start_time == "2025-04-16T04:30:00Z"
    assert flac.metadata["source"]["file_name"] == "20250416_043000.wav"
    wv = by_id[archive_path["ids"]["wavpack24"]]
    assert (wv.sample_rate, wv.channels, wv.bits_per_sample, wv.codec) == (96000, 4, 24, "wavpack")


@pytest.mark.parametrize("name", ["flac16", "wavpack24", "flaccopy"])
@pytest.mark.parametrize("dtype", ["int16", "int32", "float32"])
def test_lossless_reads_equal_the_source_bit_for_bit(archive_path, sources, name, dtype):
    recording = zarrwlr.Archive(archive_path["store"])[archive_path["ids"][name]]
    source = sources["flac16" if name == "flaccopy" else name]
    total = recording.total_samples
    rng = np.random.default_rng(7)
    ranges = [(0, 1), (total - 1, total), (0, total)] + [tuple(sorted(rng.integers(0, total, 2))) for _ in range(12)]
    for start, stop in ranges:
        ours = recording.read(start, stop, dtype=dtype)
        theirs = source_samples(source, start, stop, dtype)  # int32 full scale in both
        assert ours.shape == (stop - start, recording.channels)
        assert np.array_equal(ours, theirs), (name, dtype, start, stop)


def test_float_sources_come_back_exactly(archive_path, sources):
    recording = zarrwlr.Archive(archive_path["store"])[archive_path["ids"]["float"]]
    ours = recording.read(0, recording.total_samples, dtype="float32")
    assert np.array_equal(ours, source_samples(sources["float"], 0, recording.total_samples, "float32"))
    assert np.abs(ours).max() > 1.0  # levels beyond full scale are kept


def test_reads_equal_aimport_extract(archive_path, aimport, tmp_path):
    archive = zarrwlr.Archive(archive_path["store"])
    for name in ["flac16", "wavpack24", "opus"]:
        recording = archive[archive_path["ids"][name]]
        for start, stop in [(0, 4800), (10_000, 30_000), (recording.total_samples - 999, recording.total_samples)]:
            ours = recording.read(start, stop, dtype="float32").reshape(-1)
            assert np.array_equal(ours, cli_extract(aimport, archive_path["store"], recording.id, start, stop, tmp_path)), (name, start)


def test_read_many_is_in_order_and_equals_single_reads(archive_path):
    recording = zarrwlr.Archive(archive_path["store"])[archive_path["ids"]["wavpack24"]]
    rng = np.random.default_rng(3)
    starts = rng.integers(0, recording.total_samples - 9600, 40)
    ranges = [(int(s), int(s) + 9600) for s in starts]
    many = recording.read_many(ranges, dtype="int32", workers=4)
    assert len(many) == len(ranges)
    for (start, stop), array in zip(ranges, many):
        assert np.array_equal(array, recording.read(start, stop, dtype="int32"))


def test_threads_read_in_parallel_correctly(archive_path, sources):
    recording = zarrwlr.Archive(archive_path["store"])[archive_path["ids"]["flac16"]]
    expected = source_samples(sources["flac16"], 0, recording.total_samples, "int16")
    failures = []

    def worker(seed):
        rng = np.random.default_rng(seed)
        for _ in range(50):
            start = int(rng.integers(0, recording.total_samples - 4800))
            if not np.array_equal(recording.read(start, start + 4800, dtype="int16"), expected[start:start + 4800]):
                failures.append((seed, start))

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_wall_clock_reads(archive_path, sources):
    archive = zarrwlr.Archive(archive_path["store"])
    y = archive.read_at("2025-04-16T06:30:01.5+02:00", duration=0.25, dtype="int16")
    assert np.array_equal(y, source_samples(sources["flac16"], 72000, 84000, "int16"))
    with pytest.raises(zarrwlr.InvalidArgument) as gap:
        archive.read_at("2025-04-16T04:30:05Z", duration=2.0)
    # The message names this package's argument, not the CLI's flag.
    assert "fill_gaps=True" in gap.value.message and "--" not in gap.value.message, gap.value.message
    filled = archive.read_at("2025-04-16T04:30:05Z", duration=2.0, fill_gaps=True, dtype="int16")
    assert filled.shape == (96000, 2)
    assert np.array_equal(filled[:48000], source_samples(sources["flac16"], 240000, 288000, "int16"))
    assert not filled[48000:].any()
    with pytest.raises(zarrwlr.InvalidArgument):
        archive.read_at("yesterday", duration=1.0)


def test_bad_ids_ranges_and_dtypes_raise_the_right_errors(archive_path, tmp_path):
    archive = zarrwlr.Archive(archive_path["store"])
    with pytest.raises(zarrwlr.InvalidArgument):
        archive["999"]
    recording = archive[archive_path["ids"]["flac16"]]
    with pytest.raises(zarrwlr.InvalidArgument) as outside:
        recording.read(0, recording.total_samples + 1)
    assert outside.value.recording == recording.id
    with pytest.raises(zarrwlr.InvalidArgument):
        recording.read(10, 5)
    # Checked before anything is allocated: a range of 10^12 frames is an argument error, not a MemoryError.
    with pytest.raises(zarrwlr.InvalidArgument) as huge:
        recording.read(0, 10**12)
    assert huge.value.recording == recording.id and str(10**12) in huge.value.message
    with pytest.raises(zarrwlr.InvalidArgument):
        recording.read_many([(0, 10), (-5, 10)])
    with pytest.raises(zarrwlr.InvalidArgument):
        recording.read(0, 10, dtype="float64")
    with pytest.raises(zarrwlr.NotFound) as missing:
        zarrwlr.Archive(str(tmp_path / "nothing-here"))
    assert missing.value.file
    # A URL of a kind the library does not open is refused, not made a folder of that name here.
    for url in ["gs://bucket/season", "S3://bucket", "s3:bucket"]:
        with pytest.raises(zarrwlr.InvalidArgument, match="s3://BUCKET"):
            zarrwlr.Archive(url, create=True)
    assert not os.path.exists("gs:") and not os.path.exists("S3:") and not os.path.exists("s3:bucket")
    # An S3 endpoint that is not an http(s) server's address (file:// read local files as the bucket).
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ACCESS_KEY_ID", "key")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
        patch.delenv("AWS_ENDPOINT_URL_S3", raising=False)
        for endpoint in ["file://" + str(tmp_path), "ftp://127.0.0.1:8333", "127.0.0.1:8333"]:
            patch.setenv("AWS_ENDPOINT_URL", endpoint)
            with pytest.raises(zarrwlr.InvalidArgument, match="AWS_ENDPOINT_URL"):
                zarrwlr.Archive("s3://bucket/season", create=True)
    with pytest.raises(zarrwlr.InvalidArgument, match="empty"):
        zarrwlr.Archive("")
    # A NUL ended the C string early ("…\0junk" opened the archive before it); a name in another
    # encoding raised UnicodeEncodeError.
    with pytest.raises(zarrwlr.InvalidArgument, match="NUL"):
        zarrwlr.Archive(archive_path["store"] + "\x00junk")
    with pytest.raises(zarrwlr.InvalidArgument, match="not UTF-8"):
        zarrwlr.Archive(os.fsencode(str(tmp_path)) + b"/M\xf6we.zarr", create=True)
    with pytest.raises(zarrwlr.InvalidArgument, match="NUL"):
        archive[archive_path["ids"]["flac16"] + "\x00"]
    with pytest.raises(zarrwlr.InvalidArgument, match="NUL"):
        zarrwlr.Archive(str(tmp_path / "nul.zarr"), create=True).import_files([str(tmp_path / "a.wav\x00b")])


def test_a_damaged_recording_raises_and_leaves_the_others_readable(archive_path, aimport, sources, tmp_path):
    store = tmp_path / "damaged.zarr"
    for path in [sources["flac16"], sources["opus"]]:
        subprocess.run([aimport, "import", "--store", str(store), str(path)], check=True, capture_output=True)
    shard = store / "0" / "audio_data_blob_array" / "c" / "0"
    data = bytearray(shard.read_bytes())
    for k in range(20_000, 20_400):
        data[k] ^= 0x5A
    shard.write_bytes(bytes(data))
    (store / "1" / "zarr.json").write_bytes(b"{ damaged")
    archive = zarrwlr.Archive(str(store))
    assert "1" in archive.damaged()
    with pytest.raises(zarrwlr.CorruptData):
        archive["1"]
    recording = archive["0"]
    with pytest.raises(zarrwlr.CorruptData):
        recording.read(0, recording.total_samples)
    tail = recording.read(recording.total_samples - 48000, recording.total_samples, dtype="int16")
    assert np.array_equal(tail, source_samples(sources["flac16"], recording.total_samples - 48000, recording.total_samples, "int16"))


def test_import_files_returns_ids_and_raises_for_bad_files(tmp_path, sources):
    archive = zarrwlr.Archive(str(tmp_path / "new.zarr"), create=True)
    ids = archive.import_files([str(sources["opus"]), str(sources["flaccopy"])], codec=None)
    assert ids == ["0", "1"]
    assert archive.import_files([str(sources["opus"])]) == ["0"]  # a duplicate names its recording
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF....WAVEjunk")
    with pytest.raises(zarrwlr.Error) as failed:
        archive.import_files([str(broken)])
    assert failed.value.file == str(broken)
    for one_path in [str(sources["flaccopy"]), sources["flaccopy"]]:
        with pytest.raises(zarrwlr.InvalidArgument, match="list of paths"):
            archive.import_files(one_path)  # not taken letter by letter as paths
    with pytest.raises(zarrwlr.InvalidArgument, match="a folder, not a file"):
        archive.import_files([str(tmp_path)])  # was a StorageError "cannot read: Is a directory"
    assert len(archive.recordings()) == 2
    for not_a_path in [None, 123]:
        with pytest.raises(zarrwlr.InvalidArgument, match="folder path"):
            zarrwlr.Archive(not_a_path)  # was NotFound "None: no store here"
    assert zarrwlr.Archive(os.fsencode(str(tmp_path / "new.zarr"))).path == str(tmp_path / "new.zarr")


def test_import_files_warns_of_what_the_import_said(tmp_path, sources):
    # A WAV cut off after its header was written: imported as far as it goes, and said.
    whole = sources["flac16"].read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(whole[: len(whole) // 2])
    archive = zarrwlr.Archive(str(tmp_path / "a.zarr"), create=True)
    with pytest.warns(zarrwlr.ImportNotice, match=r"cut\.wav: the header declares .* bytes of audio but the file holds"):
        assert archive.import_files([str(cut)]) == ["0"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an import with nothing to say warns of nothing
        assert archive.import_files([str(sources["flac16"])]) == ["1"]
    # On a cluster the notice comes back from the worker's task and is warned of by the caller.
    from zarrwlr import _cluster
    again = tmp_path / "cut-again.wav"
    again.write_bytes(whole[: len(whole) // 3])
    outcome = _cluster.import_one(str(tmp_path / "b.zarr"), str(again))
    assert outcome[0] == "0" and outcome[1] is None and len(outcome[2]) == 1 and "cut-again.wav: the header declares" in outcome[2][0]
    with pytest.warns(zarrwlr.ImportNotice, match=r"cut-again\.wav: the header declares"):
        assert _cluster.gather([str(again)], [outcome]) == (["0"], {})


def test_random_snippets_are_uniform_reproducible_and_exact(archive_path, sources):
    archive = zarrwlr.Archive(archive_path["store"])
    snippets = list(zarrwlr.RandomSnippets(archive, seconds=0.5, count=200, seed=11, dtype="float32"))
    assert snippets[0][1:] == list(zarrwlr.RandomSnippets(archive, seconds=0.5, count=1, seed=11))[0][1:]
    chosen = {}
    for array, id, start in snippets:
        recording = archive[id]
        assert array.shape == (int(round(0.5 * recording.sample_rate)), recording.channels)
        chosen[id] = chosen.get(id, 0) + 1
    # Uniform over duration: the 6 s recordings are drawn about three times as often as a 2 s one.
    durations = {r.id: r.duration for r in archive.recordings()}
    longest = max(durations, key=durations.get)
    assert chosen.get(longest, 0) > 200 * 0.15
    id, start = snippets[0][1], snippets[0][2]
    if id == archive_path["ids"]["flac16"]:
        assert np.array_equal(snippets[0][0], source_samples(sources["flac16"], start, start + 24000, "float32"))


def test_the_swift_runtime_comes_from_the_package():
    """The installed package loads the Swift runtime it bundles, not a toolchain's."""
    zarrwlr.Archive  # the library is loaded at import
    maps = Path("/proc/self/maps").read_text()
    loaded = {line.split()[-1] for line in maps.splitlines() if line.endswith("libswiftCore.so")}
    bundled = str(Path(zarrwlr.__file__).resolve().parent / "lib")
    assert loaded and all(path.startswith(bundled) for path in loaded), loaded


def test_snippet_draws_match_what_is_read(archive_path):
    archive = zarrwlr.Archive(archive_path["store"])
    snippets = zarrwlr.RandomSnippets(archive, seconds=0.25, count=20, seed=4, dtype="int16")
    for (array, id, start), (drawn_id, drawn_start, drawn_stop) in zip(snippets, snippets.draws()):
        assert (id, start) == (drawn_id, drawn_start)
        assert np.array_equal(array, archive[id].read(drawn_start, drawn_stop, dtype="int16"))


def test_an_archive_on_s3_reads_as_a_local_one(sources, tmp_path):
    """Through the S3 server scripts/test starts (AWS_* and ZARRWLR_S3_BUCKET in the environment)."""
    bucket = os.environ.get("ZARRWLR_S3_BUCKET")
    assert bucket and os.environ.get("AWS_ENDPOINT_URL"), "no S3 test server: run through ./scripts/test"
    import uuid
    url = f"s3://{bucket}/python/{uuid.uuid4().hex}"
    archive = zarrwlr.Archive(url, create=True)
    (id,) = archive.import_files([str(sources["flac16"])])
    recording = archive[id]
    assert np.array_equal(recording.read(1000, 60000, dtype="int16"), source_samples(sources["flac16"], 1000, 60000, "int16"))
    many = recording.read_many([(0, 480), (96000, 100000)], dtype="int16", workers=2)
    assert np.array_equal(many[1], source_samples(sources["flac16"], 96000, 100000, "int16"))
    with pytest.raises(zarrwlr.NotFound):
        zarrwlr.Archive(f"s3://no-such-bucket-zarrwlr/{uuid.uuid4().hex}")


def test_forked_children_and_their_parent_read_an_s3_archive_at_once(sources):
    """The parent's reads leave open connections in the library; forked children (a data
    loader's workers) read the same archive from S3 while the parent goes on reading, and each
    gets what the parent got: no process reads answers meant for another's requests."""
    import multiprocessing
    import uuid
    bucket = os.environ.get("ZARRWLR_S3_BUCKET")
    assert bucket and os.environ.get("AWS_ENDPOINT_URL"), "no S3 test server: run through ./scripts/test"
    archive = zarrwlr.Archive(f"s3://{bucket}/python/{uuid.uuid4().hex}", create=True)
    (id,) = archive.import_files([str(sources["flac16"])])
    frames = archive[id].total_samples
    starts = np.random.default_rng(7).integers(0, frames - 4800, 600)
    draws = [(id, int(start), int(start) + 4800) for start in starts]
    expected, _ = archive.read_batch(draws, dtype="int16", workers=16)
    context = multiprocessing.get_context("fork")

    def child(seed):
        order = np.random.default_rng(seed).permutation(len(draws))
        got, _ = archive.read_batch([draws[k] for k in order], dtype="int16", workers=8)
        os._exit(0 if np.array_equal(got, expected[order]) else 3)

    children = [context.Process(target=child, args=(seed,)) for seed in range(4)]
    for process in children:
        process.start()
    again, _ = archive.read_batch(draws, dtype="int16", workers=8)
    for process in children:
        process.join(120)
    assert np.array_equal(again, expected)
    assert [process.exitcode for process in children] == [0] * len(children)


def test_float_recordings_read_as_floats_and_integer_reads_count_what_they_clip(aimport, tmp_path):
    frames = 6000
    ramp = np.linspace(-2.0, 1.5, frames, dtype=np.float32)
    source = np.stack([ramp, ramp[::-1]], axis=1)
    wav = tmp_path / "loud.wav"
    soundfile.write(str(wav), source, 48000, subtype="FLOAT")
    store = tmp_path / "float.zarr"
    subprocess.run([aimport, "import", "--store", str(store), "--codec", "wavpack", str(wav)], check=True, capture_output=True)
    recording = zarrwlr.Archive(str(store))["0"]
    assert recording.is_float
    assert np.array_equal(recording.read(0, frames), source)
    scaled = source.astype(np.float64) * 32768
    expected_clipped = int(np.count_nonzero((np.floor(np.abs(scaled) + 0.5) * np.sign(scaled) > 32767)
                                            | (np.floor(np.abs(scaled) + 0.5) * np.sign(scaled) < -32768)))
    with pytest.warns(zarrwlr.ClippingWarning, match=f"{expected_clipped} samples lay beyond full scale"):
        quantised = recording.read(0, frames, dtype="int16")
    assert quantised.dtype == np.int16 and quantised.min() == -32768 and quantised.max() == 32767


def test_closing_while_other_threads_read_never_crashes(archive_path, sources):
    """Rounds of four threads reading one recording while the main thread closes the archive
    (and closes it again): every read returns the right samples or raises InvalidArgument
    naming the closed handle; the process never crashes (the library's handles are table
    numbers, so a freed handle is never dereferenced)."""
    id = archive_path["ids"]["flac16"]
    expected = source_samples(sources["flac16"], 0, 4800, "int16")
    outcomes = {"read": 0, "refused": 0}
    wrong = []
    lock = threading.Lock()

    def reader(recording, started):
        started.set()
        for _ in range(200):
            try:
                samples = recording.read(0, 4800, dtype="int16")
            except zarrwlr.InvalidArgument as error:
                assert "no open" in error.message, error.message
                with lock:
                    outcomes["refused"] += 1
                return
            with lock:
                outcomes["read"] += 1
            if not np.array_equal(samples, expected):
                wrong.append(samples.shape)

    for _ in range(1000):
        archive = zarrwlr.Archive(archive_path["store"])
        recording = archive[id]
        events = [threading.Event() for _ in range(4)]
        threads = [threading.Thread(target=reader, args=(recording, event)) for event in events]
        for thread in threads:
            thread.start()
        for event in events:
            event.wait()
        archive.close()
        archive.close()
        for thread in threads:
            thread.join()
        # Closed is closed: no thread's reader opened meanwhile outlives the close.
        with pytest.raises(zarrwlr.InvalidArgument, match="no open"):
            recording.read(0, 10)
    assert wrong == []
    assert outcomes["refused"] > 0 and outcomes["read"] > 0, outcomes
    with pytest.raises(zarrwlr.InvalidArgument) as closed:
        recording.read(0, 10)
    assert "no open archive" in closed.value.message


def test_the_table_gives_every_recording_in_one_call(archive_path):
    archive = zarrwlr.Archive(archive_path["store"])
    table = archive.table()
    assert sorted(row["id"] for row in table) == sorted(archive_path["ids"].values())
    assert all(row["sample_rate"] == archive[row["id"]].sample_rate for row in table)


def test_opening_one_recording_never_lists_the_archive(archive_path):
    """`Archive[id]` reads the one recording's metadata (O(1) requests on S3, where a listing
    costs one GET per recording): with listing made to fail, recordings still open and read,
    and a missing or non-numeric id still raises InvalidArgument."""
    archive = zarrwlr.Archive(archive_path["store"])

    def no_listing():
        raise AssertionError("Archive[id] listed the archive")

    archive._list = no_listing
    recording = archive[archive_path["ids"]["flac16"]]
    assert recording.read(0, 10).shape == (10, 2) and recording.total_samples == 288000
    for bad in ["999", "abc"]:
        with pytest.raises(zarrwlr.InvalidArgument) as missing:
            archive[bad]
        assert missing.value.recording == bad or bad in missing.value.message


def test_a_batch_read_equals_each_draw_read_alone(archive_path):
    """Draws from two recordings of one rate and channel count, in one call: each slot is
    bit-exactly what `read` gives for that draw; padding fills with zeros; `out` is filled in place."""
    archive = zarrwlr.Archive(archive_path["store"])
    a, b = archive_path["ids"]["flac16"], archive_path["ids"]["flaccopy"]
    rng = np.random.default_rng(7)
    draws = [(id, int(s), int(s) + 4800) for id, s in zip([a, b] * 16, rng.integers(0, 6 * 48000 - 4800, 32))]
    for dtype in ("int16", "int32", "float32"):
        batch, rate = archive.read_batch(draws, dtype=dtype, workers=3)
        assert rate == 48000 and batch.shape == (32, 4800, 2) and batch.dtype == np.dtype(dtype)
        for k, (id, start, stop) in enumerate(draws):
            assert np.array_equal(batch[k], archive[id].read(start, stop, dtype=dtype)), (dtype, k)
    short = draws[:3] + [(a, 100, 1100)]
    with pytest.raises(zarrwlr.InvalidArgument, match="pad"):
        archive.read_batch(short)
    padded, _ = archive.read_batch(short, pad=True, dtype="int16")
    assert np.array_equal(padded[3, :1000], archive[a].read(100, 1100, dtype="int16")) and not padded[3, 1000:].any()
    out = np.full((4, 4800, 2), 7, dtype=np.int16)
    same, _ = archive.read_batch(short, pad=True, dtype="int16", out=out)
    assert same is out and np.array_equal(out, padded)


def test_a_bad_batch_is_a_typed_error_before_anything_is_read(archive_path):
    archive = zarrwlr.Archive(archive_path["store"])
    ids = archive_path["ids"]
    total = archive[ids["flac16"]].total_samples
    for draws, pattern in [
        ([(ids["flac16"], total - 10, total + 10)], "holds 0..<"),
        ([(ids["flac16"], 0, 10), ("999", 0, 10)], "999"),
        ([(ids["flac16"], 0, 10), (ids["float"], 0, 10)], "channels"),
        ([(ids["float"], 0, 10), (ids["wavpack24"], 0, 10)], "channels|Hz"),
        ([(ids["flac16"], 10, 5)], "ends before"),
    ]:
        with pytest.raises(zarrwlr.InvalidArgument, match=pattern):
            archive.read_batch(draws)
    with pytest.raises(zarrwlr.InvalidArgument, match="out must be"):
        archive.read_batch([(ids["flac16"], 0, 10)], out=np.zeros((1, 10, 2), dtype=np.float64))
    with pytest.raises(zarrwlr.InvalidArgument, match="float32"):
        archive.read_batch([(ids["float"], 0, 10)], dtype="int16")
    for rate in [0, -8000, 2**31, 22050.5]:
        with pytest.raises(zarrwlr.InvalidArgument, match="whole number of Hz"):
            archive.read_batch([(ids["flac16"], 0, 480)], rate=rate)
    with pytest.raises(zarrwlr.InvalidArgument, match="at least one channel"):
        archive.read_batch([(ids["flac16"], 0, 480)], channels=[])
    # A sample index, frame count or channel that is not a whole number is refused, never cut
    # (read(1.5, 100) gave the 99 frames from 1, channels=[0.7] channel 0).
    recording = archive[ids["flac16"]]
    for call in [lambda: recording.read(1.5, 100), lambda: recording.read(0, float("nan")), lambda: recording.read_many([(0, 10.25)]),
                 lambda: archive.read_batch([(ids["flac16"], 0.5, 480)]), lambda: archive.read_batch([(ids["flac16"], 0, 480)], frames=479.9),
                 lambda: archive.read_batch([(ids["flac16"], 0, 480)], channels=[0.7]), lambda: recording.read("0", 10)]:
        with pytest.raises(zarrwlr.InvalidArgument, match="whole number"):
            call()
    assert np.array_equal(recording.read(np.int64(10), 100.0, dtype="int16"), recording.read(10, 100, dtype="int16"))
    # Beyond what the library takes (ctypes wraps without a word): a draw at 2**64 + 1000 was read
    # at 1000, channel 2**32 was channel 0.
    for call in [lambda: archive.read_batch([(ids["flac16"], 2**64 + 1000, 2**64 + 1100)]),
                 lambda: archive.read_batch([(ids["flac16"], 0, 480)], channels=[2**32]),
                 lambda: archive.read_batch([(ids["flac16"], 0, 480)], workers=2**32 + 1),
                 lambda: recording.read_many([(0, 10)], workers=0)]:
        with pytest.raises(zarrwlr.InvalidArgument, match="workers|whole number from"):
            call()
    # dtype as numpy names it; another byte order is refused.
    for dtype in [np.int16, np.dtype("int16"), "<i2", "i2"]:
        assert np.array_equal(recording.read(0, 100, dtype=dtype), recording.read(0, 100, dtype="int16"))
    assert archive.read_batch([(ids["flac16"], 0, 480)], dtype=np.float32)[0].dtype == np.float32
    for dtype in [">i2", np.float64, None, "int8"]:
        with pytest.raises(zarrwlr.InvalidArgument, match="dtype must be"):
            recording.read(0, 100, dtype=dtype)


def _read_in_worker(recording_and_range):
    recording, start, stop = recording_and_range
    return recording.read(start, stop, dtype="int16")


def test_archives_and_recordings_pickle_as_what_reopens_them(archive_path):
    """Spawned workers get archives and recordings by pickle (path and id) and read the same
    samples; deepcopy gives an independent archive that outlives the original's close."""
    import copy
    import multiprocessing
    import pickle
    archive = zarrwlr.Archive(archive_path["store"])
    recording = archive[archive_path["ids"]["flac16"]]
    expected = recording.read(1000, 5000, dtype="int16")
    again = pickle.loads(pickle.dumps(recording))
    assert again.id == recording.id and np.array_equal(again.read(1000, 5000, dtype="int16"), expected)
    twin = copy.deepcopy(archive)
    archive.close()
    assert np.array_equal(twin[recording.id].read(1000, 5000, dtype="int16"), expected)
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        results = pool.map(_read_in_worker, [(twin[recording.id], 1000, 5000)] * 4, chunksize=1)
    assert all(np.array_equal(result, expected) for result in results)


def test_forked_children_read_after_the_parent_read_in_parallel(archive_path):
    """The parent reads with the library's worker threads; forked children (as DataLoader's
    default start method makes) then read the inherited archive and recording in parallel too,
    each in rounds of many short ranges on 8 threads (the children's locks change hands often),
    and get the same samples, within a deadline (no hang, no child stopped by a signal)."""
    import multiprocessing
    archive = zarrwlr.Archive(archive_path["store"])
    recording = archive[archive_path["ids"]["flac16"]]
    ranges = [(k * 480, k * 480 + 480) for k in range(200)]
    expected = recording.read_many(ranges, dtype="int16", workers=4)
    batch, _ = archive.read_batch([(recording.id, a, b) for a, b in ranges], dtype="int16", workers=4)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()

    def child():
        same = True
        for _ in range(5):
            many = recording.read_many(ranges, dtype="int16", workers=8)
            again, _ = archive.read_batch([(recording.id, a, b) for a, b in ranges], dtype="int16", workers=8)
            same = same and all(np.array_equal(x, y) for x, y in zip(many, expected)) and np.array_equal(again, batch)
        queue.put(same)

    for _ in range(4):
        process = context.Process(target=child)
        process.start()
        process.join(120)
        assert not process.is_alive(), "the forked child hung"
        assert process.exitcode == 0 and queue.get(timeout=5)


def test_an_import_in_a_forked_child_is_refused_not_hung(archive_path, sources, tmp_path):
    """After the parent imported (the library's task threads started), a forked child's import
    raises Unsupported at once instead of waiting forever; reading still works there."""
    import multiprocessing
    import shutil
    store = tmp_path / "fork.zarr"
    archive = zarrwlr.Archive(str(store), create=True)
    (id,) = archive.import_files([str(sources["opus"])])
    copy = tmp_path / "other.wav"
    shutil.copy(sources["flac16"], copy)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()

    def child():
        try:
            archive.import_files([str(copy)])
            queue.put("imported")
        except zarrwlr.Unsupported as error:
            queue.put("refused" if "forked" in error.message else error.message)
        queue.put(archive[id].read(0, 100).shape)

    process = context.Process(target=child)
    process.start()
    process.join(60)
    assert not process.is_alive(), "the forked child hung"
    assert queue.get(timeout=5) == "refused"
    assert queue.get(timeout=5) == (100, 1)


@pytest.fixture(scope="module")
def two_lengths(tmp_path_factory, aimport):
    """An archive of two mono 16 kHz recordings, 1 s and 4 s, and one at another rate."""
    folder = tmp_path_factory.mktemp("lengths")
    store = folder / "a.zarr"
    ids = {}
    for name, seconds, rate in [("short", 1, 16000), ("long", 4, 16000), ("other", 2, 8000)]:
        path = folder / f"{name}.wav"
        subprocess.run(["sox", "-R", "-n", "-r", str(rate), "-b", "16", "-c", "1", str(path), "synth", str(seconds), "pinknoise",
                        "vol", "0.3"], check=True)
        out = subprocess.run([aimport, "import", "--store", str(store), "--json", str(path)], check=True, capture_output=True, text=True).stdout
        ids[name] = json.loads(out)[0]["id"]
    return {"store": str(store), "ids": ids}


def test_sampler_draws_are_reproducible_fresh_per_epoch_and_sharded_without_overlap(two_lengths):
    archive = zarrwlr.Archive(two_lengths["store"])
    ids = two_lengths["ids"]
    def sampler(**more):
        return zarrwlr.SnippetSampler(archive, seconds=0.5, per_epoch=3000, seed=11, where=lambda r: r.sample_rate == 16000, **more)
    whole = sampler().draws(epoch=3)
    assert whole == sampler().draws(epoch=3) and whole != sampler().draws(epoch=4)
    assert len(whole) == 3000 and all(b - a == 8000 and 0 <= a and b <= archive[i].total_samples for i, a, b in whole)
    # 2 ranks x 3 loader workers: disjoint shards that together are the epoch's draws.
    shards = [sampler(rank=rank, world_size=2).draws(epoch=3, worker=w, workers=3) for rank in range(2) for w in range(3)]
    assert sum(len(s) for s in shards) == 3000 and sorted(d for s in shards for d in s) == sorted(whole)
    # Weighted by the seconds a snippet can start in: 3.5 s of the long one, 0.5 s of the short one.
    share = sum(1 for i, _, _ in whole if i == ids["long"]) / len(whole)
    assert 0.83 < share < 0.92, share
    with pytest.raises(zarrwlr.InvalidArgument, match="differ in rate"):
        zarrwlr.SnippetSampler(archive, seconds=0.5)
    with pytest.raises(zarrwlr.InvalidArgument, match="rank"):
        sampler(rank=2, world_size=2)
    # Arguments that were cut or overflowed (nan and inf seconds: ValueError, OverflowError;
    # per_epoch=-1: numpy's "negative dimensions"; rank=0.5: rank 0; count=-5: no snippets).
    for bad, pattern in [({"seconds": math.nan}, "seconds"), ({"seconds": math.inf}, "seconds"), ({"per_epoch": -1}, "per_epoch"),
                         ({"per_epoch": 2.5}, "whole number"), ({"rank": 0.5, "world_size": 2}, "whole number"),
                         ({"min_seconds": 0.2, "max_seconds": math.inf}, "max_seconds"), ({"seconds": 1e-9}, "at least one sample")]:
        with pytest.raises(zarrwlr.InvalidArgument, match=pattern):
            zarrwlr.SnippetSampler(archive, **{"seconds": 0.5, "per_epoch": 10, "where": lambda r: r.sample_rate == 16000, **bad})
    for bad in [{"seconds": math.nan}, {"count": -5}, {"count": 2.7}]:
        with pytest.raises(zarrwlr.InvalidArgument):
            zarrwlr.RandomSnippets(archive, **bad)


def test_sampler_batches_hold_exactly_their_draws_with_variable_lengths(two_lengths):
    archive = zarrwlr.Archive(two_lengths["store"])
    sampler = zarrwlr.SnippetSampler(archive, per_epoch=50, seed=2, where=lambda r: r.sample_rate == 16000, min_seconds=0.25,
                                     max_seconds=0.75)
    seen = 0
    for samples, draws in sampler.batches(16, epoch=1, dtype="int16"):
        assert samples.shape == (len(draws), 12000, 1)
        for slot, (id, start, stop) in zip(samples, draws):
            assert np.array_equal(slot[:stop - start], archive[id].read(start, stop, dtype="int16")) and not slot[stop - start:].any()
        seen += len(draws)
    assert seen == 50 and len({b - a for _, a, b in sampler.draws(1)}) > 10
    for bad in [0, -4, 2.5]:  # were batches of 1 (or 2)
        with pytest.raises(zarrwlr.InvalidArgument, match="batch_size"):
            next(sampler.batches(bad))


def test_the_torch_module_imports_without_torch():
    import importlib.util
    import zarrwlr.torch as zt
    if importlib.util.find_spec("torch") is None:
        with pytest.raises(ImportError, match="needs PyTorch"):
            zt.SnippetBatches("nowhere.zarr")


def test_resampled_and_mixed_down_batches_equal_libsoxr_on_each_draw(archive_path):
    """`rate=` resamples each draw with libsoxr as its one-shot call does; the reference is
    python-soxr (its own libsoxr build) on the draw read as float32; `mono=` is the channel mean.
    Recordings of different rates go into one batch only with a target rate."""
    import soxr
    archive = zarrwlr.Archive(archive_path["store"])
    ids = archive_path["ids"]
    four = archive[ids["wavpack24"]]  # 96 kHz, 4 channels
    two = archive[ids["flac16"]]      # 48 kHz, 2 channels
    draws = [(four.id, 1000, 1000 + 9600), (four.id, 50000, 59600)]
    batch, rate = archive.read_batch(draws, rate=16000, quality="VHQ", workers=2)
    assert rate == 16000 and batch.shape == (2, 1600, 4)
    for slot, (id, start, stop) in zip(batch, draws):
        reference = soxr.resample(archive[id].read(start, stop), 96000, 16000, quality="VHQ")
        assert reference.shape == slot.shape
        assert np.max(np.abs(slot - reference)) < 1e-4
    mono, _ = archive.read_batch(draws, mono=True)
    for slot, (id, start, stop) in zip(mono, draws):
        assert np.allclose(slot[:, 0], archive[id].read(start, stop).mean(axis=1), atol=1e-6)
    mixed = [(four.id, 0, 9600), (two.id, 0, 4800)]
    with pytest.raises(zarrwlr.InvalidArgument, match="Hz"):
        archive.read_batch(mixed, mono=True)
    both, rate = archive.read_batch(mixed, rate=48000, mono=True)
    assert rate == 48000 and both.shape == (2, 4800, 1)
    assert np.allclose(both[1, :, 0], two.read(0, 4800).mean(axis=1), atol=1e-6)
    with pytest.raises(zarrwlr.InvalidArgument, match="float32"):
        archive.read_batch(draws, rate=16000, dtype="int16")
    picked, _ = archive.read_batch(draws, channels=[3, 0], dtype="int16")
    for slot, (id, start, stop) in zip(picked, draws):
        assert np.array_equal(slot, archive[id].read(start, stop, dtype="int16")[:, [3, 0]])
    with pytest.raises(zarrwlr.InvalidArgument, match="no channel 4"):
        archive.read_batch(draws, channels=[4])
    left, _ = archive.read_batch(mixed, channels=[0], rate=48000)
    assert np.allclose(left[1, :, 0], two.read(0, 4800)[:, 0], atol=1e-6)


def test_import_files_names_what_went_in_and_what_did_not(tmp_path, sources):
    archive = zarrwlr.Archive(str(tmp_path / "i.zarr"), create=True)
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF0000WAVEjunk")
    ids, errors = archive.import_files([str(sources["opus"]), str(bad), str(tmp_path / "missing.wav")], raise_errors=False)
    assert len(ids) == 1 and archive[ids[0]].total_samples > 0
    assert set(errors) == {str(bad), str(tmp_path / "missing.wav")}
    assert all(isinstance(error, zarrwlr.Error) and error.file for error in errors.values())
    with pytest.raises(zarrwlr.Error):
        archive.import_files([str(bad)])


def test_the_wheel_is_tagged_for_its_platform(tmp_path):
    """The wheel carries the libraries of this machine, so it must not say py3-none-any."""
    import sysconfig
    environment = dict(os.environ, ZARRWLR_SWIFT_CONFIGURATION="debug")  # the test command's build, already compiled
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", str(ROOT / "python"),
                    "-w", str(tmp_path)], check=True, env=environment)
    (wheel,) = [p.name for p in tmp_path.glob("*.whl")]
    platform = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    assert wheel.endswith(f"-py3-none-{platform}.whl"), wheel


def test_read_at_says_when_an_integer_span_clips_and_gives_int32_at_full_scale(tmp_path, aimport, sources):
    store = str(tmp_path / "t.zarr")
    for name, start, codec in [("float", "2025-04-16T04:00:00Z", "wavpack"), ("flac16", "2025-04-16T05:00:00Z", "flac")]:
        subprocess.run([aimport, "import", "--store", store, "--codec", codec, "--start-time", start, str(sources[name])], check=True,
                       capture_output=True)
    archive = zarrwlr.Archive(store)
    with pytest.warns(zarrwlr.ClippingWarning, match="clipped"):
        archive.read_at("2025-04-16T04:00:00Z", duration=1.0, dtype="int16")
    assert np.array_equal(archive.read_at("2025-04-16T04:00:00Z", duration=1.0), source_samples(sources["float"], 0, 48000, "float32"))
    ours = archive.read_at("2025-04-16T05:00:01Z", duration=0.5, dtype="int32")
    assert np.array_equal(ours, source_samples(sources["flac16"], 48000, 72000, "int32"))


def test_a_dask_array_of_a_recording_equals_read(archive_path):
    pytest.importorskip("dask.array")
    import zarrwlr.dask
    recording = zarrwlr.Archive(archive_path["store"])[archive_path["ids"]["wavpack24"]]
    x = zarrwlr.dask.recording_array(archive_path["store"], recording.id, chunk_seconds=0.7, dtype="int32")
    assert x.shape == (recording.total_samples, recording.channels) and x.numblocks[0] > 3
    assert np.array_equal(x.compute(scheduler="threads"), recording.read(0, recording.total_samples, dtype="int32"))
    assert np.array_equal(x[50_000:150_000, 1:3].compute(), recording.read(50_000, 150_000, dtype="int32")[:, 1:3])


def _at_16_khz(recording):
    return recording.sample_rate == 16000


def test_the_torch_datasets_shard_by_loader_worker_with_a_stand_in_torch(two_lengths, monkeypatch):
    """torch itself is not installed here: a stand-in module gives the few names zarrwlr.torch
    uses (the Dataset bases, get_worker_info, from_numpy, distributed), so the datasets' own logic
    is checked: loader workers get disjoint batches that together are the epoch's draws, each
    equal to its draws read alone; set_epoch gives fresh draws; a pickled dataset reopens."""
    import importlib
    import types
    fake = types.ModuleType("torch")
    worker = {"info": None}
    fake.utils = types.SimpleNamespace(data=types.SimpleNamespace(
        IterableDataset=type("IterableDataset", (), {}), Dataset=type("Dataset", (), {}), get_worker_info=lambda: worker["info"]))
    fake.from_numpy = lambda array: array
    fake.distributed = types.SimpleNamespace(is_available=lambda: False, is_initialized=lambda: False)
    monkeypatch.setitem(sys.modules, "torch", fake)
    import zarrwlr.torch as zt
    zt = importlib.reload(zt)
    try:
        _check_torch_datasets(zt, two_lengths, worker)
    finally:
        monkeypatch.undo()
        importlib.reload(zt)


def _check_torch_datasets(zt, two_lengths, worker):
    import pickle
    import types
    archive = zarrwlr.Archive(two_lengths["store"])
    where = _at_16_khz  # a function, not a lambda: spawned workers unpickle it
    data = zt.SnippetBatches(two_lengths["store"], seconds=0.25, per_epoch=40, batch_size=8, seed=5, where=where)
    data = pickle.loads(pickle.dumps(data))  # as a spawned worker gets it
    seen = []
    for w in range(2):
        worker["info"] = types.SimpleNamespace(id=w, num_workers=2)
        for samples, draws in data:
            for slot, (id, start, stop) in zip(samples, draws):
                assert np.array_equal(slot, archive[id].read(start, stop))
            seen += draws
    worker["info"] = None
    expected = zarrwlr.SnippetSampler(archive, seconds=0.25, per_epoch=40, seed=5, where=where).draws(0)
    assert sorted(seen) == sorted(expected) and len(set(seen)) == len(seen)
    data.set_epoch(1)
    assert sorted(d for _, draws in data for d in draws) != sorted(expected)
    items = zt.SnippetDataset(two_lengths["store"], seconds=0.25, per_epoch=10, seed=5, where=where)
    sample, (id, start, stop) = items[3]
    assert len(items) == 10 and np.array_equal(sample, archive[id].read(start, stop))


def test_an_xarray_view_has_lazy_seconds_and_wall_clock_time(archive_path):
    pytest.importorskip("xarray")
    import zarrwlr.dask
    recording = zarrwlr.Archive(archive_path["store"])[archive_path["ids"]["flac16"]]  # starts 2025-04-16T04:30:00Z
    view = zarrwlr.dask.recording_dataarray(archive_path["store"], recording.id, chunk_seconds=1.0, dtype="int16")
    assert view.dims == ("seconds", "channel") and view.shape == (recording.total_samples, 2)
    piece = view.isel(seconds=slice(96000, 120000))
    assert np.array_equal(piece.values, recording.read(96000, 120000, dtype="int16"))
    assert piece["seconds"].values[0] == 2.0
    assert np.array_equal(view.sel(seconds=2.0, method="nearest").values, recording.read(96000, 96001, dtype="int16")[0])
    assert piece["time"].values[0] == np.datetime64("2025-04-16T04:30:02", "ns")
    assert piece["time"].values[-1] == np.datetime64("2025-04-16T04:30:02.5", "ns") - np.timedelta64(20833, "ns")


def test_an_annotation_layer_reads_as_rows_equal_to_what_zarr_python_reads(aimport, sources, tmp_path):
    """A Raven table imported with `aimport annotate import`: `Archive.layer` gives its rows, and
    zarr-python reads the same samples and labels from the layer's group."""
    import zarr
    store = str(tmp_path / "a.zarr")
    subprocess.run([aimport, "import", "--store", store, str(sources["flac16"])], check=True, capture_output=True)
    table = tmp_path / "t.txt"
    table.write_text("Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\tSpecies\tNotes\n"
                     "1\tSpectrogram 1\t2\t0.5\t1.25\t1000\t8000\tTurdus merula\tloud\n"
                     "2\tSpectrogram 1\t1\t3.00001\t4\t200\t900\tParus major\t\n")
    subprocess.run([aimport, "annotate", "import", "--store", store, "--layer", "manual", "--recording", "0", str(table)], check=True,
                   capture_output=True)
    archive = zarrwlr.Archive(store)
    assert archive.layers() == ["manual"]
    rows = archive.layer("manual")
    assert [(r["recording"], r["start"], r["stop"], r["label"], r["channel"], r["Notes"]) for r in rows] == [
        ("0", 24000, 60000, "Turdus merula", 2, "loud"), ("0", 144000, 192000, "Parus major", 1, "")]
    assert rows[0]["low_hz"] == 1000 and rows[1]["high_hz"] == 900 and rows[0]["confidence"] is None
    group = zarr.open_group(store + "/.zarrwlr/annotations/manual", mode="r")
    facts = group.attrs["zarrwlr_layer"]
    spans = group[facts["tables"]["spans"]][:]
    assert [(facts["recordings"][s[2]], int(s[0]), int(s[1]), facts["labels"][s[3]]) for s in spans] == [
        (r["recording"], r["start"], r["stop"], r["label"]) for r in rows]
    assert sorted(zarr.open_group(store, mode="r").group_keys()) == ["0"]
    with pytest.raises(zarrwlr.NotFound):
        archive.layer("nope")


def test_labelled_draws_cover_their_rows_and_negatives_avoid_them(aimport, tmp_path):
    """Positives overlap a row of their label; negatives overlap no row of the positive labels
    (rows of other labels may be there); draws are reproducible per (seed, epoch) and shards
    are disjoint; batches hold what read gives."""
    store = str(tmp_path / "a.zarr")
    wav = tmp_path / "20250416_043000.wav"
    subprocess.run(["sox", "-R", "-n", "-r", "16000", "-b", "16", "-c", "1", str(wav), "synth", "30", "pinknoise"], check=True)
    subprocess.run([aimport, "import", "--store", store, str(wav)], check=True, capture_output=True)
    rows = "".join(f"{b}\t{b + d}\t{label}\n" for b, d, label in
                   [(1, 0.3, "A"), (5, 2.5, "A"), (12, 0.5, "B"), (20, 1, "A"), (27, 0.2, "B")])
    (tmp_path / "t.txt").write_text("Begin Time (s)\tEnd Time (s)\tAnnotation\n" + rows)
    subprocess.run([aimport, "annotate", "import", "--store", store, "--layer", "calls", "--recording", "0", str(tmp_path / "t.txt")],
                   check=True, capture_output=True)
    archive = zarrwlr.Archive(store)
    sampler = zarrwlr.LabelledSampler(archive, "calls", seconds=1.0, positives=["A"], negatives=2.0, seed=3)
    draws = sampler.draws(epoch=1)
    a_rows = [(r["start"], r["stop"]) for r in archive.layer("calls") if r["label"] == "A"]
    positives = [d for d in draws if d[3] == "A"]
    negatives = [d for d in draws if d[3] is None]
    assert len(positives) == 3 and len(negatives) == 6 and len(sampler) == 9
    assert all(d[2] - d[1] == 16000 for d in draws)
    assert all(any(d[1] < b and a < d[2] for a, b in a_rows) for d in positives)
    assert all(all(d[2] <= a or b <= d[1] for a, b in a_rows) for d in negatives)
    assert draws == sampler.draws(epoch=1) and draws != sampler.draws(epoch=2)
    shards = [sampler.draws(epoch=1, worker=w, workers=2) for w in range(2)]
    assert sorted(shards[0] + shards[1], key=repr) == sorted(draws, key=repr) and not set(shards[0]) & set(shards[1])
    samples, labels, chunk = next(sampler.batches(4, epoch=1, dtype="int16"))
    assert labels == [d[3] for d in chunk] and samples.shape == (4, 16000, 1)
    assert np.array_equal(samples[2], archive["0"].read(chunk[2][1], chunk[2][2], dtype="int16"))
    with pytest.raises(zarrwlr.InvalidArgument):
        zarrwlr.LabelledSampler(archive, "calls", positives=["C"])
    for bad in [{"seconds": math.nan}, {"seconds": 1e-9}, {"negatives": math.inf}, {"rank": 0.5, "world_size": 2}]:
        with pytest.raises(zarrwlr.InvalidArgument):
            zarrwlr.LabelledSampler(archive, "calls", **bad)
