'use strict';
// Cross-language check: the Node results equal the Rust CLI's JSON lines for the same files
// (same request id, same ONNX Runtime library), apart from timings.
//
// Uses $OZINSTANT_CLI, else target/release/ozinstant when it is newer than the core and CLI
// sources (a stale binary would compare against old code); skipped otherwise. Build it with
// `cargo build --release -p ozinstant-cli`.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const { Engine, VERSION, onnxruntimeNodeLibrary } = require('..');
const { REPO, EXPECTED, sample } = require('../test-support/helpers.js');

function newestSource(dirs) {
  let newest = 0;
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  dirs.forEach(walk);
  return newest;
}

function findCli() {
  if (process.env.OZINSTANT_CLI) return { cli: process.env.OZINSTANT_CLI };
  const cli = path.join(REPO, 'target', 'release', 'ozinstant');
  if (!fs.existsSync(cli)) return { skip: `${cli} is not built` };
  const sources = ['core/src', 'core/Cargo.toml', 'cli/src'].map((p) => path.join(REPO, p));
  const newest = newestSource(sources.filter((p) => fs.statSync(p).isDirectory()));
  if (fs.statSync(cli).mtimeMs < newest) return { skip: `${cli} is older than the core or CLI sources` };
  return { cli };
}

const { cli, skip } = findCli();

test('Node results equal the Rust CLI JSON', { skip }, async () => {
  const library = process.env.ORT_DYLIB_PATH || onnxruntimeNodeLibrary();
  // Found the same way on both sides: through ORT_DYLIB_PATH when it is set (the CLI inherits
  // it), else as a configured path (`--ort-library`, as index.js configures onnxruntime-node's).
  const ortArgs = process.env.ORT_DYLIB_PATH ? [] : ['--ort-library', library];
  const files = Object.keys(EXPECTED).map(sample);
  const out = execFileSync(
    cli,
    ['analyze', ...files, '--format', 'jsonl', '--request-id', 'xlang-1', ...ortArgs, '--no-progress'],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const rust = out.trim().split('\n').map((line) => JSON.parse(line));
  assert.equal(rust.length, files.length);
  const engine = new Engine();
  assert.equal(engine.runtime.library_path, library, 'both sides use the same ONNX Runtime');
  for (const [i, file] of files.entries()) {
    const node = await engine.analyze(file, { requestId: 'xlang-1' });
    assert.deepEqual({ ...node, timings: null }, { ...rust[i], timings: null }, file);
  }
  const info = JSON.parse(execFileSync(cli, ['info', ...ortArgs], { encoding: 'utf8' }));
  assert.equal(info.engine_version, VERSION);
  assert.deepEqual(info.models, engine.models);
  assert.deepEqual(info.runtime, engine.runtime);
  // (info.config is not compared: the CLI prints f32 settings widened to f64, 0.30000001192092896
  // for 0.3, while EngineConfig::to_json prints 0.3.)
  assert.equal(info.config.threshold, engine.config.threshold);
});
