'use strict';
// Videos, shot sets and raw frames through the Node door: each is one media whose verdict is the
// median over its sampled frames (`result.sequence`). The sample clips and shot sets are in
// samples/video and samples/shotsets; zip bombs and raw frames are built here.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

const { Engine, ERROR_CODES } = require('..');
const { REPO, SAMPLES, sample, decodePng, reorder } = require('../test-support/helpers.js');

const engine = new Engine();

const clip = (name) =>
  name.startsWith('unsupported_')
    ? path.join(REPO, 'core', 'tests', 'data', 'unsupported', name) // kept out of samples/ for the demo
    : path.join(SAMPLES, 'video', name);
const shotSet = (name) => path.join(SAMPLES, 'shotsets', name);

/** Clip → [resolution, reason, codec, rotation]; see samples/video/README.md. */
const CLIPS = {
  'h264_high_bframes.mp4': ['SUCCESS', null, 'h264', 0],
  'h264_fragmented.mp4': ['SUCCESS', null, 'h264', 0],
  'hevc_main_rot90.mov': ['SUCCESS', null, 'hevc', 90],
  'hevc_main10.mp4': ['DECLINED', null, 'hevc', 0], // a print attack
  'vp9.webm': ['FAILED', 'LOW_QUALITY', 'vp9', 0], // a print attack whose every frame fails the yaw check
  'h264_aac_rot90.mov': ['FAILED', 'LOW_QUALITY', 'h264', 90], // a print attack, too few frames pass the gate
};

function check(code) {
  return (err) => {
    assert.ok(err instanceof Error, 'an Error instance');
    assert.equal(err.code, code, err.message);
    assert.equal(err.number, ERROR_CODES[code]);
    assert.doesNotMatch(err.message, /panicked/);
    return true;
  };
}

/** A result without what differs between two runs of the same media (ids, times, source). */
function stable(result) {
  const { request_id: _id, timings: _t, source: _s, ...rest } = result;
  if (rest.sequence) {
    rest.sequence = { ...rest.sequence, frames: rest.sequence.frames.map(({ total_ms: _ms, ...f }) => f) };
  }
  return rest;
}

/** The median rule of docs/VIDEO.md, recomputed from the reported frames. */
function median(values) {
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

function checkSequence(r, kind, sampled) {
  const s = r.sequence;
  assert.equal(s.kind, kind);
  assert.equal(s.sampled, sampled);
  assert.equal(s.frames.length, sampled);
  assert.equal(s.aggregation, 'median_confidence_spoofing');
  const usable = s.frames.filter((f) => f.confidence_spoofing !== null);
  assert.equal(s.usable, usable.length);
  if (r.resolution === 'FAILED') {
    assert.equal(r.confidence_spoofing, null);
    assert.ok(s.usable < s.min_usable);
    assert.equal(s.best_shot, null);
  } else {
    assert.ok(s.usable >= s.min_usable);
    const m = median(usable.map((f) => f.confidence_spoofing));
    assert.ok(Math.abs(r.confidence_spoofing - m) <= 1e-6, `median ${m} vs ${r.confidence_spoofing}`);
    assert.equal(r.confidence_spoofing >= r.threshold, r.resolution === 'DECLINED');
    const best = s.frames[s.best_shot.frame];
    assert.equal(best.index, s.best_shot.index);
    assert.equal(best.quality_score, Math.max(...usable.map((f) => f.quality_score)));
    assert.ok(r.faces.length >= 1 && r.faces[0].analysed);
  }
}

// ---------------------------------------------------------------------------------------------
// A minimal ZIP writer (local headers, central directory, end record), for archives built here.

function zipOf(entries) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const { name, data, method = 8 } of entries) {
    const body = method === 8 ? zlib.deflateRawSync(data) : data;
    const nameBytes = Buffer.from(name, 'utf8');
    const crc = zlib.crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0x0021, 12); // 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4); // version made by
    central.writeUInt16LE(20, 6); // version needed
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(0x0021, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, body);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
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

// ---------------------------------------------------------------------------------------------
// Raw frames: the astronaut sample decoded in JavaScript (as test/pixels.test.js does).

const ASTRONAUT = decodePng(sample('skimage_live_astronaut.png'));

/** Three frames of the astronaut: packed RGB, packed BGR, and an RGB crop read through a stride. */
function astronautFrames() {
  const { width, height, data } = ASTRONAUT;
  const row = width * 3;
  const [x0, y0] = [32, 16];
  return [
    { data: Buffer.from(data), width, height, format: 'rgb8' },
    { data: reorder(data, 3, [2, 1, 0]), width, height, format: 'bgr8' },
    // A view starting at (x0, y0) of a copy of the full image, rows `row` bytes apart.
    {
      data: Buffer.from(data).subarray(y0 * row + x0 * 3),
      width: width - 2 * x0,
      height: height - 2 * y0,
      format: 'rgb8',
      stride: row,
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Videos

test('every sample clip gets its expected verdict, 8 frames sampled by default', async () => {
  for (const [name, [resolution, reason, codec, rotation]] of Object.entries(CLIPS)) {
    const r = await engine.analyze(clip(name));
    assert.equal(r.resolution, resolution, name);
    assert.equal(r.reason, reason, name);
    assert.equal(r.source, clip(name));
    assert.equal(r.analysis, 'liveness');
    checkSequence(r, 'video', 8);
    const v = r.sequence.video;
    assert.equal(v.codec, codec, name);
    assert.equal(v.container, name.endsWith('.webm') ? 'matroska' : 'mp4', name);
    assert.equal(v.rotation, rotation, name);
    assert.deepEqual([v.width, v.height], [480, 360], `${name}: displayed size, after rotation`);
    assert.equal(v.frame_count, 30, name);
    assert.equal(r.sequence.total_frames, 30, name);
    assert.equal(r.image.format, v.container, name);
    assert.equal(r.image.encoded_bytes, fs.statSync(clip(name)).size, name);
    // Spread evenly, first and last included, in presentation order.
    const indices = r.sequence.frames.map((f) => f.index);
    assert.equal(indices[0], 0, name);
    assert.equal(indices[7], 29, name);
    assert.ok(r.sequence.frames.every((f, i) => i === 0 || f.timestamp_ms > r.sequence.frames[i - 1].timestamp_ms), name);
  }
});

test('videoFrames samples 4 frames; the engine config sets the default', async () => {
  for (const name of Object.keys(CLIPS)) {
    const r = await engine.analyze(clip(name), { videoFrames: 4 });
    checkSequence(r, 'video', 4);
    assert.deepEqual(
      r.sequence.frames.map((f) => f.index),
      [0, 10, 19, 29],
      name,
    );
  }
  const live = await engine.analyze(clip('h264_high_bframes.mp4'), { videoFrames: 4 });
  assert.equal(live.resolution, 'SUCCESS');
  assert.equal((await engine.analyze(clip('h264_high_bframes.mp4'), { videoFrames: 64 })).sequence.sampled, 30);

  const four = new Engine({ video: { frames: 4 } });
  assert.equal(four.config.video.frames, 4);
  assert.equal((await four.analyze(clip('hevc_main_rot90.mov'))).sequence.sampled, 4);
  assert.equal((await four.analyze(clip('hevc_main_rot90.mov'), { videoFrames: 6 })).sequence.sampled, 6);

  for (const bad of [0, 65, -1, 2.5, 'eight']) {
    await assert.rejects(engine.analyze(clip('vp9.webm'), { videoFrames: bad }), check('invalid_input'), String(bad));
  }
});

test('with the quality gate off the print clips are declined', async () => {
  for (const name of ['vp9.webm', 'h264_aac_rot90.mov']) {
    const r = await engine.analyze(clip(name), { qualityGate: false });
    assert.equal(r.resolution, 'DECLINED', name);
    checkSequence(r, 'video', 8);
  }
});

test('a clip as a Buffer, a Uint8Array and an ArrayBuffer equals the clip as a path; analyzeSync too', async () => {
  const name = 'h264_high_bframes.mp4';
  const fromPath = await engine.analyze(clip(name));
  const bytes = fs.readFileSync(clip(name));
  const fromBuffer = await engine.analyze(bytes);
  assert.equal(fromBuffer.source, undefined);
  assert.deepEqual(stable(fromBuffer), stable(fromPath));
  const copy = new Uint8Array(bytes);
  assert.deepEqual(stable(await engine.analyze(copy)), stable(fromPath));
  assert.deepEqual(stable(await engine.analyze(copy.buffer)), stable(fromPath));
  assert.deepEqual(stable(engine.analyzeSync(bytes)), stable(fromPath));
  const webm = await engine.analyze(fs.readFileSync(clip('vp9.webm')));
  assert.equal(webm.sequence.video.codec, 'vp9');
});

test('unsupported codecs reject with unsupported_codec; in a request they are FAILED/INPUT_ERROR', async () => {
  for (const name of ['unsupported_vp8.webm', 'unsupported_mpeg4.mp4']) {
    await assert.rejects(engine.analyze(clip(name)), check('unsupported_codec'), name);
    await assert.rejects(engine.analyze(fs.readFileSync(clip(name))), check('unsupported_codec'), name);
    assert.throws(() => engine.analyzeSync(clip(name)), check('unsupported_codec'), name);
  }
  const r = await engine.analyzeRequest([clip('h264_high_bframes.mp4'), clip('unsupported_vp8.webm')]);
  assert.equal(r.schema_version, '1.5');
  assert.equal(r.resolution, 'FAILED');
  assert.equal(r.media[0].resolution, 'SUCCESS');
  assert.equal(r.media[1].reason, 'INPUT_ERROR');
  assert.equal(r.media[1].error.code, 'unsupported_codec');
  assert.equal(r.media[1].error.number, 15);
});

test('video limits from the engine config: video_too_long, bad video sections', async () => {
  const short = new Engine({ video: { max_duration_ms: 1000 } });
  await assert.rejects(short.analyze(clip('h264_high_bframes.mp4')), check('video_too_long'));
  assert.throws(() => new Engine({ video: { frames: 0 } }), check('invalid_config'));
  assert.throws(() => new Engine({ video: { frames: 65 } }), check('invalid_config'));
  assert.throws(() => new Engine({ video: { fps: 25 } }), check('invalid_config'));
  assert.throws(() => new Engine({ video: { shot_set: { max_entries: 0 } } }), check('invalid_config'));
  assert.deepEqual(engine.config.video.shot_set, {
    max_entries: 64,
    max_entry_bytes: 10 * 1024 * 1024,
    max_total_bytes: 64 * 1024 * 1024,
    max_compression_ratio: 100,
  });
});

test('a batch of clips: one request per clip, in order', async () => {
  const names = Object.keys(CLIPS);
  const results = await engine.analyzeBatch(
    names.map((n, i) => (i % 2 ? fs.readFileSync(clip(n)) : clip(n))),
    { videoFrames: 8 },
  );
  results.forEach((r, i) => {
    assert.equal(r.media.length, 1);
    assert.equal(r.media[0].resolution, CLIPS[names[i]][0], names[i]);
    assert.equal(r.media[0].sequence.kind, 'video');
  });
});

test('the event loop keeps running while videos are analysed', async (t) => {
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
    const names = Object.keys(CLIPS).slice(0, 4);
    const results = await Promise.all(names.map((n) => engine.analyze(clip(n), { videoFrames: 16 })));
    results.forEach((r, i) => assert.equal(r.sequence.sampled, 16, names[i]));
  } finally {
    clearInterval(timer);
  }
  const elapsed = performance.now() - start;
  t.diagnostic(`${ticks} ticks in ${elapsed.toFixed(0)} ms, longest gap ${longestGap.toFixed(0)} ms`);
  // 64 frame analyses take a second or more on two cores; a blocked loop would not tick.
  assert.ok(ticks >= 10, `ticker fired ${ticks} times in ${elapsed.toFixed(0)} ms`);
  assert.ok(longestGap < 250, `longest gap between ticks ${longestGap.toFixed(0)} ms`);
});

// ---------------------------------------------------------------------------------------------
// Shot sets

test('the sample shot sets, as paths and as Buffers', async () => {
  const live = await engine.analyze(shotSet('live_minivision.zip'));
  assert.equal(live.resolution, 'SUCCESS');
  checkSequence(live, 'shot_set', 4);
  assert.equal(live.sequence.video, null);
  assert.equal(live.sequence.total_frames, 4);
  assert.equal(live.sequence.skipped_entries, 0);
  assert.deepEqual(
    live.sequence.frames.map((f) => f.name),
    ['frame_01.jpg', 'frame_02.jpg', 'frame_03.jpg', 'frame_04.jpg'],
  );
  assert.equal(live.sequence.best_shot.name, live.sequence.frames[live.sequence.best_shot.frame].name);
  assert.equal(live.image.format, 'zip');
  const liveBytes = await engine.analyze(fs.readFileSync(shotSet('live_minivision.zip')));
  assert.deepEqual(stable(liveBytes), stable(live));

  // The print shot set: two of four frames fail the yaw check, below the minimum of three.
  const print = await engine.analyze(fs.readFileSync(shotSet('spoof_print_minivision.zip')));
  assert.equal(print.resolution, 'FAILED');
  assert.equal(print.reason, 'LOW_QUALITY');
  checkSequence(print, 'shot_set', 4);
  const ungated = await engine.analyze(shotSet('spoof_print_minivision.zip'), { qualityGate: false });
  assert.equal(ungated.resolution, 'DECLINED');
  checkSequence(ungated, 'shot_set', 4);

  const two = await engine.analyze(shotSet('live_minivision.zip'), { videoFrames: 2 });
  assert.deepEqual(
    two.sequence.frames.map((f) => f.name),
    ['frame_01.jpg', 'frame_04.jpg'],
  );
});

test('a shot set built here: images are read, other entries skipped', async () => {
  const jpeg = fs.readFileSync(sample('minivision_live_image_T1.jpg'));
  const zip = zipOf([
    { name: 'a.jpg', data: jpeg },
    { name: 'notes.txt', data: Buffer.from('not a frame') },
    { name: 'b.jpg', data: jpeg, method: 0 },
    { name: 'c.jpg', data: jpeg },
  ]);
  const r = await engine.analyze(zip);
  assert.equal(r.resolution, 'SUCCESS');
  checkSequence(r, 'shot_set', 3);
  assert.equal(r.sequence.skipped_entries, 1);
  assert.deepEqual(
    r.sequence.frames.map((f) => f.name),
    ['a.jpg', 'b.jpg', 'c.jpg'],
  );
  // Three identical frames: the median is the photo's own score.
  assert.equal(r.confidence_spoofing, (await engine.analyze(jpeg)).confidence_spoofing);
});

test('zip bombs and archives over the limits reject with archive_rejected', async (t) => {
  const jpeg = fs.readFileSync(sample('minivision_live_image_T1.jpg'));
  const bombs = [
    // 50 MB of zeros deflate to ~50 KB: over the per-entry size and the compression ratio.
    ['50 MB of zeros', zipOf([{ name: 'frame.jpg', data: Buffer.alloc(50 * 1024 * 1024) }]), /frame\.jpg/],
    // 5 MB: under the size limits, but a ratio of ~1000 (limit 100).
    ['5 MB of zeros (ratio)', zipOf([{ name: 'frame.jpg', data: Buffer.alloc(5 * 1024 * 1024) }]), /compression ratio/],
    ['no image entry', zipOf([{ name: 'readme.txt', data: Buffer.from('hello') }]), /no image entry/],
    ['65 entries', zipOf(Array.from({ length: 65 }, (_, i) => ({ name: `f${i}.jpg`, data: jpeg, method: 0 }))), /65 entries/],
  ];
  for (const [what, zip, message] of bombs) {
    const hwm = resetHwm();
    const before = statusKib('VmRSS:');
    await assert.rejects(engine.analyze(zip), (err) => {
      check('archive_rejected')(err);
      assert.equal(err.number, 18);
      assert.match(err.message, message, what);
      return true;
    });
    if (hwm && before > 0) {
      const grew = statusKib('VmHWM:') - before;
      t.diagnostic(`${what}: resident set grew by ${grew} KiB`);
      assert.ok(grew <= 32 * 1024, `${what}: resident set grew by ${grew} KiB`);
    }
  }
  // Inside a request: that media is FAILED/INPUT_ERROR, the others are analysed.
  const r = await engine.analyzeRequest([bombs[0][1], shotSet('live_minivision.zip')]);
  assert.equal(r.media[0].reason, 'INPUT_ERROR');
  assert.equal(r.media[0].error.code, 'archive_rejected');
  assert.equal(r.media[0].error.number, 18);
  assert.equal(r.media[1].resolution, 'SUCCESS');
  // Limits come from the engine config.
  const strict = new Engine({ video: { shot_set: { max_entries: 3 } } });
  await assert.rejects(strict.analyze(shotSet('live_minivision.zip')), check('archive_rejected'));
  const total = new Engine({ video: { shot_set: { max_total_bytes: 3 * jpeg.length } } });
  await assert.rejects(
    total.analyze(zipOf(Array.from({ length: 4 }, (_, i) => ({ name: `f${i}.jpg`, data: jpeg, method: 0 })))),
    (err) => check('archive_rejected')(err) && /in total/.test(err.message),
  );
});

// ---------------------------------------------------------------------------------------------
// Raw frames

test('three raw frames of a sample face: kind frames, SUCCESS, the photo score', async () => {
  const photo = await engine.analyze(sample('skimage_live_astronaut.png'));
  assert.equal(photo.resolution, 'SUCCESS');
  const r = await engine.analyze({ frames: astronautFrames() });
  assert.equal(r.resolution, 'SUCCESS');
  assert.equal(r.source, undefined);
  checkSequence(r, 'frames', 3);
  assert.equal(r.sequence.video, null);
  assert.equal(r.sequence.total_frames, 3);
  assert.deepEqual(
    r.sequence.frames.map((f) => f.index),
    [0, 1, 2],
  );
  assert.equal(r.image.format, 'raw_frames');
  // Frames 0 and 1 are the photo's pixels in two layouts: the same score as the photo.
  assert.equal(r.sequence.frames[0].confidence_spoofing, photo.confidence_spoofing);
  assert.equal(r.sequence.frames[1].confidence_spoofing, photo.confidence_spoofing);
  // analyzeSync and a DataView / ArrayBuffer per frame give the same.
  const views = astronautFrames().map((f, i) =>
    i === 0
      ? { ...f, data: new DataView(f.data.buffer, f.data.byteOffset, f.data.byteLength) }
      : i === 1
        ? { ...f, data: f.data.buffer.slice(f.data.byteOffset, f.data.byteOffset + f.data.byteLength) }
        : f,
  );
  assert.deepEqual(stable(engine.analyzeSync({ frames: views })), stable(r));
  // videoFrames samples among the frames too.
  const two = await engine.analyze({ frames: astronautFrames() }, { videoFrames: 2 });
  assert.deepEqual(
    two.sequence.frames.map((f) => f.index),
    [0, 2],
  );
});

test('raw frames are copied when the call is made: the buffers may be reused at once', async () => {
  const frames = astronautFrames();
  const pending = engine.analyze({ frames });
  for (const f of frames) f.data.fill(0); // before the task has even started
  const r = await pending;
  assert.equal(r.resolution, 'SUCCESS');
  assert.deepEqual(stable(r), stable(await engine.analyze({ frames: astronautFrames() })));
});

test('frames of a replay screen are declined; a grey frame among live ones does not flip the verdict', async () => {
  const png = decodePng(sample('hyperfas_spoof_replay_fake_screen.png'));
  const screen = { data: png.data, width: png.width, height: png.height, format: 'rgba8' };
  const r = await engine.analyze({ frames: [screen, screen, screen] });
  assert.equal(r.resolution, 'DECLINED');
  checkSequence(r, 'frames', 3);

  const grey = { data: Buffer.alloc(320 * 240 * 3, 128), width: 320, height: 240, format: 'rgb8' };
  const mixed = await engine.analyze({ frames: [...astronautFrames(), grey] });
  assert.equal(mixed.resolution, 'SUCCESS');
  assert.equal(mixed.sequence.usable, 3);
  assert.equal(mixed.sequence.frames[3].reason, 'NO_FACE');
  const greys = await engine.analyze({ frames: [grey, grey, grey] });
  assert.equal(greys.resolution, 'FAILED');
  assert.equal(greys.reason, 'NO_FACE');
});

test('bad frames reject with invalid_input, never crash', async () => {
  const good = { data: Buffer.alloc(64 * 48 * 3, 100), width: 64, height: 48, format: 'rgb8' };
  const bad = [
    ['no frames', { frames: [] }],
    ['frames not an array', { frames: good }],
    ['frames null', { frames: null }],
    ['a frame that is null', { frames: [good, null] }],
    ['a frame that is a Buffer', { frames: [good.data] }],
    ['a frame that is a path', { frames: [sample('facerec_live_biden.jpg')] }],
    ['nested frames', { frames: [{ frames: [good] }] }],
    ['nested frames beside pixels', { frames: [{ ...good, frames: [good] }] }],
    ['a tagged media as a frame', { frames: [{ media: good.data }] }],
    ['an extra key', { frames: [good], tag: 'shotset_selfie' }],
    ['data too short', { frames: [good, { ...good, height: 49 }] }],
    ['data too short for rgba8', { frames: [{ ...good, format: 'rgba8' }] }],
    ['stride shorter than a row', { frames: [{ ...good, stride: 64 * 3 - 1 }] }],
    ['stride past the data', { frames: [{ ...good, stride: 64 * 3 + 1 }] }],
    ['stride not an integer', { frames: [{ ...good, stride: Number.MAX_SAFE_INTEGER }] }],
    ['zero width', { frames: [{ ...good, width: 0 }] }],
    ['negative height', { frames: [{ ...good, height: -1 }] }],
    ['fractional width', { frames: [{ ...good, width: 6.5 }] }],
    ['width over 32 bits', { frames: [{ ...good, width: 2 ** 32 }] }],
    ['string height', { frames: [{ ...good, height: '48' }] }],
    ['unknown format', { frames: [{ ...good, format: 'yuv420' }] }],
    ['missing format', { frames: [{ data: good.data, width: 64, height: 48 }] }],
    ['data not bytes', { frames: [{ ...good, data: 'pixels' }] }],
    ['data an array of numbers', { frames: [{ ...good, data: [1, 2, 3] }] }],
    ['a huge frame claimed by a few bytes', { frames: [{ ...good, data: good.data.subarray(0, 16), width: 100000, height: 100000 }] }],
  ];
  const before = engine.stats();
  for (const [what, media] of bad) {
    const p = engine.analyze(media);
    assert.ok(p instanceof Promise, what);
    await assert.rejects(p, check('invalid_input'), what);
    assert.throws(() => engine.analyzeSync(media), check('invalid_input'), what);
    await assert.rejects(engine.analyzeBatch([good.data, media]), check('invalid_input'), what);
    await assert.rejects(engine.analyzeRequest([sample('facerec_live_biden.jpg'), media]), check('invalid_input'), what);
  }
  await assert.rejects(engine.analyze({ frames: [good, { ...good, height: 49 }] }), /frame 1/);
  await assert.rejects(engine.analyzeRequest([good.data, { frames: [{ ...good, height: 49 }] }]), /media 1: frame 0/);
  await assert.rejects(
    engine.analyzeRequest([{ media: { frames: [good] }, frames: [good], tag: 'shotset_selfie' }]),
    check('invalid_input'),
  );
  // Refused before a slot was taken: nothing was accepted, nothing is in flight.
  const after = engine.stats();
  assert.equal(after.requests_accepted, before.requests_accepted);
  assert.equal(after.in_flight, 0);
  // Still fine afterwards.
  assert.equal((await engine.analyze({ frames: [good] })).reason, 'NO_FACE');
});

test('an honest frame over the pixel limit is image_too_large', async () => {
  const small = new Engine({ limits: { max_pixels: 100 * 100 } });
  const frame = { data: Buffer.alloc(200 * 200 * 3), width: 200, height: 200, format: 'rgb8' };
  await assert.rejects(small.analyze({ frames: [frame] }), check('image_too_large'));
});

// ---------------------------------------------------------------------------------------------
// Requests and biometry

test('biometry: a photo and the clip made from it are the same person', async (t) => {
  const photo = sample('minivision_live_image_T1.jpg');
  const r = await engine.analyzeRequest([photo, clip('h264_high_bframes.mp4')], { analyses: ['quality', 'biometry'] });
  assert.equal(r.resolution, 'SUCCESS');
  assert.equal(r.media[1].sequence.kind, 'video');
  const b = r.biometry;
  assert.equal(b.resolution, 'SUCCESS');
  assert.deepEqual(
    b.media.map((m) => m.status),
    ['compared', 'compared'],
  );
  assert.equal(b.pairs.length, 1);
  assert.ok(b.min_similarity >= b.threshold, `similarity ${b.min_similarity}`);
  t.diagnostic(`photo vs clip similarity ${b.min_similarity} (threshold ${b.threshold})`);

  // Tagged, with a shot set and raw frames; Obama is someone else.
  const tagged = await engine.analyzeRequest(
    [
      { media: photo, tag: 'photo_id_front' },
      { media: fs.readFileSync(clip('hevc_main_rot90.mov')), tag: 'video_selfie' },
      { media: shotSet('live_minivision.zip'), tag: 'shotset_selfie' },
    ],
    { analyses: ['quality', 'biometry'] },
  );
  assert.deepEqual(
    tagged.media.map((m) => [m.tag, m.analysis, m.sequence?.kind]),
    [
      ['photo_id_front', 'detection', undefined],
      ['video_selfie', 'liveness', 'video'],
      ['shotset_selfie', 'liveness', 'shot_set'],
    ],
  );
  assert.equal(tagged.biometry.resolution, 'SUCCESS');
  const obama = await engine.analyzeRequest([sample('facerec_live_obama.jpg'), clip('h264_high_bframes.mp4')], {
    analyses: ['quality', 'biometry'],
  });
  assert.equal(obama.biometry.resolution, 'DECLINED');

  // A print clip without a usable frame has no face to compare.
  const none = await engine.analyzeRequest([photo, clip('vp9.webm')], { analyses: ['quality', 'biometry'] });
  assert.equal(none.biometry.media[1].status, 'no_usable_frame');
});

test('raw frames in requests: plain, tagged, with biometry against the photo', async () => {
  const r = await engine.analyzeRequest(
    [sample('skimage_live_astronaut.png'), { media: { frames: astronautFrames() }, tag: 'shotset_selfie' }, { frames: astronautFrames() }],
    { analyses: ['quality', 'biometry'], requestId: 'frames-1' },
  );
  assert.equal(r.request_id, 'frames-1');
  assert.equal(r.resolution, 'SUCCESS');
  assert.deepEqual(
    r.media.map((m) => m.sequence?.kind),
    [undefined, 'frames', 'frames'],
  );
  assert.equal(r.media[1].tag, 'shotset_selfie');
  assert.equal(r.media[2].tag, undefined);
  assert.equal(r.biometry.resolution, 'SUCCESS');
  assert.ok(r.biometry.media.every((m) => m.status === 'compared'));
  const batch = await engine.analyzeBatch([{ frames: astronautFrames() }, clip('hevc_main10.mp4')]);
  assert.deepEqual(
    batch.map((b) => [b.media[0].resolution, b.media[0].sequence.kind]),
    [
      ['SUCCESS', 'frames'],
      ['DECLINED', 'video'],
    ],
  );
});
