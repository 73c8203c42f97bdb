#!/usr/bin/env python3
"""Decodes a PNG into a binary PPM (P6, 8-bit RGB) with the Python standard library only.

Used by scripts/test-c.sh to give ffi/tests/c/test_video.c the real pixels of a sample photo
(samples/skimage_live_astronaut.png) for its OZI_MEDIA_KIND_FRAMES checks: the C tests have no
image decoder, and Pillow is not a prerequisite. Handles what the samples need: 8-bit RGB or
RGBA (colour types 2 and 6, alpha dropped), not interlaced, every PNG row filter.

    png2ppm.py IN.png OUT.ppm
"""

import struct
import sys
import zlib


def decode(data: bytes):
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, header = 8, [], None
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + length
    if header is None:
        raise ValueError("no IHDR chunk")
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace != 0:
        raise ValueError(f"unsupported PNG: depth {depth}, colour type {colour}, interlace {interlace}")
    bpp = 3 if colour == 2 else 4
    stride = width * bpp
    raw = zlib.decompress(b"".join(idat))
    if len(raw) != height * (stride + 1):
        raise ValueError("IDAT size does not match the header")
    rows, prev = [], bytearray(stride)
    for y in range(height):
        filt = raw[y * (stride + 1)]
        row = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = row[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if filt == 1:
                row[i] = (row[i] + a) & 0xFF
            elif filt == 2:
                row[i] = (row[i] + b) & 0xFF
            elif filt == 3:
                row[i] = (row[i] + ((a + b) >> 1)) & 0xFF
            elif filt == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                row[i] = (row[i] + pred) & 0xFF
            elif filt != 0:
                raise ValueError(f"unknown row filter {filt}")
        rows.append(bytes(row) if bpp == 3 else bytes(b for j, b in enumerate(row) if j % 4 != 3))
        prev = row
    return width, height, b"".join(rows)


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    with open(sys.argv[1], "rb") as f:
        width, height, rgb = decode(f.read())
    with open(sys.argv[2], "wb") as f:
        f.write(b"P6\n%d %d\n255\n" % (width, height) + rgb)
    return 0


if __name__ == "__main__":
    sys.exit(main())
