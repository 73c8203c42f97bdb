#!/usr/bin/env python3
"""The ozinstant pipeline in plain Python, written the way a competent user would write it.

ONNX Runtime sessions are created once, images are decoded with OpenCV (EXIF orientation
applied, as `cv2.imdecode` does since OpenCV 4.x; `check_parity.py` verifies it), crops are
NumPy slices and resizes are `cv2.resize`. The models are the original files in `models/`.
The logic mirrors the engine (`core/src/pipeline.rs` and the modules it calls):

1. RetinaFace at the liveness input size (images of at least 192^2 pixels are resized to
   `(int(192*sqrt(W/H)), int(192/sqrt(W/H)))`), and a second pass with the long side at 320 px
   to count faces when the first pass shows another candidate (score >= 0.1) or no confident
   face; confident faces of both passes are merged by greedy NMS (IoU > 0.3).
2. The analysed face is the best detection of the first pass (score >= 0.6), else of the second.
   Other counted faces that do not overlap it (IoU < 0.3) give `MULTIPLE_FACES`.
3. MTCNN O-Net on the face box (made square, box-filtered to 48x48, zero padding) gives five
   landmarks for the pose checks of the quality gate.
4. Quality gate: face size, face inside the image, sharpness (variance of the Laplacian of the
   grey face at 112x112), brightness, yaw and roll. A failing check gives `LOW_QUALITY`.
5. Liveness, two opinions on the same face box (docs/MODELS.md):
   - MiniFASNet: V2 (crop scale 2.7) and V1SE (crop scale 4.0) on 80x80 BGR crops (bilinear),
     raw 0..255; its p_real is the mean of both softmax[1].
   - Suri MiniFASNetV2-SE: a 1.5x square crop (REFLECT_101 padding outside the image), resized
     to 128x128 (INTER_AREA when shrinking, INTER_LANCZOS4 when enlarging), RGB / 255;
     p_real = softmax[0] (logits [real, spoof]).
   Fusion `mean` (default): p_attack is the mean of the two opinions' p_attack; `max`: their
   maximum. `confidence_spoofing = 1 - p_real`, an attack at or above 0.5. `--models` chooses
   the opinions as the engine's `liveness.models` does: `minifasnet,suri` (the default), or
   the fast profile `minifasnet` alone, whose p_real is then the verdict's (or `suri` alone).

Large JPEGs are decoded at 1/2, 1/4 or 1/8 size in the DCT domain (`IMREAD_REDUCED_COLOR_*`, as
the engine's `decode.max_jpeg_scale` does), and again at full size when the face found there
is small or missing.

Not mirrored: the engine's last-resort MTCNN cascade when RetinaFace finds no face at all (no
sample and no benchmark input reaches it; such images are `NO_FACE` here).

Usage:
    reference.py analyze [--models M] [--fusion F] FILE...   one JSON verdict per file (check_parity.py)
    reference.py worker [--threads N] [--models M] [--fusion F]   JSON-lines worker of benches/run.py
    M: comma-separated opinions (minifasnet, suri), or a profile name: default = minifasnet,suri,
    fast = minifasnet. F: mean (default) or max.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

# The matrices here are tiny (48 x ~300): BLAS threads only oversubscribe the cores that ORT and
# the other worker processes use. Set before NumPy loads its BLAS.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import cv2
import numpy as np
import onnxruntime as ort

MODELS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "models")

# Detector
MEAN_BGR = np.array([104.0, 117.0, 123.0], np.float32)
HEADS = ((8, (16.0, 32.0)), (16, (64.0, 128.0)), (32, (256.0, 512.0)))
VARIANCE = (0.1, 0.2)
CONF_THRESHOLD = 0.1
NMS_TOP_K = 400
NMS_IOU = 0.3
KEEP_TOP_K = 200
# Engine defaults (core/src/config.rs)
MIN_SCORE = 0.6
COUNT_MIN_SCORE = 0.8
COUNT_LONG_SIDE = 320
COUNT_GATE_SCORE = 0.1
COUNT_MIN_RELATIVE_SIZE = 0.3
MIN_FACE_PX = 60.0
MAX_OUTSIDE = 0.25
MIN_SHARPNESS = 10.0
MIN_BRIGHTNESS = 40.0
MAX_BRIGHTNESS = 225.0
MAX_YAW = 45.0
MAX_ROLL = 35.0
THRESHOLD = 0.5
# Liveness opinions (engine: `liveness.models`, listed in this order) and the named sets.
OPINIONS = ("minifasnet", "suri")
PROFILES = {"default": OPINIONS, "fast": ("minifasnet",)}
FUSIONS = ("mean", "max")
SURI_SIZE = 128
# Reduced-size JPEG decoding (EngineConfig.decode): the largest of 8, 4, 2 whose reduced long
# side stays >= 960 px; when the face found there is under 160 px (or none is found), the image
# is decoded again at full size. OpenCV does the same DCT-domain scaling with IMREAD_REDUCED_*.
MAX_JPEG_SCALE = 8
MIN_LONG_SIDE = 960
MIN_FACE_SIDE = 160
REDUCED_FLAG = {2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4, 8: cv2.IMREAD_REDUCED_COLOR_8}
F32 = np.float32


def round_half_away(v: float) -> int:
    return int(math.floor(v + 0.5)) if v >= 0 else -int(math.floor(-v + 0.5))


def liveness_input_size(w0: int, h0: int) -> tuple[int, int]:
    if w0 * h0 >= 192 * 192:
        ar = math.sqrt(w0 / h0)
        return max(int(192.0 * ar), 1), max(int(192.0 / ar), 1)
    return w0, h0


def long_side_input_size(w0: int, h0: int, long_side: int) -> tuple[int, int]:
    long = max(w0, h0)
    if long <= long_side:
        return w0, h0
    s = long_side / long
    return max(round_half_away(w0 * s), 1), max(round_half_away(h0 * s), 1)


def jpeg_header(data: bytes) -> tuple[int, int, int] | None:
    """(width, height, components) from a JPEG's SOF segment, or None for other formats."""
    if data[:2] != b"\xff\xd8":
        return None
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:
            i += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:
            i += 2
            continue
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h = int.from_bytes(data[i + 5 : i + 7], "big")
            w = int.from_bytes(data[i + 7 : i + 9], "big")
            return w, h, data[i + 9]
        i += 2 + length
    return None


def reduction_for(data: bytes) -> int:
    hdr = jpeg_header(data)
    if hdr is None or hdr[2] == 4:  # not a JPEG, or CMYK
        return 1
    long = max(hdr[0], hdr[1])
    return next((d for d in (8, 4, 2) if d <= MAX_JPEG_SCALE and -(-long // d) >= MIN_LONG_SIDE), 1)


def needs_count_pass(small: list[tuple[np.ndarray, float]]) -> bool:
    """The counting pass can only matter when the first pass has no confident face, or another
    candidate (not overlapping the best) scores at least COUNT_GATE_SCORE (engine:
    `detection.count_gate_score`)."""
    if not small or small[0][1] < MIN_SCORE:
        return True
    rest = [d for d in small[1:] if d[1] >= COUNT_GATE_SCORE]
    return bool(rest) and bool((iou(small[0][0], np.stack([d[0] for d in rest])) < NMS_IOU).any())


def iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of box `a` [4] with boxes `b` [n, 4] (x0, y0, x1, y1), no "+1", float32."""
    iw = np.maximum(np.minimum(a[2], b[:, 2]) - np.maximum(a[0], b[:, 0]), F32(0))
    ih = np.maximum(np.minimum(a[3], b[:, 3]) - np.maximum(a[1], b[:, 1]), F32(0))
    inter = iw * ih
    area_a = max(a[2] - a[0], F32(0)) * max(a[3] - a[1], F32(0))
    area_b = np.maximum(b[:, 2] - b[:, 0], F32(0)) * np.maximum(b[:, 3] - b[:, 1], F32(0))
    union = area_a + area_b - inter
    return np.where(union <= 0, F32(0), inter / np.where(union <= 0, F32(1), union))


def greedy_nms(boxes: np.ndarray, threshold: float, limit: int) -> list[int]:
    """Indices of kept boxes (already sorted best first): a box overlapping a kept one by more
    than `threshold` is dropped."""
    keep: list[int] = []
    alive = np.arange(len(boxes))
    while alive.size and len(keep) < limit:
        i = alive[0]
        keep.append(int(i))
        rest = alive[1:]
        alive = rest[iou(boxes[i], boxes[rest]) <= threshold]
    return keep


class Reference:
    def __init__(self, threads: int = 1, models: str | tuple[str, ...] = "default", fusion: str = "mean"):
        self.models = parse_models(models) if isinstance(models, str) else tuple(o for o in OPINIONS if o in models)
        if not self.models:
            raise ValueError("no liveness opinion")
        if fusion not in FUSIONS:
            raise ValueError(f"unknown fusion {fusion!r} (one of {', '.join(FUSIONS)})")
        self.fusion = fusion
        # OpenCV's pool: sequential for one thread (0 turns its threading off), else `threads`.
        cv2.setNumThreads(0 if threads <= 1 else threads)
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.log_severity_level = 3

        def session(name: str) -> ort.InferenceSession:
            return ort.InferenceSession(os.path.join(MODELS, name), so, providers=["CPUExecutionProvider"])

        self.det = session("retinaface_silentface.onnx")
        self.onet = session("mtcnn_onet.onnx")
        self.live = (
            [
                ("minifasnet_v2", session("minifasnet_v2_scale2.7_80x80.onnx"), 2.7),
                ("minifasnet_v1se", session("minifasnet_v1se_scale4.0_80x80.onnx"), 4.0),
            ]
            if "minifasnet" in self.models
            else []
        )
        self.suri = session("suri_minifasv2se_128x128.onnx") if "suri" in self.models else None
        self._priors: dict[tuple[int, int], np.ndarray] = {}

    # ---- RetinaFace ----

    def priors(self, w: int, h: int) -> np.ndarray:
        key = (w, h)
        if key not in self._priors:
            heads = []
            for step, sizes in HEADS:
                # Order: row, column, then size (Caffe's PriorBox), computed in f64.
                ys, xs = np.meshgrid(np.arange(-(-h // step)), np.arange(-(-w // step)), indexing="ij")
                cx = (xs.ravel() + 0.5) * step
                cy = (ys.ravel() + 0.5) * step
                per_size = [np.stack([cx - s / 2, cy - s / 2, cx + s / 2, cy + s / 2], 1) for s in sizes]
                heads.append(np.stack(per_size, 1).reshape(-1, 4) / np.array([w, h, w, h], np.float64))
            self._priors[key] = np.concatenate(heads).astype(np.float32)
        return self._priors[key]

    def detect(self, img: np.ndarray, w: int, h: int) -> list[tuple[np.ndarray, float]]:
        """Faces at network input `w x h`: (box x0,y0,x1,y1 in original pixels f32, score)."""
        h0, w0 = img.shape[:2]
        small = img if (w, h) == (w0, h0) else cv2.resize(img, (w, h), interpolation=cv2.INTER_LINEAR)
        blob = (small.astype(np.float32) - MEAN_BGR).transpose(2, 0, 1)[None]
        loc, conf = self.det.run(["loc", "conf"], {"data": blob})
        loc, scores = loc[0], conf[0][:, 1]
        cand = np.nonzero(scores > CONF_THRESHOLD)[0]
        order = cand[np.argsort(-scores[cand], kind="stable")][:NMS_TOP_K]
        if order.size == 0:
            return []
        pri = self.priors(w, h)[order]
        lo = loc[order]
        pw, ph = pri[:, 2] - pri[:, 0], pri[:, 3] - pri[:, 1]
        pcx, pcy = (pri[:, 0] + pri[:, 2]) / F32(2), (pri[:, 1] + pri[:, 3]) / F32(2)
        cx = F32(VARIANCE[0]) * lo[:, 0] * pw + pcx
        cy = F32(VARIANCE[0]) * lo[:, 1] * ph + pcy
        bw = np.exp(F32(VARIANCE[1]) * lo[:, 2]) * pw
        bh = np.exp(F32(VARIANCE[1]) * lo[:, 3]) * ph
        boxes = np.stack([cx - bw / F32(2), cy - bh / F32(2), cx + bw / F32(2), cy + bh / F32(2)], 1)
        keep = greedy_nms(boxes, NMS_IOU, KEEP_TOP_K)
        scale = np.array([w0, h0, w0, h0], np.float32)
        return [(boxes[i] * scale, float(scores[order[i]])) for i in keep]

    # ---- MTCNN O-Net landmarks ----

    def landmarks(self, img: np.ndarray, box: np.ndarray) -> list[tuple[float, float]]:
        """Five landmarks from O-Net on the square around `box`: the window is resampled to
        48x48 with an exact box filter (zero padding outside the image), as the MTCNN lineage
        and the engine do. `cv2.resize(INTER_AREA)` of an integer crop moves landmarks by up to
        9 px, enough to change yaw by degrees, so the filter is two small matrix products."""
        x0f, y0f, x1f, y1f = (float(v) for v in box)
        side = max(x1f - x0f, y1f - y0f)
        x0 = (x0f + x1f) / 2.0 - side / 2.0
        y0 = (y0f + y1f) / 2.0 - side / 2.0
        H, W = img.shape[:2]
        cx, wx = box_filter(x0, side, 48, W)
        cy, wy = box_filter(y0, side, 48, H)
        rows = img[cy : cy + wy.shape[1], cx : cx + wx.shape[1], ::-1]  # RGB
        if rows.size == 0:
            patch = np.zeros((48, 48, 3), np.float32)
        else:
            r, c = rows.shape[:2]
            tmp = (wy @ rows.reshape(r, c * 3).astype(np.float32)).reshape(48, c, 3)
            # patch[x, y] = sum_w wx[x, w] * tmp[y, w]: width and height swapped (Keras port).
            # Batched matmul (BLAS), not einsum, which takes ~7 ms here.
            patch = np.matmul(wx, tmp).transpose(1, 0, 2)
        x = (patch - F32(127.5)) * F32(0.0078125)
        raw = self.onet.run(["dense_6"], {"input_3": np.ascontiguousarray(x[None], np.float32)})[0][0]
        return [(x0 + side * float(raw[i]), y0 + side * float(raw[i + 5])) for i in range(5)]

    # ---- the pipeline ----

    def analyze_bytes(self, data: bytes) -> dict:
        buf = np.frombuffer(data, np.uint8)
        scale = reduction_for(data)
        if scale > 1:
            img = cv2.imdecode(buf, REDUCED_FLAG[scale])  # BGR, EXIF applied, DCT-scaled
            r = None if img is None else self.analyze_image(img, scale)
            if r is not None:
                return r
        img = cv2.imdecode(buf, cv2.IMREAD_COLOR)  # BGR, EXIF applied
        if img is None:
            return {"resolution": "FAILED", "reason": "INPUT_ERROR", "box": None, "p_real": None, "faces": 0}
        return self.analyze_image(img)

    def faces(self, img: np.ndarray) -> tuple[tuple[np.ndarray, float] | None, list[tuple[np.ndarray, float]]]:
        """The analysed face (best of the first pass with score >= MIN_SCORE, else of the
        counting pass; None if neither) and the faces that count."""
        h0, w0 = img.shape[:2]
        small_size = liveness_input_size(w0, h0)
        small = self.detect(img, *small_size)
        count_size = long_side_input_size(w0, h0, COUNT_LONG_SIDE)
        large = self.detect(img, *count_size) if count_size != small_size and needs_count_pass(small) else []

        # Faces that count: confident at either size, merged by NMS, not tiny.
        both = [d for d in small + large if d[1] >= COUNT_MIN_SCORE]
        both.sort(key=lambda d: -d[1])
        counted: list[tuple[np.ndarray, float]] = []
        for d in both:
            if not counted or (iou(d[0], np.stack([c[0] for c in counted])) <= NMS_IOU).all():
                counted.append(d)
        if counted:
            largest = max(float(max(c[0][3] - c[0][1], F32(0))) for c in counted)
            counted = [c for c in counted if float(max(c[0][3] - c[0][1], F32(0))) >= COUNT_MIN_RELATIVE_SIZE * largest]

        primary = small[0] if small and small[0][1] >= MIN_SCORE else None
        if primary is None:
            primary = next((d for d in large if d[1] >= MIN_SCORE), None)
        return primary, counted

    def analyze_image(self, img: np.ndarray, scale: int = 1) -> dict | None:
        """The pipeline on a decoded BGR image reduced `scale` times from the full-size one;
        None when a reduced image is not enough (no face, or a small one). Boxes and
        landmarks are reported in full-size pixels."""
        out = {"resolution": "FAILED", "reason": None, "box": None, "p_real": None, "faces": 0}
        primary, counted = self.faces(img)
        if scale > 1:
            side = None if primary is None else min(primary[0][2] - primary[0][0], primary[0][3] - primary[0][1])
            if side is None or side < MIN_FACE_SIDE:
                return None  # decode again at full size
        if primary is None:
            out["reason"] = "NO_FACE"
            return out
        b = primary[0]
        bbox = box_xywh(b)
        if bbox[2] < 2 or bbox[3] < 2:
            out["reason"] = "NO_FACE"
            return out
        lm = self.landmarks(img, b)

        others = [c for c in counted if iou(c[0], b[None])[0] < 0.3]
        out["box"] = [v * scale for v in bbox]
        out["faces"] = 1 + len(others)
        out["landmarks"] = [[round(p[0] * scale, 2), round(p[1] * scale, 2)] for p in lm]
        if others:
            out["reason"] = "MULTIPLE_FACES"
            return out

        failed = self.quality(img, bbox, lm, scale)
        out["quality_failed"] = failed
        if failed:
            out["reason"] = "LOW_QUALITY"
            return out

        live = self.liveness(img, bbox, scale)
        spoof = round6(1.0 - live["p_real_exact"])
        out["p_real"] = live["p_real"]
        out["liveness"] = {k: v for k, v in live.items() if k != "p_real_exact"}
        out["resolution"] = "DECLINED" if spoof >= THRESHOLD else "SUCCESS"
        return out

    # ---- liveness ----

    def liveness(self, img: np.ndarray, bbox: list[int], scale: int = 1) -> dict:
        """The opinions on the face `bbox` ([x, y, w, h] in `img` pixels) and their fusion,
        shaped like the engine's `liveness` JSON (crops [x0, y0, x1, y1] inclusive, in full-size
        pixels, `scale` being the decode reduction). A photo has one analysed face, so every
        model runs once at N = 1 (the two MiniFASNets are separate graphs; Suri's batch axis
        would take more faces)."""
        H, W = img.shape[:2]
        models = []
        opinions = []
        exact = []
        if self.live:
            mf = []
            for name, sess, crop_scale in self.live:
                x0, y0, x1, y1 = crop_rect(bbox, crop_scale, W, H)
                crop = cv2.resize(img[y0 : y1 + 1, x0 : x1 + 1], (80, 80), interpolation=cv2.INTER_LINEAR)
                batch = crop.astype(np.float32).transpose(2, 0, 1)[None]  # BGR, 0..255
                logits = sess.run(["logits"], {"input": batch})[0][0]
                p = float(softmax(logits)[1])
                mf.append(p)
                crop_box = [x0 * scale, y0 * scale, (x1 + 1) * scale - 1, (y1 + 1) * scale - 1]
                models.append(model_score(name, "minifasnet", p, crop_box, crop_scale))
            p_mf = sum(mf) / len(mf)
            opinions.append({"opinion": "minifasnet", "p_real": round6(p_mf), "models": [m[0] for m in self.live]})
            exact.append(p_mf)
        if self.suri is not None:
            crop, (sx0, sy0, sx1, sy1) = suri_crop(img, bbox)
            batch = (crop[:, :, ::-1].astype(np.float32) / F32(255)).transpose(2, 0, 1)[None]  # RGB, 0..1
            logits = self.suri.run(["output"], {"input": np.ascontiguousarray(batch)})[0][0]
            p = float(softmax(logits)[0])
            exact.append(p)
            crop_box = [sx0 * scale, sy0 * scale, sx1 * scale - 1, sy1 * scale - 1]
            models.append(model_score("suri_minifasv2se", "suri", p, crop_box, 1.5))
            opinions.append({"opinion": "suri", "p_real": round6(p), "models": ["suri_minifasv2se"]})
        if len(exact) == 1:
            p_real = exact[0]
        elif self.fusion == "max":
            p_real = 1.0 - max(1.0 - p for p in exact)
        else:
            p_real = 1.0 - sum(1.0 - p for p in exact) / len(exact)
        return {
            "p_real": round6(p_real),
            "p_real_exact": p_real,
            "fusion": self.fusion,
            "opinions": opinions,
            "models": models,
        }

    @staticmethod
    def quality(img: np.ndarray, bbox: list[int], lm: list[tuple[float, float]], scale: int) -> list[str]:
        H, W = img.shape[:2]
        x, y, w, h = bbox
        failed = []
        if min(w, h) * scale < MIN_FACE_PX:  # full-size pixels
            failed.append("face_size")
        area = w * h
        iw = max(min(x + w, W) - max(x, 0), 0)
        ih = max(min(y + h, H) - max(y, 0), 0)
        outside = 1.0 if area <= 0 else min(max(1.0 - iw * ih / area, 0.0), 1.0)
        if outside > MAX_OUTSIDE:
            failed.append("face_inside")
        x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w - 1, W - 1), min(y + h - 1, H - 1)
        if x0 <= x1 and y0 <= y1:
            patch = cv2.resize(img[y0 : y1 + 1, x0 : x1 + 1], (112, 112), interpolation=cv2.INTER_LINEAR)
            p = patch.astype(np.float32)
            grey = np.floor(F32(0.299) * p[:, :, 2] + F32(0.587) * p[:, :, 1] + F32(0.114) * p[:, :, 0] + F32(0.5))
            lap = (grey[:-2, 1:-1] + grey[2:, 1:-1] + grey[1:-1, :-2] + grey[1:-1, 2:] - F32(4) * grey[1:-1, 1:-1])
            lap = lap.astype(np.float64)
            mean = lap.mean()
            sharp = max(float((lap * lap).mean() - mean * mean), 0.0)
            bright = float(grey.astype(np.float64).mean())
            if sharp < MIN_SHARPNESS:
                failed.append("sharpness")
            if bright < MIN_BRIGHTNESS:
                failed.append("brightness_low")
            if bright > MAX_BRIGHTNESS:
                failed.append("brightness_high")
        yaw, roll = pose(lm)
        if abs(yaw) > MAX_YAW:
            failed.append("yaw")
        if abs(roll) > MAX_ROLL:
            failed.append("roll")
        return failed


def box_xywh(b: np.ndarray) -> list[int]:
    """The original pipeline's integer box [x, y, w, h] of a detection (x0, y0, x1, y1)."""
    return [int(b[0]), int(b[1]), int(b[2] - b[0] + F32(1)), int(b[3] - b[1] + F32(1))]


def parse_models(text: str) -> tuple[str, ...]:
    """`minifasnet,suri`, `minifasnet`, `suri`, or a profile name (`default`, `fast`)."""
    if text in PROFILES:
        return PROFILES[text]
    names = [t.strip() for t in text.split(",") if t.strip()]
    bad = [n for n in names if n not in OPINIONS]
    if bad or not names or len(set(names)) != len(names):
        raise ValueError(f"liveness models {text!r}: expected {', '.join(OPINIONS)} (comma-separated), default or fast")
    return tuple(o for o in OPINIONS if o in names)


def model_score(model: str, opinion: str, p_real: float, crop: list[int], crop_scale: float) -> dict:
    """One entry of the engine's `liveness.models`."""
    return {"model": model, "opinion": opinion, "p_real": round6(p_real), "crop": crop, "crop_scale": crop_scale}


def round6(v: float) -> float:
    return math.floor(v * 1e6 + 0.5) / 1e6


def softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits.astype(np.float64) - logits.max())
    return e / e.sum()


def suri_crop(img: np.ndarray, bbox: list[int]) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """Suri's 128x128 BGR input (uint8) for the face `bbox` [x, y, w, h], and the square it was
    cut from (x0, y0, x1, y1), exclusive, possibly reaching outside the image. MODELS.md: a
    1.5 x max(w, h) square around the box centre (f64, truncated toward zero), the part outside
    the image filled with BORDER_REFLECT_101, resized to n = trunc(S * 128 / S) with INTER_AREA
    when shrinking (INTER_LANCZOS4 when enlarging), then REFLECT_101-padded to 128 if n < 128."""
    x, y, w, h = bbox
    H, W = img.shape[:2]
    m = max(w, h)
    cx, cy = x + w / 2.0, y + h / 2.0
    X, Y, S = int(cx - 0.75 * m), int(cy - 0.75 * m), int(1.5 * m)
    patch = img[max(0, Y) : min(H, Y + S), max(0, X) : min(W, X + S)]
    top, left, bottom, right = max(0, -Y), max(0, -X), max(0, Y + S - H), max(0, X + S - W)
    if top or left or bottom or right:
        patch = cv2.copyMakeBorder(patch, top, bottom, left, right, cv2.BORDER_REFLECT_101)
    r = SURI_SIZE / S
    n = int(S * r)
    patch = cv2.resize(patch, (n, n), interpolation=cv2.INTER_AREA if r <= 1 else cv2.INTER_LANCZOS4)
    if n < SURI_SIZE:
        a = (SURI_SIZE - n) // 2
        b = SURI_SIZE - n - a
        patch = cv2.copyMakeBorder(patch, a, b, a, b, cv2.BORDER_REFLECT_101)
    return patch, (X, Y, X + S, Y + S)


def box_filter(start: float, span: float, dst: int, n: int) -> tuple[int, np.ndarray]:
    """Weights [dst, k] of an area resampling of `[start, start + span)` onto `dst` pixels over
    the source pixels `first .. first + k` (pixels outside `0..n` are zero)."""
    step = span / dst
    a = start + np.arange(dst) * step
    b = a + step
    first = max(int(math.floor(a[0])), 0)
    last = min(int(math.ceil(b[-1])), n)
    if last <= first:
        return 0, np.zeros((dst, 0), np.float32)
    i = np.arange(first, last, dtype=np.float64)
    w = np.clip(np.minimum(b[:, None], i + 1) - np.maximum(a[:, None], i), 0, None) / step
    return first, w.astype(np.float32)


def pose(lm: list[tuple[float, float]]) -> tuple[float, float]:
    (lx, ly), (rx, ry), (nx, ny) = lm[0], lm[1], lm[2]
    dx, dy = rx - lx, ry - ly
    roll = math.degrees(math.atan2(dy, dx))
    dist = math.hypot(dx, dy)
    if dist < 1e-6:
        return 90.0, roll
    mx, my = (lx + rx) / 2.0, (ly + ry) / 2.0
    along = ((nx - mx) * dx + (ny - my) * dy) / dist
    return math.degrees(math.asin(min(max(2.0 * along / dist, -1.0), 1.0))), roll


def crop_rect(bbox: list[int], scale: float, W: int, H: int) -> tuple[int, int, int, int]:
    """Silent-Face-Anti-Spoofing's `_get_new_box`: inclusive (x0, y0, x1, y1)."""
    x, y, w, h = bbox
    s = min((H - 1) / h, (W - 1) / w, scale)
    nw, nh = w * s, h * s
    cx, cy = x + w / 2, y + h / 2
    x0, y0, x1, y1 = cx - nw / 2, cy - nh / 2, cx + nw / 2, cy + nh / 2
    if x0 < 0:
        x1 -= x0
        x0 = 0
    if y0 < 0:
        y1 -= y0
        y0 = 0
    if x1 > W - 1:
        x0 -= x1 - W + 1
        x1 = W - 1
    if y1 > H - 1:
        y0 -= y1 - H + 1
        y1 = H - 1

    def clamp(v: float, n: int) -> int:
        return min(max(int(v), 0), n - 1)

    r = (clamp(x0, W), clamp(y0, H), clamp(x1, W), clamp(y1, H))
    return r[0], r[1], max(r[2], r[0]), max(r[3], r[1])


# ---- worker ----


def run(ref: Reference, data: bytes, seconds: float, count: int) -> dict:
    lat = []
    start = time.perf_counter()
    while True:
        if count > 0:
            if len(lat) >= count:
                break
        elif time.perf_counter() - start >= seconds:
            break
        t = time.perf_counter()
        r = ref.analyze_bytes(data)
        lat.append((time.perf_counter() - t) * 1e3)
        if r["reason"] == "INPUT_ERROR":
            return {"ok": False, "error": "cannot decode input"}
    wall = time.perf_counter() - start
    s = sorted(lat)

    def pct(q: float) -> float:
        return s[min(round((len(s) - 1) * q), len(s) - 1)] if s else 0.0

    return {
        "ok": True,
        "calls": len(s),
        "images": len(s),
        "wall_s": wall,
        "p50_ms": pct(0.5),
        "p99_ms": pct(0.99),
        "lat_ms": [round(v, 3) for v in s],
    }


def worker(threads: int, models: str | tuple[str, ...], fusion: str) -> None:
    ref = Reference(threads, models, fusion)
    inputs: dict[str, bytes] = {}
    ref.analyze_image(np.full((640, 480, 3), 128, np.uint8))  # warm-up (finds no face)
    ref.liveness(np.full((480, 640, 3), 128, np.uint8), [200, 140, 200, 200])  # warm-up of the liveness models
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            cmd = json.loads(line)
            op = cmd.get("op")
            if op == "load":
                with open(cmd["path"], "rb") as f:
                    inputs[cmd["name"]] = f.read()
                ans = {"ok": True, "bytes": len(inputs[cmd["name"]])}
            elif op == "verdict":
                ans = {"ok": True, "verdict": ref.analyze_bytes(inputs[cmd["name"]])}
            elif op == "run":
                ans = run(ref, inputs[cmd["name"]], float(cmd.get("seconds", 0)), int(cmd.get("count", 0)))
            elif op == "info":
                ans = {"ok": True, "models": list(ref.models), "fusion": ref.fusion}
            elif op == "quit":
                print(json.dumps({"ok": True}), flush=True)
                return
            else:
                ans = {"ok": False, "error": f"unknown op {op!r}"}
        except Exception as e:  # report, keep serving
            ans = {"ok": False, "error": f"{type(e).__name__}: {e}"}
        print(json.dumps(ans), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("analyze")
    a.add_argument("files", nargs="+")
    w = sub.add_parser("worker")
    for p in (a, w):
        p.add_argument("--threads", type=int, default=1)
        p.add_argument("--models", type=parse_models, default=PROFILES["default"], metavar="M")
        p.add_argument("--fusion", choices=FUSIONS, default="mean")
    args = ap.parse_args()
    if args.cmd == "worker":
        worker(args.threads, args.models, args.fusion)
        return
    ref = Reference(args.threads, args.models, args.fusion)
    for path in args.files:
        with open(path, "rb") as f:
            r = ref.analyze_bytes(f.read())
        print(json.dumps({"source": path, **r}), flush=True)


if __name__ == "__main__":
    main()
