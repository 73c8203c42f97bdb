"""Unit tests of scripts/eval.py's metrics on hand-made scores (every expected figure is worked
out by hand in the comments). Runs with the eval venv:

    .cache/venv-eval/bin/python -m unittest discover -s scripts -p 'test_eval_metrics.py'

Conventions under test: a score is P(attack); a presentation is an attack when score >= t;
REJECTED (+inf) is a presentation rejected before liveness (an attack at every threshold).
"""
import argparse
import csv
import json
import math
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import eval as ev  # noqa: E402  (scripts/eval.py)

R = ev.REJECTED


def arr(*v):
    return np.array(v, dtype=float)


def det(live, species, mode="max"):
    _, a, b = ev.det_curve(arr(*live), {k: arr(*v) for k, v in species.items()}, mode)
    return a, b


class Basic(unittest.TestCase):
    # live 0.1 0.2 0.3 0.4, print 0.35 0.6 0.7 0.8: only the print at 0.35 sits among the live.
    live = arr(0.1, 0.2, 0.3, 0.4)
    sp = {"print": arr(0.35, 0.6, 0.7, 0.8)}

    def test_rates_at_threshold(self):
        # t = 0.5: no live at or above (BPCER 0), the print at 0.35 passes (APCER 1/4).
        m = ev.system_metrics(self.live, self.sp, 0.5)
        self.assertEqual(m["bpcer"], 0.0)
        self.assertEqual(m["apcer_species"], {"print": 0.25})
        self.assertEqual(m["apcer_max"], 0.25)
        # t = 0.35: 0.4 is an attack (BPCER 1/4), the print at 0.35 is caught (score >= t).
        self.assertEqual(ev.bpcer_at(self.live, 0.35), 0.25)
        self.assertEqual(ev.apcer_at(self.sp["print"], 0.35), 0.0)

    def test_det_points(self):
        # thresholds -inf .1 .2 .3 .35 .4 .6 .7 .8 +inf
        a, b = det(self.live, self.sp)
        np.testing.assert_allclose(a, [0, 0, 0, 0, 0, 0.25, 0.25, 0.5, 0.75, 1])
        np.testing.assert_allclose(b, [1, 1, 0.75, 0.5, 0.25, 0.25, 0, 0, 0, 0])

    def test_eer_on_a_det_point(self):
        # at t = 0.4 APCER = BPCER = 1/4
        self.assertAlmostEqual(ev.eer(*det(self.live, self.sp)), 0.25)

    def test_operating_points(self):
        a, b = det(self.live, self.sp)
        # APCER <= 5 % or 10 %: only thresholds up to 0.35, where BPCER is at best 1/4.
        self.assertAlmostEqual(ev.bpcer_at_apcer(a, b, 0.05), 0.25)
        self.assertAlmostEqual(ev.bpcer_at_apcer(a, b, 0.10), 0.25)
        # BPCER <= 5 %: thresholds above 0.4, where APCER is at least 1/4.
        self.assertAlmostEqual(ev.apcer_at_bpcer(a, b, 0.05), 0.25)
        # APCER <= 50 %: up to t = 0.7, BPCER 0.
        self.assertAlmostEqual(ev.bpcer_at_apcer(a, b, 0.5), 0.0)

    def test_security_thresholds(self):
        # 4 live: 2 %, 5 %, 10 % all allow 0 live at or above t -> first grid point above 0.4.
        for x in (0.02, 0.05, 0.10):
            self.assertEqual(ev.threshold_for_bpcer(self.live, x), 0.4001)
        # 25 % allows one (0.4): t just above 0.3.
        self.assertEqual(ev.threshold_for_bpcer(self.live, 0.25), 0.3001)
        t = ev.threshold_for_bpcer(self.live, 0.25)
        self.assertLessEqual(ev.bpcer_at(self.live, t), 0.25)
        self.assertGreater(ev.bpcer_at(self.live, t - 1e-4), 0.25)  # and it is the smallest


class Interpolation(unittest.TestCase):
    def test_vertical_segment(self):
        # live 0.2 0.6, attacks 0.4 0.8 0.9. DET: (0,1) (0,1) (0,.5) (1/3,.5) (1/3,0) ...
        # APCER - BPCER turns positive on the vertical step at APCER 1/3: EER 1/3.
        self.assertAlmostEqual(ev.eer(*det([0.2, 0.6], {"replay": [0.4, 0.8, 0.9]})), 1 / 3)

    def test_tie_gives_a_diagonal(self):
        # live 0.5 0.1, attack 0.5 0.9. At t = 0.5 both 0.5s are attacks: (APCER 0, BPCER 1/2);
        # just above, both pass: (1/2, 0). The crossing is halfway along the diagonal: EER 1/4.
        live, sp = arr(0.5, 0.1), {"print": arr(0.5, 0.9)}
        a, b = det(live, sp)
        np.testing.assert_allclose(a, [0, 0, 0, 0.5, 1])
        np.testing.assert_allclose(b, [1, 1, 0.5, 0, 0])
        self.assertAlmostEqual(ev.eer(a, b), 0.25)
        # At t = 0.5 the tied live image is rejected and the tied attack caught (score >= t).
        m = ev.system_metrics(live, sp, 0.5)
        self.assertEqual((m["bpcer"], m["apcer_max"]), (0.5, 0.0))

    def test_all_tied(self):
        # every score 0.5: one step from (0, 1) to (1, 0): EER 1/2.
        self.assertAlmostEqual(ev.eer(*det([0.5, 0.5], {"print": [0.5]})), 0.5)

    def test_perfect_separation(self):
        a, b = det([0.1, 0.2], {"print": [0.8, 0.9]})
        self.assertEqual(ev.eer(a, b), 0.0)
        self.assertEqual(ev.bpcer_at_apcer(a, b, 0.05), 0.0)
        self.assertEqual(ev.apcer_at_bpcer(a, b, 0.05), 0.0)


class Rejections(unittest.TestCase):
    # live: one rejected + 0.1 0.2 0.3; print: one rejected + 0.6 0.7.
    live = arr(R, 0.1, 0.2, 0.3)
    sp = {"print": arr(R, 0.6, 0.7)}

    def test_fixed_threshold(self):
        # the rejected live image counts toward BPCER (1/4); the rejected attack is caught.
        m = ev.system_metrics(self.live, self.sp, 0.5)
        self.assertEqual(m["bpcer"], 0.25)
        self.assertEqual(m["apcer_max"], 0.0)
        # even at the highest threshold: BPCER stays 1/4, APCER reaches only 2/3
        self.assertEqual(ev.bpcer_at(self.live, math.inf), 0.25)
        self.assertAlmostEqual(ev.apcer_at(self.sp["print"], math.inf), 2 / 3)

    def test_det_and_eer(self):
        # DET: (0,1) (0,1) (0,.75) (0,.5) (0,.25) (1/3,.25) (2/3,.25): the curve ends at BPCER 1/4.
        a, b = det(self.live, self.sp)
        np.testing.assert_allclose(a, [0, 0, 0, 0, 0, 1 / 3, 2 / 3])
        np.testing.assert_allclose(b, [1, 1, 0.75, 0.5, 0.25, 0.25, 0.25])
        # crossing on the flat step at BPCER 1/4 (from APCER 0 to 1/3): EER 1/4.
        self.assertAlmostEqual(ev.eer(a, b), 0.25)
        # BPCER never gets to 5 %: APCER@BPCER=5 % undefined; BPCER@APCER=5 % is the floor 1/4.
        self.assertIsNone(ev.apcer_at_bpcer(a, b, 0.05))
        self.assertAlmostEqual(ev.bpcer_at_apcer(a, b, 0.05), 0.25)

    def test_no_crossing(self):
        # both live rejected: BPCER 1 everywhere, APCER at most 1: crossing only at APCER 1.
        self.assertAlmostEqual(ev.eer(*det([R, R], {"print": [0.3]})), 1.0)
        # live rejected 2 of 2, every attack rejected too: APCER 0 < BPCER 1 at every t.
        self.assertIsNone(ev.eer(*det([R, R], {"print": [R]})))

    def test_thresholds_count_rejections(self):
        # 4 live, BPCER 5 % allows none at or above t: the rejection alone is too many.
        self.assertIsNone(ev.threshold_for_bpcer(self.live, 0.05))
        # 25 % allows one, taken by the rejection: every scored live image below t -> 0.3001.
        self.assertEqual(ev.threshold_for_bpcer(self.live, 0.25), 0.3001)
        # 50 % allows two: the rejection and 0.3 -> just above 0.2.
        self.assertEqual(ev.threshold_for_bpcer(self.live, 0.5), 0.2001)
        m = ev.system_metrics(self.live, self.sp, 0.5)
        self.assertIsNone(m["threshold_medium"])
        self.assertEqual(m["threshold_medium_scored_only"], 0.3001)  # 0.1 0.2 0.3 alone
        self.assertAlmostEqual(m["bpcer_at_threshold_medium_scored_only"], 0.25)  # the rejection
        self.assertAlmostEqual(m["apcer_at_threshold_medium_scored_only"], 0.0)  # 0.6, 0.7 >= 0.3001

    def test_engine_decisions_override(self):
        # the engine's verdicts (True = attack) replace score >= t for the fixed-threshold rates
        live_dec = np.array([True, False, False, True])
        sp_dec = {"print": np.array([True, False, True])}
        m = ev.system_metrics(self.live, self.sp, 0.5, "max", live_dec, sp_dec)
        self.assertEqual(m["bpcer"], 0.5)
        self.assertAlmostEqual(m["apcer_max"], 1 / 3)
        self.assertAlmostEqual(m["eer"], 0.25)  # the DET still comes from the scores


class Thresholds(unittest.TestCase):
    def test_ties_at_the_pivot(self):
        # 0.3 0.3 0.2 0.1 at 25 % (one allowed): both 0.3s must fall below t -> 0.3001.
        self.assertEqual(ev.threshold_for_bpcer(arr(0.3, 0.3, 0.2, 0.1), 0.25), 0.3001)

    def test_grid_rounding(self):
        # 0.29 * 10^4 is 2899.99.. in floating point: the grid point above 0.29 is still 0.2901.
        self.assertEqual(ev.threshold_for_bpcer(arr(0.29), 0.5), 0.2901)
        self.assertEqual(ev.threshold_for_bpcer(arr(0.5), 0.5), 0.5001)
        self.assertEqual(ev.threshold_for_bpcer(arr(0.12344), 0.5), 0.1235)

    def test_a_live_image_at_one(self):
        # a live image scored 1.0 is an attack at every threshold 0..1
        self.assertIsNone(ev.threshold_for_bpcer(arr(1.0, 0.1), 0.05))

    def test_allowed_errors(self):
        # 40 live: 2 % -> 0, 5 % -> 2, 10 % -> 4 (0.05 * 40 is 2.0000000000000004; 0.1 * 30 is 3.0000000000000004)
        self.assertEqual([ev.allowed_errors(x, 40) for x in (0.02, 0.05, 0.10)], [0, 2, 4])
        self.assertEqual(ev.allowed_errors(0.1, 30), 3)
        self.assertEqual(ev.allowed_errors(0.07, 100), 7)  # 7.000000000000001


class Species(unittest.TestCase):
    # live 0.1 0.2; print 0.6 0.7 (all caught); replay 0.15 0.8 (one passes at t = 0.5).
    live = arr(0.1, 0.2)
    sp = {"print": arr(0.6, 0.7), "replay": arr(0.15, 0.8)}

    def test_per_species(self):
        m = ev.system_metrics(self.live, self.sp, 0.5)
        self.assertEqual(m["apcer_species"], {"print": 0.0, "replay": 0.5})
        self.assertEqual(m["apcer_max"], 0.5)
        self.assertEqual(m["apcer_pooled"], 0.25)

    def test_eer_max_and_pooled(self):
        # max: at t = 0.2, APCER_replay 1/2 = BPCER 1/2 -> EER 1/2.
        self.assertAlmostEqual(ev.eer(*det(self.live, self.sp, "max")), 0.5)
        # pooled: at t = 0.2 (1/4, 1/2), at t = 0.6 (1/4, 0): the crossing is at APCER 1/4.
        self.assertAlmostEqual(ev.eer(*det(self.live, self.sp, "pooled")), 0.25)


class Bootstrap(unittest.TestCase):
    def systems(self):
        score = arr(0.1, 0.2, 0.3, 0.45, R, 0.6, 0.4, 0.9, 0.8, 0.7)
        return {"s": {"score": score, "decision": score >= 0.5}}

    def run_boot(self, seed):
        live_idx = np.arange(5)
        species_idx = {"print": np.array([5, 6]), "replay": np.array([7, 8, 9])}
        return ev.bootstrap(self.systems(), live_idx, species_idx, 0.5, "max", 300, seed)

    def test_reproducible_and_sane(self):
        a, b = self.run_boot(7), self.run_boot(7)
        self.assertEqual(a, b)
        s = a["s"]
        lo, hi = s["bpcer"]["ci95"]
        self.assertTrue(0 <= lo <= 0.2 <= hi <= 1)  # BPCER at 0.5: the rejection, 1/5
        # replay has no error at 0.5: every resample says 0 (stratified: each species kept)
        self.assertEqual(s["apcer_species.replay"]["ci95"], [0.0, 0.0])
        self.assertEqual(s["apcer_species.print"]["defined"], 1.0)
        for key, v in s.items():
            if v["ci95"] is not None and not key.startswith("threshold"):
                self.assertTrue(0 <= v["ci95"][0] <= v["ci95"][1] <= 1, key)


def beta_integral(a, b, lo, hi, nodes=40):
    """The Beta(a, b) probability of [lo, hi] by composite Gauss-Legendre quadrature of the
    density t^(a-1) (1-t)^(b-1) / B(a, b), B from math.gamma: independent of eval.betainc's
    continued fraction. The density may be unbounded (or not smooth) at 0 and 1, so each half of
    [lo, hi] is cut into pieces graded geometrically towards its end (halving 200 times), with
    the variable d = the distance from that end, so that t and 1 - t near 0 keep their precision."""
    beta = math.gamma(a) * math.gamma(b) / math.gamma(a + b)
    x, w = np.polynomial.legendre.leggauss(nodes)
    half = (hi - lo) / 2
    edges = half * np.unique(np.concatenate(([0.0], 0.5 ** np.arange(1, 201), np.linspace(0, 1, 9))))

    def quad(f):
        total = 0.0
        for e0, e1 in zip(edges[:-1], edges[1:]):
            d = (e1 - e0) / 2 * x + (e0 + e1) / 2
            total += (e1 - e0) / 2 * float(np.dot(w, f(d)))
        return total

    lower = quad(lambda d: (lo + d) ** (a - 1) * ((1 - lo) - d) ** (b - 1))  # t = lo + d
    upper = quad(lambda d: (hi - d) ** (a - 1) * ((1 - hi) + d) ** (b - 1))  # t = hi - d
    return (lower + upper) / beta


class IncompleteBeta(unittest.TestCase):
    def test_closed_forms(self):
        for xv in (0.0, 0.05, 0.3, 0.5, 0.77, 0.999, 1.0):
            self.assertAlmostEqual(ev.betainc(3.5, 1.0, xv), xv ** 3.5, places=13)  # I_x(a, 1) = x^a
            self.assertAlmostEqual(ev.betainc(1.0, 0.6, xv), 1 - (1 - xv) ** 0.6, places=13)  # I_x(1, b)
            self.assertAlmostEqual(ev.betainc(2.0, 2.0, xv), 3 * xv ** 2 - 2 * xv ** 3, places=13)
        self.assertAlmostEqual(ev.betainc(17.3, 17.3, 0.5), 0.5, places=13)  # symmetric about 1/2

    def test_symmetry_and_range(self):
        # I_x(a, b) = 1 - I_{1-x}(b, a), and the function rises from 0 to 1
        for a, b in ((0.4, 7.0), (33.32, 0.68), (5.4, 0.6), (120.0, 3.0)):
            prev = 0.0
            for xv in np.linspace(0.01, 0.99, 25):
                v = ev.betainc(a, b, float(xv))
                self.assertAlmostEqual(v, 1 - ev.betainc(b, a, 1 - float(xv)), places=12)
                self.assertTrue(prev <= v <= 1.0)
                prev = v
        self.assertEqual((ev.betainc(2.0, 3.0, 0.0), ev.betainc(2.0, 3.0, 1.0)), (0.0, 1.0))
        with self.assertRaises(ValueError):
            ev.betainc(0.0, 1.0, 0.5)

    def test_against_quadrature(self):
        for a, b, xv in ((5.4, 0.6, 0.8), (2.5, 3.5, 0.3), (33.32, 0.68, 30 / 33), (9.0, 1.0 / 3, 0.6), (1.7, 12.0, 0.1),
                         (0.4, 7.0, 0.3)):
            self.assertAlmostEqual(ev.betainc(a, b, xv), beta_integral(a, b, 0.0, xv), places=12, msg=(a, b, xv))
        # the mass above x, with b < 1 (the density is unbounded at 1)
        self.assertAlmostEqual(1 - ev.betainc(5.4, 0.6, 0.8), beta_integral(5.4, 0.6, 0.8, 1.0), places=12)


class HarrellDavis(unittest.TestCase):
    def test_by_hand(self):
        # n = 5, q = 1/2: a = b = 3, weights symmetric about the middle, so the median of 1..5 is 3.
        self.assertAlmostEqual(ev.harrell_davis(arr(5, 1, 4, 2, 3), 0.5), 3.0, places=12)
        # n = 3, q = 1/2: a = b = 2, I_x = 3x^2 - 2x^3: I_{1/3} = 7/27, I_{2/3} = 20/27, so the
        # weights are 7/27, 13/27, 7/27 and HD([0, 1, 10]) = (13 + 70) / 27.
        np.testing.assert_allclose(ev.hd_weights(3, 0.5), [7 / 27, 13 / 27, 7 / 27], rtol=0, atol=1e-14)
        self.assertAlmostEqual(ev.harrell_davis(arr(0, 1, 10), 0.5), 83 / 27, places=12)
        # n = 2, q = 1/3: a = 1, b = 2, I_{1/2}(1, 2) = 1 - (1/2)^2 = 3/4: HD([0, 1]) = 1/4.
        self.assertAlmostEqual(ev.harrell_davis(arr(1, 0), 1 / 3), 0.25, places=12)
        # one value, or all equal: that value
        self.assertAlmostEqual(ev.harrell_davis(arr(0.42), 0.9), 0.42, places=12)
        self.assertAlmostEqual(ev.harrell_davis(arr(0.3, 0.3, 0.3, 0.3), 0.98), 0.3, places=12)

    def test_q90_against_quadrature(self):
        # n = 5, q = 0.9: a = 5.4, b = 0.6 (the density is unbounded at 1); each weight is the
        # Beta(5.4, 0.6) mass of [(i-1)/5, i/5], integrated numerically.
        x = arr(0.02, 0.11, 0.35, 0.4, 0.93)
        n, q = len(x), 0.9
        a, b = (n + 1) * q, (n + 1) * (1 - q)
        w = [beta_integral(a, b, (i - 1) / n, i / n) for i in range(1, n + 1)]
        self.assertAlmostEqual(sum(w), 1.0, places=11)
        np.testing.assert_allclose(ev.hd_weights(n, q), w, rtol=0, atol=1e-11)
        self.assertAlmostEqual(ev.harrell_davis(x, q), float(np.dot(w, x)), places=11)
        # the last order statistic carries most of the weight, but not all: HD is below the max
        self.assertTrue(0.4 < ev.harrell_davis(x, q) < 0.93)

    def test_monotone_and_bounded(self):
        rng = np.random.default_rng(5)
        for n in (2, 7, 33, 40):
            x = rng.beta(0.5, 2.0, size=n)
            prev = -math.inf
            for q in np.linspace(0.01, 0.99, 99):
                v = ev.harrell_davis(x, float(q))
                self.assertTrue(x.min() - 1e-12 <= v <= x.max() + 1e-12, (n, q, v))
                self.assertGreaterEqual(v, prev - 1e-12, (n, q))
                prev = v
            for q in (0.02, 0.5, 0.98):
                wts = ev.hd_weights(n, q)
                self.assertAlmostEqual(float(wts.sum()), 1.0, places=12)
                self.assertTrue((wts >= -1e-15).all())

    def test_rejections_left_out(self):
        # +inf (rejected before liveness) values are not order statistics of the scores
        self.assertAlmostEqual(ev.harrell_davis(arr(R, 5, 1, 4, R, 2, 3), 0.5), 3.0, places=12)
        self.assertIsNone(ev.harrell_davis(arr(R, R), 0.5))
        with self.assertRaises(ValueError):
            ev.hd_weights(3, 1.0)

    def test_engine_levels_from_the_dev_set(self):
        # core/src/decision.rs: the levels are HD of the scored live images' `fusion mean` P(attack)
        # at q = 0.98, 0.95, 0.90, rounded to 0.01. These are the 33 scores (4 decimals, `--per-file`)
        # of samples/ + ../shared/devset with the two-opinion binary; HD gives 0.5405, 0.4994, 0.4381.
        live = arr(0.0000, 0.0000, 0.0001, 0.0002, 0.0003, 0.0005, 0.0006, 0.0007, 0.0008, 0.0012, 0.0013,
                   0.0034, 0.0048, 0.0076, 0.0084, 0.0100, 0.0109, 0.0110, 0.0169, 0.0226, 0.0385, 0.0761,
                   0.1226, 0.1384, 0.1499, 0.2005, 0.3498, 0.3602, 0.3873, 0.4553, 0.4689, 0.4814, 0.5597)
        got = {lvl: ev.harrell_davis(live, 1 - x) for lvl, x in ev.LEVELS}
        self.assertAlmostEqual(got["low"], 0.5405, places=4)
        self.assertAlmostEqual(got["medium"], 0.4994, places=4)
        self.assertAlmostEqual(got["high"], 0.4381, places=4)
        self.assertEqual({k: round(v, 2) for k, v in got.items()}, ev.ENGINE_LEVELS)


class Levels(unittest.TestCase):
    # live: one rejected + 0.1 0.2 0.3; print: one rejected + 0.6 0.7; replay 0.22 0.9.
    live = arr(R, 0.1, 0.2, 0.3)
    sp = {"print": arr(R, 0.6, 0.7), "replay": arr(0.22, 0.9)}

    def test_level_rates(self):
        m = ev.system_metrics(self.live, self.sp, 0.5, levels={"low": 0.25, "medium": 0.2, "high": 0.1})
        # t = 0.25: the rejection and 0.3 are attacks: BPCER 2/4, scored 1/3; the replay at 0.22 passes.
        self.assertEqual(m["level_low_bpcer"], 0.5)
        self.assertAlmostEqual(m["level_low_bpcer_scored"], 1 / 3)
        self.assertEqual(m["level_low_apcer_species"], {"print": 0.0, "replay": 0.5})
        self.assertEqual(m["level_low_apcer_max"], 0.5)
        self.assertEqual(m["level_low_apcer_pooled"], 0.2)
        # t = 0.2: 0.2 is an attack (score >= t): BPCER 3/4, scored 2/3; 0.22 caught.
        self.assertEqual(m["level_medium_bpcer"], 0.75)
        self.assertEqual(m["level_medium_apcer_max"], 0.0)
        # t = 0.1: every live image an attack
        self.assertEqual((m["level_high_bpcer"], m["level_high_bpcer_scored"]), (1.0, 1.0))
        # the HD thresholds are over the three scored live images: q = 0.5 would be 0.2; at
        # q = 0.98 / 0.95 / 0.90 they lie between the median and the maximum, falling with q
        hd = [m[f"threshold_{lvl}_hd"] for lvl, _ in ev.LEVELS]
        self.assertTrue(0.3 >= hd[0] >= hd[1] >= hd[2] > 0.2, hd)

    def test_default_levels_are_the_engines(self):
        m = ev.system_metrics(self.live, self.sp, 0.5)
        self.assertEqual(m["level_medium_bpcer"], ev.bpcer_at(self.live, ev.ENGINE_LEVELS["medium"]))
        self.assertEqual(ev.ENGINE_LEVELS, {"low": 0.54, "medium": 0.50, "high": 0.44})

    def test_parse_levels(self):
        self.assertEqual(ev.parse_levels("0.54,0.50,0.44"), {"low": 0.54, "medium": 0.5, "high": 0.44})
        for bad in ("0.5,0.4", "a,b,c", "0.5,0.4,1.2"):
            with self.assertRaises(argparse.ArgumentTypeError):
                ev.parse_levels(bad)

    def test_bootstrap_has_hd_and_levels(self):
        score = np.concatenate((self.live, self.sp["print"], self.sp["replay"]))
        systems = {"s": {"score": score, "decision": score >= 0.5}}
        b = ev.bootstrap(systems, np.arange(4), {"print": np.arange(4, 7), "replay": np.arange(7, 9)}, 0.5, "max",
                         200, 3, {"low": 0.25, "medium": 0.2, "high": 0.1})["s"]
        lo, hi = b["threshold_low_hd"]["ci95"]
        self.assertTrue(0.1 <= lo <= hi <= 0.3)
        self.assertLess(b["threshold_low_hd"]["defined"], 1.0)  # a resample may draw only the rejection
        self.assertIn("level_low_apcer_species.replay", b)


class Parsing(unittest.TestCase):
    NEW = {"p_real": 0.93, "fusion": "mean",
           "opinions": [{"opinion": "minifasnet", "p_real": 0.99, "models": ["minifasnet_v2", "minifasnet_v1se"]},
                        {"opinion": "suri", "p_real": 0.87, "models": ["suri_minifasv2se"]}],
           "models": [{"model": "minifasnet_v2", "opinion": "minifasnet", "p_real": 0.98, "crop": [0, 0, 1, 1]},
                      {"model": "minifasnet_v1se", "opinion": "minifasnet", "p_real": 1.0},
                      {"model": "suri_minifasv2se", "opinion": "suri", "p_real": 0.87}]}
    OLD = {"p_real": 0.9, "models": [{"model": "minifasnet_v2", "crop_scale": 2.7, "p_real": 0.8},
                                     {"model": "minifasnet_v1se", "crop_scale": 4.0, "p_real": 1.0}]}

    def item(self, liveness, label="live", species="none", res="SUCCESS", cs=0.07):
        it = ev.Item("t", "f.jpg", Path("/f.jpg"), label, species)
        ev.apply_result(it, {"resolution": res, "reason": None, "confidence_spoofing": cs, "threshold": 0.5,
                             "liveness": liveness})
        return it

    def test_new_shape(self):
        models, mo, ops, fusion, src = ev.parse_liveness(self.NEW)
        self.assertEqual(models, {"minifasnet_v2": 0.98, "minifasnet_v1se": 1.0, "suri_minifasv2se": 0.87})
        self.assertEqual(ops, {"minifasnet": 0.99, "suri": 0.87})
        self.assertEqual(mo["suri_minifasv2se"], "suri")
        self.assertEqual((fusion, src), ("mean", "cli"))

    def test_fallback_shape(self):
        models, mo, ops, fusion, src = ev.parse_liveness(self.OLD)
        self.assertEqual(ops, {"minifasnet": 0.9})  # mean of 0.8 and 1.0
        self.assertEqual(set(mo.values()), {"minifasnet"})
        self.assertEqual((fusion, src), (None, "fallback"))
        self.assertEqual(ev.parse_liveness(None)[:3], ({}, {}, {}))

    def test_systems_and_fusions(self):
        items = [self.item(self.NEW),
                 self.item(None, res="FAILED", cs=None),
                 self.item(self.NEW, "spoof", "print", "DECLINED", 0.07)]
        items[1].reason = "NO_FACE"
        s = ev.build_systems(items)
        self.assertEqual(list(s), ["model minifasnet_v2", "model minifasnet_v1se", "model suri_minifasv2se",
                                   "opinion minifasnet", "opinion suri", "fusion mean", "fusion max", "engine"])
        self.assertAlmostEqual(s["model minifasnet_v2"]["score"][0], 0.02)
        self.assertAlmostEqual(s["opinion suri"]["score"][0], 0.13)
        self.assertAlmostEqual(s["fusion mean"]["score"][0], 0.07)  # (0.01 + 0.13) / 2
        self.assertAlmostEqual(s["fusion max"]["score"][0], 0.13)
        self.assertEqual(s["opinion minifasnet"]["models"], ["minifasnet_v2", "minifasnet_v1se"])
        for v in s.values():  # the failed image is rejected by every system
            self.assertEqual(v["score"][1], R)
        self.assertEqual(list(s["engine"]["decision"]), [False, True, True])
        self.assertEqual(items[1].reject_reason, "NO_FACE")

    def test_operator_required(self):
        items = [self.item(self.OLD, res="OPERATOR_REQUIRED")]
        self.assertTrue(ev.build_systems(items)["engine"]["decision"][0])
        self.assertFalse(ev.build_systems(items, "accept")["engine"]["decision"][0])


class Manifests(unittest.TestCase):
    def write(self, rows):
        d = Path(tempfile.mkdtemp())
        (d / "a.jpg").write_bytes(b"x")
        (d / "MANIFEST.tsv").write_text("file\tlabel\tattack_type\textra\n" + "".join("\t".join(r) + "\n" for r in rows))
        return d

    def test_reads_and_validates(self):
        items = ev.read_manifest(self.write([["a.jpg", "spoof", "print", "whatever"]]), "t")
        self.assertEqual([(i.file, i.label, i.species) for i in items], [("a.jpg", "spoof", "print")])
        for bad in (["a.jpg", "fake", "print", ""], ["a.jpg", "spoof", "none", ""], ["a.jpg", "live", "print", ""],
                    ["b.jpg", "live", "none", ""]):
            with self.assertRaises(SystemExit):
                ev.read_manifest(self.write([bad]), "t")

    def test_split_sets(self):
        self.assertEqual(ev.split_sets(["samples,../shared/devset", "x y"]), ["samples", "../shared/devset", "x", "y"])

    def test_samples_manifest_matches_sources(self):
        # samples/MANIFEST.tsv gives every photo the label and attack type of samples/SOURCES.tsv
        root = Path(__file__).resolve().parent.parent / "samples"
        with (root / "SOURCES.tsv").open() as f:
            sources = {r["file"]: (r["label"], r["attack"]) for r in csv.DictReader(f, delimiter="\t")}
        items = ev.read_manifest(root, "samples")
        self.assertEqual({i.file: (i.label, i.species) for i in items}, sources)


if __name__ == "__main__":
    unittest.main()
