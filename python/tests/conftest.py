"""Fixtures: an archive made by the `aimport` CLI from sox-made sources (so the references are
the sources as soundfile decodes them, and `aimport extract`)."""
import contextlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def aimport_binary() -> str:
    for candidate in (ROOT / ".build" / "debug" / "aimport", ROOT / ".build" / "release" / "aimport"):
        if candidate.exists():
            return str(candidate)
    subprocess.run(["swift", "build", "--product", "aimport", "--package-path", str(ROOT)], check=True)
    return str(ROOT / ".build" / "debug" / "aimport")


@contextlib.contextmanager
def serving(aimport: str, store: str):
    """`aimport serve --port 0` on `store` while the block runs; gives the address it prints."""
    server = subprocess.Popen([aimport, "serve", "--store", store, "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        assert line.startswith("aimport serve: http://127.0.0.1:"), line
        yield line.split(": ", 1)[1].strip()
    finally:
        server.terminate()
        server.wait(timeout=30)


def sox(*arguments: str) -> None:
    subprocess.run(["sox", "-R", "-n", *arguments], check=True, capture_output=True)


@pytest.fixture(scope="session")
def aimport() -> str:
    return aimport_binary()


@pytest.fixture(scope="session")
def sources(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("sources")
    files = {
        "flac16": folder / "20250416_043000.wav",
        "wavpack24": folder / "array.wav",
        "float": folder / "float.wav",
        "opus": folder / "speech.wav",
    }
    sox("-r", "48000", "-b", "16", "-c", "2", str(files["flac16"]), "synth", "6", "pinknoise", "vol", "0.5")
    sox("-r", "96000", "-b", "24", "-c", "4", str(files["wavpack24"]), "synth", "3", "whitenoise", "vol", "0.4")
    # Floats beyond full scale (sox would clip them): a 440 Hz tone at peak 1.6.
    import numpy, soundfile
    tone = 1.6 * numpy.sin(2 * numpy.pi * 440 * numpy.arange(96000) / 48000).astype("float32")
    soundfile.write(str(files["float"]), tone, 48000, subtype="FLOAT")
    sox("-r", "48000", "-b", "16", "-c", "1", str(files["opus"]), "synth", "3", "sine", "300-3000")
    flac = folder / "copy.flac"
    subprocess.run(["flac", "-s", "-f", str(files["flac16"]), "-o", str(flac)], check=True)
    files["flaccopy"] = flac
    return files


@pytest.fixture(scope="session")
def archive_path(tmp_path_factory, aimport, sources) -> dict:
    """An archive and the id of each source in it."""
    store = tmp_path_factory.mktemp("archive") / "season.zarr"
    ids = {}
    for name, codec, start in [("flac16", "flac", "2025-04-16T04:30:00Z"), ("wavpack24", "wavpack", None), ("float", "wavpack", None),
                               ("opus", "opus", None), ("flaccopy", None, None)]:
        arguments = [aimport, "import", "--store", str(store), "--json", "--allow-duplicate", str(sources[name])]
        if codec:
            arguments += ["--codec", codec]
        if start:
            arguments += ["--start-time", start]
        out = subprocess.run(arguments, check=True, capture_output=True, text=True).stdout
        import json
        ids[name] = json.loads(out)[0]["id"]
    return {"store": str(store), "ids": ids}
