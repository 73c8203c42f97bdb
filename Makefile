# ozinstant — the two commands a fresh clone needs:
#   make demo   fetch ONNX Runtime, build, analyse samples/
#   make test   fetch ONNX Runtime, build everything, run every test
# Prerequisites: cargo, python3 + pip (for the onnxruntime wheel), gcc.

ORT_VERSION ?= 1.31.1
ORT_LIB     := .cache/onnxruntime/libonnxruntime.so.$(ORT_VERSION)
CARGO       ?= cargo

.PHONY: demo test ort tools build test-rust test-docs test-python test-c test-node test-cross-language lint schema bench clean-cache

# Every file of samples/ can be analysed: any non-zero exit status fails the demo. (The clips
# that show unsupported_codec are test data in core/tests/data/unsupported/.)
demo: build
	./target/release/ozinstant analyze samples/

test: ort test-rust test-docs test-c test-python test-node test-cross-language test-reference test-eval test-strace soak fuzz-smoke lint

ort: $(ORT_LIB) tools

# nasm for libjpeg-turbo's SIMD (optional; see the script).
tools:
	./scripts/ensure-build-tools.sh

$(ORT_LIB):
	ORT_VERSION=$(ORT_VERSION) ./scripts/fetch-ort.sh

build: ort
	$(CARGO) build --release -p ozinstant-cli

# The Python and Node crates link against their host runtimes; their own scripts test them.
test-rust: ort
	$(CARGO) test --workspace --locked --exclude ozinstant-python --exclude ozinstant-node
	$(CARGO) test -p ozinstant --bench analyze --locked

# README code samples are the example files, and the examples run.
test-docs: ort build
	python3 scripts/readme-snippets.py --check
	$(CARGO) run --release --locked -p ozinstant --example analyze -- samples/skimage_live_astronaut.png
	bash examples/cli/signed-results.sh

# C: cbindgen header drift, shared + static example and API test, valgrind memcheck.
test-c: ort
	./scripts/test-c.sh

# A Rust host built with panic = "abort": a corrupt JPEG is a typed error, not an abort
# (docs/SECURITY.md). Builds the example in its own profile (target/panic-abort/).
.PHONY: test-panic-abort
test-panic-abort: ort
	./scripts/test-panic-abort.sh

# Soak: 25 000 analyses in one process (the test alone runs 100 000; OZI_SOAK_N overrides), resident set flat within 2 %
# after warm-up (core/tests/soak.rs, release build).
.PHONY: soak
# With four networks and the wiping allocator, calls run at about 56/s on 2 cores: 50 000 took
# 15 minutes of CI's budget. Since the allocator caches wiped blocks the resident set is flat
# (0.00 % growth over 20 000 calls), so the bound is 2 % (about 3 MB): a leak of 200 bytes per
# call still shows at 25 000 (4.5 MB after warm-up).
OZI_SOAK_N ?= 25000
soak: ort
	OZI_SOAK_N=$(OZI_SOAK_N) $(CARGO) test --release --locked -p ozinstant --test soak -- --ignored --nocapture

# Statelessness: the release CLI and the C example under strace open no file for writing,
# create no socket, and open only allow-listed files (inputs, ONNX Runtime, system files).
.PHONY: test-strace
test-strace: ort
	./scripts/test-strace.sh

# Fuzzing (fuzz/, cargo-fuzz on stable with -s none): every target for FUZZ_SECONDS (default
# 60) on seeds generated from samples/; fails on any crash. Installs cargo-fuzz into .cache/tools.
.PHONY: fuzz-smoke
# `make test` gives each target 30 s (FUZZ_SECONDS=60 make fuzz-smoke for the longer smoke).
FUZZ_SECONDS ?= 30
fuzz-smoke: ort
	FUZZ_SECONDS=$(FUZZ_SECONDS) ./scripts/fuzz-smoke.sh

# Python: abi3 wheel built with maturin, installed with its dependencies into a fresh venv.
test-python: ort
	./scripts/test-python.sh

# Node: napi-rs addon built with the napi CLI (npm ci from the committed lock), node --test.
test-node: ort build
	./scripts/test-node.sh

# The same samples through Rust, C, Python and Node: same verdicts, boxes and scores (1e-6).
test-cross-language: build test-c test-python test-node
	python3 scripts/test-cross-language.py

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

# Regenerates docs/result.schema.json and docs/media-result.schema.json (a test fails when
# the committed files drift from the code).
schema:
	UPDATE_SCHEMA=1 $(CARGO) test -p ozinstant --test schema

# `make bench`: the engine against the Python reference pipeline, interleaved, on this machine
# (benches/, docs/PERFORMANCE.md). BENCH_SECONDS (per run, default 5), BENCH_ROUNDS (default 3)
# and BENCH_STEADY_REQUESTS (default 3000) set its length; BENCH_ARGS="--markdown FILE" also
# writes the tables as Markdown. The last line is `throughput_ratio_640x480=.. throughput_ratio_12mp=..`.
BENCH_PYTHON ?= python3
BENCH_VENV   := .cache/venv-bench

.PHONY: bench bench-criterion bench-venv test-reference

bench: ort bench-venv
	$(CARGO) build --release --locked -p ozinstant-bench
	$(BENCH_VENV)/bin/python benches/run.py $(BENCH_ARGS)

# The criterion micro-benchmarks of the core crate.
bench-criterion: ort
	$(CARGO) bench -p ozinstant

# Pinned venv of the Python reference (onnxruntime, OpenCV, NumPy).
bench-venv: $(BENCH_VENV)/.installed

$(BENCH_VENV)/.installed: benches/reference/requirements.txt
	$(BENCH_PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --disable-pip-version-check -r benches/reference/requirements.txt
	touch $@

# The Python reference gives the engine's verdicts, boxes and scores (0.02) on every sample,
# and its Suri model the golden boxes and scores of ../shared/models/testvectors/suri.
test-reference: build bench-venv
	$(BENCH_VENV)/bin/python benches/reference/check_parity.py
	$(BENCH_VENV)/bin/python benches/reference/check_suri_golden.py

# `make eval [SET=dir[,dir...]]`: liveness accuracy in ISO/IEC 30107-3 terms (APCER per attack
# type and APCER_max, BPCER, EER, BPCER@APCER, security-level thresholds, 95 % bootstrap
# intervals) of the release CLI on labelled folders, each with a MANIFEST.tsv; default samples/
# and ../shared/devset when present. Table on stdout, $(EVAL_OUT)/det.png and eval.json;
# EVAL_ARGS="..." goes to `ozinstant analyze`; EVAL_CLI=path scores another binary (`build` still
# runs). Method: docs/ACCURACY.md.
EVAL_PYTHON ?= python3
EVAL_VENV   := .cache/venv-eval
EVAL_OUT    ?= target/eval
EVAL_CLI    ?= target/release/ozinstant

.PHONY: eval eval-venv test-eval

eval: build eval-venv
	ORT_DISABLE_TELEMETRY=1 $(EVAL_VENV)/bin/python scripts/eval.py $(if $(strip $(SET)),--set "$(SET)") \
	  --cli $(EVAL_CLI) --plot-dir $(EVAL_OUT) --json $(EVAL_OUT)/eval.json

# Pinned venv of scripts/eval.py (NumPy, matplotlib).
eval-venv: $(EVAL_VENV)/.installed

$(EVAL_VENV)/.installed: scripts/eval-requirements.txt
	$(EVAL_PYTHON) -m venv $(EVAL_VENV)
	$(EVAL_VENV)/bin/pip install --quiet --disable-pip-version-check -r scripts/eval-requirements.txt
	touch $@

# The metric unit tests (scripts/test_eval_metrics.py), then `make eval SET=samples` into a
# temporary folder, checked against samples/MANIFEST.tsv (counts, rates within 0..1, a PNG).
test-eval: build eval-venv
	./scripts/test-eval.sh

clean-cache:
	rm -rf .cache
