'use strict';
// The package itself: version, where ONNX Runtime comes from, telemetry, the public typings.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const PACKAGE_DIR = path.join(__dirname, '..');
const ozinstant = require('..');
const { sample } = require('../test-support/helpers.js');

function runChild(script, env) {
  return execFileSync(process.execPath, ['-e', script], { env, encoding: 'utf8' });
}

test('one version for the npm package and the engine', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(PACKAGE_DIR, 'package.json'), 'utf8'));
  assert.equal(pkg.name, 'ozinstant');
  assert.equal(ozinstant.VERSION, pkg.version);
  assert.equal(pkg.dependencies['onnxruntime-node'], '1.30.0');
  const lock = JSON.parse(fs.readFileSync(path.join(PACKAGE_DIR, 'package-lock.json'), 'utf8'));
  assert.equal(lock.packages['node_modules/onnxruntime-node'].version, '1.30.0');
});

test('require("ozinstant") and require of the folder give the same module', () => {
  assert.equal(require(PACKAGE_DIR), ozinstant);
  assert.equal(typeof ozinstant.Engine, 'function');
});

test('ONNX Runtime is taken from onnxruntime-node without loading that package', (t) => {
  const library = ozinstant.onnxruntimeNodeLibrary();
  assert.ok(library, 'onnxruntime-node is installed');
  assert.ok(fs.existsSync(library));
  assert.match(library, /onnxruntime-node[\\/]bin[\\/]napi-v6[\\/]/);
  const loaded = Object.keys(require.cache).filter((f) => /onnxruntime-node[\\/](dist|lib)[\\/]/.test(f));
  assert.deepEqual(loaded, [], 'onnxruntime-node itself is never required');
  if (process.env.ORT_DYLIB_PATH) {
    t.skip('ORT_DYLIB_PATH is set, so it wins over onnxruntime-node');
    return;
  }
  const engine = new ozinstant.Engine();
  assert.deepEqual(engine.runtime, { library_path: library, found_by: 'config' });
});

test('an explicit ort_library_path or ORT_DYLIB_PATH wins over onnxruntime-node (fresh processes)', () => {
  const library = ozinstant.onnxruntimeNodeLibrary();
  const copyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ozinstant-ort-'));
  try {
    const copy = path.join(copyDir, path.basename(library));
    fs.copyFileSync(library, copy);
    const script = (config) => `
      const { Engine } = require(${JSON.stringify(PACKAGE_DIR)});
      console.log(JSON.stringify(new Engine(${JSON.stringify(config)}).runtime));`;
    const env = { ...process.env };
    delete env.ORT_DYLIB_PATH;
    const explicit = JSON.parse(runChild(script({ ort_library_path: copy }), env));
    assert.deepEqual(explicit, { library_path: copy, found_by: 'config' });
    const fromEnv = JSON.parse(runChild(script({}), { ...env, ORT_DYLIB_PATH: copy }));
    assert.deepEqual(fromEnv, { library_path: copy, found_by: 'ORT_DYLIB_PATH' });
  } finally {
    fs.rmSync(copyDir, { recursive: true, force: true });
  }
});

test('telemetry is disabled before ONNX Runtime loads (unless the user set it) and nothing is written to HOME', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ozinstant-home-'));
  try {
    const script = `
      const before = process.env.ORT_DISABLE_TELEMETRY;
      const { Engine } = require(${JSON.stringify(PACKAGE_DIR)});
      const after = process.env.ORT_DISABLE_TELEMETRY;
      new Engine().analyze(${JSON.stringify(sample('facerec_live_biden.jpg'))})
        .then((r) => console.log(JSON.stringify({ before, after, resolution: r.resolution })));`;
    const env = { ...process.env, HOME: home };
    delete env.XDG_CACHE_HOME;
    delete env.ORT_DISABLE_TELEMETRY;
    const out = JSON.parse(runChild(script, env));
    assert.deepEqual(out, { after: '1', resolution: 'SUCCESS' }); // before: unset (dropped by JSON)
    assert.deepEqual(fs.readdirSync(home), [], 'HOME stays empty');
    // A value the user chose is theirs: loading the package never overrides it.
    const scriptNoRun = `
      const before = process.env.ORT_DISABLE_TELEMETRY;
      require(${JSON.stringify(PACKAGE_DIR)});
      console.log(JSON.stringify({ before, after: process.env.ORT_DISABLE_TELEMETRY }));`;
    for (const value of ['0', '1']) {
      const kept = JSON.parse(runChild(scriptNoRun, { ...env, ORT_DISABLE_TELEMETRY: value }));
      assert.deepEqual(kept, { before: value, after: value });
    }
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
});

test('index.d.ts declares every public method and getter of Engine', () => {
  const dts = fs.readFileSync(path.join(PACKAGE_DIR, 'index.d.ts'), 'utf8');
  const names = Object.getOwnPropertyNames(ozinstant.Engine.prototype).filter((n) => n !== 'constructor');
  assert.equal(names.length, 13);
  for (const name of names) {
    assert.match(dts, new RegExp(`\\n\\s+(get )?${name}\\(`), `index.d.ts declares Engine.${name}`);
  }
  for (const name of Object.keys(ozinstant)) {
    assert.match(dts, new RegExp(`export (declare )?(class|const|function) ${name}\\b`), `index.d.ts exports ${name}`);
  }
});
