#!/usr/bin/env python3
"""Derives the faster MiniFASNet and Suri graphs the engine embeds from the verified upstream files.

ONNX Runtime's CPU `PRelu` kernel goes through its generic broadcasting path and took 55 % of
MiniFASNet's run time (33 PRelu nodes, 2.5 ms of 4.2 ms on one core). Every slope in both
MiniFASNet models is <= 1, so for each channel

    PRelu(x, s) = x if x > 0 else s * x  ==  Max(x, s * x)

(for x > 0, s * x <= x; for x <= 0, s * x >= x). The rewrite replaces each PRelu by `Mul` with
the same per-channel slope tensor followed by `Max`, which run on ORT's vectorised elementwise
kernels. The products are the same float multiplications, so outputs are bit-identical (checked
by `core/tests/parity.rs::optimized_graphs_equal_upstream`). Weights are untouched. Suri
MiniFASNetV2-SE has 33 PRelu nodes too, every slope <= 0.31.

Usage (needs `pip install onnx==1.23.2`; the output is committed, CI does not run this):

    python3 scripts/optimize-models.py            # writes models/*.opt.onnx
    python3 scripts/optimize-models.py --check    # fails if the committed files differ
"""

import argparse
import hashlib
import pathlib
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

ROOT = pathlib.Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
# Upstream file -> derived file. Only models whose PRelu slopes are all <= 1 qualify.
TARGETS = {
    "minifasnet_v2_scale2.7_80x80.onnx": "minifasnet_v2_scale2.7_80x80.opt.onnx",
    "minifasnet_v1se_scale4.0_80x80.onnx": "minifasnet_v1se_scale4.0_80x80.opt.onnx",
    "suri_minifasv2se_128x128.onnx": "suri_minifasv2se_128x128.opt.onnx",
}


def rewrite(src: pathlib.Path) -> bytes:
    model = onnx.load(str(src))
    graph = model.graph
    slopes = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    nodes = []
    replaced = 0
    for node in graph.node:
        if node.op_type != "PRelu":
            nodes.append(node)
            continue
        x, slope = node.input
        if slope not in slopes:
            sys.exit(f"{src.name}: PRelu {node.name} has a computed slope; cannot prove the rewrite")
        if not np.all(slopes[slope] <= 1.0):
            sys.exit(f"{src.name}: PRelu {node.name} has a slope > 1; Max(x, s*x) would be wrong")
        (y,) = node.output
        scaled = f"{y}__prelu_scaled"
        nodes.append(helper.make_node("Mul", [x, slope], [scaled], name=f"{node.name or y}__mul"))
        nodes.append(helper.make_node("Max", [x, scaled], [y], name=f"{node.name or y}__max"))
        replaced += 1
    del graph.node[:]
    graph.node.extend(nodes)
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    helper.set_model_props(
        model,
        {
            "ozinstant.derived_from": f"{src.name} sha256 {digest}",
            "ozinstant.rewrite": f"{replaced} x PRelu(x, s) -> Max(x, Mul(x, s)); every slope <= 1",
        },
    )
    onnx.checker.check_model(model)
    return model.SerializeToString(deterministic=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare with the committed files instead of writing")
    args = parser.parse_args()
    status = 0
    for src, dst in TARGETS.items():
        data = rewrite(MODELS / src)
        out = MODELS / dst
        digest = hashlib.sha256(data).hexdigest()
        if args.check:
            same = out.exists() and out.read_bytes() == data
            print(f"{'ok  ' if same else 'DIFF'} {dst} {digest}")
            status |= 0 if same else 1
        else:
            out.write_bytes(data)
            print(f"wrote {dst} {digest}")
    return status


if __name__ == "__main__":
    sys.exit(main())
