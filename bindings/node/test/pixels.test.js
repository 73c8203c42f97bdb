'use strict';
// analyzePixels: raw frames in every layout, strides, and frames that lie about their size.

const test = require('node:test');
const assert = require('node:assert/strict');

const { Engine } = require('..');
const { sample, decodePng, reorder } = require('../test-support/helpers.js');

const engine = new Engine();

async function rejectsWith(promise, code) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof Error);
    assert.equal(err.code, code, err.message);
    return true;
  });
}

test('a synthetic grey frame has no face', async () => {
  const width = 320;
  const height = 240;
  const r = await engine.analyzePixels(Buffer.alloc(width * height * 3, 128), { width, height, format: 'rgb8' });
  assert.equal(r.resolution, 'FAILED');
  assert.equal(r.reason, 'NO_FACE');
  assert.equal(r.confidence_spoofing, null);
  assert.deepEqual(r.image, { format: 'raw_rgb8', width, height, orientation: 1, encoded_bytes: width * height * 3, decode_scale: 1 });
});

test('the decoded astronaut scores the same in every layout and with a padded stride', async () => {
  const png = decodePng(sample('skimage_live_astronaut.png'));
  assert.equal(png.channels, 3);
  const { width, height } = png;
  const fromFile = await engine.analyze(sample('skimage_live_astronaut.png'));
  assert.equal(fromFile.resolution, 'SUCCESS');

  const layouts = {
    rgb8: png.data,
    bgr8: reorder(png.data, 3, [2, 1, 0]),
    rgba8: reorder(png.data, 3, [0, 1, 2, -1]),
    bgra8: reorder(png.data, 3, [2, 1, 0, -1]),
  };
  for (const [format, data] of Object.entries(layouts)) {
    const r = await engine.analyzePixels(data, { width, height, format });
    assert.equal(r.resolution, 'SUCCESS', format);
    assert.equal(r.confidence_spoofing, fromFile.confidence_spoofing, format);
    assert.deepEqual(r.faces, fromFile.faces, format);
    assert.equal(r.image.format, `raw_${format}`);
  }

  // Rows padded to a stride of 3 * width + 16 bytes.
  const stride = width * 3 + 16;
  const padded = Buffer.alloc(stride * height, 0xaa);
  for (let y = 0; y < height; y++) png.data.copy(padded, y * stride, y * width * 3, (y + 1) * width * 3);
  const r = await engine.analyzePixels(padded, { width, height, format: 'rgb8', stride }, { requestId: 'px-1' });
  assert.equal(r.request_id, 'px-1');
  assert.equal(r.confidence_spoofing, fromFile.confidence_spoofing);
});

test('a decoded RGBA replay screen is declined', async () => {
  const png = decodePng(sample('hyperfas_spoof_replay_fake_screen.png'));
  assert.equal(png.channels, 4);
  const r = await engine.analyzePixels(png.data, { width: png.width, height: png.height, format: 'rgba8' });
  assert.equal(r.resolution, 'DECLINED');
});

test('frames that lie about their geometry reject with invalid_input', async () => {
  const data = Buffer.alloc(64 * 48 * 3, 100);
  // Stride shorter than a row.
  await rejectsWith(engine.analyzePixels(data, { width: 64, height: 48, format: 'rgb8', stride: 100 }), 'invalid_input');
  // Stride that runs past the data.
  await rejectsWith(engine.analyzePixels(data, { width: 64, height: 48, format: 'rgb8', stride: 64 * 3 + 4 }), 'invalid_input');
  // Buffer too short for the size.
  await rejectsWith(engine.analyzePixels(data, { width: 64, height: 49, format: 'rgb8' }), 'invalid_input');
  await rejectsWith(engine.analyzePixels(data, { width: 64, height: 48, format: 'rgba8' }), 'invalid_input');
  // Zero sides, bad numbers, unknown layout, missing frame description.
  await rejectsWith(engine.analyzePixels(data, { width: 0, height: 48, format: 'rgb8' }), 'invalid_input');
  await rejectsWith(engine.analyzePixels(data, { width: -1, height: 48, format: 'rgb8' }), 'invalid_input');
  await rejectsWith(engine.analyzePixels(data, { width: 6.5, height: 48, format: 'rgb8' }), 'invalid_input');
  await rejectsWith(engine.analyzePixels(data, { width: 64, height: 48, format: 'yuv420' }), 'invalid_input');
  await rejectsWith(engine.analyzePixels(data, { width: 64, height: 48 }), 'invalid_input');
  await rejectsWith(engine.analyzePixels(data), 'invalid_input');
  await rejectsWith(engine.analyzePixels('not pixels', { width: 1, height: 1, format: 'rgb8' }), 'invalid_input');
});
