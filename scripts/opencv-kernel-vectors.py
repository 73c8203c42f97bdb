#!/usr/bin/env python3
"""Reference outputs of OpenCV's INTER_AREA / INTER_LANCZOS4 resizes and BORDER_REFLECT_101
padding for the unit tests of core/src/resize/{area,lanczos,border}.rs.

Run with the bench venv (pins opencv-python-headless==5.0.0.93, see
benches/reference/requirements.txt):

    .cache/venv-bench/bin/python scripts/opencv-kernel-vectors.py

Inputs are deterministic and recomputed by the Rust tests (`resize::test_vectors::image`):
byte k (row-major, interleaved RGB, k = 0, 1, ...) of image (seed, w, h) is the top byte of
the LCG state after k + 1 steps of `s = s * 1664525 + 1013904223 (mod 2**32)`, starting from
`s = seed`. For every case the script prints, as a Rust `Expect` literal, the output size, the byte
sum, the FNV-1a 64-bit hash of all bytes, a few sample pixels and, for small outputs, every
byte. These lines are pasted into the tests, which require exact equality.
"""

import sys

import cv2
import numpy as np


def image(seed: int, w: int, h: int) -> np.ndarray:
    """The LCG test image (h, w, 3) uint8 described in the module docstring."""
    s = seed & 0xFFFFFFFF
    out = bytearray(w * h * 3)
    for k in range(len(out)):
        s = (s * 1664525 + 1013904223) & 0xFFFFFFFF
        out[k] = s >> 24
    return np.frombuffer(bytes(out), np.uint8).reshape(h, w, 3)


def fnv1a64(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def samples(img: np.ndarray) -> list[tuple[int, int, list[int]]]:
    """A few pixels (x, y, [c0, c1, c2]): the corners, the centre and an off-centre one."""
    h, w = img.shape[:2]
    pts = [(0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1), (w // 2, h // 2), (w // 3, (2 * h) // 3)]
    seen, out = set(), []
    for x, y in pts:
        if (x, y) not in seen:
            seen.add((x, y))
            out.append((x, y, [int(v) for v in img[y, x]]))
    return out


def report(name: str, out: np.ndarray, full_limit: int = 150) -> None:
    """Prints one case as a comment and a Rust `Expect` literal (see core/src/resize/mod.rs)."""
    h, w = out.shape[:2]
    data = out.tobytes()
    smp = ", ".join(f"({x}, {y}, {p})" for x, y, p in samples(out))
    full = "Some(&[" + ", ".join(str(b) for b in data) + "])" if len(data) <= full_limit else "None"
    print(f"// {name}")
    print(f"Expect {{ w: {w}, h: {h}, sum: {sum(data)}, fnv: 0x{fnv1a64(data):016x}, samples: &[{smp}], bytes: {full} }},")


def area(seed, sw, sh, dw, dh):
    report(f"area seed={seed} {sw}x{sh}->{dw}x{dh}",
           cv2.resize(image(seed, sw, sh), (dw, dh), interpolation=cv2.INTER_AREA))


def lanczos(seed, sw, sh, dw, dh):
    report(f"lanczos4 seed={seed} {sw}x{sh}->{dw}x{dh}",
           cv2.resize(image(seed, sw, sh), (dw, dh), interpolation=cv2.INTER_LANCZOS4))


def pad(seed, w, h, top, bottom, left, right):
    report(f"pad seed={seed} {w}x{h} top={top} bottom={bottom} left={left} right={right}",
           cv2.copyMakeBorder(image(seed, w, h), top, bottom, left, right, cv2.BORDER_REFLECT_101))


def crop(seed, w, h, x, y, side):
    """The Suri crop step (docs/MODELS.md): numpy slice of the in-image part, then
    copyMakeBorder(BORDER_REFLECT_101) of that patch to side x side."""
    img = image(seed, w, h)
    patch = img[max(0, y):min(h, y + side), max(0, x):min(w, x + side)]
    out = cv2.copyMakeBorder(patch, max(0, -y), max(0, y + side - h), max(0, -x), max(0, x + side - w),
                             cv2.BORDER_REFLECT_101)
    report(f"crop seed={seed} {w}x{h} x={x} y={y} side={side}", out)


def main() -> None:
    print(f"# cv2 {cv2.__version__}, numpy {np.__version__}, python {sys.version.split()[0]}")
    print("# first bytes of image(1, 7, 5): " + str(list(image(1, 7, 5).tobytes()[:12])))

    print("\n## INTER_AREA, integer factors (resizeAreaFast_)")
    area(1, 14, 10, 7, 5)     # 2x2: (sum + 2) >> 2
    area(2, 26, 22, 13, 11)   # 2x2
    area(3, 21, 15, 7, 5)     # 3x3: sum * (1/9f), round half to even
    area(4, 28, 20, 7, 5)     # 4x4: halves (sum % 16 == 8) round to even
    area(5, 14, 15, 7, 5)     # 2x3
    area(6, 28, 5, 7, 5)      # 4x1
    area(7, 74, 58, 37, 29)   # 2x2, larger
    area(8, 256, 256, 128, 128)  # 2x2, Suri S = 256

    print("\n## INTER_AREA, non-integer factors (resizeArea_)")
    area(11, 37, 29, 16, 12)  # 37 -> 16, 29 -> 12
    area(12, 13, 11, 5, 5)    # 13 -> 5
    area(13, 7, 5, 3, 2)
    area(14, 37, 29, 37, 12)  # one axis unchanged
    area(15, 300, 300, 128, 128)
    area(16, 171, 171, 128, 128)
    area(17, 319, 319, 128, 128)  # the Suri S of minivision_live_image_T1.jpg

    print("\n## INTER_LANCZOS4 (upscaling)")
    lanczos(21, 5, 5, 16, 16)   # 5 -> 16
    lanczos(22, 7, 5, 13, 16)   # 7 -> 13 across, 5 -> 16 down
    lanczos(23, 13, 11, 16, 16)
    lanczos(24, 60, 60, 128, 128)
    lanczos(25, 1, 1, 4, 3)     # every tap clamped
    lanczos(26, 2, 3, 9, 7)     # taps clamped on both sides at once
    lanczos(27, 100, 100, 128, 128)

    print("\n## BORDER_REFLECT_101: cv2.borderInterpolate")
    ps = list(range(-12, 13)) + [100, -100, 2**31 - 1, -(2**31) + 1]
    for n in (1, 2, 3, 5):
        print(f"// borderInterpolate(p, {n}, BORDER_REFLECT_101) for p in {ps}")
        print(f"({n}, &{[cv2.borderInterpolate(p, n, cv2.BORDER_REFLECT_101) for p in ps]}),")

    print("\n## BORDER_REFLECT_101: cv2.copyMakeBorder")
    pad(31, 7, 5, 2, 3, 1, 4)
    pad(32, 7, 5, 9, 11, 15, 20)  # pads wider than the image: repeated reflection
    pad(33, 1, 1, 2, 2, 3, 3)     # 1-pixel image: replication
    pad(34, 1, 4, 1, 2, 3, 0)     # 1-pixel-wide image
    pad(35, 2, 2, 5, 0, 0, 5)

    print("\n## Suri crop (slice + copyMakeBorder)")
    crop(41, 13, 11, 2, 1, 8)      # inside the image: plain copy
    crop(42, 13, 11, -4, -3, 12)   # top-left outside
    crop(43, 13, 11, 6, 5, 9)      # bottom-right outside
    crop(44, 13, 11, -5, -6, 25)   # larger than the image on all sides
    crop(45, 13, 11, 12, -2, 5)    # one column of the image only: replication
    crop(46, 37, 29, -20, 10, 45)  # pad wider than the copied patch


if __name__ == "__main__":
    main()
