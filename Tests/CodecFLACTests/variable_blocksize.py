"""Builds a variable-block-size FLAC stream from fixed-block-size ones (test fixture maker).

libFLAC and the flac CLI only write fixed block sizes. This splices the frames of several flac
files (same rate/channels/bits, different --blocksize) into one stream whose frame headers use
the variable-block-size strategy (RFC 9639 §9.1: blocking bit set, coded number = first sample),
recomputing each header's CRC-8 and frame CRC-16. `flac -d` must decode the result to the
concatenated audio.

usage: variable_blocksize.py OUT.flac IN1.flac IN2.flac ...
"""
import subprocess
import sys


def crc8(data):
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def crc16(data):
    crc = 0
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x8005) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def utf8_number(n):
    if n < 0x80:
        return bytes([n])
    for length, lead, bits in [(2, 0xC0, 11), (3, 0xE0, 16), (4, 0xF0, 21), (5, 0xF8, 26), (6, 0xFC, 31), (7, 0xFE, 36)]:
        if n < (1 << bits):
            out = []
            for _ in range(length - 1):
                out.append(0x80 | (n & 0x3F))
                n >>= 6
            return bytes([lead | n] + out[::-1])
    raise ValueError(n)


def coded_length(lead):
    for mask, value, length in [(0x80, 0x00, 1), (0xE0, 0xC0, 2), (0xF0, 0xE0, 3), (0xF8, 0xF0, 4), (0xFC, 0xF8, 5), (0xFE, 0xFC, 6)]:
        if lead & mask == value:
            return length
    return 7


def frames(path):
    data = open(path, "rb").read()
    ana = subprocess.run(["flac", "-s", "-a", "-c", path], capture_output=True, text=True, check=True).stdout
    rows = [dict(f.split("=", 1) for f in line.split("\t") if "=" in f) for line in ana.splitlines() if line.startswith("frame=")]
    offsets = [int(r["offset"]) for r in rows] + [len(data)]
    return data, [(data[offsets[i]:offsets[i + 1]], int(rows[i]["blocksize"])) for i in range(len(rows))]


def main():
    out, inputs = sys.argv[1], sys.argv[2:]
    header_data, _ = frames(inputs[0])
    body = []
    sample = 0
    sizes = []
    for path in inputs:
        _, fs = frames(path)
        for frame, blocksize in fs:
            n = coded_length(frame[4])
            head = bytearray(frame[:4])
            head[1] |= 1  # variable block size strategy
            rest_start = 4 + n
            # block size / sample rate extras follow the coded number; keep them
            bs_code, sr_code = frame[2] >> 4, frame[2] & 0xF
            extra = (1 if bs_code == 6 else 2 if bs_code == 7 else 0) + (1 if sr_code == 12 else 2 if sr_code in (13, 14) else 0)
            new_header = bytes(head) + utf8_number(sample) + frame[rest_start:rest_start + extra]
            new_header += bytes([crc8(new_header)])
            payload = frame[rest_start + extra + 1:-2]
            new_frame = new_header + payload
            new_frame += crc16(new_frame).to_bytes(2, "big")
            body.append(new_frame)
            sizes.append(blocksize)
            sample += blocksize
    # STREAMINFO: keep rate/channels/bps, set block sizes and total samples, zero the MD5.
    si = bytearray(header_data[8:8 + 34])
    si[0:2] = min(sizes).to_bytes(2, "big")
    si[2:4] = max(sizes).to_bytes(2, "big")
    si[4:10] = bytes(6)
    packed = int.from_bytes(si[10:18], "big")
    packed = (packed & ~0xFFFFFFFFF) | sample
    si[10:18] = packed.to_bytes(8, "big")
    si[18:34] = bytes(16)
    with open(out, "wb") as f:
        f.write(b"fLaC" + bytes([0x80, 0, 0, 34]) + bytes(si) + b"".join(body))


if __name__ == "__main__":
    main()
