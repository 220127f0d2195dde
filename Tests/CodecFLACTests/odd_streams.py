"""Makes odd but decodable FLAC streams from a normal one (test fixture maker).

Each variant is a stream that libFLAC (`flac -d`) still decodes: trailing tags and junk,
STREAMINFO fields that disagree with the frames, no "fLaC"/STREAMINFO at all, and the old
variable-block-size format (blocking strategy bit 0 with sample numbers coded, as Flake wrote
it). Frame CRCs are recomputed wherever a header changes (RFC 9639 §9.1.8, §9.3).

usage: odd_streams.py VARIANT IN.flac OUT.flac
"""
import random
import struct
import sys

from variable_blocksize import crc8, crc16, coded_length, utf8_number


def split(data):
    """(bytes before the first frame, STREAMINFO offset, first frame offset)."""
    offset = 4
    while True:
        header = data[offset]
        length = int.from_bytes(data[offset + 1:offset + 4], "big")
        offset += 4 + length
        if header & 0x80:
            return data[:offset], 8, offset


def set_streaminfo(data, **fields):
    si = bytearray(data[8:8 + 34])
    if "min_block" in fields:
        si[0:2] = fields["min_block"].to_bytes(2, "big")
    if "max_block" in fields:
        si[2:4] = fields["max_block"].to_bytes(2, "big")
    if "min_frame" in fields:
        si[4:7] = fields["min_frame"].to_bytes(3, "big")
    if "max_frame" in fields:
        si[7:10] = fields["max_frame"].to_bytes(3, "big")
    packed = int.from_bytes(si[10:18], "big")
    if "total" in fields:
        packed = (packed & ~0xFFFFFFFFF) | fields["total"]
        si[10:18] = packed.to_bytes(8, "big")
    if "md5" in fields:
        si[18:34] = fields["md5"]
    return data[:8] + bytes(si) + data[42:]


def total_samples(data):
    return int.from_bytes(data[18:26], "big") & 0xFFFFFFFFF


def ape_tag():
    items = b""
    for key, value in [(b"Title", b"dawn chorus"), (b"Artist", b"AudioMoth 24F319")]:
        items += struct.pack("<II", len(value), 0) + key + b"\0" + value
    size = len(items) + 32

    def frame(flags):
        return b"APETAGEX" + struct.pack("<IIII", 2000, size, 2, flags) + bytes(8)
    return frame(0xA0000000) + items + frame(0x80000000)


def id3v1_tag():
    return b"TAG" + b"dawn chorus".ljust(30, b"\0") + b"AudioMoth".ljust(30, b"\0") + bytes(30) + b"2025" + bytes(30) + b"\xff"


def junk(n, seed):
    rng = random.Random(seed)
    # No 0xFF, so the junk cannot hold a frame sync code.
    return bytes(rng.randrange(0, 255) for _ in range(n))


def old_variable(data):
    """Clears the blocking strategy bit of every frame of a variable-block-size stream whose
    STREAMINFO has different minimum and maximum block sizes (sample numbers stay coded)."""
    head, _, first = split(data)
    out = bytearray(head)
    offset = first
    frames = []
    # A frame ends where the running CRC-16 of its bytes becomes 0 and the next header starts.
    while offset < len(data):
        crc, end = 0, offset
        while end < len(data):
            crc ^= data[end] << 8
            for _ in range(8):
                crc = ((crc << 1) ^ 0x8005) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
            end += 1
            if crc == 0 and end - offset > 6 and (end == len(data) or (data[end] == 0xFF and data[end + 1] & 0xFE == 0xF8)):
                break
        frames.append(data[offset:end])
        offset = end
    for frame in frames:
        n = coded_length(frame[4])
        bs_code, sr_code = frame[2] >> 4, frame[2] & 0xF
        extra = (1 if bs_code == 6 else 2 if bs_code == 7 else 0) + (1 if sr_code == 12 else 2 if sr_code in (13, 14) else 0)
        header = bytearray(frame[:4 + n + extra])
        header[1] &= 0xFE
        header = bytes(header) + bytes([crc8(header)])
        body = header + frame[4 + n + extra + 1:-2]
        out += body + crc16(body).to_bytes(2, "big")
    return bytes(out)


def main():
    variant, source, target = sys.argv[1:4]
    data = open(source, "rb").read()
    head, _, first = split(data)
    total = total_samples(data)
    out = {
        "id3v1": lambda: data + id3v1_tag(),
        "apev2": lambda: data + ape_tag(),
        "apev2_id3v1": lambda: data + ape_tag() + id3v1_tag(),
        "junk": lambda: data + junk(3000, 1),
        "id3v2_prefix_id3v1": lambda: b"ID3\x04\x00\x00\x00\x00\x00\x0a" + bytes(10) + data + id3v1_tag(),
        "max_block_smaller": lambda: set_streaminfo(data, min_block=1152, max_block=1152),
        "block_sizes_unequal": lambda: set_streaminfo(data, min_block=16, max_block=1152),
        "min_above_max": lambda: set_streaminfo(data, min_block=8192, max_block=16),
        "max_block_larger": lambda: set_streaminfo(data, min_block=8192, max_block=8192),
        "frame_sizes_lie": lambda: set_streaminfo(data, min_frame=1, max_frame=2),
        "total_smaller": lambda: set_streaminfo(data, total=max(1, total - 5000)),
        "total_larger": lambda: set_streaminfo(data, total=total + 10000),
        "total_zero": lambda: set_streaminfo(data, total=0),
        "md5_zero": lambda: set_streaminfo(data, md5=bytes(16)),
        "md5_wrong": lambda: set_streaminfo(data, md5=bytes(range(16))),
        "headerless": lambda: data[first:],
        "headerless_id3v1": lambda: data[first:] + id3v1_tag(),
        "old_variable": lambda: old_variable(data),
    }[variant]()
    open(target, "wb").write(out)


if __name__ == "__main__":
    main()
