"""The spectrum overview (`aimport overview`) as zarr-python reads it, against numpy's own
computation of what LAYOUT.md says it holds: per frame of 16,384 samples and per band, the
loudest of the Hann-windowed 256-sample FFTs (every 128 samples, channels averaged), in half dB
steps; each upper level the maximum of four rows of the one below."""
import subprocess

import numpy
import pytest


def test_overview_levels_equal_numpy_of_the_same_samples(aimport, tmp_path):
    zarr = pytest.importorskip("zarr")
    soundfile = pytest.importorskip("soundfile")
    rate, frames = 48000, 16384 * 21 + 777
    rng = numpy.random.default_rng(7)
    t = numpy.arange(frames) / rate
    left = 0.3 * numpy.sin(2 * numpy.pi * (500 + 4000 * t) * t) + 0.01 * rng.standard_normal(frames)
    right = 0.2 * numpy.sin(2 * numpy.pi * 9000 * t) * (t % 1 < 0.05)
    pcm = numpy.round(numpy.clip(numpy.stack([left, right], axis=1), -1, 1 - 2**-15) * 32767).astype("int16")
    wav = tmp_path / "pair.wav"
    soundfile.write(str(wav), pcm, rate, subtype="PCM_16")
    store = tmp_path / "s.zarr"
    subprocess.run([aimport, "import", "--store", str(store), str(wav)], check=True, capture_output=True)
    subprocess.run([aimport, "overview", "--store", str(store)], check=True, capture_output=True)

    group = zarr.open_group(str(store / ".zarrwlr" / "overviews" / "0"), mode="r")
    facts = group.attrs["zarrwlr_overview"]
    assert facts["total_samples"] == frames and facts["frame_samples"] == 16384 and facts["bands"] == 128
    levels = [group[name][:] for name in facts["levels"]]

    samples = (pcm.astype("float64") / 32768).mean(axis=1)
    rows = -(-frames // 16384)
    padded = numpy.zeros(rows * 16384 + 128)
    padded[:frames] = samples
    window = 0.5 - 0.5 * numpy.cos(2 * numpy.pi * numpy.arange(256) / 256)
    gain = 2 / window.sum()
    starts = numpy.arange(rows * 128) * 128
    power = numpy.abs(numpy.fft.rfft(padded[starts[:, None] + numpy.arange(256)] * window, axis=1)) ** 2
    loudest = power.reshape(rows, 128, 129).max(axis=1)
    bands = numpy.maximum(loudest[:, :128], loudest[:, 1:])
    db = 10 * numpy.log10(numpy.maximum(bands * gain * gain, 1e-30))
    expected = numpy.clip(numpy.round((db + 127) * 2), 0, 255).astype("uint8")

    assert levels[0].shape == (rows, 128) and levels[0].dtype == numpy.uint8
    difference = numpy.abs(levels[0].astype(int) - expected.astype(int))
    assert difference.max() <= 1, difference.max()
    assert (difference == 0).mean() > 0.99
    assert int(expected.max()) - int(expected.min()) > 60, "the signal should span more than 30 dB"
    for below, above in zip(levels, levels[1:]):
        grouped = numpy.zeros((above.shape[0] * 4, 128), dtype=numpy.uint8)
        grouped[:below.shape[0]] = below
        assert numpy.array_equal(above, grouped.reshape(-1, 4, 128).max(axis=1))
    assert levels[-1].shape == (1, 128)
