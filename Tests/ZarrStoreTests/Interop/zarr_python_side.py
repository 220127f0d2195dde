"""The zarr-python side of the interoperability tests (zarr-python 3 is the reference).

read-ours MANIFEST OUT:    read every array the Swift side wrote (listed in MANIFEST) with
                           zarr-python and dump its values, dtype, shape, fill value and
                           attributes, so the Swift test can compare them with what it wrote.
write-theirs STORE OUT:    write a matrix of groups and arrays with zarr-python, and dump the
                           values (little-endian bytes) plus a few sub-regions read back by
                           zarr-python, so the Swift test can compare its own reads.
unsupported STORE:         write arrays with codecs the Swift side does not provide.
"""
import json
import os
import sys

import numpy as np
import zarr
from zarr.codecs import BytesCodec, Crc32cCodec, ShardingCodec, TransposeCodec, ZstdCodec, BloscCodec, GzipCodec

DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float32", "float64"]


def le_bytes(a):
    a = np.ascontiguousarray(a)
    if a.dtype.byteorder == ">":
        a = a.astype(a.dtype.newbyteorder("<"))
    return a.tobytes()


def read_ours(manifest_path, out):
    manifest = json.load(open(manifest_path))
    report = {"arrays": {}, "groups": {}}
    for entry in manifest["arrays"]:
        arr = zarr.open_array(manifest["store"], path=entry["path"], mode="r")
        values = arr[...]
        name = entry["path"].replace("/", "__")
        with open(os.path.join(out, name + ".bin"), "wb") as f:
            f.write(le_bytes(values))
        fill = arr.metadata.fill_value
        report["arrays"][entry["path"]] = {
            "dtype": str(arr.dtype),
            "shape": list(arr.shape),
            "attributes": dict(arr.attrs),
            "fill_is_nan": bool(np.isnan(fill)) if arr.dtype.kind == "f" else False,
            "fill": None if arr.dtype.kind == "f" and np.isnan(fill) else fill.item() if hasattr(fill, "item") else fill,
        }
    for path in manifest["groups"]:
        g = zarr.open_group(manifest["store"], path=path, mode="r")
        report["groups"][path] = {
            "attributes": dict(g.attrs),
            "members": sorted(name for name, _ in g.members()),
        }
    json.dump(report, open(os.path.join(out, "report.json"), "w"))


def sample_values(dtype, shape, rng):
    n = int(np.prod(shape)) if shape else 1
    if dtype == "bool":
        v = rng.integers(0, 2, n).astype(bool)
    elif dtype.startswith("float"):
        v = rng.standard_normal(n).astype(dtype) * 1000
        if n > 3:
            v[0], v[1], v[2] = np.nan, np.inf, -np.inf
    else:
        info = np.iinfo(dtype)
        v = rng.integers(info.min, info.max, n, dtype=dtype, endpoint=True)
    return v.reshape(shape)


def configurations(dtype):
    big = BytesCodec(endian="big")
    return {
        # zarr-python's own defaults (bytes + zstd), partial edge chunks
        "default": dict(shape=(7, 5), chunks=(3, 2)),
        "uncompressed": dict(shape=(11,), chunks=(4,), compressors=None),
        "big-zstd-crc": dict(shape=(6, 7), chunks=(4, 3), serializer=big, compressors=[ZstdCodec(level=5, checksum=True), Crc32cCodec()]),
        "transpose": dict(shape=(5, 4, 3), chunks=(2, 3, 2), filters=[TransposeCodec(order=(2, 0, 1))]),
        "v2-keys": dict(shape=(5, 6), chunks=(2, 4), chunk_key_encoding={"name": "v2", "separator": "."}),
        "dot-keys": dict(shape=(5, 6), chunks=(2, 4), chunk_key_encoding={"name": "default", "separator": "."}),
        "sharded": dict(shape=(10, 9), chunks=(2, 3), shards=(4, 6)),
        "sharded-crc": dict(shape=(21,), chunks=(3,), shards=(9,), compressors=[Crc32cCodec()]),
        "sharded-start": dict(shape=(9, 8), chunks=None, shards=None, serializer=ShardingCodec(
            chunk_shape=(2, 4), codecs=[BytesCodec(), ZstdCodec(level=1)], index_location="start"), chunk_shape=(4, 8)),
        "fill-partial": dict(shape=(12,), chunks=(5,), fill_value=True if dtype == "bool" else 7, partial=True),
        "scalar": dict(shape=(), chunks=()),
    }


def write_theirs(store, out):
    rng = np.random.default_rng(20261125)
    root = zarr.open_group(store, mode="w", zarr_format=3)
    root.attrs.update({"project": "zarrwlr", "nested": {"list": [1, 2.5, None, "x"], "t": True}, "big": 2**63 + 5})
    manifest = {"arrays": [], "groups": {}}
    manifest["groups"][""] = {"attributes": dict(root.attrs)}
    sub = root.create_group("sub/deeper", attributes={"level": 2})
    manifest["groups"]["sub/deeper"] = {"attributes": dict(sub.attrs)}
    for dtype in DTYPES:
        g = root.create_group(dtype)
        for name, cfg in configurations(dtype).items():
            cfg = dict(cfg)
            partial = cfg.pop("partial", False)
            shape = cfg.pop("shape")
            chunk_shape = cfg.pop("chunk_shape", None)
            if chunk_shape is not None:
                cfg.pop("chunks"); cfg.pop("shards")
                arr = g.create_array(name, shape=shape, dtype=dtype, chunks=chunk_shape, **cfg)
            else:
                arr = g.create_array(name, shape=shape, dtype=dtype, **cfg)
            arr.attrs["config"] = name
            values = sample_values(dtype, shape, rng)
            if partial:
                arr[2:6] = values[2:6]   # the rest stays fill value; some chunks are never written
            else:
                arr[...] = values
            full = arr[...]
            path = f"{dtype}/{name}"
            base = path.replace("/", "__")
            with open(os.path.join(out, base + ".bin"), "wb") as f:
                f.write(le_bytes(full))
            regions = []
            if len(shape) > 0:
                for k in range(3):
                    origin = [int(rng.integers(0, s)) for s in shape]
                    extent = [int(rng.integers(0, s - o + 1)) for s, o in zip(shape, origin)]
                    sel = tuple(slice(o, o + e) for o, e in zip(origin, extent))
                    fname = f"{base}.region{k}.bin"
                    with open(os.path.join(out, fname), "wb") as f:
                        f.write(le_bytes(arr[sel]))
                    regions.append({"origin": origin, "shape": extent, "file": fname})
            manifest["arrays"].append({"path": path, "dtype": dtype, "shape": list(shape), "file": base + ".bin",
                                       "regions": regions, "attributes": dict(arr.attrs)})
    json.dump(manifest, open(os.path.join(out, "manifest.json"), "w"))


def unsupported(store):
    root = zarr.open_group(store, mode="w", zarr_format=3)
    a = root.create_array("blosc", shape=(10,), chunks=(5,), dtype="int32", compressors=[BloscCodec()])
    a[...] = np.arange(10, dtype="int32")
    b = root.create_array("gzip", shape=(10,), chunks=(5,), dtype="int32", compressors=[GzipCodec()])
    b[...] = np.arange(10, dtype="int32")
    c = root.create_array("complex", shape=(4,), chunks=(2,), dtype="complex64")
    c[...] = np.arange(4)


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "read-ours":
        read_ours(sys.argv[2], sys.argv[3])
    elif command == "write-theirs":
        write_theirs(sys.argv[2], sys.argv[3])
    elif command == "unsupported":
        unsupported(sys.argv[2])
    elif command == "version":
        print(zarr.__version__)
    else:
        sys.exit(f"unknown command {command}")
