'use strict';
// Errors: `Error` instances with `code` (stable snake_case name) and `number` (numeric code).

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const { Engine, ERROR_CODES } = require('..');
const { sample } = require('../test-support/helpers.js');

const engine = new Engine();
const LIVE = 'minivision_live_image_T1.jpg';

function check(code) {
  return (err) => {
    assert.ok(err instanceof Error, 'an Error instance');
    assert.equal(err.code, code, err.message);
    assert.equal(err.number, ERROR_CODES[code]);
    assert.equal(typeof err.message, 'string');
    return true;
  };
}

test('the error table is the core one', () => {
  assert.deepEqual(ERROR_CODES, {
    invalid_input: 1,
    unsupported_format: 2,
    decode_failed: 3,
    media_too_large: 4,
    image_too_large: 5,
    too_many_media: 6,
    busy: 7,
    runtime_not_found: 8,
    runtime_error: 9,
    model_error: 10,
    invalid_config: 11,
    io_error: 12,
    internal_error: 13,
    shutting_down: 14,
    unsupported_codec: 15,
    forked: 16,
    video_too_long: 17,
    archive_rejected: 18,
  });
});

test('bytes that are no image reject with unsupported_format', async () => {
  await assert.rejects(engine.analyze(Buffer.from('definitely not an image')), check('unsupported_format'));
  await assert.rejects(engine.analyze(Buffer.from('definitely not an image')), /unsupported image format/);
  assert.throws(() => engine.analyzeSync(Buffer.from('GIF8 but no')), check('unsupported_format'));
});

test('a truncated JPEG rejects with decode_failed', async () => {
  const jpeg = fs.readFileSync(sample('minivision_live_image_T1.jpg'));
  await assert.rejects(engine.analyze(jpeg.subarray(0, 600)), check('decode_failed'));
});

test('empty media, missing files and wrong input types', async () => {
  await assert.rejects(engine.analyze(Buffer.alloc(0)), check('invalid_input'));
  await assert.rejects(engine.analyze(path.join(__dirname, 'no-such-file.jpg')), check('io_error'));
  for (const bad of [42, null, undefined, {}, [sample('facerec_live_biden.jpg')]]) {
    // Rejected, not thrown: the async methods never throw synchronously.
    const p = engine.analyze(bad);
    assert.ok(p instanceof Promise);
    await assert.rejects(p, check('invalid_input'));
  }
  assert.throws(() => engine.analyzeSync(42), check('invalid_input'));
  await assert.rejects(engine.analyzeBatch('not an array'), check('invalid_input'));
  await assert.rejects(engine.analyzeBatch([sample('facerec_live_biden.jpg'), 7]), check('invalid_input'));
});

test('media over the size limit reject with media_too_large', async () => {
  const small = new Engine({ limits: { max_bytes_per_media: 1000 } });
  await assert.rejects(small.analyze(sample('facerec_live_obama.jpg')), check('media_too_large'));
});

test('bad options reject with invalid_input', async () => {
  const file = sample('facerec_live_biden.jpg');
  await assert.rejects(engine.analyze(file, { treshold: 0.5 }), check('invalid_input'));
  await assert.rejects(engine.analyze(file, { request_id: 'x' }), check('invalid_input')); // camelCase only
  await assert.rejects(engine.analyze(file, { threshold: 1.5 }), check('invalid_input'));
  await assert.rejects(engine.analyze(file, { threshold: 'high' }), check('invalid_input'));
  await assert.rejects(engine.analyze(file, { facePolicy: 'all' }), check('invalid_input'));
  await assert.rejects(engine.analyze(file, { requestId: 'has spaces' }), check('invalid_input'));
  await assert.rejects(engine.analyze(file, { requestId: 'x'.repeat(129) }), check('invalid_input'));
  await assert.rejects(engine.analyze(file, 'fast'), check('invalid_input'));
  assert.throws(() => engine.analyzeSync(file, { qualityGate: 'yes' }), check('invalid_input'));
});

test('requests with no media or too many reject with too_many_media', async () => {
  await assert.rejects(engine.analyzeRequest([]), check('too_many_media'));
  const eleven = Array.from({ length: 11 }, () => sample('facerec_live_biden.jpg'));
  await assert.rejects(engine.analyzeRequest(eleven), check('too_many_media'));
});

test('bad configurations throw invalid_config', () => {
  assert.throws(() => new Engine({ treshold: 0.5 }), check('invalid_config'));
  assert.throws(() => new Engine({ treshold: 0.5 }), /treshold/);
  assert.throws(() => new Engine({ limits: { max_files: 3 } }), check('invalid_config'));
  assert.throws(() => new Engine({ threshold: 2 }), check('invalid_config'));
  assert.throws(() => new Engine({ threads: 'many' }), check('invalid_config'));
  assert.throws(() => new Engine([]), check('invalid_config'));
  assert.throws(() => new Engine('threshold=0.5'), check('invalid_config'));
});

test('config keys may be camelCase at any level; snake_case keeps working; both for one key is refused', async () => {
  const camel = new Engine({
    maxInFlight: 3,
    intraOpThreads: 1,
    securityLevel: 'high',
    reviewBand: [0.4, 0.6],
    limits: { maxMediaPerRequest: 4, maxPixels: 20_000_000 },
    video: { minUsableFrames: 2, shotSet: { maxEntries: 9 } },
    quality: { minFacePx: 40 },
  });
  const snake = new Engine({
    max_in_flight: 3,
    intra_op_threads: 1,
    security_level: 'high',
    review_band: [0.4, 0.6],
    limits: { max_media_per_request: 4, max_pixels: 20_000_000 },
    video: { min_usable_frames: 2, shot_set: { max_entries: 9 } },
    quality: { min_face_px: 40 },
  });
  // The configuration in force has the schema's (snake_case) names and the values given.
  const c = camel.config;
  assert.deepEqual(c, snake.config);
  assert.equal(c.max_in_flight, 3);
  assert.equal(c.security_level, 'high');
  assert.deepEqual(c.review_band, [0.4, 0.6]);
  assert.equal(c.limits.max_media_per_request, 4);
  assert.equal(c.video.shot_set.max_entries, 9);
  assert.equal(c.quality.min_face_px, 40);
  assert.equal(camel.stats().max_in_flight, 3);
  // Not just parsed: the engine works with it, and gives the same result as the snake_case one.
  const [a, b] = await Promise.all([camel.analyze(sample(LIVE)), snake.analyze(sample(LIVE))]);
  assert.equal(a.resolution, b.resolution);
  assert.equal(a.confidence_spoofing, b.confidence_spoofing);

  assert.throws(() => new Engine({ maxInFlight: 2, max_in_flight: 2 }), check('invalid_config'));
  assert.throws(() => new Engine({ maxInFlight: 2, max_in_flight: 2 }), /max_in_flight is given twice/);
  assert.throws(() => new Engine({ video: { shotSet: { maxEntries: 2, max_entries: 3 } } }), /video\.shot_set\.max_entries is given twice/);
  // An unknown camelCase key is refused under its snake_case name.
  assert.throws(() => new Engine({ maxInFlite: 2 }), check('invalid_config'));
  assert.throws(() => new Engine({ maxInFlite: 2 }), /max_in_flite/);
});

test('a missing ONNX Runtime fails with runtime_not_found (fresh process)', () => {
  // ONNX Runtime is loaded once per process, so this runs in a child that has not loaded it.
  const script = `
    const { Engine } = require(${JSON.stringify(path.join(__dirname, '..'))});
    try { new Engine({ ort_library_path: '/nonexistent/libonnxruntime.so.1' }); console.log('loaded'); }
    catch (e) { console.log(JSON.stringify({ code: e.code, number: e.number, isError: e instanceof Error })); }
  `;
  const env = { ...process.env };
  delete env.ORT_DYLIB_PATH;
  const out = execFileSync(process.execPath, ['-e', script], { env, encoding: 'utf8' });
  assert.deepEqual(JSON.parse(out), { code: 'runtime_not_found', number: 8, isError: true });
});
