'use strict';
// Runs examples/node/analyze.js (the README's Node example) as a user would.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const { REPO, sample } = require('../test-support/helpers.js');

const EXAMPLE = path.join(REPO, 'examples', 'node', 'analyze.js');

// The example does require('ozinstant'): point NODE_PATH at a folder where that name links to
// this package, as `npm install ozinstant` would.
const modules = fs.mkdtempSync(path.join(os.tmpdir(), 'ozinstant-example-'));
fs.symlinkSync(path.join(__dirname, '..'), path.join(modules, 'ozinstant'), 'dir');
test.after(() => fs.rmSync(modules, { recursive: true, force: true }));

function run(args) {
  return spawnSync(process.execPath, [EXAMPLE, ...args], {
    env: { ...process.env, NODE_PATH: modules },
    encoding: 'utf8',
  });
}

test('the example prints resolution and score for each file', () => {
  const files = [
    sample('minivision_live_image_T1.jpg'),
    sample('minivision_spoof_print_image_F1.jpg'),
    sample('group_three_faces.jpg'),
  ];
  const r = run(files);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 3, r.stdout);
  assert.match(lines[0], /^.*minivision_live_image_T1\.jpg: SUCCESS confidence_spoofing=0\.\d+$/);
  assert.match(lines[1], /^.*minivision_spoof_print_image_F1\.jpg: DECLINED confidence_spoofing=0\.\d+$/);
  assert.match(lines[2], /^.*group_three_faces\.jpg: FAILED \(MULTIPLE_FACES\)$/);
});

test('the example exits non-zero on an error', () => {
  const notAnImage = path.join(modules, 'not-an-image.jpg');
  fs.writeFileSync(notAnImage, 'hello');
  const r = run([notAnImage]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /unsupported_format/);
  const none = run([]);
  assert.notEqual(none.status, 0);
  assert.match(none.stderr, /usage/i);
});
