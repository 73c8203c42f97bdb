'use strict';
// Verdicts on the repository's samples, input kinds, options, requests and batches.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');

const { Engine } = require('..');
const { EXPECTED, sample, stable } = require('../test-support/helpers.js');

const engine = new Engine();

test('every sample gets its expected verdict', async () => {
  for (const [name, [resolution, reason]] of Object.entries(EXPECTED)) {
    const r = await engine.analyze(sample(name));
    assert.equal(r.resolution, resolution, name);
    assert.equal(r.reason, reason, name);
    assert.equal(r.source, sample(name));
    assert.equal(r.analysis, 'liveness');
    if (resolution === 'FAILED') {
      assert.equal(r.confidence_spoofing, null, name);
    } else {
      assert.equal(typeof r.confidence_spoofing, 'number', name);
      assert.equal(r.confidence_spoofing >= r.threshold, resolution === 'DECLINED', name);
      assert.ok(r.faces.length >= 1 && r.faces[0].analysed, name);
    }
  }
});

test('a Buffer, a Uint8Array, an ArrayBuffer, a DataView and a path give equal results', async () => {
  for (const name of Object.keys(EXPECTED)) {
    const bytes = fs.readFileSync(sample(name));
    const fromPath = await engine.analyze(sample(name));
    const fromBuffer = await engine.analyze(bytes);
    assert.equal(fromBuffer.source, undefined, 'no source for bytes');
    assert.deepEqual(stable(fromBuffer), stable(fromPath), name);
    const copy = new Uint8Array(bytes); // not a Buffer
    assert.deepEqual(stable(await engine.analyze(copy)), stable(fromPath), name);
    const arrayBuffer = copy.buffer.slice(copy.byteOffset, copy.byteOffset + copy.byteLength);
    assert.deepEqual(stable(await engine.analyze(arrayBuffer)), stable(fromPath), name);
    const dataView = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    assert.deepEqual(stable(await engine.analyze(dataView)), stable(fromPath), name);
  }
});

test('a Buffer that views the middle of a larger allocation is read at its offset', async () => {
  const bytes = fs.readFileSync(sample('minivision_spoof_print_image_F1.jpg'));
  const backing = Buffer.alloc(bytes.length + 100, 0x55);
  bytes.copy(backing, 37);
  const view = backing.subarray(37, 37 + bytes.length);
  const r = await engine.analyze(view);
  assert.deepEqual(stable(r), stable(await engine.analyze(bytes)));
});

test('analyzeSync returns what analyze resolves to', async () => {
  for (const name of ['minivision_live_image_T1.jpg', 'hyperfas_spoof_replay_fake_screen.png', 'group_three_faces.jpg']) {
    const sync = engine.analyzeSync(sample(name), { requestId: 'sync-1' });
    const async_ = await engine.analyze(sample(name), { requestId: 'sync-1' });
    assert.equal(sync.request_id, 'sync-1');
    assert.deepEqual({ ...sync, timings: null }, { ...async_, timings: null });
    assert.deepEqual(stable(engine.analyzeSync(fs.readFileSync(sample(name)))), stable(async_));
  }
});

test('options map onto the core: threshold, qualityGate, facePolicy, requestId', async () => {
  const print = sample('minivision_spoof_print_image_F1.jpg');
  const base = await engine.analyze(print);
  assert.equal(base.resolution, 'DECLINED');
  assert.equal(base.threshold, 0.5);
  assert.match(base.request_id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

  const lenient = await engine.analyze(print, { threshold: 0.999, requestId: 'req-42' });
  assert.equal(lenient.threshold, 0.999);
  assert.equal(lenient.resolution, 'SUCCESS');
  assert.equal(lenient.confidence_spoofing, base.confidence_spoofing);
  assert.equal(lenient.request_id, 'req-42');

  assert.equal(base.quality.enforced, true);
  const ungated = await engine.analyze(print, { qualityGate: false });
  assert.equal(ungated.quality.enforced, false);

  const group = sample('group_three_faces.jpg');
  const largest = await engine.analyze(group, { facePolicy: 'largest' });
  assert.notEqual(largest.reason, 'MULTIPLE_FACES');
  assert.ok(largest.faces.length >= 2, 'the other faces are reported');

  // undefined values are ignored, like absent keys.
  const same = await engine.analyze(print, { threshold: undefined, requestId: undefined });
  assert.equal(same.threshold, 0.5);
});

test('analyzeRequest: one folder result, the given requestId on every media', async () => {
  const names = ['minivision_live_image_T1.jpg', 'minivision_spoof_replay_image_F2.jpg', 'facerec_live_obama.jpg'];
  const inputs = [sample(names[0]), fs.readFileSync(sample(names[1])), sample(names[2])];
  const r = await engine.analyzeRequest(inputs, { requestId: 'folder-7' });
  assert.equal(r.request_id, 'folder-7');
  assert.equal(r.schema_version, '1.5');
  assert.equal(r.resolution, 'DECLINED'); // any declined media declines the folder
  assert.equal(r.media.length, 3);
  r.media.forEach((m, i) => {
    assert.equal(m.request_id, 'folder-7');
    assert.equal(m.media_index, i);
    assert.equal(m.resolution, EXPECTED[names[i]][0]);
  });
  assert.equal(r.media[0].source, sample(names[0]));
  assert.equal(r.media[1].source, undefined);
  assert.deepEqual(r.models, engine.models);
  assert.equal(typeof r.engine_version, 'string');
  assert.equal(typeof r.total_ms, 'number');

  const live = await engine.analyzeRequest([sample(names[0]), sample(names[2])]);
  assert.equal(live.resolution, 'SUCCESS');
  assert.ok(live.media.every((m) => m.request_id === live.request_id));
});

test('analyzeRequest reports an undecodable media as FAILED/INPUT_ERROR', async () => {
  const r = await engine.analyzeRequest([sample('facerec_live_biden.jpg'), Buffer.from('not an image')]);
  assert.equal(r.resolution, 'FAILED');
  assert.equal(r.media[0].resolution, 'SUCCESS');
  assert.equal(r.media[1].resolution, 'FAILED');
  assert.equal(r.media[1].reason, 'INPUT_ERROR');
  assert.equal(r.media[1].error.code, 'unsupported_format');
  assert.equal(r.media[1].error.number, 2);
});

test('analyzeBatch: one request per input, in order', async () => {
  const names = Object.keys(EXPECTED);
  const results = await engine.analyzeBatch(
    names.map((n, i) => (i % 2 ? fs.readFileSync(sample(n)) : sample(n))),
    { requestId: 'batch-1' },
  );
  assert.equal(results.length, names.length);
  results.forEach((r, i) => {
    assert.equal(r.request_id, 'batch-1');
    assert.equal(r.media.length, 1);
    assert.equal(r.media[0].resolution, EXPECTED[names[i]][0], names[i]);
    assert.equal(r.media[0].reason, EXPECTED[names[i]][1], names[i]);
    assert.equal(r.resolution, r.media[0].resolution);
  });
  const ids = (await engine.analyzeBatch([sample(names[0]), sample(names[1])])).map((r) => r.request_id);
  assert.notEqual(ids[0], ids[1], 'without requestId each request gets its own id');
  assert.deepEqual(await engine.analyzeBatch([]), []);
});
