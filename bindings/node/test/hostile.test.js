'use strict';
// Hostile input through the Node door: each case rejects with the exact error code (or gives a
// FAILED verdict), never crashes the process. Files are generated here: empty, random bytes, a
// photo truncated at many offsets, decompression-bomb headers (JPEG SOF, PNG IHDR, GIF, BMP,
// WebP), raw frames whose geometry lies, media over the byte limit and a request over the media
// limit. Peak resident memory while refusing the bombs is checked through /proc (VmHWM).

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');

const { Engine } = require('..');
const { sample } = require('../test-support/helpers.js');

const MAX_BYTES = 4 * 1024 * 1024;
const engine = new Engine({
  threads: 1,
  limits: { max_bytes_per_media: MAX_BYTES, max_pixels: 2000000, max_dimension: 4096 },
});
// Peak resident growth allowed while a bomb is refused: the header costs nothing.
const BOMB_RSS_KIB = 32 * 1024;

async function code(promise) {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof Error);
    assert.doesNotMatch(err.message, /panicked/);
    return err.code;
  }
  return 'ok';
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(kind, data) {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(kind, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([head, body, crc]);
}

function pngClaiming(w, h) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', zlib.deflateSync(Buffer.alloc(65536))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

function jpegClaiming(w, h) {
  const data = Buffer.from(fs.readFileSync(sample('minivision_live_image_T1.jpg')));
  for (let i = 2; i + 9 < data.length; i++) {
    if (data[i] === 0xff && (data[i + 1] === 0xc0 || data[i + 1] === 0xc2)) {
      data.writeUInt16BE(h, i + 5);
      data.writeUInt16BE(w, i + 7);
      return data;
    }
  }
  throw new Error('no SOF');
}

function gifClaiming(w, h) {
  const b = Buffer.alloc(6 + 13 + 10 + 8);
  b.write('GIF89a', 0, 'latin1');
  b.writeUInt16LE(w, 6);
  b.writeUInt16LE(h, 8);
  Buffer.from([0x80, 0, 0, 0, 0, 0, 255, 255, 255]).copy(b, 10);
  b[19] = 0x2c;
  b.writeUInt16LE(w, 24);
  b.writeUInt16LE(h, 26);
  Buffer.from([2, 4, 0x84, 0x8f, 0xa9, 0xcb, 0, 0x3b]).copy(b, 29);
  return b;
}

function bmpClaiming(w, h) {
  const b = Buffer.alloc(54 + 64, 0x7f);
  b.fill(0, 0, 54);
  b.write('BM', 0, 'latin1');
  b.writeUInt32LE(54 + 64, 2);
  b.writeUInt32LE(54, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(w, 18);
  b.writeInt32LE(h, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(24, 28);
  return b;
}

function statusKib(key) {
  const line = fs.readFileSync('/proc/self/status', 'latin1').split('\n').find((l) => l.startsWith(key));
  return line ? Number(line.split(/\s+/)[1]) : -1;
}

function resetHwm() {
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

test('empty input and random bytes', async () => {
  assert.equal(await code(engine.analyze(Buffer.alloc(0))), 'invalid_input');
  let x = 0x0bad5eedn;
  for (let round = 0; round < 50; round++) {
    const n = 2 + ((round * 163) % 8192);
    const b = Buffer.alloc(n);
    for (let i = 2; i < n; i++) {
      x ^= x >> 12n;
      x ^= (x << 25n) & 0xffffffffffffffffn;
      x ^= x >> 27n;
      b[i] = Number(((x * 0x2545f4914f6cdd1dn) >> 56n) & 0xffn);
    }
    // Starts with 0 0: no image signature does.
    assert.equal(await code(engine.analyze(b)), 'unsupported_format', `round ${round}`);
  }
});

test('a photo truncated at many offsets', async () => {
  const jpeg = fs.readFileSync(sample('minivision_live_image_T1.jpg'));
  for (let i = 1; i <= 60; i++) {
    const cut = Math.floor((jpeg.length * i) / 61);
    assert.equal(await code(engine.analyze(jpeg.subarray(0, cut))), 'decode_failed', `cut at ${cut}`);
  }
  const png = fs.readFileSync(sample('skimage_live_astronaut.png'));
  for (const cut of [9, 40, png.length >> 2, png.length >> 1, png.length - 100]) {
    assert.equal(await code(engine.analyze(png.subarray(0, cut))), 'decode_failed', `PNG cut at ${cut}`);
  }
});

test('bomb headers are refused before any allocation', async () => {
  const bombs = [
    ['JPEG SOF 65500x65500', jpegClaiming(65500, 65500), '65500x65500'],
    ['PNG IHDR 100000x100000', pngClaiming(100000, 100000), '100000x100000'],
    ['PNG IHDR 4096x4096 (area)', pngClaiming(4096, 4096), '4096x4096'],
    ['GIF 65535x65535', gifClaiming(65535, 65535), '65535x65535'],
    ['BMP 60000x60000', bmpClaiming(60000, 60000), '60000x60000'],
  ];
  for (const [what, bytes, dims] of bombs) {
    const hwm = resetHwm();
    const before = statusKib('VmRSS:');
    await assert.rejects(engine.analyze(bytes), (err) => {
      assert.equal(err.code, 'image_too_large', `${what}: ${err.message}`);
      assert.match(err.message, new RegExp(dims));
      return true;
    });
    assert.throws(() => engine.analyzeSync(bytes), { code: 'image_too_large' });
    if (hwm && before > 0) {
      const grew = statusKib('VmHWM:') - before;
      assert.ok(grew <= BOMB_RSS_KIB, `${what}: resident set grew by ${grew} KiB`);
    }
  }
  assert.equal(await code(engine.analyze(pngClaiming(0, 40))), 'decode_failed');
  assert.equal(await code(engine.analyze(gifClaiming(40, 0))), 'decode_failed');
});

test('raw frames that lie about their geometry', async () => {
  const data = Buffer.alloc(64 * 48 * 3, 100);
  const lies = [
    { width: 64, height: 48, format: 'rgb8', stride: 64 * 3 - 1 },
    { width: 64, height: 48, format: 'rgb8', stride: 1 },
    { width: 64, height: 48, format: 'rgb8', stride: 64 * 3 + 1 },
    { width: 64, height: 49, format: 'rgb8' },
    { width: 64, height: 48, format: 'bgra8' },
    { width: 64, height: 48, format: 'rgb8', stride: Number.MAX_SAFE_INTEGER },
    { width: 2 ** 32, height: 1, format: 'rgb8' },
    { width: 0, height: 48, format: 'rgb8' },
  ];
  for (const frame of lies) {
    assert.equal(await code(engine.analyzePixels(data, frame)), 'invalid_input', JSON.stringify(frame));
  }
  // A few bytes claiming a huge frame: the limits refuse it before the length is even compared.
  assert.equal(await code(engine.analyzePixels(data.subarray(0, 16), { width: 100000, height: 100000, format: 'rgba8' })), 'image_too_large');
  // A view into a larger buffer is bounded by the view, not the buffer behind it.
  const backing = Buffer.alloc(64 * 48 * 3 * 2, 7);
  const view = new Uint8Array(backing.buffer, backing.byteOffset, 64 * 48 * 3 - 1);
  assert.equal(await code(engine.analyzePixels(view, { width: 64, height: 48, format: 'rgb8' })), 'invalid_input');
  const r = await engine.analyzePixels(data, { width: 63, height: 48, format: 'rgb8', stride: 64 * 3 });
  assert.equal(r.reason, 'NO_FACE');
});

test('over the byte limit and the media limit', async () => {
  const big = Buffer.alloc(MAX_BYTES + 1);
  big[0] = 0xff;
  big[1] = 0xd8;
  big[2] = 0xff;
  assert.equal(await code(engine.analyze(big)), 'media_too_large');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ozinstant-hostile-'));
  const file = path.join(dir, 'big.jpg');
  fs.closeSync(fs.openSync(file, 'w'));
  fs.truncateSync(file, 2 ** 30); // sparse: 1 GiB never read
  try {
    assert.equal(await code(engine.analyze(file)), 'media_too_large');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const bomb = pngClaiming(100000, 100000);
  assert.equal(await code(engine.analyzeRequest(Array(11).fill(bomb))), 'too_many_media');
  const r = await engine.analyzeRequest([...Array(9).fill(bomb), Buffer.alloc(0)]);
  assert.equal(r.media.length, 10);
  assert.deepEqual(
    r.media.map((m) => m.error && m.error.code),
    [...Array(9).fill('image_too_large'), 'invalid_input'],
  );
  assert.ok(r.media.every((m) => m.reason === 'INPUT_ERROR'));
});
