# ozinstant — the two commands a fresh clone needs:
#   make demo   fetch ONNX Runtime, build, analyse samples/
#   make test   fetch ONNX Runtime, build everything, run every test
# Prerequisites: cargo, python3 + pip (for the onnxruntime wheel), gcc.

ORT_VERSION ?= 1.31.1
ORT_LIB     := .cache/onnxruntime/libonnxruntime.so.$(ORT_VERSION)
CARGO       ?= cargo

.PHONY: demo test ort build test-rust test-docs test-python test-c test-node test-cross-language lint schema bench clean-cache

demo: build
	./target/release/ozinstant analyze samples/

test: ort test-rust test-docs test-c test-python test-node test-cross-language lint

ort: $(ORT_LIB)

$(ORT_LIB):
	ORT_VERSION=$(ORT_VERSION) ./scripts/fetch-ort.sh

build: ort
	$(CARGO) build --release -p ozinstant-cli

# The Python and Node crates link against their host runtimes; their own scripts test them.
test-rust: ort
	$(CARGO) test --workspace --locked --exclude ozinstant-python --exclude ozinstant-node
	$(CARGO) test -p ozinstant --bench analyze --locked

# README code samples are the example files, and the examples run.
test-docs: ort
	python3 scripts/readme-snippets.py --check
	$(CARGO) run --release --locked -p ozinstant --example analyze -- samples/skimage_live_astronaut.png

# C: cbindgen header drift, shared + static example and API test, valgrind memcheck.
test-c: ort
	./scripts/test-c.sh

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

bench: ort
	$(CARGO) bench -p ozinstant

clean-cache:
	rm -rf .cache
