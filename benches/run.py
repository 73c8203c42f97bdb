#!/usr/bin/env python3
"""`make bench`: the engine against the Python reference pipeline, in one session on one machine.

Both sides are long-lived workers that hold their models and the input bytes in memory and are
driven over JSON lines (benches/engine: `ozinstant-bench`; benches/reference/reference.py), so
model loading is never timed and rounds alternate: for each input, several rounds of
engine → reference (one process, ORT threads = cores) → reference (one process per core), and
the engine/reference throughput ratio is taken per round, so machine noise hits both sides.
See docs/PERFORMANCE.md for what every number means.

Environment: BENCH_SECONDS (per measured run, default 5), BENCH_ROUNDS (default 3),
BENCH_STEADY_REQUESTS (default 3000), BENCH_LIVENESS_MODELS (default `default`). Run with the
bench venv's python from the repo root.

`--liveness-models` sets the liveness opinions of both sides (the engine's `liveness.models`):
`default` (minifasnet,suri), `fast` (minifasnet alone), or a comma-separated list. The reference
workers get it as `--models`, the engine worker as `liveness_models` in its `engine` command; an
engine worker that does not echo `liveness_models` back runs its own default set (a note says
so: the verdicts' p_real may still agree within 0.02, so they do not show it).
"""

from __future__ import annotations

import argparse
import datetime
import glob
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SELFIE = os.path.join(ROOT, "samples", "minivision_live_image_T1.jpg")
CACHE = os.path.join(ROOT, ".cache", "bench")
CLK_TCK = os.sysconf("SC_CLK_TCK")
BATCH_SIZES = (1, 2, 4, 8, 10)
LIVENESS_PROFILES = {"default": ["minifasnet", "suri"], "fast": ["minifasnet"]}


def liveness_models(text: str) -> list[str]:
    if text in LIVENESS_PROFILES:
        return LIVENESS_PROFILES[text]
    names = [t.strip() for t in text.split(",") if t.strip()]
    if not names or any(n not in LIVENESS_PROFILES["default"] for n in names) or len(set(names)) != len(names):
        raise argparse.ArgumentTypeError(f"{text!r}: expected default, fast or a list of minifasnet, suri")
    return [n for n in LIVENESS_PROFILES["default"] if n in names]


# ---- inputs ----


def make_input(src: str, width: int, height: int, dst: str) -> None:
    """Upscale `src` (INTER_CUBIC) to fit `width x height`, pad the rest with BORDER_REPLICATE,
    re-encode as JPEG quality 92."""
    import cv2

    img = cv2.imread(src)
    h0, w0 = img.shape[:2]
    s = min(width / w0, height / h0)
    w1, h1 = min(round(w0 * s), width), min(round(h0 * s), height)
    big = cv2.resize(img, (w1, h1), interpolation=cv2.INTER_CUBIC)
    left, top = (width - w1) // 2, (height - h1) // 2
    big = cv2.copyMakeBorder(big, top, height - h1 - top, left, width - w1 - left, cv2.BORDER_REPLICATE)
    tmp = dst + ".tmp.jpg"
    cv2.imwrite(tmp, big, [cv2.IMWRITE_JPEG_QUALITY, 92])
    os.replace(tmp, dst)


def inputs() -> list[tuple[str, str]]:
    os.makedirs(CACHE, exist_ok=True)
    out = [("640x480", SELFIE)]
    for name, w, h in (("1920x1080", 1920, 1080), ("12mp", 3024, 4032)):
        path = os.path.join(CACHE, f"selfie_{w}x{h}.jpg")
        if not os.path.exists(path):
            make_input(SELFIE, w, h, path)
        out.append((name, path))
    return out


# ---- processes ----


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        rest = f.read().rsplit(")", 1)[1].split()
    return (int(rest[11]) + int(rest[12])) / CLK_TCK


def status_kb(pid: int, key: str) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def reset_peak(pid: int) -> None:
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")  # resets VmHWM to the current RSS
    except OSError:
        pass


class Worker:
    def __init__(self, argv: list[str], env: dict[str, str]):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
        self.pid = self.proc.pid

    def send(self, **cmd) -> None:
        assert self.proc.stdin
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()

    def recv(self) -> dict:
        assert self.proc.stdout
        line = self.proc.stdout.readline()
        if not line:
            sys.exit(f"worker {self.pid} exited ({self.proc.wait()})")
        ans = json.loads(line)
        if not ans.get("ok"):
            sys.exit(f"worker {self.pid}: {ans.get('error')}")
        return ans

    def call(self, **cmd) -> dict:
        self.send(**cmd)
        return self.recv()

    def close(self) -> None:
        try:
            self.call(op="quit")
        except (SystemExit, BrokenPipeError):
            pass
        self.proc.wait(timeout=30)


def measure(workers: list[Worker], **cmd) -> dict:
    """Sends one `run` to every worker at once; aggregates throughput, latency, cores and peak RSS."""
    for w in workers:
        reset_peak(w.pid)
    cpu0 = sum(cpu_seconds(w.pid) for w in workers)
    t0 = time.perf_counter()
    for w in workers:
        w.send(op="run", **cmd)
    answers = [w.recv() for w in workers]
    wall = time.perf_counter() - t0
    cpu = sum(cpu_seconds(w.pid) for w in workers) - cpu0
    lat = sorted(v for a in answers for v in a["lat_ms"])
    images = sum(a["images"] for a in answers)
    calls = sum(a["calls"] for a in answers)
    run_wall = max(a["wall_s"] for a in answers)

    def pct(q: float) -> float:
        return lat[min(round((len(lat) - 1) * q), len(lat) - 1)] if lat else float("nan")

    return {
        "images": images,
        "calls": calls,
        "tput": images / run_wall if run_wall > 0 else 0.0,
        "ms_per_call": run_wall * 1e3 / calls if calls else float("nan"),  # one client
        "p50": pct(0.5),
        "p99": pct(0.99),
        "cores": cpu / wall if wall > 0 else 0.0,
        "peak_mb": sum(status_kb(w.pid, "VmHWM") for w in workers) / 1024,
    }


# ---- report ----


class Report:
    def __init__(self) -> None:
        self.sections: list[tuple[str, list[str], list[list[str]], str]] = []

    def table(self, title: str, head: list[str], rows: list[list[str]], note: str = "") -> None:
        self.sections.append((title, head, rows, note))
        widths = [max(len(str(r[i])) for r in [head] + rows) for i in range(len(head))]
        print(f"\n{title}")
        for r in [head] + rows:
            cells = [str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(r, widths))]
            print("  " + "  ".join(cells))
        if note:
            print(f"  {note}")

    def markdown(self, header: str) -> str:
        out = [header, ""]
        for title, head, rows, note in self.sections:
            out += [f"**{title}**", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
            out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
            out += ["", note, ""] if note else [""]
        return "\n".join(out)


def f1(v: float) -> str:
    return f"{v:.1f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=float(os.environ.get("BENCH_SECONDS", "5")))
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "3")))
    ap.add_argument("--steady-requests", type=int, default=int(os.environ.get("BENCH_STEADY_REQUESTS", "3000")))
    ap.add_argument("--engine-bin", default=os.path.join(ROOT, "target", "release", "ozinstant-bench"))
    ap.add_argument(
        "--liveness-models",
        type=liveness_models,
        default=liveness_models(os.environ.get("BENCH_LIVENESS_MODELS", "default")),
        help="liveness opinions of engine and reference: default, fast, or a list of minifasnet, suri",
    )
    ap.add_argument("--markdown", help="also write the tables as Markdown to this file")
    args = ap.parse_args()

    cores = len(os.sched_getaffinity(0))
    env = dict(os.environ, ORT_DISABLE_TELEMETRY="1")
    if "ORT_DYLIB_PATH" not in env:
        libs = sorted(glob.glob(os.path.join(ROOT, ".cache", "onnxruntime", "libonnxruntime.so.*")))
        if libs:
            env["ORT_DYLIB_PATH"] = libs[-1]
    started = time.perf_counter()
    load = os.getloadavg()[0]
    live = ",".join(args.liveness_models)
    print(
        f"ozinstant bench: {cores} cores, {args.seconds:g} s per run, {args.rounds} rounds, "
        f"liveness {live}, load {load:.2f}"
    )

    files = inputs()
    engine = Worker([args.engine_bin], env)
    ref_script = os.path.join(ROOT, "benches", "reference", "reference.py")
    ref_args = ["--models", live]
    ref_a = Worker([sys.executable, ref_script, "worker", "--threads", str(cores), *ref_args], env)
    ref_b = [Worker([sys.executable, ref_script, "worker", "--threads", "1", *ref_args], env) for _ in range(cores)]
    everyone = [engine, ref_a, *ref_b]

    noted: list[bool] = []

    def engine_threads(k: int) -> None:
        ans = engine.call(op="engine", threads=k, liveness_models=args.liveness_models)
        if ans.get("liveness_models") not in (None, args.liveness_models):
            sys.exit(f"engine worker runs liveness {ans['liveness_models']}, asked for {args.liveness_models}")
        if "liveness_models" not in ans and not noted:
            noted.append(True)
            print("  note: the engine worker does not report liveness_models; it runs its default set")
    try:
        for name, path in files:
            for w in everyone:
                w.send(op="load", name=name, path=path)
            for w in everyone:
                w.recv()
        engine_threads(cores)

        # Verdicts (also the warm-up of every worker on every input).
        rep = Report()
        rows = []
        for name, path in files:
            e = engine.call(op="verdict", name=name)["verdict"]
            for w in [ref_a, *ref_b]:
                w.send(op="verdict", name=name)
            r = [w.recv()["verdict"] for w in [ref_a, *ref_b]][0]
            same = (e["resolution"], e["reason"], e["box"] and [int(v) for v in e["box"]]) == (
                r["resolution"],
                r["reason"],
                r["box"],
            ) and (e["p_real"] is None or abs(e["p_real"] - r["p_real"]) <= 0.02)
            size = os.path.getsize(path) / 1e6
            box = e["box"] and "[" + ",".join(str(int(v)) for v in e["box"]) + "]"
            rows.append(
                [
                    name,
                    f"{size:.2f} MB",
                    f"{e['resolution']} {e['p_real']} {box}",
                    f"{r['resolution']} {r['p_real']} [{','.join(str(v) for v in r['box'] or [])}]",
                    "yes" if same else "NO",
                ]
            )
        rep.table(
            "Inputs and verdicts (resolution, p_real, analysed box)",
            ["input", "JPEG", "engine", "reference", "same"],
            rows,
            "same: resolution, reason and box equal, p_real within 0.02",
        )

        # Engine vs reference, interleaved rounds.
        run = {"seconds": args.seconds}
        rows, ratios = [], {}
        for name, _ in files:
            eng, ra, rb = [], [], []
            for _ in range(args.rounds):
                eng.append(measure([engine], name=name, clients=cores, **run))
                ra.append(measure([ref_a], name=name, **run))
                rb.append(measure(ref_b, name=name, **run))
            best, label = (ra, "A") if statistics.median(m["tput"] for m in ra) >= statistics.median(
                m["tput"] for m in rb
            ) else (rb, "B")
            ratio = statistics.median(e["tput"] / b["tput"] for e, b in zip(eng, best) if b["tput"] > 0)
            ratios[name] = ratio
            for label_row, ms in (
                (f"engine, {cores} threads", eng),
                (f"reference A, 1 process x {cores} ORT threads", ra),
                (f"reference B, {cores} processes x 1 thread", rb),
            ):
                rows.append(
                    [
                        name,
                        label_row,
                        f1(statistics.median(m["tput"] for m in ms)),
                        f1(statistics.median(m["p50"] for m in ms)),
                        f1(statistics.median(m["p99"] for m in ms)),
                        f"{max(m['peak_mb'] for m in ms):.0f}",
                        f"{statistics.median(m['cores'] for m in ms):.2f}",
                        f"{ratio:.2f} (vs {label})" if ms is eng else "",
                    ]
                )
        rep.table(
            "Engine vs Python reference (median of rounds)",
            ["input", "pipeline", "images/s", "p50 ms", "p99 ms", "peak RSS MB", "cores used", "engine/ref"],
            rows,
            "engine/ref: median over rounds of engine images/s divided by the better reference mode's "
            "images/s in the same round. p50/p99: latency of one call under full load.",
        )

        # Engine scaling on the selfie.
        rows, tput1, p50_single = [], None, None
        for k in sorted({1, 2, cores}):
            engine_threads(k)
            m = measure([engine], name="640x480", clients=k, **run)
            if k == 1:
                tput1, p50_single = m["tput"], m["p50"]
            eff = m["tput"] / (k * tput1) if tput1 else float("nan")
            rows.append([str(k), f1(m["tput"]), f1(m["p50"]), f1(m["p99"]), f"{m['cores']:.2f}", f"{eff:.2f}"])
        rep.table(
            "Engine scaling, 640x480 selfie (k threads, k clients calling analyze)",
            ["threads", "images/s", "p50 ms", "p99 ms", "cores used", "efficiency"],
            rows,
            f"single-stream p50 latency, 1 thread: {p50_single:.1f} ms; efficiency = tput(k) / (k * tput(1))",
        )

        # Batch-size curve: one client, requests of n media, engine with all cores.
        engine_threads(cores)
        rows = []
        for n in BATCH_SIZES:
            m = measure([engine], name="640x480", clients=1, batch=n, **run)
            rows.append([str(n), f1(m["ms_per_call"]), f1(m["tput"])])
        rep.table(
            f"Engine batch curve, 640x480 ({cores} threads, one request of n media at a time)",
            ["media per request", "ms per request", "images/s"],
            rows,
        )

        # Steady RSS over many requests.
        rss0 = status_kb(engine.pid, "VmRSS") / 1024
        m = measure([engine], name="640x480", clients=cores, count=args.steady_requests)
        rss1 = status_kb(engine.pid, "VmRSS") / 1024
        steady = [str(m["calls"]), f"{rss0:.0f}", f"{rss1:.0f}", f"{m['peak_mb']:.0f}"]

        # Cold start in fresh processes.
        colds = []
        for _ in range(3):
            argv = [args.engine_bin, "cold", str(cores)]
            out = subprocess.run(argv, capture_output=True, text=True, env=env, check=True)
            colds.append(json.loads(out.stdout))
        rep.table(
            "Engine start and memory",
            ["measure", "value"],
            [
                [
                    "cold start: Engine::new -> ready (ms, median of 3 fresh processes)",
                    f1(statistics.median(c["new_ready_ms"] for c in colds)),
                ],
                ["cold start: Engine::new + warm_up (ms)", f1(statistics.median(c["new_warm_ms"] for c in colds))],
                [
                    f"steady RSS over {steady[0]} requests ({cores} clients): start -> end MB",
                    f"{steady[1]} -> {steady[2]}",
                ],
                ["peak RSS during those requests, MB", steady[3]],
            ],
        )
    finally:
        for w in everyone:
            w.close()

    elapsed = time.perf_counter() - started
    print(f"\n(total {elapsed:.0f} s; load average at start {load:.2f})")
    if args.markdown:
        header = (
            f"Measured {datetime.date.today().isoformat()} on {cores} cores "
            f"({os.uname().machine}), BENCH_SECONDS={args.seconds:g}, BENCH_ROUNDS={args.rounds}, "
            f"liveness {live}, "
            f"load average {load:.2f} at start."
        )
        with open(args.markdown, "w") as f:
            f.write(rep.markdown(header))
        print(f"markdown written to {args.markdown}")
    print(f"throughput_ratio_640x480={ratios['640x480']:.2f} throughput_ratio_12mp={ratios['12mp']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
