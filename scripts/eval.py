#!/usr/bin/env python3
"""`make eval`: liveness accuracy in ISO/IEC 30107-3 terms (method: docs/ACCURACY.md).

Scores labelled folders, each with a MANIFEST.tsv (`file`, `label` live|spoof, `attack_type`;
other columns ignored, `sha256` checked when present), through the release CLI
(`ozinstant analyze --format jsonl --no-progress FILES...`), and reports for every system (each
liveness model, each opinion, the `mean` and `max` fusion of the opinions, and the engine's own
verdict) APCER per PAI species and APCER_max, BPCER, the EER, BPCER at APCER 5 % and 10 %,
APCER at BPCER 5 %, the thresholds for BPCER 2 / 5 / 10 % (order statistic and Harrell-Davis
estimate), what the engine's security-level thresholds give, and 95 % bootstrap intervals of
every figure; a DET plot goes to --plot-dir, all figures to --json.

    scripts/eval.py [--set DIR[,DIR...]] [--cli PATH] [--cli-args "ARGS"] [--json FILE]
                    [--plot-dir DIR] [--bootstrap N] [--seed S] [--apcer max|pooled]
                    [--operator-required reject|accept] [--levels LOW,MEDIUM,HIGH] [--per-file]

Conventions: a score is P(attack); a presentation is classified an attack when its score is at
or above the threshold t (the engine's rule). An image without a liveness score (FAILED: no
face, several faces, low quality, input error) is rejected at every threshold, by every system.
"""
from __future__ import annotations

import argparse
import collections
import csv
import functools
import hashlib
import json
import math
import os
import shlex
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SETS = ["samples", "../shared/devset"]  # relative to the repo root; the second if present
REJECTED = math.inf  # the score of a presentation rejected before liveness: attack at any t
LIVE = "live"
SPOOF = "spoof"
BONA_FIDE_SPECIES = "none"
RESOLUTIONS = {"SUCCESS", "DECLINED", "FAILED", "OPERATOR_REQUIRED"}
# The operating points reported for every system.
APCER_TARGETS = (0.05, 0.10)  # BPCER @ APCER = x
BPCER_TARGETS = (0.05,)  # APCER @ BPCER = x
LEVELS = (("low", 0.02), ("medium", 0.05), ("high", 0.10))  # security level -> BPCER target
THRESHOLD_DECIMALS = 4  # security-level thresholds are the smallest on this decimal grid
# The engine's security-level thresholds (core/src/decision.rs SecurityLevel::threshold), scored
# by table [5]; `--levels` overrides them.
ENGINE_LEVELS = {"low": 0.54, "medium": 0.50, "high": 0.44}


# --------------------------------------------------------------------------------------------
# Metrics. Scores are numpy float arrays; REJECTED (+inf) marks a presentation without a
# liveness score. A presentation is classified an attack when score >= t, so:
#   BPCER(t) = #{live : score >= t} / #live
#   APCER_s(t) = #{attack of species s : score < t} / #attacks of s
# and APCER(t) is the worst species' (APCER_max, ISO/IEC 30107-3) or, with mode "pooled", the
# rate over all attack presentations together.
# --------------------------------------------------------------------------------------------


def bpcer_at(live: np.ndarray, t: float) -> float:
    """Share of bona fide presentations classified as attacks (score >= t)."""
    return float(np.count_nonzero(live >= t)) / len(live)


def apcer_at(attacks: np.ndarray, t: float) -> float:
    """Share of attack presentations classified as bona fide (score < t)."""
    return float(np.count_nonzero(attacks < t)) / len(attacks)


def species_apcer_at(species: dict[str, np.ndarray], t: float) -> dict[str, float]:
    return {s: apcer_at(a, t) for s, a in species.items()}


def combine_apcer(per_species: dict[str, float], species: dict[str, np.ndarray], mode: str) -> float:
    """APCER_max (the worst species) or the pooled APCER over all attack presentations."""
    if mode == "max":
        return max(per_species.values())
    n = sum(len(a) for a in species.values())
    return sum(per_species[s] * len(a) for s, a in species.items()) / n


def det_curve(live: np.ndarray, species: dict[str, np.ndarray], mode: str = "max"):
    """The empirical DET: (thresholds, APCER, BPCER) at every threshold where either changes.

    Thresholds are -inf (everything an attack: APCER 0, BPCER 1), every distinct finite score
    (at t = a score, presentations with that score are attacks), and +inf (every scored
    presentation bona fide; rejections stay rejected, so the curve may end short of APCER 1 or
    BPCER 0). As t rises APCER never falls and BPCER never rises.
    """
    finite = [live[np.isfinite(live)]] + [a[np.isfinite(a)] for a in species.values()]
    ts = np.concatenate(([-math.inf], np.unique(np.concatenate(finite)), [math.inf]))
    live_sorted = np.sort(live)
    bpcer = (len(live) - np.searchsorted(live_sorted, ts, side="left")) / len(live)
    per = []
    for a in species.values():
        per.append(np.searchsorted(np.sort(a), ts, side="left") / len(a))
    per = np.array(per)
    if mode == "max":
        apcer = per.max(axis=0)
    else:
        sizes = np.array([len(a) for a in species.values()], dtype=float)
        apcer = (per * sizes[:, None]).sum(axis=0) / sizes.sum()
    return ts, apcer, bpcer


def eer(apcer: np.ndarray, bpcer: np.ndarray) -> float | None:
    """Equal error rate, interpolated linearly on the DET segment where APCER - BPCER changes
    sign; None when the curve never reaches APCER >= BPCER (rejections of live images alone
    exceed every APCER)."""
    d = apcer - bpcer
    hits = np.nonzero(d >= 0)[0]
    if len(hits) == 0:
        return None
    k = int(hits[0])
    if d[k] == 0 or k == 0:
        return float(apcer[k])
    lam = -d[k - 1] / (d[k] - d[k - 1])
    return float(apcer[k - 1] + lam * (apcer[k] - apcer[k - 1]))


def bpcer_at_apcer(apcer: np.ndarray, bpcer: np.ndarray, x: float) -> float:
    """The lowest BPCER over thresholds where APCER <= x (always defined: t = -inf gives
    APCER 0)."""
    ok = apcer <= x + 1e-12
    return float(bpcer[ok].min())


def apcer_at_bpcer(apcer: np.ndarray, bpcer: np.ndarray, x: float) -> float | None:
    """The lowest APCER over thresholds where BPCER <= x; None when no threshold gets BPCER
    that low (rejected live images alone exceed x)."""
    ok = bpcer <= x + 1e-12
    if not ok.any():
        return None
    return float(apcer[ok].min())


def allowed_errors(target: float, n: int) -> int:
    """How many of n presentations a rate of at most `target` allows (floor(target * n))."""
    return math.floor(target * n + 1e-9)


def threshold_for_bpcer(live: np.ndarray, target: float, decimals: int = THRESHOLD_DECIMALS) -> float | None:
    """The smallest threshold t on a 10^-decimals grid with BPCER(t) <= target, rejections of
    live images counted (they are attacks at every t).

    With n live images the target allows m = floor(target * n) of them at or above t. If the
    rejections alone are more than m, no threshold reaches the target: None. Otherwise, with
    the scored live images sorted from the highest score down, the (m - rejections + 1)-th
    must fall below t, so t is the first grid point above it (ties with it fall below t too).
    None as well when that point would be above 1 (a live image scored 1.0 is an attack at any
    threshold the engine accepts).
    """
    n = len(live)
    m = allowed_errors(target, n)
    finite = np.sort(live[np.isfinite(live)])[::-1]
    free = m - (n - len(finite))  # scored live images allowed at or above t
    if free < 0:
        return None
    if free >= len(finite):  # every scored live image may be rejected: any t works
        return 0.0
    pivot = float(finite[free])  # must be < t
    scale = 10**decimals
    g = math.floor(pivot * scale) + 1
    while (g - 1) / scale > pivot:  # floating-point guard: the grid point just above pivot
        g -= 1
    while g / scale <= pivot:
        g += 1
    t = g / scale
    if t > 1.0:
        return None
    return round(t, decimals)


# --------------------------------------------------------------------------------------------
# Harrell-Davis quantile estimate (Harrell & Davis 1982): a Beta-weighted mean of every order
# statistic, so that no single image sets the estimate. With x_(1) <= ... <= x_(n) and
# a = (n + 1) q, b = (n + 1)(1 - q):
#   HD(q) = sum_i W_i x_(i),  W_i = I_{i/n}(a, b) - I_{(i-1)/n}(a, b)
# where I_x(a, b) is the regularized incomplete beta function (computed here with its continued
# fraction, modified Lentz, as in Numerical Recipes' betacf; no scipy).
# --------------------------------------------------------------------------------------------

BETACF_EPS = 1e-15
BETACF_MAXIT = 10000


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (converges fast for x < (a+1)/(a+b+2))."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, BETACF_MAXIT + 1):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))  # even step
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))  # odd step
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < BETACF_EPS:
            return h
    raise ArithmeticError(f"incomplete beta: no convergence for a={a}, b={b}, x={x}")


def betainc(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b) = B(x; a, b) / B(a, b), a, b > 0."""
    if a <= 0 or b <= 0:
        raise ValueError("betainc needs a > 0 and b > 0")
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    ln_front = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                + a * math.log(x) + b * math.log1p(-x))
    front = math.exp(ln_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b  # I_x(a, b) = 1 - I_{1-x}(b, a)


@functools.lru_cache(maxsize=4096)
def _hd_weights(n: int, q: float) -> tuple:
    a, b = (n + 1) * q, (n + 1) * (1.0 - q)
    cdf = [betainc(a, b, i / n) for i in range(n + 1)]
    return tuple(cdf[i] - cdf[i - 1] for i in range(1, n + 1))


def hd_weights(n: int, q: float) -> np.ndarray:
    """The Harrell-Davis weights W_1..W_n of the order statistics for quantile q (they sum to 1)."""
    if n < 1:
        raise ValueError("hd_weights needs n >= 1")
    if not 0.0 < q < 1.0:
        raise ValueError("the Harrell-Davis quantile needs 0 < q < 1")
    return np.array(_hd_weights(int(n), float(q)))


def harrell_davis(values: np.ndarray, q: float) -> float | None:
    """Harrell-Davis estimate of the q-quantile of `values` (finite ones; None when there are none)."""
    x = np.sort(np.asarray(values, dtype=float))
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return None
    return float(np.dot(hd_weights(len(x), q), x))


def parse_levels(text: str) -> dict[str, float]:
    """`--levels LOW,MEDIUM,HIGH` -> {"low": .., "medium": .., "high": ..} (thresholds in 0..1)."""
    parts = [p for p in text.replace(" ", "").split(",") if p]
    if len(parts) != len(LEVELS):
        raise argparse.ArgumentTypeError(f"--levels needs {len(LEVELS)} thresholds (low,medium,high), not {text!r}")
    try:
        vals = [float(p) for p in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--levels: not numbers: {text!r}") from None
    if any(not 0.0 <= v <= 1.0 for v in vals):
        raise argparse.ArgumentTypeError(f"--levels: thresholds are in 0..1, not {text!r}")
    return {lvl: v for (lvl, _), v in zip(LEVELS, vals)}


def system_metrics(live: np.ndarray, species: dict[str, np.ndarray], tau: float, mode: str = "max",
                   live_decision: np.ndarray | None = None,
                   species_decision: dict[str, np.ndarray] | None = None,
                   levels: dict[str, float] | None = None) -> dict:
    """Every figure of one system. `live_decision` / `species_decision` (True = classified an
    attack) replace `score >= tau` for the fixed-threshold rates (the engine's own verdicts).
    `levels` (level -> threshold, default ENGINE_LEVELS) are scored from the scores (score >= t),
    whatever the decisions: `level_<name>_*` figures."""
    if levels is None:
        levels = ENGINE_LEVELS
    if live_decision is None:
        live_decision = live >= tau
    if species_decision is None:
        species_decision = {s: a >= tau for s, a in species.items()}
    per = {s: float(np.count_nonzero(~d)) / len(d) for s, d in species_decision.items()}
    out = {
        "bpcer": float(np.count_nonzero(live_decision)) / len(live_decision),
        "apcer_species": per,
        "apcer_max": max(per.values()),
        "apcer_pooled": combine_apcer(per, species, "pooled"),
    }
    _, a, b = det_curve(live, species, mode)
    out["eer"] = eer(a, b)
    for x in APCER_TARGETS:
        out[f"bpcer_at_apcer_{pct(x)}"] = bpcer_at_apcer(a, b, x)
    for x in BPCER_TARGETS:
        out[f"apcer_at_bpcer_{pct(x)}"] = apcer_at_bpcer(a, b, x)
    scored = live[np.isfinite(live)]
    for name, x in LEVELS:
        # Harrell-Davis estimate of the scored live images' (1 - x)-quantile: the threshold above
        # which a share x of them is expected (rejections before liveness left out, as for t*).
        out[f"threshold_{name}_hd"] = harrell_davis(scored, 1.0 - x)
        t = threshold_for_bpcer(live, x)
        t_scored = threshold_for_bpcer(scored, x) if len(scored) else None
        out[f"threshold_{name}"] = t
        out[f"threshold_{name}_scored_only"] = t_scored
        for suffix, tt in (("", t), ("_scored_only", t_scored)):
            out[f"bpcer_at_threshold_{name}{suffix}"] = None if tt is None else bpcer_at(live, tt)
            out[f"apcer_at_threshold_{name}{suffix}"] = (
                None if tt is None else combine_apcer(species_apcer_at(species, tt), species, mode))
    for name, t in levels.items():
        per_t = species_apcer_at(species, t)
        out[f"level_{name}_bpcer"] = bpcer_at(live, t)
        out[f"level_{name}_bpcer_scored"] = bpcer_at(scored, t) if len(scored) else None
        out[f"level_{name}_apcer_species"] = per_t
        out[f"level_{name}_apcer_max"] = max(per_t.values())
        out[f"level_{name}_apcer_pooled"] = combine_apcer(per_t, species, "pooled")
    return out


def pct(x: float) -> str:
    return f"{round(x * 100):d}"


# --------------------------------------------------------------------------------------------
# Bootstrap
# --------------------------------------------------------------------------------------------


def bootstrap(systems: dict, live_idx: np.ndarray, species_idx: dict[str, np.ndarray], tau: float, mode: str,
              resamples: int, seed: int, levels: dict[str, float] | None = None) -> dict:
    """95 % percentile intervals of every figure of every system.

    Each resample draws the live images with replacement (as many as there are) and, within
    each PAI species separately, that species' attacks with replacement, so every species keeps
    its count; the same resample is used for every system (paired). A figure undefined in some
    resamples (e.g. APCER @ BPCER 5 % when rejections alone exceed 5 %) gets its interval from
    the resamples where it is defined, and `defined` says in how many.
    """
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(resamples):
        li = rng.choice(live_idx, size=len(live_idx), replace=True)
        si = {s: rng.choice(ix, size=len(ix), replace=True) for s, ix in species_idx.items()}
        draws.append((li, si))
    out = {}
    for name, sysd in systems.items():
        score, decision = sysd["score"], sysd["decision"]
        values = collections.defaultdict(list)
        for li, si in draws:
            m = system_metrics(score[li], {s: score[ix] for s, ix in si.items()}, tau, mode,
                               decision[li], {s: decision[ix] for s, ix in si.items()}, levels)
            for k, v in flatten(m).items():
                values[k].append(v)
        out[name] = {k: interval(v) for k, v in values.items()}
    return out


def flatten(m: dict) -> dict:
    flat = {}
    for k, v in m.items():
        if isinstance(v, dict):
            for s, x in v.items():
                flat[f"{k}.{s}"] = x
        else:
            flat[k] = v
    return flat


def interval(values: list) -> dict:
    defined = [v for v in values if v is not None]
    if not defined:
        return {"ci95": None, "defined": 0.0}
    lo, hi = np.percentile(np.array(defined, dtype=float), [2.5, 97.5])
    return {"ci95": [float(lo), float(hi)], "defined": len(defined) / len(values)}


# --------------------------------------------------------------------------------------------
# Manifests and the CLI
# --------------------------------------------------------------------------------------------


@dataclass
class Item:
    set_name: str
    file: str  # as in the manifest
    path: Path
    label: str  # live | spoof
    species: str  # attack_type; "none" for live
    resolution: str = ""
    reason: str | None = None
    error_code: str | None = None
    confidence_spoofing: float | None = None
    threshold: float | None = None
    fusion: str | None = None
    models: dict = field(default_factory=dict)  # model id -> p_real
    model_opinion: dict = field(default_factory=dict)  # model id -> opinion name
    opinions: dict = field(default_factory=dict)  # opinion name -> p_real
    opinion_source: str = ""  # "cli" (liveness.opinions) or "fallback" (mean of the models)

    @property
    def rejected(self) -> bool:
        """No liveness score: rejected before liveness (a rejection for every system)."""
        return self.resolution == "FAILED" or not self.models

    @property
    def reject_reason(self) -> str:
        if self.reason:
            return self.reason
        if self.error_code:
            return "INPUT_ERROR"
        return "NO_SCORE"


def split_sets(values: list[str]) -> list[str]:
    out = []
    for v in values:
        out += [p for p in v.replace(",", " ").split() if p]
    return out


def read_manifest(folder: Path, set_name: str, check_sha: bool = True) -> list[Item]:
    manifest = folder / "MANIFEST.tsv"
    if not manifest.is_file():
        raise SystemExit(f"eval: {manifest} not found (each set needs a MANIFEST.tsv, see docs/ACCURACY.md)")
    items = []
    with manifest.open(newline="", encoding="utf-8") as f:
        rows = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        missing = {"file", "label", "attack_type"} - set(rows.fieldnames or [])
        if missing:
            raise SystemExit(f"eval: {manifest}: missing column(s) {', '.join(sorted(missing))}")
        for line, row in enumerate(rows, start=2):
            file = (row["file"] or "").strip()
            if not file or file.startswith("#"):
                continue
            label = (row["label"] or "").strip().lower()
            species = (row["attack_type"] or "").strip().lower() or BONA_FIDE_SPECIES
            where = f"{manifest}:{line}"
            if label not in (LIVE, SPOOF):
                raise SystemExit(f"eval: {where}: label must be live or spoof, not {row['label']!r}")
            if label == LIVE and species != BONA_FIDE_SPECIES:
                raise SystemExit(f"eval: {where}: a live image has attack_type none, not {species!r}")
            if label == SPOOF and species == BONA_FIDE_SPECIES:
                raise SystemExit(f"eval: {where}: a spoof needs its attack_type (print, replay, mask, ...)")
            path = (folder / file).resolve()
            if not path.is_file():
                raise SystemExit(f"eval: {where}: {file} not found")
            sha = (row.get("sha256") or "").strip().lower()
            if check_sha and sha and hashlib.sha256(path.read_bytes()).hexdigest() != sha:
                raise SystemExit(f"eval: {where}: {file} does not match its sha256")
            items.append(Item(set_name, file, path, label, species))
    if not items:
        raise SystemExit(f"eval: {manifest} lists no file")
    return items


def parse_liveness(liveness: dict | None):
    """(models, model -> opinion, opinions, fusion, source) from a result's `liveness`.

    The shape with opinions: {"p_real", "fusion", "opinions": [{"opinion", "p_real", "models"}],
    "models": [{"model", "opinion", "p_real", ...}]}. Without `opinions` (today's binary) every
    model belongs to one opinion, `minifasnet`, whose p_real is the mean of the models'.
    """
    if not liveness:
        return {}, {}, {}, None, ""
    models, model_opinion = {}, {}
    for m in liveness.get("models") or []:
        models[m["model"]] = float(m["p_real"])
        if m.get("opinion"):
            model_opinion[m["model"]] = m["opinion"]
    opinions = {}
    if liveness.get("opinions"):
        for o in liveness["opinions"]:
            opinions[o["opinion"]] = float(o["p_real"])
            for mid in o.get("models") or []:
                model_opinion.setdefault(mid, o["opinion"])
        source = "cli"
    elif models:
        opinions["minifasnet"] = statistics.fmean(models.values())
        for mid in models:
            model_opinion.setdefault(mid, "minifasnet")
        source = "fallback"
    else:
        source = ""
    return models, model_opinion, opinions, liveness.get("fusion"), source


def apply_result(item: Item, r: dict) -> None:
    res = r.get("resolution")
    if res not in RESOLUTIONS:
        raise SystemExit(f"eval: {item.file}: unknown resolution {res!r}")
    item.resolution = res
    item.reason = r.get("reason")
    item.error_code = (r.get("error") or {}).get("code")
    item.confidence_spoofing = r.get("confidence_spoofing")
    item.threshold = r.get("threshold")
    (item.models, item.model_opinion, item.opinions, item.fusion, item.opinion_source) = parse_liveness(r.get("liveness"))


def run_cli(cli: Path, cli_args: list[str], items: list[Item], chunk: int = 500) -> str:
    """Scores every item with one `ozinstant analyze` per `chunk` files; returns the command."""
    base = [str(cli), "analyze", "--format", "jsonl", "--no-progress", *cli_args]
    env = dict(os.environ, ORT_DISABLE_TELEMETRY="1")
    for start in range(0, len(items), chunk):
        part = items[start:start + chunk]
        p = subprocess.run(base + [str(i.path) for i in part], cwd=ROOT, env=env, capture_output=True, text=True)
        if p.returncode not in (0, 1):  # 1: some file could not be analysed (its line says why)
            sys.stderr.write(p.stderr)
            raise SystemExit(f"eval: {cli} exited with status {p.returncode} (2: usage error, 3: the engine cannot start)")
        results = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
        results = [r for r in results if "resolution" in r and "media_index" in r]  # not a request summary
        if len(results) != len(part):
            raise SystemExit(f"eval: the CLI printed {len(results)} results for {len(part)} files")
        for item, r in zip(part, results):
            src = r.get("source")
            if src is not None and (ROOT / src).resolve() != item.path:
                raise SystemExit(f"eval: results out of order: {src} for {item.path}")
            apply_result(item, r)
    return shlex.join(base) + " FILES..."


# --------------------------------------------------------------------------------------------
# Systems
# --------------------------------------------------------------------------------------------


def build_systems(items: list[Item], operator_required: str = "reject") -> dict:
    """name -> {"kind", "id", "score" (P(attack), +inf when rejected), "decision" (attack?; the
    engine's from its resolutions, the others' set from the threshold in evaluate())}."""
    model_ids, opinion_names = [], []
    for it in items:
        for m in it.models:
            if m not in model_ids:
                model_ids.append(m)
        for o in it.opinions:
            if o not in opinion_names:
                opinion_names.append(o)

    def scores(fn):
        out = np.empty(len(items))
        for k, it in enumerate(items):
            if it.rejected:
                out[k] = REJECTED
                continue
            v = fn(it)
            if v is None:
                raise SystemExit(f"eval: {it.file}: has a liveness score but not every model's/opinion's")
            out[k] = v
        return out

    systems = {}
    for m in model_ids:
        systems[f"model {m}"] = {"kind": "model", "id": m,
                                 "score": scores(lambda it, m=m: None if m not in it.models else 1.0 - it.models[m])}
    for o in opinion_names:
        members = sorted({mid for it in items for mid, on in it.model_opinion.items() if on == o}, key=model_ids.index)
        systems[f"opinion {o}"] = {"kind": "opinion", "id": o, "models": members,
                                   "score": scores(lambda it, o=o: None if o not in it.opinions else 1.0 - it.opinions[o])}
    if opinion_names:
        def fuse(rule):
            def f(it):
                if set(it.opinions) != set(opinion_names):
                    return None
                pa = [1.0 - p for p in it.opinions.values()]
                return statistics.fmean(pa) if rule == "mean" else max(pa)
            return f
        for rule in ("mean", "max"):
            systems[f"fusion {rule}"] = {"kind": "fusion", "id": rule, "score": scores(fuse(rule))}

    def engine_score(it):
        return it.confidence_spoofing
    systems["engine"] = {"kind": "engine", "id": "engine", "score": scores(engine_score)}
    for s in systems.values():
        s["decision"] = None
    accept = {"SUCCESS"} | ({"OPERATOR_REQUIRED"} if operator_required == "accept" else set())
    systems["engine"]["decision"] = np.array([it.resolution not in accept for it in items])
    return systems


def evaluate(items: list[Item], tau: float, mode: str, resamples: int, seed: int, operator_required: str,
             levels: dict[str, float] | None = None) -> dict:
    levels = dict(ENGINE_LEVELS if levels is None else levels)
    systems = build_systems(items, operator_required)
    labels = np.array([it.label for it in items])
    live_idx = np.nonzero(labels == LIVE)[0]
    species_names = sorted({it.species for it in items if it.label == SPOOF})
    species_idx = {s: np.array([k for k, it in enumerate(items) if it.label == SPOOF and it.species == s]) for s in species_names}
    if len(live_idx) == 0 or not species_idx:
        raise SystemExit("eval: the sets need live images and attacks both")
    for s in systems.values():
        if s["decision"] is None:
            s["decision"] = s["score"] >= tau
    figures = {}
    for name, s in systems.items():
        sc, dec = s["score"], s["decision"]
        figures[name] = system_metrics(sc[live_idx], {sp: sc[ix] for sp, ix in species_idx.items()}, tau, mode,
                                       dec[live_idx], {sp: dec[ix] for sp, ix in species_idx.items()}, levels)
        _, a, b = det_curve(sc[live_idx], {sp: sc[ix] for sp, ix in species_idx.items()}, mode)
        s["det"] = (a, b)
        s["at_tau"] = (figures[name]["apcer_max" if mode == "max" else "apcer_pooled"], figures[name]["bpcer"])
    intervals = bootstrap(systems, live_idx, species_idx, tau, mode, resamples, seed, levels) if resamples > 0 else {}
    return {"systems": systems, "figures": figures, "intervals": intervals, "species": species_names, "levels": levels,
            "n_live": len(live_idx), "n_species": {s: len(ix) for s, ix in species_idx.items()}}


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------


def fmt_rate(v, ci=None) -> str:
    if v is None:
        return "n/a"
    s = f"{100 * v:.1f}"
    if ci and ci.get("ci95"):
        lo, hi = ci["ci95"]
        s += f" [{100 * lo:.1f}-{100 * hi:.1f}]"
    return s


def fmt_t(v, ci=None) -> str:
    if v is None:
        return "n/a"
    s = f"{v:.{THRESHOLD_DECIMALS}f}"
    if ci and ci.get("ci95"):
        lo, hi = ci["ci95"]
        s += f" [{lo:.3f}-{hi:.3f}]"
    return s


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[k]) for r in rows)) for k, h in enumerate(headers)]
    line = lambda cells: "  ".join(c.ljust(widths[0]) if k == 0 else c.rjust(widths[k]) for k, c in enumerate(cells))
    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows])


def report(items, ev, tau, mode, resamples, seed, cmd, sets, operator_required) -> str:
    ci = "[95 % bootstrap interval]" if resamples else "(no bootstrap)"
    figs, ivs, species = ev["figures"], ev["intervals"], ev["species"]
    n_live, n_sp = ev["n_live"], ev["n_species"]
    n_att = sum(n_sp.values())
    iv = lambda name, key: ivs.get(name, {}).get(key)
    out = []
    w = out.append
    w("ozinstant liveness evaluation, ISO/IEC 30107-3 terms (method: docs/ACCURACY.md)")
    w(f"CLI: {cmd}")
    for name, its in sets:
        nl = sum(1 for i in its if i.label == LIVE)
        w(f"set {name}: {len(its)} files, {nl} live, {len(its) - nl} attack")
    sp_list = ", ".join(f"{s} {n_sp[s]}" for s in species)
    w(f"total: {n_live} bona fide (live), {n_att} attack presentations ({sp_list})")
    w("")
    w(f"NOTE: the sets are small: {n_live} live and {n_att} attacks ({sp_list}). One live image is "
      f"{100 / n_live:.1f} % of BPCER; one attack is " + ", ".join(f"{100 / n_sp[s]:.1f} % of APCER_{s}" for s in species)
      + ". Read every figure with its interval.")
    w("")
    w("Rejections before liveness (FAILED, no liveness score): a rejection for every system, "
      "counted in BPCER for a live image and as a correctly rejected attack for a spoof.")
    for label, name in ((LIVE, "live"), (SPOOF, "spoof")):
        its = [i for i in items if i.label == label]
        rej = collections.Counter(i.reject_reason for i in its if i.rejected)
        detail = ", ".join(f"{r} {c}" for r, c in sorted(rej.items())) or "none"
        w(f"  {name:<5} {sum(rej.values())} of {len(its)}: {detail}")
    opreq = collections.Counter(i.label for i in items if i.resolution == "OPERATOR_REQUIRED")
    if opreq:
        w(f"  OPERATOR_REQUIRED (engine row only, counted as {'accepted' if operator_required == 'accept' else 'not accepted'}): "
          f"live {opreq[LIVE]}, spoof {opreq[SPOOF]}")
    src = collections.Counter(i.opinion_source for i in items if not i.rejected)
    if src.get("fallback"):
        w("  opinions: this CLI reports no `liveness.opinions`; its models form one opinion, `minifasnet`, "
          "whose p_real is the mean of the models'.")
    w("")

    apc = "APCER_max" if mode == "max" else "APCER (pooled)"
    w(f"[1] At the engine's threshold t = {tau:g} (attack when P(attack) >= t; the engine row uses the "
      f"engine's verdicts). Rates in %, {ci}.")
    headers = ["system", "BPCER"] + [f"APCER {s}" for s in species] + ["APCER_max"]
    rows = []
    for name in figs:
        f = figs[name]
        rows.append([name, fmt_rate(f["bpcer"], iv(name, "bpcer"))]
                    + [fmt_rate(f["apcer_species"][s], iv(name, f"apcer_species.{s}")) for s in species]
                    + [fmt_rate(f["apcer_max"], iv(name, "apcer_max"))])
    w(table(headers, rows))
    w("")
    w(f"[2] Over all thresholds (the DET, APCER = {apc}). Rates in %, {ci}.")
    headers = ["system", "EER"] + [f"BPCER@APCER={pct(x)}%" for x in APCER_TARGETS] + [f"APCER@BPCER={pct(x)}%" for x in BPCER_TARGETS]
    rows = []
    for name in figs:
        f = figs[name]
        rows.append([name, fmt_rate(f["eer"], iv(name, "eer"))]
                    + [fmt_rate(f[f"bpcer_at_apcer_{pct(x)}"], iv(name, f"bpcer_at_apcer_{pct(x)}")) for x in APCER_TARGETS]
                    + [fmt_rate(f[f"apcer_at_bpcer_{pct(x)}"], iv(name, f"apcer_at_bpcer_{pct(x)}")) for x in BPCER_TARGETS])
    w(table(headers, rows))
    w("  EER: where APCER = BPCER, interpolated linearly between the two DET points around the crossing.")
    w("  BPCER@APCER=x: the lowest BPCER over thresholds with APCER <= x; APCER@BPCER=x likewise (n/a: "
      "no threshold reaches BPCER x, rejections alone exceed it).")
    w("")
    rej_live = sum(1 for i in items if i.label == LIVE and i.rejected)
    n_scored = n_live - rej_live
    w(f"[3] Security-level thresholds from the {n_live} live images, {ci}. t: rejected live images "
      f"counted (the definition); t*: the {n_scored} scored live images only; t_HD: Harrell-Davis estimate "
      f"over the {n_scored} scored live images.")
    headers = ["system"]
    for lvl, x in LEVELS:
        headers += [f"{lvl} t@BPCER={pct(x)}%", f"{lvl} t*", f"{lvl} t_HD"]
    rows = []
    for name in figs:
        f = figs[name]
        row = [name]
        for lvl, _ in LEVELS:
            row += [fmt_t(f[f"threshold_{lvl}"], iv(name, f"threshold_{lvl}")),
                    fmt_t(f[f"threshold_{lvl}_scored_only"], iv(name, f"threshold_{lvl}_scored_only")),
                    fmt_t(f[f"threshold_{lvl}_hd"], iv(name, f"threshold_{lvl}_hd"))]
        rows.append(row)
    w(table(headers, rows))
    w(f"  t@BPCER=x: the smallest threshold t on a {10 ** -THRESHOLD_DECIMALS:g} grid such that the share of the "
      f"{n_live} live images with P(attack) >= t, the {rej_live} rejected before liveness included, is at most x. "
      f"t*: the same over the {n_scored} live images that have a score.")
    qs = ", ".join(f"{1 - x:.2f}" for _, x in LEVELS)
    w(f"  t_HD: the Harrell-Davis estimate (Harrell & Davis 1982) of the scored live images' P(attack) quantile at "
      f"q = 1 - x ({qs}): the mean of all {n_scored} order statistics weighted by a Beta((n+1)q, (n+1)(1-q)) "
      "distribution, so that no single image sets it (t and t* are each one image's score). The rejections before "
      "liveness are left out: no threshold changes them.")
    fusion_rule = collections.Counter(i.fusion for i in items if i.fusion).most_common(1)
    run_rule = fusion_rule[0][0] if fusion_rule else None
    n_opinions = sum(1 for s in ev["systems"].values() if s["kind"] == "opinion")
    if "fusion mean" not in figs:
        caveat = "; this run has no `fusion mean` row."
    elif n_opinions < 2:
        caveat = (f"; this run has {n_opinions} opinion (not the default models), so its `fusion mean` row is not "
                  "the one that sets them.")
    elif run_rule and run_rule != "mean":
        caveat = f"; this run's engine fuses with `{run_rule}`, so its own row is not the one that sets them."
    else:
        caveat = "."
    w("  The engine's security levels (core/src/decision.rs SecurityLevel::threshold) are t_HD of the `fusion mean` "
      "row with the default models (both opinions) rounded to 0.01" + caveat)
    parts = []
    for lvl, x in LEVELS:
        parts.append(f"BPCER {pct(x)} % ({lvl}) allows {allowed_errors(x, n_live)}")
    w(f"  One live image is {100 / n_live:.1f} % of BPCER here: of {n_live} live images " + ", ".join(parts)
      + f" at or above t, and the {rej_live} rejected before liveness count at every t (n/a: they alone exceed the "
      "target). One live image more or less allowed moves t by a whole step between two scores.")
    w("")
    w(f"[4] What each level gives: BPCER / {apc} in % at t (at t*, marked *, where t is n/a).")
    headers = ["system"] + [f"{lvl} (BPCER {pct(x)} %)" for lvl, x in LEVELS]
    rows = []
    for name in figs:
        f = figs[name]
        row = [name]
        for lvl, _ in LEVELS:
            suffix, mark = ("", "") if f[f"threshold_{lvl}"] is not None else ("_scored_only", "*")
            b, a = f[f"bpcer_at_threshold_{lvl}{suffix}"], f[f"apcer_at_threshold_{lvl}{suffix}"]
            row.append("n/a" if b is None else f"{fmt_rate(b)} / {fmt_rate(a)}{mark}")
        rows.append(row)
    w(table(headers, rows))
    w("")
    levels = ev["levels"]
    lv = ", ".join(f"{lvl} {t:.2f}" for lvl, t in levels.items())
    w(f"[5] The engine's levels as configured ({lv}; --levels): what each threshold gives, from the scores "
      f"(attack when P(attack) >= t). BPCER / {apc} in %.")
    headers = ["system"] + [f"{lvl} t={t:.2f}" for lvl, t in levels.items()]
    rows = []
    for name in figs:
        f = figs[name]
        key = "apcer_max" if mode == "max" else "apcer_pooled"
        rows.append([name] + [f"{fmt_rate(f[f'level_{lvl}_bpcer'])} / {fmt_rate(f[f'level_{lvl}_{key}'])}" for lvl in levels])
    w(table(headers, rows))
    w("")
    w(f"    engine, per level, {ci}: BPCER counts the {rej_live} live images rejected before liveness (of {n_live}); "
      f"BPCER scored: over the {n_scored} live images with a score.")
    headers = ["level", "t", "BPCER", "BPCER scored"] + [f"APCER {s}" for s in species] + ["APCER_max"]
    rows = []
    f = figs["engine"]
    for lvl, t in levels.items():
        k = f"level_{lvl}"
        rows.append([f"engine {lvl}", f"{t:.2f}", fmt_rate(f[f"{k}_bpcer"], iv("engine", f"{k}_bpcer")),
                     fmt_rate(f[f"{k}_bpcer_scored"], iv("engine", f"{k}_bpcer_scored"))]
                    + [fmt_rate(f[f"{k}_apcer_species"][s], iv("engine", f"{k}_apcer_species.{s}")) for s in species]
                    + [fmt_rate(f[f"{k}_apcer_max"], iv("engine", f"{k}_apcer_max"))])
    w(table(headers, rows))
    w("  The engine row's score is its confidence_spoofing (the fusion it ran with); at these thresholds its rates "
      "come from that score, not from its verdicts (which are at the run's threshold).")
    w("")
    zero = any(v == 0 for f in figs.values() for v in [f["bpcer"], *f["apcer_species"].values()])
    w(f"Bootstrap: {resamples} resamples (seed {seed}), live images and each PAI species' attacks drawn with "
      "replacement separately; percentile intervals (2.5 %, 97.5 %)." if resamples else "Bootstrap: off.")
    if zero and resamples:
        w("  A rate of 0 has the interval [0.0-0.0]: the bootstrap cannot produce errors the set does not hold. "
          "With n presentations and no error, the one-sided 95 % upper bound is about 3/n (rule of three): "
          + ", ".join([f"BPCER {300 / n_live:.1f} %"] + [f"APCER_{s} {min(100.0, 300 / n_sp[s]):.1f} %" for s in species]) + ".")
    return "\n".join(out)


def per_file_table(items, systems) -> str:
    names = list(systems)
    headers = ["set", "file", "label", "species", "resolution", "reason"] + names
    rows = []
    for k, it in enumerate(items):
        rows.append([it.set_name, it.file, it.label, it.species, it.resolution, it.reason or ""]
                    + ["rejected" if not math.isfinite(systems[n]["score"][k]) else f"{systems[n]['score'][k]:.4f}" for n in names])
    widths = [max(len(h), *(len(r[k]) for r in rows)) for k, h in enumerate(headers)]
    fmt = lambda cells: "  ".join(c.ljust(widths[k]) for k, c in enumerate(cells))
    return "\n".join(["Per file (P(attack) per system):", fmt(headers)] + [fmt(r) for r in rows])


def consistency_warnings(items, systems, tau) -> list[str]:
    out = []
    fusion = collections.Counter(i.fusion for i in items if i.fusion)
    rule = fusion.most_common(1)[0][0] if fusion else ("mean" if "fusion mean" in systems else None)
    key = f"fusion {rule}"
    if key in systems:
        eng, fus = systems["engine"]["score"], systems[key]["score"]
        ok = np.isfinite(eng) & np.isfinite(fus)
        bad = int(np.count_nonzero(np.abs(eng[ok] - fus[ok]) > 1e-5))
        if bad:
            out.append(f"warning: the engine's confidence_spoofing differs from the {key} of the opinions on {bad} images")
    for k, it in enumerate(items):
        if it.resolution in ("SUCCESS", "DECLINED") and it.confidence_spoofing is not None:
            if (it.confidence_spoofing >= tau) != (it.resolution == "DECLINED"):
                out.append(f"warning: {it.file}: {it.resolution} with confidence_spoofing {it.confidence_spoofing} at threshold {tau}")
    return out


# --------------------------------------------------------------------------------------------
# DET plot
# --------------------------------------------------------------------------------------------

DET_TICKS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.998,
             0.999]


def probit(p) -> np.ndarray:
    """Standard normal deviate of each rate in (0, 1)."""
    nd = statistics.NormalDist()
    return np.array([nd.inv_cdf(float(x)) for x in np.atleast_1d(p)])


def det_axis(n: int):
    """(rate -> axis position, ticks, tick labels, limits, scale band) for a DET whose smallest
    nonzero rate is 1/n. The scale runs from the largest tick at or below 1/n to its mirror
    image; a rate of 0 or 1, which has no normal deviate, is drawn in a band beyond each end."""
    p_lo = max([t for t in DET_TICKS if t <= 1.0 / n] or [DET_TICKS[0]])
    z_lo, z_hi = probit(p_lo)[0], probit(1 - p_lo)[0]
    gap = 0.45  # deviate units between the scale's end and the 0 / 100 % line
    z0, z1 = z_lo - gap, z_hi + gap

    def pos(r):
        r = np.asarray(r, dtype=float)
        out = probit(np.clip(r, p_lo, 1 - p_lo))
        out[r <= 0] = z0
        out[r >= 1] = z1
        return out

    ticks = [t for t in DET_TICKS if p_lo <= t <= 1 - p_lo]
    positions = [z0] + list(probit(ticks)) + [z1]
    labels = ["0"] + [f"{100 * t:g}" for t in ticks] + ["100"]
    return pos, positions, labels, (z0 - 0.18, z1 + 0.18), (z_lo - gap / 2, z_hi + gap / 2)


def plot_det(ev, path: Path, title: str, tau: float, mode: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    systems, figs = ev["systems"], ev["figures"]
    # Systems with the same scores (e.g. one opinion: the opinion, both fusions and the engine)
    # have the same curve: drawn once, named together.
    groups = []
    for name, s in systems.items():
        for g in groups:
            other = systems[g[0]]["score"]
            if np.array_equal(np.isfinite(other), np.isfinite(s["score"])) and np.allclose(
                    other[np.isfinite(other)], s["score"][np.isfinite(s["score"])], atol=1e-5, rtol=0):
                g.append(name)
                break
        else:
            groups.append([name])

    n_att = sum(ev["n_species"].values())
    pos, ticks, labels, lim, band = det_axis(max(ev["n_live"], n_att))
    fig, ax = plt.subplots(figsize=(7.4, 7.4), dpi=150)
    ax.set_xlim(*lim)
    ax.set_ylim(*lim)
    ax.set_xticks(ticks, labels)
    ax.set_yticks(ticks, labels)
    ax.grid(True, color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    shade = dict(color="#f1f1f1", zorder=0, linewidth=0)
    for lo, hi in ((lim[0], band[0]), (band[1], lim[1])):  # the off-scale bands: rates of 0 and 100 %
        ax.axvspan(lo, hi, **shade)
        ax.axhspan(lo, hi, **shade)
    ax.plot(lim, lim, color="#b0b0b0", linewidth=0.8, linestyle=":", zorder=1)
    mid = float(probit(0.5)[0])
    ax.annotate("APCER = BPCER", (mid, mid), xytext=(4, -4), textcoords="offset points", color="#999999",
                fontsize=7, rotation=45, rotation_mode="anchor", ha="left", va="top")

    colors = plt.get_cmap("tab10").colors
    styles = ["-", (0, (5, 2)), (0, (6, 2, 1.5, 2)), (0, (1.5, 1.5))]
    markers = ["o", "s", "D", "^", "v", "P"]
    for k, g in enumerate(groups):
        s = systems[g[0]]
        a, b = s["det"]
        color = colors[k % len(colors)]
        e = figs[g[0]]["eer"]
        label = " = ".join(g) + (f"   EER {100 * e:.1f} %" if e is not None else "   EER n/a")
        ax.plot(pos(a), pos(b), color=color, linewidth=1.7, linestyle=styles[k % len(styles)], label=label,
                zorder=3 + 0.1 * k)
        at_a, at_b = s["at_tau"]
        ax.plot(pos([at_a]), pos([at_b]), marker=markers[k % len(markers)], markersize=7, color=color,
                markeredgecolor="white", markeredgewidth=0.9, linestyle="none", zorder=5)
    ax.plot([], [], marker="o", color="#666666", markeredgecolor="white", linestyle="none",
            label=f"markers: operating point at the engine threshold t = {tau:g}")
    apc = "APCER_max: worst PAI species" if mode == "max" else "APCER: all attacks pooled"
    ax.set_xlabel(f"{apc} (%), attacks accepted", fontsize=9)
    ax.set_ylabel("BPCER (%), live faces rejected", fontsize=9)
    ax.tick_params(labelsize=8)
    ax.set_title(title, fontsize=10, loc="left")
    ax.legend(loc="upper right", fontsize=7.5, frameon=True, framealpha=0.95, edgecolor="#cccccc")
    fig.text(0.012, 0.008, "Normal-deviate (probit) axes. A rate of 0 % or 100 % has no normal deviate: it is drawn in "
             "the shaded band at each end.\nEmpirical DET: one step per distinct score; live images rejected before "
             "liveness keep BPCER above 0 at every threshold.", fontsize=6.5, color="#666666", ha="left", va="bottom")
    fig.tight_layout(rect=(0, 0.035, 1, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


# --------------------------------------------------------------------------------------------


def figures_json(items, ev, tau, mode, resamples, seed, cmd, sets, png, operator_required) -> dict:
    def clean(v):
        if isinstance(v, float) and not math.isfinite(v):
            return None
        return v
    systems = {}
    for name, s in ev["systems"].items():
        f = ev["figures"][name]
        ivs = ev["intervals"].get(name, {})
        d = {"kind": s["kind"], "id": s["id"]}
        if "models" in s:
            d["models"] = s["models"]
        fig = {}
        for k, v in flatten(f).items():
            fig[k] = {"value": v, **({"ci95": ivs[k]["ci95"], "defined": ivs[k]["defined"]} if k in ivs else {})}
        d["figures"] = fig
        systems[name] = d
    rejections = {}
    for label in (LIVE, SPOOF):
        rejections[label] = dict(collections.Counter(i.reject_reason for i in items if i.label == label and i.rejected))
    return {
        "tool": "scripts/eval.py",
        "cli": cmd,
        "threshold": tau,
        "levels": ev["levels"],
        "apcer_mode": mode,
        "operator_required": operator_required,
        "bootstrap": {"resamples": resamples, "seed": seed, "interval": "percentile 2.5-97.5",
                      "strata": "live; each PAI species"},
        "sets": [{"name": n, "files": len(its), "live": sum(1 for i in its if i.label == LIVE),
                  "spoof": sum(1 for i in its if i.label == SPOOF)} for n, its in sets],
        "counts": {"live": ev["n_live"], "spoof": sum(ev["n_species"].values()), "species": ev["n_species"]},
        "rejections": rejections,
        "systems": systems,
        "det_png": str(png) if png else None,
        "files": [{"set": i.set_name, "file": i.file, "label": i.label, "attack_type": i.species,
                   "resolution": i.resolution, "reason": i.reason, "error_code": i.error_code,
                   "confidence_spoofing": i.confidence_spoofing, "models": i.models, "opinions": i.opinions,
                   "scores": {n: clean(float(s["score"][k])) for n, s in ev["systems"].items()}}
                  for k, i in enumerate(items)],
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", action="append", default=[], metavar="DIR[,DIR...]",
                    help="labelled folder(s) with a MANIFEST.tsv, comma- or space-separated, repeatable; default: "
                         "samples/ and ../shared/devset when it exists (relative to the repo root)")
    ap.add_argument("--cli", default=str(ROOT / "target/release/ozinstant"), help="the ozinstant CLI (default: %(default)s)")
    ap.add_argument("--cli-args", default=os.environ.get("EVAL_ARGS", ""),
                    help="extra `ozinstant analyze` arguments, one string (default: $EVAL_ARGS)")
    ap.add_argument("--json", metavar="FILE", help="write every figure, interval and per-file score as JSON")
    ap.add_argument("--plot-dir", default=str(ROOT / "target/eval"), help="where det.png goes (default: %(default)s)")
    ap.add_argument("--bootstrap", type=int, default=2000, metavar="N", help="bootstrap resamples, 0 = none (default 2000)")
    ap.add_argument("--seed", type=int, default=30107, help="bootstrap seed (default %(default)s)")
    ap.add_argument("--threshold", type=float, help="override the threshold read from the results' `threshold`")
    ap.add_argument("--apcer", choices=("max", "pooled"), default="max",
                    help="APCER of the DET and threshold-free figures: worst species (default) or all attacks pooled")
    ap.add_argument("--operator-required", choices=("reject", "accept"), default="reject",
                    help="how the engine row counts an OPERATOR_REQUIRED verdict (default: not accepted)")
    ap.add_argument("--levels", type=parse_levels, default=dict(ENGINE_LEVELS), metavar="LOW,MEDIUM,HIGH",
                    help="the engine's security-level thresholds scored in table [5] (default: "
                         + ",".join(f"{t:.2f}" for t in ENGINE_LEVELS.values()) + ", core/src/decision.rs)")
    ap.add_argument("--per-file", action="store_true", help="also print every file's scores")
    args = ap.parse_args(argv)

    if args.set:
        set_dirs = [(d, Path(d).resolve()) for d in split_sets(args.set)]
    else:
        set_dirs = [(d, (ROOT / d).resolve()) for d in DEFAULT_SETS if d == DEFAULT_SETS[0] or (ROOT / d).is_dir()]
    sets, items = [], []
    for name, folder in set_dirs:
        its = read_manifest(folder, name)
        sets.append((name, its))
        items += its
    cli = Path(args.cli)
    if not cli.is_file():
        raise SystemExit(f"eval: {cli} not found (make build)")
    cmd = run_cli(cli, shlex.split(args.cli_args), items)

    thresholds = collections.Counter(i.threshold for i in items if i.threshold is not None)
    if args.threshold is not None:
        tau = args.threshold
    elif thresholds:
        tau = thresholds.most_common(1)[0][0]
        if len(thresholds) > 1:
            print(f"warning: the results carry several thresholds {sorted(thresholds)}; using {tau}", file=sys.stderr)
    else:
        tau = 0.5
    ev = evaluate(items, tau, args.apcer, args.bootstrap, args.seed, args.operator_required, args.levels)
    for msg in consistency_warnings(items, ev["systems"], tau):
        print(msg, file=sys.stderr)

    print(report(items, ev, tau, args.apcer, args.bootstrap, args.seed, cmd, sets, args.operator_required))
    if args.per_file:
        print()
        print(per_file_table(items, ev["systems"]))
    png = Path(args.plot_dir) / "det.png"
    n_att = sum(ev["n_species"].values())
    title = (f"DET, ozinstant liveness: {' + '.join(Path(n).name for n, _ in sets)}\n"
             f"{ev['n_live']} live, {n_att} attacks ({', '.join(f'{s} {n}' for s, n in ev['n_species'].items())})")
    plot_det(ev, png, title, tau, args.apcer)
    print()
    print(f"DET plot: {png}")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(figures_json(items, ev, tau, args.apcer, args.bootstrap, args.seed, cmd, sets,
                                                           png, args.operator_required), indent=1) + "\n")
        print(f"figures: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
