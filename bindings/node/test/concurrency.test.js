'use strict';
// Concurrency, backpressure, event-loop responsiveness, stats, readiness.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');

const { Engine } = require('..');
const { EXPECTED, sample } = require('../test-support/helpers.js');

const NAMES = Object.keys(EXPECTED);
const BYTES = Object.fromEntries(NAMES.map((n) => [n, fs.readFileSync(sample(n))]));

test('50 concurrent analyze calls all resolve (max_in_flight 64)', async () => {
  // max_in_flight >= 50, so no call may be refused as busy: every one must resolve.
  const engine = new Engine({ max_in_flight: 64 });
  const names = Array.from({ length: 50 }, (_, i) => NAMES[i % NAMES.length]);
  const results = await Promise.all(names.map((n, i) => engine.analyze(i % 2 ? BYTES[n] : sample(n))));
  results.forEach((r, i) => {
    assert.equal(r.resolution, EXPECTED[names[i]][0], names[i]);
    assert.equal(r.reason, EXPECTED[names[i]][1], names[i]);
  });
  assert.equal(new Set(results.map((r) => r.request_id)).size, 50);
  const s = engine.stats();
  assert.equal(s.requests_accepted, 50);
  assert.equal(s.requests_completed, 50);
  assert.equal(s.busy_rejections, 0);
  assert.equal(s.in_flight, 0);
  assert.equal(s.media.total, 50);
});

test('with max_in_flight 1, concurrent calls resolve or reject with busy, and the counts add up', async (t) => {
  // Whether a call is refused depends on timing (libuv runs up to 4 of them at once), so this
  // asserts the contract, not a number: every call settles, refusals are `busy`, and
  // resolved + busy = calls, matching the engine's counters.
  const engine = new Engine({ max_in_flight: 1 });
  const calls = 12;
  const settled = await Promise.allSettled(
    Array.from({ length: calls }, () => engine.analyze(BYTES['facerec_live_obama.jpg'])),
  );
  const resolved = settled.filter((s) => s.status === 'fulfilled');
  const rejected = settled.filter((s) => s.status === 'rejected');
  for (const r of rejected) {
    assert.equal(r.reason.code, 'busy', r.reason.message);
    assert.equal(r.reason.number, 7);
  }
  for (const r of resolved) assert.equal(r.value.resolution, 'SUCCESS');
  assert.equal(resolved.length + rejected.length, calls);
  assert.ok(resolved.length >= 1);
  const s = engine.stats();
  assert.equal(s.requests_accepted, resolved.length);
  assert.equal(s.busy_rejections, rejected.length);
  assert.equal(s.max_in_flight, 1);
  t.diagnostic(`busy: ${rejected.length} of ${calls}`);
});

test('the event loop stays responsive while 20 analyses run', async (t) => {
  // Slots are reserved at call time, so 20 concurrent calls need max_in_flight >= 20.
  const engine = new Engine({ max_in_flight: 32 });
  const tickMs = 10;
  let ticks = 0;
  let last = performance.now();
  let longestGap = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longestGap = Math.max(longestGap, now - last);
    last = now;
    ticks += 1;
  }, tickMs);
  const start = performance.now();
  try {
    const names = Array.from({ length: 20 }, (_, i) => NAMES[i % NAMES.length]);
    const results = await Promise.all(names.map((n) => engine.analyze(BYTES[n])));
    assert.equal(results.length, 20);
  } finally {
    clearInterval(timer);
  }
  const elapsed = performance.now() - start;
  t.diagnostic(`${ticks} ticks in ${elapsed.toFixed(0)} ms, longest gap ${longestGap.toFixed(0)} ms`);
  // 20 analyses take several hundred ms on two cores; a blocked loop would tick ~0 times.
  assert.ok(ticks >= 10, `ticker fired ${ticks} times in ${elapsed.toFixed(0)} ms`);
  assert.ok(longestGap < 250, `longest gap between ticks ${longestGap.toFixed(0)} ms`);
});

test('stats count requests and media outcomes', async () => {
  const engine = new Engine();
  const empty = engine.stats();
  assert.equal(empty.requests_accepted, 0);
  assert.equal(empty.media.total, 0);
  assert.equal(empty.latency.p50_ms, null);

  await engine.analyze(sample('minivision_live_image_T1.jpg'));
  await engine.analyze(sample('minivision_spoof_print_image_F1.jpg'));
  engine.analyzeSync(sample('group_three_faces.jpg'));
  await assert.rejects(engine.analyze(Buffer.from('junk')), { code: 'unsupported_format' });
  await engine.analyzeRequest([sample('facerec_live_biden.jpg'), sample('facerec_live_obama.jpg')]);
  await engine.analyzeBatch([sample('facerec_live_obama2.jpg'), sample('skimage_live_astronaut.png')]);

  const s = engine.stats();
  // 4 analyze calls + 1 request + 1 batch (a batch takes one slot).
  assert.equal(s.requests_accepted, 6);
  assert.equal(s.requests_completed, 6);
  assert.equal(s.requests_failed, 0); // input errors are not engine failures
  assert.equal(s.busy_rejections, 0);
  assert.equal(s.in_flight, 0);
  assert.deepEqual(s.media, {
    total: 8,
    success: 5,
    declined: 1,
    operator_required: 0,
    failed: 2,
    no_face: 0,
    multiple_faces: 1,
    low_quality: 0,
    input_error: 1,
  });
  assert.equal(s.latency.count, 8);
  assert.equal(s.latency.buckets.reduce((a, b) => a + b.count, 0), 8);
  assert.equal(typeof s.latency.p50_ms, 'number');
});

test('ready, warmUp, models, runtime and config', async () => {
  const engine = new Engine({ threads: 2, threshold: 0.6 });
  assert.equal(engine.ready(), true);
  assert.equal(await engine.warmUp(), undefined);
  const models = engine.models;
  assert.deepEqual(
    models.map((m) => m.id),
    ['retinaface', 'minifasnet_v2', 'minifasnet_v1se', 'suri_minifasv2se', 'mtcnn_pnet', 'mtcnn_rnet', 'mtcnn_onet'],
  );
  for (const m of models) {
    assert.match(m.sha256, /^[0-9a-f]{64}$/);
    assert.equal(m.source, 'embedded');
  }
  assert.equal(typeof engine.runtime.library_path, 'string');
  assert.equal(engine.config.threads, 2);
  assert.equal(engine.config.threshold, 0.6);
  assert.equal(engine.config.security_level, null);
  assert.equal(engine.config.review_band, null);
  assert.deepEqual(engine.config.liveness, { models: ['minifasnet', 'suri'], fusion: 'mean' });
  assert.equal((await engine.analyze(sample('facerec_live_biden.jpg'))).threshold, 0.6);
});

test('a full engine rejects with busy at call time, before libuv runs anything', async () => {
  // One slot. The first call reserves it synchronously; calls made in the same tick are
  // refused at once, so libuv's queue never holds more than max_in_flight analyses.
  const engine = new Engine({ threads: 1, max_in_flight: 1 });
  const first = engine.analyze(BYTES[NAMES[0]]);
  const rest = Array.from({ length: 5 }, () => engine.analyze(BYTES[NAMES[0]]));
  const settled = await Promise.allSettled(rest);
  assert.ok(settled.every((s) => s.status === 'rejected' && s.reason.code === 'busy'));
  assert.equal((await first).resolution, EXPECTED[NAMES[0]][0]);
  assert.equal(engine.stats().busy_rejections, 5);
  assert.equal(engine.stats().in_flight, 0);
  // The slot is free again.
  assert.equal((await engine.analyze(BYTES[NAMES[0]])).resolution, EXPECTED[NAMES[0]][0]);
});
