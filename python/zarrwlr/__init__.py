"""Field recordings in an indexed Zarr v3 archive, any sample range back as numpy.

Backed by the zarrwlr Swift library (the same code as the `aimport` CLI), so every fidelity
and speed property holds here too::

    import zarrwlr
    archive = zarrwlr.Archive("season.zarr")            # a folder, or s3://bucket/prefix
    for rec in archive.recordings():
        print(rec.id, rec.sample_rate, rec.channels, rec.total_samples, rec.start_time)
    x = archive["3"].read(0, 48_000)                      # numpy float32 (frames, channels); dtype="int16"/"int32"
    xs = archive["3"].read_many([(0, 100), (500, 900)], dtype="float32", workers=4)
    y = archive.read_at("2025-04-16T04:30:00Z", duration=2.0)
    batch, rate = archive.read_batch([("3", 0, 48_000), ("5", 960, 48_960)], rate=16_000, mono=True)

For training: ``SnippetSampler`` (draws per epoch, sharded by rank and loader worker) and
``zarrwlr.torch`` (datasets; the only module that imports torch).
"""
from __future__ import annotations

import ctypes
import json
import math
import operator
import os
import random
import threading
import warnings
import weakref
from typing import Iterator, Optional, Sequence

import numpy as np

from . import _native

__all__ = ["Archive", "Recording", "RandomSnippets", "SnippetSampler", "LabelledSampler", "Error", "InvalidArgument", "CorruptData", "NotFound",
           "StorageError", "Unsupported", "PermissionDenied", "OutOfResources", "ClippingWarning", "ImportNotice"]

_DTYPES = {"int16": (0, np.int16), "int32": (1, np.int32), "float32": (2, np.float32)}


class ClippingWarning(UserWarning):
    """Samples beyond full scale were clipped when floats were read as integers (the message counts them)."""


class ImportNotice(UserWarning):
    """An import went in, with something to know before the original is deleted (a cut-off
    file, an original `export` cannot give back byte for byte, an expanded AudioMoth triggered
    recording, a time at a clock change): the message names the file, as `aimport import` says it."""


class Error(Exception):
    """An error of the archive: `code` (the library's kind), `message`, `file` and `recording`."""

    def __init__(self, code: str, message: str, file: Optional[str] = None, recording: Optional[str] = None):
        self.code, self.message, self.file, self.recording = code, message, file, recording
        where = "".join(f"{part}: " for part in (f"recording {recording}" if recording else None, file) if part)
        super().__init__(f"{where}{code}: {message}")


class InvalidArgument(Error, ValueError):
    """A bad id, range, dtype, instant or argument."""


class CorruptData(Error):
    """Damaged or missing data in the store, or a damaged input file."""


class NotFound(Error, FileNotFoundError):
    """No such file, store, archive or bucket."""


class StorageError(Error, OSError):
    """Reading or writing the store failed."""


class Unsupported(Error):
    """An input the archive cannot take."""


class PermissionDenied(Error, PermissionError):
    """The storage refused the credentials or the operation."""


class OutOfResources(Error, OSError):
    """The system made no more threads (its limit on threads or processes reached)."""


_KINDS = {
    "invalid argument": InvalidArgument, "corrupt data": CorruptData, "incomplete recording": CorruptData,
    "missing data": CorruptData, "no input": NotFound, "storage error": StorageError, "cannot create": StorageError,
    "unsupported input": Unsupported, "unrecognized input": Unsupported, "limit exceeded": Unsupported,
    "permission denied": PermissionDenied, "out of system resources": OutOfResources,
}


#: The library's messages name the CLI's flags where a user can act; here they name this
#: package's arguments instead.
_ARGUMENTS = {"--fill-gaps": "fill_gaps=True", "--device": "device=", "--start-time": "a start time (aimport set)",
              "--codec": "codec=", "--format": "dtype=", "--channels": "channel selection", "--timezone": "a time zone (aimport set)"}


def _pythonic(message: str) -> str:
    for flag, argument in _ARGUMENTS.items():
        message = message.replace(flag, argument)
    return message


def _raise(error: dict) -> None:
    kind = _KINDS.get(error.get("code", ""), Error)
    raise kind(error.get("code", "error"), _pythonic(error.get("message", "")), error.get("file"), error.get("recording"))


def _call(function, *arguments):
    """Calls a library function whose last argument is the error slot; raises on failure."""
    slot = ctypes.c_void_p()
    result = function(*arguments, ctypes.byref(slot))
    if slot.value:
        _raise(_native.take_error(slot))
    return result


def _dtype(dtype) -> tuple[str, int, type]:
    """The sample type a read gives: its name ("int16", "int32", "float32"), the library's code
    for it and numpy's type. `dtype` is that name or anything numpy takes for it in this
    machine's byte order (np.int16, np.dtype("<f4"), "i4")."""
    name = dtype if isinstance(dtype, str) and dtype in _DTYPES else None
    if name is None:
        try:
            kind = np.dtype(dtype)
            name = kind.name if kind.isnative and dtype is not None else None
        except (TypeError, ValueError):
            pass
    if name not in _DTYPES:
        raise InvalidArgument("invalid argument", f"dtype must be int16, int32 or float32 (in this machine's byte order), not {dtype!r}")
    return (name,) + _DTYPES[name]


def _seconds(value, what: str) -> float:
    """`value` as seconds: a finite number above 0 (nan, inf, 0 and negatives are refused)."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise InvalidArgument("invalid argument", f"{what} must be a number of seconds above 0, not {value!r}")
    return seconds


def _count(value, what: str, minimum: int = 0, bits: int = 64) -> int:
    """`value` as a count: a whole number, `minimum` or more (within a signed `bits`-bit integer)."""
    count = _whole(value, what, bits=bits)
    if count < minimum:
        raise InvalidArgument("invalid argument", f"{what} must be {minimum} or more, not {value!r}")
    return count


def _path_list(paths) -> list[str]:
    """The paths of a list (or any iterable) of them, each checked as ``_c_text`` checks text;
    one path alone is refused, not taken letter by letter as paths."""
    if isinstance(paths, (str, bytes, os.PathLike)):
        raise InvalidArgument("invalid argument", f"give a list of paths, not one path ({os.fsdecode(paths)!r})")
    listed = [os.fsdecode(p) if isinstance(p, (bytes, os.PathLike)) else str(p) for p in paths]
    for path in listed:
        _c_text(path, "a path")
    return listed


def _c_text(value: str, what: str) -> bytes:
    """`value` as the library takes text: UTF-8 without NUL characters (a C string ends at the
    first NUL, so "a.zarr\\0x" would name a.zarr)."""
    if "\x00" in value:
        raise InvalidArgument("invalid argument", f"{what} holds a NUL character: {value!r}")
    try:
        return value.encode()
    except UnicodeEncodeError:
        raise InvalidArgument("invalid argument", f"{what} is not UTF-8 (a file name in another encoding?): {value!r}") from None


def _whole(value, what: str, recording: Optional[str] = None, bits: int = 64) -> int:
    """`value` as an int: an integer (Python's or numpy's) or a float holding a whole number,
    within a signed `bits`-bit integer (what the library takes it as); anything else (1.5, nan,
    "10", 2**64) is refused, never cut to the integer below it nor wrapped (ctypes would wrap)."""
    number = None
    try:
        number = operator.index(value)
    except TypeError:
        if isinstance(value, (float, np.floating)) and math.isfinite(value) and float(value).is_integer():
            number = int(value)
    if number is None:
        raise InvalidArgument("invalid argument", f"{what} must be a whole number, not {value!r}", recording=recording)
    low, high = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    if not low <= number <= high:
        raise InvalidArgument("invalid argument", f"{what} must be a whole number from {low} to {high}, not {value!r}", recording=recording)
    return number


class Recording:
    """One recording of an archive. `read` and `read_many` may be called from several threads."""

    def __init__(self, archive: "Archive", facts: dict):
        self._archive = archive
        self._facts = facts
        self.id: str = facts["id"]
        self._handle: Optional[int] = None
        self._closed = False
        self._lock = threading.Lock()  # guards _handle and _closed, never held during a read

    # Facts from the recording's attributes (docs/LAYOUT.md).
    @property
    def sample_rate(self) -> int:
        return int(self._facts.get("sample_rate", 0))

    @property
    def channels(self) -> int:
        return int(self._facts.get("channels", 0))

    @property
    def total_samples(self) -> int:
        return int(self._facts.get("total_samples", 0))

    @property
    def bits_per_sample(self) -> int:
        return int(self._facts.get("bits_per_sample", 16))

    @property
    def codec(self) -> str:
        return self._facts.get("codec", "")

    @property
    def is_float(self) -> bool:
        """Whether the samples are floats that may lie beyond full scale: a 32-bit float
        recording, or the decode of a lossy (Opus) one. Integer reads of these clip, and say so."""
        return self._facts.get("sample_format") == "float" or self.codec == "opus"

    @property
    def start_time(self) -> Optional[str]:
        """ISO 8601 start (without an offset when only a naive local time is known)."""
        return (self._facts.get("start_time") or {}).get("iso8601")

    @property
    def metadata(self) -> dict:
        """All of the recording's attributes (source, metadata, encoding, ...)."""
        return dict(self._facts)

    @property
    def duration(self) -> float:
        return self.total_samples / self.sample_rate if self.sample_rate else 0.0

    def __repr__(self) -> str:
        return f"<zarrwlr.Recording {self.id}: {self.codec}, {self.sample_rate} Hz, {self.channels} ch, {self.duration:.3f} s>"

    def _reader(self) -> int:
        """The library's reader of this recording, opened on first use; raises InvalidArgument
        once the recording (its archive) is closed. Handles are table numbers checked by the
        library, so one that another thread closes during a read makes that read raise, never
        crash."""
        with self._lock:
            if self._closed:
                raise InvalidArgument("invalid argument", f"no open archive: recording {self.id} was closed with its archive",
                                      recording=self.id)
            if self._handle is None:
                self._handle = _call(_native.lib.zw_reader_open, self._archive._handle, _c_text(self.id, "an id"))
            return self._handle

    def _checked_range(self, start, stop) -> tuple[int, int]:
        """`(start, stop)` as ints, checked against the recording before anything is allocated."""
        start, stop = _whole(start, "start", self.id), _whole(stop, "stop", self.id)
        if start < 0 or stop < start or stop > self.total_samples:
            raise InvalidArgument(
                "invalid argument",
                f"samples {start}..{stop} (start, stop) are outside recording {self.id}, which holds 0..{self.total_samples}"
                + (" (stop is before start)" if stop < start else ""),
                recording=self.id)
        return start, stop

    def _quantised(self, floats: np.ndarray, dtype: str) -> np.ndarray:
        """Float samples as `dtype` at full scale (int16: x 2^15; int32: x 2^31), rounded and
        clipped, with a ClippingWarning counting the clipped samples."""
        bits = 32 if dtype == "int32" else 16
        product = floats.astype(np.float64) * float(1 << (bits - 1))
        scaled = np.sign(product) * np.floor(np.abs(product) + 0.5)  # halves away from zero, as Swift's rounded()
        low, high = -float(1 << (bits - 1)), float((1 << (bits - 1)) - 1)
        clipped = int(np.count_nonzero((scaled < low) | (scaled > high) | np.isnan(scaled)))
        if clipped:
            warnings.warn(f"recording {self.id}: {clipped} samples lay beyond full scale and were clipped to {dtype}; "
                          "read as float32 to keep them", ClippingWarning, stacklevel=3)
        return np.clip(np.nan_to_num(scaled, nan=low), low, high).astype(_DTYPES[dtype][1])

    def read(self, start: int, stop: int, dtype: str = "float32") -> np.ndarray:
        """Samples `start` to `stop` (half-open, in the recording's rate) as (frames, channels).

        One convention everywhere in this package, as soundfile's and `aimport extract`'s: float32
        (the default) is value / 2^(bits-1), float recordings as they are; int16 and int32 are full
        scale (int16 the top 16 bits, int32 left-justified: a 16-bit sample x 2^16, a 24-bit
        sample x 2^8). Integer reads of float samples (``is_float``) clip what lies beyond full
        scale and warn with the count (ClippingWarning). The range is checked
        before anything is allocated; the array is filled in place by the library.
        """
        dtype, code, numpy_type = _dtype(dtype)
        start, stop = self._checked_range(start, stop)
        if self.is_float and dtype != "float32":
            return self._quantised(self.read(start, stop, "float32"), dtype)
        out = np.empty((stop - start, self.channels), dtype=numpy_type)
        _call(_native.lib.zw_reader_read, self._reader(), start, stop, code, out.ctypes.data, out.nbytes)
        return out

    def read_many(self, ranges: Sequence[tuple[int, int]], dtype: str = "float32", workers: int = 4) -> list[np.ndarray]:
        """Many ranges at once, `workers` in parallel inside the library; arrays in the order given."""
        dtype, code, numpy_type = _dtype(dtype)
        pairs = [self._checked_range(a, b) for a, b in ranges]
        if self.is_float and dtype != "float32":
            return [self._quantised(x, dtype) for x in self.read_many(pairs, "float32", workers)]
        outs = [np.empty((b - a, self.channels), dtype=numpy_type) for a, b in pairs]
        count = len(pairs)
        starts = (ctypes.c_int64 * count)(*[a for a, _ in pairs])
        stops = (ctypes.c_int64 * count)(*[b for _, b in pairs])
        pointers = (ctypes.c_void_p * count)(*[o.ctypes.data for o in outs])
        capacities = (ctypes.c_int64 * count)(*[o.nbytes for o in outs])
        _call(_native.lib.zw_reader_read_many, self._reader(), starts, stops, count, code, pointers, capacities, _count(workers, "workers", minimum=1, bits=32))
        return outs

    def _close(self) -> None:
        """Lets go of the library's reader for good. Safe while other threads read: a read that
        runs finishes or raises, later ones raise InvalidArgument; closing twice does nothing."""
        lock = getattr(self, "_lock", None)
        if lock is None:
            return
        with lock:
            handle, self._handle, self._closed = self._handle, None, True
        if handle is not None:
            _native.lib.zw_reader_free(handle)

    def __del__(self):
        self._close()

    def __reduce__(self):
        """A recording pickles as what reopens it (its archive's path and its id), so it can be
        sent to spawned data-loader workers; the unpickled one has handles of its own."""
        return (_reopen_recording, (self._archive.path, self.id))

    def __deepcopy__(self, memo):
        return _reopen_recording(self._archive.path, self.id)

    def _forget_after_fork(self) -> None:
        """In a forked child: the handle belongs to the parent's library state; open anew."""
        self._lock = threading.Lock()
        self._handle = None


def _reopen_recording(path: str, id: str) -> "Recording":
    return Archive(path)[id]


#: Every open archive of this process, so that a forked child can make them open anew.
_open_archives: "weakref.WeakSet[Archive]" = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for archive in list(_open_archives):
        archive._reopen_after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class Archive:
    """An archive of recordings in a folder or at s3://bucket/prefix (AWS_* environment)."""

    def __init__(self, path: str, create: bool = False):
        if not isinstance(path, (str, bytes, os.PathLike)):
            raise InvalidArgument("invalid argument", f"an archive is a folder path or an s3://BUCKET/PREFIX URL, not {path!r}")
        self.path = os.fsdecode(path)
        self._recordings: dict[str, Recording] = {}
        self._handle = None
        self._handle = _call(_native.lib.zw_archive_open, _c_text(self.path, "the archive's path"), 1 if create else 0)
        _open_archives.add(self)

    def __reduce__(self):
        """An archive pickles as its path: unpickled (in a spawned worker, say) it opens anew."""
        return (Archive, (self.path,))

    def __deepcopy__(self, memo):
        return Archive(self.path)

    def _reopen_after_fork(self) -> None:
        """In a forked child: the inherited handles name the parent's library objects, whose
        worker threads the child does not have; the archive and its recordings open anew (the
        parent's handles are left to the parent)."""
        if self._handle is None:
            return
        for recording in self._recordings.values():
            recording._forget_after_fork()
        self._handle = _call(_native.lib.zw_archive_open, _c_text(self.path, "the archive's path"), 0)

    def read_batch(self, draws: Sequence[tuple[str, int, int]], frames: Optional[int] = None, dtype: str = "float32",
                   pad: bool = False, out: Optional[np.ndarray] = None, workers: int = 4, rate: Optional[int] = None,
                   quality: str = "HQ", mono: bool = False, channels: Optional[Sequence[int]] = None) -> tuple[np.ndarray, int]:
        """Many draws `(recording id, start, stop)` (samples at each recording's own rate),
        decoded in parallel inside the library in one call (the GIL released once) into one
        `(len(draws), frames, channels)` array; returns it with the batch's sample rate.

        Model-ready reads: `channels` keeps those channels (indices, in that order), `mono` mixes
        the channels down to one, `rate` resamples every draw to that rate with libsoxr
        (`quality` "LQ", "MQ", "HQ" or "VHQ"; each draw on its own); mixing and resampling give
        float32. Without `rate`, all recordings must share one rate (and without
        `mono`, one channel count): a batch never mixes rates silently.
        `frames` (at the batch's rate) defaults to the longest draw; a shorter draw is an error
        unless `pad` (then it ends in zeros). `out`, when given, is filled in place
        (C-contiguous, that shape and dtype: pinned memory, for example). Every draw is checked
        before anything is decoded.
        """
        dtype, code, numpy_type = _dtype(dtype)
        qualities = {"LQ": 0, "MQ": 1, "HQ": 2, "VHQ": 3}
        if quality not in qualities:
            raise InvalidArgument("invalid argument", f"quality must be LQ, MQ, HQ or VHQ, not {quality!r}")
        if rate is not None and not (rate == int(rate) and 0 < int(rate) < 2**31):
            raise InvalidArgument("invalid argument", f"rate must be a whole number of Hz from 1 to {2**31 - 1}, not {rate}")
        if frames is not None and _whole(frames, "frames") <= 0:
            raise InvalidArgument("invalid argument", f"frames must be at least 1, not {frames}")
        count = len(draws)
        ids = [str(draw[0]) for draw in draws]
        starts = [_whole(draw[1], "a draw's start", str(draw[0])) for draw in draws]
        stops = [_whole(draw[2], "a draw's stop", str(draw[0])) for draw in draws]
        length = _whole(frames, "frames") if frames is not None else self._longest_draw(draws, rate)
        if dtype != "float32":
            floating = sorted({i for i in ids if self[i].is_float})
            if floating:
                raise InvalidArgument("invalid argument", f"recordings {', '.join(floating)} hold float or lossy samples, which an "
                                      f"integer batch would clip: read them with dtype='float32'")
        picked = None if channels is None else [_whole(c, "a channel", bits=32) for c in channels]
        if picked == []:
            raise InvalidArgument("invalid argument", "channels must name at least one channel (or be None for all)")
        width = (1 if mono else len(picked) if picked is not None else self[ids[0]].channels) if count else 0
        shape = (count, length, width)
        if out is None:
            out = np.empty(shape, dtype=numpy_type)
        elif out.shape != shape or out.dtype != numpy_type or not out.flags["C_CONTIGUOUS"] or not out.flags["WRITEABLE"]:
            raise InvalidArgument("invalid argument", f"out must be a writeable C-contiguous {dtype} array of shape {shape}, "
                                  f"not {out.dtype} {out.shape}")
        got_rate, got_frames, got_channels = ctypes.c_int32(), ctypes.c_int64(), ctypes.c_int32()
        _call(_native.lib.zw_archive_read_batch, self._handle, (ctypes.c_char_p * count)(*[_c_text(i, "an id") for i in ids]),
              (ctypes.c_int64 * count)(*starts), (ctypes.c_int64 * count)(*stops), count, length, 1 if pad else 0, code,
              None if picked is None else (ctypes.c_int32 * len(picked))(*picked), len(picked or []), 1 if mono else 0,
              int(rate or 0), qualities[quality],
              out.ctypes.data, out.nbytes, _count(workers, "workers", minimum=1, bits=32), ctypes.byref(got_frames), ctypes.byref(got_channels), ctypes.byref(got_rate))
        return out, got_rate.value

    def _longest_draw(self, draws: Sequence[tuple[str, int, int]], rate: Optional[int]) -> int:
        """The frames of the longest draw at the batch's rate (`rate`, or the recordings' own),
        rounded as the library rounds a resampled length: half away from zero."""
        draws = [(str(i), _whole(a, "a draw's start", str(i)), _whole(b, "a draw's stop", str(i))) for i, a, b in draws]
        if rate is None:
            return max((max(0, b - a) for _, a, b in draws), default=0)
        return max((math.floor(max(0, b - a) * int(rate) / self[i].sample_rate + 0.5) for i, a, b in draws), default=0)

    def check_draws(self, draws: Sequence[tuple[str, int, int]]) -> None:
        """Checks that every draw `(id, start, stop)` names a recording of the archive and lies
        inside it, raising what ``read_batch`` would (InvalidArgument, naming the
        recording and range) without reading any samples: one metadata read per recording."""
        for id, start, stop in draws:
            self[str(id)]._checked_range(start, stop)

    def layers(self) -> list[str]:
        """The names of the archive's annotation layers (`aimport annotate import`)."""
        return json.loads(_native.take_string(_call(_native.lib.zw_archive_layer, self._handle, None)) or "[]")

    def layer(self, name: str) -> list[dict]:
        """Annotation layer `name` as a list of dicts, one per row: `recording`, `start` and
        `stop` (samples at the recording's rate, half-open), `label`, `confidence`, `low_hz`,
        `high_hz`, `channel` (Raven's, 1-based), `line` (in the source table) and the table's
        extra columns by name; None where the table gave no value. Raises NotFound when there is
        no such layer."""
        return json.loads(_native.take_string(_call(_native.lib.zw_archive_layer, self._handle, _c_text(str(name), "a layer name"))) or "[]")

    def recordings(self) -> list[Recording]:
        """The intact recordings, by id (damaged ones raise when read: see `damaged`)."""
        return [self._recording(facts) for facts in self._list() if "damaged" not in facts]

    def damaged(self) -> dict[str, str]:
        """Recordings whose metadata is damaged, with the reason."""
        return {facts["id"]: facts["damaged"] for facts in self._list() if "damaged" in facts}

    def table(self) -> list[dict]:
        """Every recording's facts in one call (what `aimport list --json` gives: id, codec,
        sample_rate, channels, total_samples, start_time, source, metadata, ...; damaged ones
        with `damaged`), for filtering and sampling without opening recordings."""
        return self._list()

    def _list(self) -> list[dict]:
        return json.loads(_native.take_string(_call(_native.lib.zw_archive_recordings, self._handle)) or "[]")

    def _recording(self, facts: dict) -> Recording:
        known = self._recordings.get(facts["id"])
        if known is None:
            known = self._recordings[facts["id"]] = Recording(self, facts)
        return known

    def __getitem__(self, id: str) -> Recording:
        """Recording `id`, read on its own (the cost does not grow with the archive); raises
        InvalidArgument when there is none and CorruptData when its metadata is damaged."""
        id = str(id)
        known = self._recordings.get(id)
        if known is not None:
            return known
        facts = json.loads(_native.take_string(_call(_native.lib.zw_archive_recording, self._handle, _c_text(id, "an id"))) or "{}")
        return self._recording(facts)

    def __iter__(self) -> Iterator[Recording]:
        return iter(self.recordings())

    def __len__(self) -> int:
        return len(self.recordings())

    def read_at(self, instant: str, duration: float, device: Optional[str] = None, fill_gaps: bool = False,
                dtype: str = "float32") -> np.ndarray:
        """`duration` seconds from the wall-clock `instant` (ISO 8601 with Z or an offset) across
        recordings, stitched sample-exactly; gaps raise unless `fill_gaps` (zeros)."""
        dtype, code, numpy_type = _dtype(dtype)
        frames, channels, rate, bits = ctypes.c_int64(), ctypes.c_int32(), ctypes.c_int32(), ctypes.c_int32()
        span = _call(_native.lib.zw_archive_span, self._handle, _c_text(str(instant), "the instant"), float(duration),
                     _c_text(device, "the device") if device else None, 1 if fill_gaps else 0, ctypes.byref(frames), ctypes.byref(channels),
                     ctypes.byref(rate), ctypes.byref(bits))
        try:
            out = np.empty((frames.value, channels.value), dtype=numpy_type)
            clipped = _call(_native.lib.zw_span_read, self._handle, span, code, out.ctypes.data, out.nbytes)
            if clipped > 0:
                warnings.warn(f"{clipped} samples of the span lay beyond full scale and were clipped to {dtype}; read as float32 to "
                              "keep them", ClippingWarning, stacklevel=2)
            return out
        finally:
            _native.lib.zw_span_free(span)

    def import_files(self, paths: Sequence[str], codec: Optional[str] = None, raise_errors: bool = True):
        """Imports files (each committed atomically, each on its own) and returns, per file, the
        id of its recording (a new one, or the existing one for a duplicate). What an import
        warns of comes as an ``ImportNotice`` warning per file and notice.

        With `raise_errors` (the default) the first failure's error is raised after every file
        was tried; with `raise_errors=False` it returns `(ids, errors)`: the ids of the files
        that went in, in order, and `{path: error}` for those that did not.
        """
        text = _native.take_string(_call(_native.lib.zw_archive_import, self._handle, json.dumps(_path_list(paths)).encode(),
                                         _c_text(codec, "the codec") if codec else None))
        results = json.loads(text or "[]")
        self._recordings.clear()
        for result in results:
            for notice in result.get("warnings", []):
                warnings.warn(f"{result['file']}: {notice}", ImportNotice, stacklevel=2)
        errors = {r["file"]: _KINDS.get(r.get("code", ""), Error)(r.get("code", "error"), r.get("error", ""), file=r.get("file"))
                  for r in results if r["status"] == "failed"}
        ids = [r["id"] for r in results if r["status"] != "failed"]
        if not raise_errors:
            return ids, errors
        if errors:
            raise next(iter(errors.values()))
        return ids

    def close(self) -> None:
        """Closes the archive; safe from any thread, while others read, and more than once.
        Reads that run finish; later ones raise InvalidArgument ("no open archive")."""
        recordings = getattr(self, "_recordings", {})
        for recording in list(recordings.values()):
            recording._close()
        recordings.clear()
        handle, self._handle = getattr(self, "_handle", None), None
        if handle:
            _native.lib.zw_archive_free(handle)

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        self.close()


class RandomSnippets:
    """`count` snippets of `seconds` drawn uniformly over the archive's total duration: an
    iterable of `(array, recording_id, start_sample)`, reproducible with `seed`. Recordings
    shorter than a snippet are never drawn."""

    def __init__(self, archive: Archive, seconds: float = 1.0, count: int = 1000, seed: int = 0, dtype: str = "float32"):
        self.archive, self.seconds, self.count, self.seed, self.dtype = archive, _seconds(seconds, "seconds"), _count(count, "count"), seed, dtype
        self._pool = [(r, int(round(self.seconds * r.sample_rate))) for r in archive.recordings()]
        self._pool = [(r, n) for r, n in self._pool if 0 < n <= r.total_samples]
        if not self._pool:
            raise InvalidArgument("invalid argument", f"no recording holds a snippet of {self.seconds} s (at least one sample, at most the recording's length)")
        # Weights: the seconds at which a snippet can start in each recording.
        self._weights = [(r.total_samples - n + 1) / r.sample_rate for r, n in self._pool]

    def __len__(self) -> int:
        return self.count

    def draws(self) -> list[tuple[str, int, int]]:
        """Where the snippets lie, without reading them: `(recording_id, start, stop)` each."""
        generator = random.Random(self.seed)
        found = []
        for _ in range(self.count):
            recording, frames = generator.choices(self._pool, weights=self._weights, k=1)[0]
            start = generator.randrange(0, recording.total_samples - frames + 1)
            found.append((recording.id, start, start + frames))
        return found

    def __iter__(self) -> Iterator[tuple[np.ndarray, str, int]]:
        for id, start, stop in self.draws():
            yield self.archive[id].read(start, stop, dtype=self.dtype), id, start


class SnippetSampler:
    """Where training snippets lie, epoch by epoch: reproducible for `(seed, epoch)` and fresh
    each epoch; each recording drawn by the seconds at which a snippet can start in it; only the
    recordings `where(recording)` accepts (site, device, time span: anything in its metadata);
    split without overlap into shards by `(rank, world_size)` (processes of a distributed run)
    and by data-loader worker. All drawn recordings must share one rate and channel count (a
    batch holds one); snippets last `seconds`, or between `min_seconds` and `max_seconds`.

    ``draws(epoch, worker, workers)`` gives a shard's `(id, start, stop)` draws (the same for the
    same arguments, and the shards of one epoch are disjoint and together all of it);
    ``batches(...)`` reads them in batches through ``Archive.read_batch``.
    """

    def __init__(self, archive: Archive, seconds: float = 1.0, per_epoch: int = 1000, seed: int = 0, where=None,
                 min_seconds: Optional[float] = None, max_seconds: Optional[float] = None, rank: int = 0, world_size: int = 1):
        if not (0 <= _whole(rank, "rank") < _whole(world_size, "world_size")):
            raise InvalidArgument("invalid argument", f"rank must lie in 0..world_size-1, not rank {rank} of world_size {world_size}")
        if (min_seconds is None) != (max_seconds is None) or (min_seconds is not None and
                                                               not (_seconds(min_seconds, "min_seconds") <= _seconds(max_seconds, "max_seconds"))):
            raise InvalidArgument("invalid argument", f"give both min_seconds and max_seconds, 0 < min_seconds <= max_seconds "
                                  f"(not {min_seconds} and {max_seconds})")
        self.archive, self.per_epoch, self.seed = archive, _count(per_epoch, "per_epoch"), seed
        self.rank, self.world_size = _whole(rank, "rank"), _whole(world_size, "world_size")
        self.min_seconds = _seconds(min_seconds if min_seconds is not None else seconds, "seconds")
        self.max_seconds = _seconds(max_seconds if max_seconds is not None else seconds, "seconds")
        chosen = [r for r in archive.recordings() if where is None or where(r)]
        kinds = {(r.sample_rate, r.channels) for r in chosen}
        if len(kinds) > 1:
            named = ", ".join(f"{r.id} ({r.sample_rate} Hz, {r.channels} ch)" for r in chosen[:6])
            raise InvalidArgument("invalid argument", f"the recordings differ in rate or channel count ({named}, ...): a batch holds "
                                  "one; choose recordings of one kind with where=")
        self.sample_rate, self.channels = next(iter(kinds)) if kinds else (0, 0)
        self.max_frames = int(round(self.max_seconds * self.sample_rate))
        self.min_frames = int(round(self.min_seconds * self.sample_rate))
        self._pool = [r for r in chosen if 0 < self.max_frames <= r.total_samples]
        if not self._pool:
            raise InvalidArgument("invalid argument", f"no recording holds a snippet of {self.max_seconds} s (at least one sample, at most the recording's length)")
        usable = np.array([r.total_samples - self.max_frames + 1 for r in self._pool], dtype=np.float64)
        self._weights = usable / usable.sum()

    def __len__(self) -> int:
        return self.per_epoch

    def _all_draws(self, epoch: int) -> list[tuple[str, int, int]]:
        rng = np.random.default_rng([int(self.seed), int(epoch)])
        chosen = rng.choice(len(self._pool), size=self.per_epoch, p=self._weights)
        lengths = rng.integers(self.min_frames, self.max_frames + 1, size=self.per_epoch)
        positions = rng.random(self.per_epoch)
        draws = []
        for k, length, position in zip(chosen, lengths, positions):
            recording = self._pool[k]
            start = int(position * (recording.total_samples - int(length) + 1))
            draws.append((recording.id, start, start + int(length)))
        return draws

    def draws(self, epoch: int = 0, worker: int = 0, workers: int = 1) -> list[tuple[str, int, int]]:
        """Draws `(id, start, stop)` of this rank's shard for data-loader `worker` of `workers`."""
        if not (0 <= int(worker) < int(workers)):
            raise InvalidArgument("invalid argument", f"worker must lie in 0..workers-1, not worker {worker} of {workers}")
        shards = self.world_size * int(workers)
        mine = self.rank * int(workers) + int(worker)
        return self._all_draws(epoch)[mine::shards]

    def batches(self, batch_size: int, epoch: int = 0, worker: int = 0, workers: int = 1, dtype: str = "float32",
                read_workers: int = 2, drop_last: bool = False) -> Iterator[tuple[np.ndarray, list[tuple[str, int, int]]]]:
        """This shard's draws in batches: `(samples, draws)`, samples `(batch, max frames,
        channels)` at ``sample_rate``, draws shorter than the longest snippet ending in zeros
        (their `stop - start` is the length)."""
        size = _count(batch_size, "batch_size", minimum=1)
        draws = self.draws(epoch, worker, workers)
        for first in range(0, len(draws), size):
            chunk = draws[first:first + size]
            if drop_last and len(chunk) < size:
                return
            samples, _ = self.archive.read_batch(chunk, frames=self.max_frames, dtype=dtype, pad=True, workers=read_workers)
            yield samples, chunk


from ._labelled import LabelledSampler  # noqa: E402  (it builds on the classes above)
