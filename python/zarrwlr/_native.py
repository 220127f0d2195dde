"""The C ABI of the Swift library (libZarrwlrC.so, bundled in zarrwlr/lib/), through ctypes.

ctypes releases the GIL for every call into the library, so threads extract in parallel.
"""
from __future__ import annotations

import ctypes
import json
from pathlib import Path

_LIB_DIR = Path(__file__).resolve().parent / "lib"


def _load() -> ctypes.CDLL:
    path = _LIB_DIR / "libZarrwlrC.so"
    if not path.exists():
        raise ImportError(f"zarrwlr: {path} is missing; install the package with `pip install ./python` from the repository")
    try:
        return ctypes.CDLL(str(path))
    except OSError as error:
        raise ImportError(
            f"zarrwlr: cannot load {path.name} ({error}); it needs the C libraries of scripts/install-deps "
            "(libflac, libopus, libopusfile, libopusenc, libogg, libsndfile, libwavpack, libzstd, libcurl, libssl)") from error


lib = _load()
_c = ctypes
_ptr = _c.c_void_p
_err = _c.POINTER(_c.c_void_p)

lib.zw_archive_open.argtypes = [_c.c_char_p, _c.c_int32, _err]
lib.zw_archive_open.restype = _ptr
lib.zw_archive_free.argtypes = [_ptr]
lib.zw_free.argtypes = [_ptr]
lib.zw_archive_recordings.argtypes = [_ptr, _err]
lib.zw_archive_recordings.restype = _ptr
lib.zw_archive_recording.argtypes = [_ptr, _c.c_char_p, _err]
lib.zw_archive_recording.restype = _ptr
lib.zw_archive_layer.argtypes = [_ptr, _c.c_char_p, _err]
lib.zw_archive_layer.restype = _ptr
lib.zw_archive_import.argtypes = [_ptr, _c.c_char_p, _c.c_char_p, _err]
lib.zw_archive_import.restype = _ptr
lib.zw_reader_open.argtypes = [_ptr, _c.c_char_p, _err]
lib.zw_reader_open.restype = _ptr
lib.zw_reader_free.argtypes = [_ptr]
lib.zw_reader_shape.argtypes = [_ptr, _c.POINTER(_c.c_int64), _c.POINTER(_c.c_int32), _c.POINTER(_c.c_int32), _c.POINTER(_c.c_int32)]
lib.zw_reader_shape.restype = _c.c_int32
lib.zw_reader_read.argtypes = [_ptr, _c.c_int64, _c.c_int64, _c.c_int32, _ptr, _c.c_int64, _err]
lib.zw_reader_read.restype = _c.c_int32
lib.zw_reader_read_many.argtypes = [_ptr, _c.POINTER(_c.c_int64), _c.POINTER(_c.c_int64), _c.c_int64, _c.c_int32,
                                    _c.POINTER(_ptr), _c.POINTER(_c.c_int64), _c.c_int32, _err]
lib.zw_reader_read_many.restype = _c.c_int32
lib.zw_archive_read_batch.argtypes = [_ptr, _c.POINTER(_c.c_char_p), _c.POINTER(_c.c_int64), _c.POINTER(_c.c_int64), _c.c_int64,
                                      _c.c_int64, _c.c_int32, _c.c_int32, _c.POINTER(_c.c_int32), _c.c_int32, _c.c_int32, _c.c_int32,
                                      _c.c_int32, _ptr, _c.c_int64, _c.c_int32,
                                      _c.POINTER(_c.c_int64), _c.POINTER(_c.c_int32), _c.POINTER(_c.c_int32), _err]
lib.zw_archive_read_batch.restype = _c.c_int32
lib.zw_archive_span.argtypes = [_ptr, _c.c_char_p, _c.c_double, _c.c_char_p, _c.c_int32, _c.POINTER(_c.c_int64),
                                _c.POINTER(_c.c_int32), _c.POINTER(_c.c_int32), _c.POINTER(_c.c_int32), _err]
lib.zw_archive_span.restype = _ptr
lib.zw_span_free.argtypes = [_ptr]
lib.zw_span_read.argtypes = [_ptr, _ptr, _c.c_int32, _ptr, _c.c_int64, _err]
lib.zw_span_read.restype = _c.c_int64
lib.zw_bench_random_reads.argtypes = [_ptr, _c.c_int64, _c.c_uint64, _c.c_int32]
lib.zw_bench_random_reads.restype = _c.c_double


def take_string(pointer: int | None) -> str | None:
    """The text of a string the library returned, freed."""
    if not pointer:
        return None
    try:
        return _c.string_at(pointer).decode("utf-8")
    finally:
        lib.zw_free(pointer)


def take_error(slot: _c.c_void_p) -> dict:
    """The error object the library wrote, freed."""
    text = take_string(slot.value)
    try:
        return json.loads(text) if text else {"code": "library failure", "message": "unknown error"}
    except ValueError:
        return {"code": "library failure", "message": text}
