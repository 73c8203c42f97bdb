'use strict';
// Shared by the test files in ../test (kept out of test/ so that `node --test test/` does not
// count it as a test file).

const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

const REPO = path.resolve(__dirname, '..', '..', '..');
const SAMPLES = path.join(REPO, 'samples');

/** Sample file → expected `[resolution, reason]` (reason null unless FAILED). */
const EXPECTED = {
  'minivision_live_image_T1.jpg': ['SUCCESS', null],
  'skimage_live_astronaut.png': ['SUCCESS', null],
  'facerec_live_biden.jpg': ['SUCCESS', null],
  'facerec_live_obama.jpg': ['SUCCESS', null],
  'facerec_live_obama2.jpg': ['SUCCESS', null],
  'minivision_spoof_print_image_F1.jpg': ['DECLINED', null],
  'minivision_spoof_replay_image_F2.jpg': ['DECLINED', null],
  'hyperfas_spoof_replay_fake_screen.png': ['DECLINED', null],
  'group_three_faces.jpg': ['FAILED', 'MULTIPLE_FACES'],
};

function sample(name) {
  return path.join(SAMPLES, name);
}

/** A result without the fields that differ between two runs of the same media. */
function stable(result) {
  const { request_id: _id, timings: _t, source: _s, ...rest } = result;
  return rest;
}

/**
 * Decodes an 8-bit, non-interlaced RGB or RGBA PNG into packed pixels, in pure JavaScript
 * (zlib + the five PNG row filters). Enough for the two PNG samples; not a general decoder.
 */
function decodePng(file) {
  const data = fs.readFileSync(file);
  let pos = 8;
  let width, height, channels;
  const idat = [];
  while (pos < data.length) {
    const length = data.readUInt32BE(pos);
    const type = data.toString('latin1', pos + 4, pos + 8);
    const body = data.subarray(pos + 8, pos + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const [bitDepth, colorType, , , interlace] = body.subarray(8, 13);
      if (bitDepth !== 8 || interlace !== 0 || (colorType !== 2 && colorType !== 6)) {
        throw new Error(`${file}: only 8-bit non-interlaced RGB/RGBA PNGs are supported`);
      }
      channels = colorType === 2 ? 3 : 4;
    } else if (type === 'IDAT') {
      idat.push(body);
    }
    pos += 12 + length;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const rowBytes = width * channels;
  const out = Buffer.alloc(rowBytes * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (rowBytes + 1)];
    const src = raw.subarray(y * (rowBytes + 1) + 1, (y + 1) * (rowBytes + 1));
    const row = y * rowBytes;
    for (let x = 0; x < rowBytes; x++) {
      const a = x >= channels ? out[row + x - channels] : 0;
      const b = y > 0 ? out[row - rowBytes + x] : 0;
      const c = x >= channels && y > 0 ? out[row - rowBytes + x - channels] : 0;
      let v;
      switch (filter) {
        case 0: v = 0; break;
        case 1: v = a; break;
        case 2: v = b; break;
        case 3: v = (a + b) >> 1; break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
          v = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default: throw new Error(`${file}: bad PNG filter ${filter}`);
      }
      out[row + x] = (src[x] + v) & 0xff;
    }
  }
  return { width, height, channels, data: out };
}

/** Reorders packed pixels: `order` lists, for each output channel, the input channel index. */
function reorder(pixels, inChannels, order) {
  const n = pixels.length / inChannels;
  const out = Buffer.alloc(n * order.length);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < order.length; c++) {
      out[i * order.length + c] = order[c] < 0 ? 255 : pixels[i * inChannels + order[c]];
    }
  }
  return out;
}

module.exports = { REPO, SAMPLES, EXPECTED, sample, stable, decodePng, reorder };
