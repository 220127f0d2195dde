"""Spectrograms of `aimport serve` against numpy's own computation from the same samples: a
tile's pixels (decoded here with zlib by the PNG specification) equal the Hann-windowed FFT of
each column's samples mapped as docs/SERVE.md says; the spectrum overview (`aimport overview`)
as zarr-python reads it equals what LAYOUT.md says it holds: per frame of 16,384 samples and per
band, the loudest of the Hann-windowed 256-sample FFTs (every 128 samples, channels averaged), in
half dB steps; each upper level the maximum of four rows of the one below."""
import struct
import subprocess
import urllib.request
import zlib

import numpy
import pytest
from conftest import serving


def png_pixels(data: bytes) -> numpy.ndarray:
    """The RGB(A) pixels of an 8-bit RGB or RGBA, non-interlaced PNG (PNG specification, section 9 filters)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    at, compressed, width, height = 8, b"", 0, 0
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (2, 6) and interlace == 0
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            compressed += body
        at += 12 + length
    raw = zlib.decompress(compressed)
    stride = width * channels
    image = numpy.zeros((height, stride), dtype=numpy.int32)
    previous = numpy.zeros(stride, dtype=numpy.int32)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = numpy.frombuffer(raw, dtype=numpy.uint8, count=stride, offset=y * (stride + 1) + 1).astype(numpy.int32)
        row = numpy.zeros(stride, dtype=numpy.int32)
        for x in range(stride):
            a = row[x - channels] if x >= channels else 0
            b = previous[x]
            c = previous[x - channels] if x >= channels else 0
            if kind == 0:
                predictor = 0
            elif kind == 1:
                predictor = a
            elif kind == 2:
                predictor = b
            elif kind == 3:
                predictor = (a + b) // 2
            else:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                predictor = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            row[x] = (line[x] + predictor) & 0xFF
        image[y] = row
        previous = row
    return image.reshape(height, width, channels)


def test_tile_pixels_equal_numpy_spectrogram_of_the_same_samples(aimport, tmp_path):
    soundfile = pytest.importorskip("soundfile")
    rate, frames = 48000, 48000 * 4
    t = numpy.arange(frames) / rate
    rng = numpy.random.default_rng(3)
    signal = 0.25 * numpy.sin(2 * numpy.pi * 1500 * t) + 0.1 * numpy.sin(2 * numpy.pi * (3000 + 2000 * t) * t) + 0.001 * rng.standard_normal(frames)
    pcm = numpy.round(signal * 32767).astype("int16")
    wav = tmp_path / "tones.wav"
    soundfile.write(str(wav), pcm, rate, subtype="PCM_16")
    store = str(tmp_path / "s.zarr")
    subprocess.run([aimport, "import", "--store", store, str(wav)], check=True, capture_output=True)
    start, end, width, height, fft, low, high = 0.0, 2.5, 64, 100, 1024, 500.0, 12000.0
    with serving(aimport, store) as address:
        url = f"{address}api/tile?recording=0&start={start}&end={end}&width={width}&height={height}&fft={fft}&low={low}&high={high}&colours=grey&db_min=-100&db_max=0"
        with urllib.request.urlopen(url) as answer:
            shown = png_pixels(answer.read())[:, :, 0]

    samples = pcm.astype("float64") / 32768
    window = 0.5 - 0.5 * numpy.cos(2 * numpy.pi * numpy.arange(fft) / fft)
    gain = 2 / window.sum()
    bin_hz = rate / fft
    expected = numpy.zeros((height, width), dtype=int)
    for column in range(width):
        first = int(numpy.floor((start + (column + 0.5) * (end - start) / width) * rate + 0.5)) - fft // 2
        chunk = numpy.zeros(fft)
        lower, upper = max(0, first), min(frames, first + fft)
        chunk[lower - first:upper - first] = samples[lower:upper]
        power = numpy.abs(numpy.fft.rfft(chunk * window)) ** 2
        for row in range(height):
            top = high - row * (high - low) / height
            bottom = high - (row + 1) * (high - low) / height
            a = max(0, int(numpy.floor(bottom / bin_hz + 0.5)))
            b = min(fft // 2, max(a, int(numpy.floor(top / bin_hz + 0.5))))
            db = 10 * numpy.log10(max(power[a:b + 1].max() * gain * gain, 1e-24))
            expected[row, column] = int(numpy.floor(min(1, max(0, (db + 100) / 100)) * 255 + 0.5))
    difference = numpy.abs(shown - expected)
    assert difference.max() <= 2, difference.max()
    assert (difference == 0).mean() > 0.95
    # The 1500 Hz tone is the brightest row of every column: (12000 - 1500) / 115 = row 91.3.
    assert all(abs(int(numpy.argmax(shown[:, c])) - 91) <= 1 for c in range(width))


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
