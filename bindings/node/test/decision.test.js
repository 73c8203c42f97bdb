'use strict';
// The decision settings (security levels, review bands and OPERATOR_REQUIRED) and the liveness
// models (the default set of two opinions, the fast profile, the fusion rule).

const test = require('node:test');
const assert = require('node:assert/strict');

const { Engine, ERROR_CODES } = require('..');
const { EXPECTED, sample } = require('../test-support/helpers.js');

const engine = new Engine({ threads: 2 });

const LIVE = 'minivision_live_image_T1.jpg';
const LIVE2 = 'facerec_live_obama.jpg';
const SPOOF = 'minivision_spoof_print_image_F1.jpg';
const GROUP = 'group_three_faces.jpg';
// Every sample with one face: each gets a score.
const SCORED = Object.keys(EXPECTED).filter((n) => EXPECTED[n][0] !== 'FAILED');
const LEVELS = ['low', 'medium', 'high'];
const EVERY_SCORE = [0, 1];

function check(code) {
  return (err) => {
    assert.ok(err instanceof Error, 'an Error instance');
    assert.equal(err.code, code, err.message);
    assert.equal(err.number, ERROR_CODES[code]);
    assert.ok(err.message.length > 0);
    return true;
  };
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const close = (a, b, what) => assert.ok(Math.abs(a - b) <= 2e-6, `${what}: ${a} vs ${b}`);

let scoresMemo;
/** Each scored sample's confidence_spoofing on the default engine. */
async function scores() {
  if (!scoresMemo) {
    scoresMemo = {};
    for (const name of SCORED) scoresMemo[name] = (await engine.analyze(sample(name))).confidence_spoofing;
  }
  return scoresMemo;
}

// -- review band: OPERATOR_REQUIRED ------------------------------------------------------------

test('a review band in the options gives OPERATOR_REQUIRED', async () => {
  const s = await scores();
  for (const name of [LIVE, SPOOF]) {
    const r = await engine.analyze(sample(name), { reviewBand: EVERY_SCORE });
    assert.equal(r.resolution, 'OPERATOR_REQUIRED', name);
    assert.equal(r.reason, null);
    assert.equal(r.confidence_spoofing, s[name], 'the band changes the verdict, not the score');
    assert.deepEqual(r.review_band, [0, 1]);
    assert.equal(r.threshold, 0.5);
    assert.equal('security_level' in r, false);
    assert.equal(engine.analyzeSync(sample(name), { reviewBand: EVERY_SCORE }).resolution, 'OPERATOR_REQUIRED');
  }
  const plain = await engine.analyze(sample(LIVE));
  assert.equal(plain.resolution, 'SUCCESS');
  assert.equal('review_band' in plain, false, 'absent when off');
  assert.equal('security_level' in plain, false);
  // undefined is no option at all.
  assert.equal((await engine.analyze(sample(LIVE), { reviewBand: undefined })).resolution, 'SUCCESS');
});

test('the band is inclusive and only its scores need review', async () => {
  const s = await scores();
  for (const [name, plain] of [[LIVE, 'SUCCESS'], [SPOOF, 'DECLINED']]) {
    const x = s[name];
    assert.equal((await engine.analyze(sample(name), { reviewBand: [x, x] })).resolution, 'OPERATOR_REQUIRED', name);
    if (x > 1e-3) {
      assert.equal((await engine.analyze(sample(name), { reviewBand: [0, x - 1e-3] })).resolution, plain, name);
    }
    if (x < 1 - 1e-3) {
      assert.equal((await engine.analyze(sample(name), { reviewBand: [x + 1e-3, 1] })).resolution, plain, name);
    }
  }
});

test('a review band in every call kind: batch, request, pixels', async () => {
  const batch = await engine.analyzeBatch([sample(LIVE), sample(SPOOF)], { reviewBand: EVERY_SCORE });
  assert.deepEqual(batch.map((r) => r.resolution), ['OPERATOR_REQUIRED', 'OPERATOR_REQUIRED']);
  const req = await engine.analyzeRequest([sample(LIVE), sample(LIVE2)], { reviewBand: EVERY_SCORE });
  assert.equal(req.resolution, 'OPERATOR_REQUIRED');
  assert.deepEqual(req.media.map((m) => m.resolution), ['OPERATOR_REQUIRED', 'OPERATOR_REQUIRED']);
  assert.ok(req.media.every((m) => m.review_band[0] === 0 && m.review_band[1] === 1));
  // Raw pixels take the same options (a face-less frame stays FAILED/NO_FACE).
  const px = await engine.analyzePixels(Buffer.alloc(64 * 48 * 3, 90), { width: 64, height: 48, format: 'rgb8' }, {
    reviewBand: EVERY_SCORE,
    securityLevel: 'high',
  });
  assert.equal(px.resolution, 'FAILED');
  assert.equal(px.reason, 'NO_FACE');
  assert.deepEqual(px.review_band, [0, 1]);
  assert.equal(px.security_level, 'high');
});

test('request resolution: DECLINED > FAILED > OPERATOR_REQUIRED > SUCCESS', async () => {
  const s = await scores();
  assert.ok(s[LIVE] < s[SPOOF]);
  const band = [s[LIVE], s[LIVE]]; // holds the live sample's score, not the attack's
  let req = await engine.analyzeRequest([sample(LIVE), sample(LIVE2)], { reviewBand: band });
  assert.equal(req.media[0].resolution, 'OPERATOR_REQUIRED');
  assert.equal(req.resolution, 'OPERATOR_REQUIRED');
  req = await engine.analyzeRequest([sample(LIVE), sample(GROUP)], { reviewBand: band });
  assert.deepEqual(req.media.map((m) => m.resolution), ['OPERATOR_REQUIRED', 'FAILED']);
  assert.equal(req.resolution, 'FAILED');
  req = await engine.analyzeRequest([sample(LIVE), sample(SPOOF), sample(GROUP)], { reviewBand: band });
  assert.deepEqual(req.media.map((m) => m.resolution), ['OPERATOR_REQUIRED', 'DECLINED', 'FAILED']);
  assert.equal(req.resolution, 'DECLINED');
});

test('a review band in the engine config; stats count operator_required', async () => {
  const banded = new Engine({ threads: 1, review_band: [0, 1] });
  assert.deepEqual(banded.config.review_band, [0, 1]);
  const r = await banded.analyze(sample(LIVE));
  assert.equal(r.resolution, 'OPERATOR_REQUIRED');
  assert.deepEqual(r.review_band, [0, 1]);
  // A call's band replaces the engine's.
  const spoof = await banded.analyze(sample(SPOOF), { reviewBand: [0, 0] });
  assert.deepEqual(spoof.review_band, [0, 0]);
  if (spoof.confidence_spoofing > 0) assert.equal(spoof.resolution, 'DECLINED');
  // The band judges scores: face failures stay FAILED.
  const group = await banded.analyze(sample(GROUP));
  assert.equal(group.resolution, 'FAILED');
  assert.equal(group.reason, 'MULTIPLE_FACES');
  const req = await banded.analyzeRequest([sample(LIVE2)]);
  assert.equal(req.resolution, 'OPERATOR_REQUIRED');
  const m = banded.stats().media;
  assert.equal(m.operator_required, 2 + (spoof.resolution === 'OPERATOR_REQUIRED' ? 1 : 0));
  assert.equal(m.total, 4);
  assert.equal(m.failed, 1);
  assert.equal(m.success + m.declined + m.operator_required + m.failed, m.total);
});

// -- security levels ---------------------------------------------------------------------------

test('security levels are ordered and reported', async () => {
  const s = await scores();
  const thresholds = {};
  const declined = {};
  for (const level of LEVELS) {
    declined[level] = new Set();
    for (const name of SCORED) {
      const r = await engine.analyze(sample(name), { securityLevel: level });
      thresholds[level] ??= r.threshold;
      assert.equal(r.security_level, level, name);
      assert.equal(r.threshold, thresholds[level], name);
      assert.equal(r.confidence_spoofing, s[name], 'a level moves the threshold only');
      assert.equal(r.resolution, r.confidence_spoofing >= r.threshold ? 'DECLINED' : 'SUCCESS', name);
      if (r.resolution === 'DECLINED') declined[level].add(name);
    }
  }
  // A higher level has a lower threshold and declines at least what a lower one declines.
  assert.ok(0 < thresholds.high && thresholds.high < thresholds.medium && thresholds.medium < thresholds.low, JSON.stringify(thresholds));
  assert.ok(thresholds.low < 1);
  const subset = (a, b) => [...a].every((x) => b.has(x));
  assert.ok(subset(declined.low, declined.medium) && subset(declined.medium, declined.high));
});

test('an explicit threshold beats a level', async () => {
  const s = await scores();
  const lenient = Math.min(1, s[SPOOF] + 0.01);
  const r = await engine.analyze(sample(SPOOF), { securityLevel: 'high', threshold: lenient });
  assert.equal(r.threshold, lenient);
  assert.equal('security_level' in r, false);
  assert.equal(r.resolution, 'SUCCESS');
  const req = await engine.analyzeRequest([sample(SPOOF)], { securityLevel: 'high', threshold: lenient });
  assert.equal(req.media[0].threshold, lenient);
  assert.equal(req.resolution, 'SUCCESS');
});

test('a security level in the engine config, and the precedence of the settings', async () => {
  const high = (await engine.analyze(sample(LIVE), { securityLevel: 'high' })).threshold;
  const low = (await engine.analyze(sample(LIVE), { securityLevel: 'low' })).threshold;
  const strict = new Engine({ threads: 1, security_level: 'high' });
  assert.equal(strict.config.security_level, 'high');
  assert.equal(strict.config.threshold, null);
  let r = await strict.analyze(sample(LIVE));
  assert.deepEqual([r.security_level, r.threshold], ['high', high]);
  // A call's threshold and a call's level both beat the engine's level.
  r = await strict.analyze(sample(LIVE), { threshold: 0.9 });
  assert.deepEqual([r.security_level, r.threshold], [undefined, 0.9]);
  r = await strict.analyze(sample(LIVE), { securityLevel: 'low' });
  assert.deepEqual([r.security_level, r.threshold], ['low', low]);
  // An explicit engine threshold beats the engine's level, and loses to a call's level.
  const both = new Engine({ threads: 1, security_level: 'high', threshold: 0.55 });
  r = await both.analyze(sample(LIVE));
  assert.deepEqual([r.security_level, r.threshold], [undefined, 0.55]);
  r = await both.analyze(sample(LIVE), { securityLevel: 'low' });
  assert.deepEqual([r.security_level, r.threshold], ['low', low]);
});

// -- bad values --------------------------------------------------------------------------------

test('bad decision settings in the config throw invalid_config', () => {
  const bad = [
    { security_level: 'extreme' },
    { security_level: 'HIGH' },
    { review_band: [0.7, 0.2] },
    { review_band: [-0.1, 0.5] },
    { review_band: [0.2, 1.5] },
    { review_band: [0.5] },
    { review_band: '0.4,0.6' },
    { liveness: { models: [] } },
    { liveness: { models: ['suri', 'suri'] } },
    { liveness: { models: ['deepfake'] } },
    { liveness: { fusion: 'median' } },
    { liveness: { model: ['suri'] } },
  ];
  for (const config of bad) assert.throws(() => new Engine(config), check('invalid_config'), JSON.stringify(config));
  assert.throws(() => new Engine({ security_level: 'extreme' }), /extreme/);
  assert.throws(() => new Engine({ review_band: [0.7, 0.2] }), /review_band/);
});

test('bad decision options reject with invalid_input', async () => {
  const file = sample(LIVE);
  const bad = [
    { securityLevel: 'extreme' },
    { securityLevel: 3 },
    { reviewBand: [0.7, 0.2] },
    { reviewBand: [0.2, 1.01] },
    { reviewBand: [0.5] },
    { reviewBand: [0.1, 0.2, 0.3] },
    { reviewBand: '0.4,0.6' },
    { security_level: 'high' }, // camelCase only
    { review_band: [0, 1] },
  ];
  for (const options of bad) {
    const what = JSON.stringify(options);
    await assert.rejects(engine.analyze(file, options), check('invalid_input'), what);
    assert.throws(() => engine.analyzeSync(file, options), check('invalid_input'), what);
    await assert.rejects(engine.analyzeBatch([file], options), check('invalid_input'), what);
    await assert.rejects(engine.analyzeRequest([file], options), check('invalid_input'), what);
  }
  await assert.rejects(engine.analyze(file, { securityLevel: 'extreme' }), /extreme/);
  await assert.rejects(engine.analyze(file, { reviewBand: [0.7, 0.2] }), /review_band/);
});

// -- liveness models ---------------------------------------------------------------------------

test('the default liveness set: two opinions of three models, mean fusion', async () => {
  const r = await engine.analyze(sample(LIVE));
  const lv = r.liveness;
  assert.equal(lv.fusion, 'mean');
  assert.deepEqual(lv.models.map((m) => [m.model, m.opinion]), [
    ['minifasnet_v2', 'minifasnet'],
    ['minifasnet_v1se', 'minifasnet'],
    ['suri_minifasv2se', 'suri'],
  ]);
  for (const m of lv.models) {
    assert.ok(m.p_real >= 0 && m.p_real <= 1);
    assert.ok(m.crop.length === 4 && m.crop.every(Number.isInteger), JSON.stringify(m.crop));
  }
  assert.deepEqual(lv.opinions.map((o) => [o.opinion, o.models]), [
    ['minifasnet', ['minifasnet_v2', 'minifasnet_v1se']],
    ['suri', ['suri_minifasv2se']],
  ]);
  // Each opinion is the mean of its models; "mean" fusion averages the opinions.
  close(lv.opinions[0].p_real, mean([lv.models[0].p_real, lv.models[1].p_real]), 'minifasnet opinion');
  close(lv.opinions[1].p_real, lv.models[2].p_real, 'suri opinion');
  close(lv.p_real, mean(lv.opinions.map((o) => o.p_real)), 'fused p_real');
  close(r.confidence_spoofing, 1 - lv.p_real, 'confidence_spoofing');
  assert.equal(engine.models.length, 7);
  assert.ok(engine.models.some((m) => m.id === 'suri_minifasv2se'));
});

test('the fast profile runs MiniFASNet alone', async () => {
  const fast = new Engine({ threads: 1, liveness: { models: ['minifasnet'] } });
  assert.deepEqual(fast.config.liveness, { models: ['minifasnet'], fusion: 'mean' });
  const ids = fast.models.map((m) => m.id);
  assert.equal(ids.includes('suri_minifasv2se'), false);
  assert.equal(ids.length, 6);
  for (const name of [LIVE, SPOOF]) {
    const r = await fast.analyze(sample(name));
    const lv = r.liveness;
    assert.equal(r.resolution, EXPECTED[name][0], name);
    assert.deepEqual(lv.models.map((m) => m.model), ['minifasnet_v2', 'minifasnet_v1se']);
    assert.deepEqual(lv.opinions.map((o) => [o.opinion, o.models]), [['minifasnet', ['minifasnet_v2', 'minifasnet_v1se']]]);
    close(lv.p_real, lv.opinions[0].p_real, 'fused = the one opinion');
    // The MiniFASNet models score the same face the same way in both engines.
    const full = (await engine.analyze(sample(name))).liveness;
    assert.deepEqual(lv.models, full.models.slice(0, 2));
    assert.deepEqual(lv.opinions[0], full.opinions[0]);
  }
});

test('Suri alone, and max fusion', async () => {
  const suri = new Engine({ threads: 1, liveness: { models: ['suri'] } });
  assert.deepEqual(
    suri.models.map((m) => m.id).filter((id) => id.startsWith('minifasnet') || id.startsWith('suri')),
    ['suri_minifasv2se'],
  );
  const lv = (await suri.analyze(sample(LIVE))).liveness;
  assert.deepEqual(lv.models.map((m) => m.model), ['suri_minifasv2se']);
  assert.deepEqual(lv.opinions.map((o) => o.opinion), ['suri']);

  const strict = new Engine({ threads: 1, liveness: { fusion: 'max' } });
  assert.deepEqual(strict.config.liveness, { models: ['minifasnet', 'suri'], fusion: 'max' });
  for (const name of [LIVE, SPOOF]) {
    const r = await strict.analyze(sample(name));
    const meanR = await engine.analyze(sample(name));
    assert.equal(r.liveness.fusion, 'max');
    // max of the opinions' p_attack: the least confident opinion decides.
    close(r.confidence_spoofing, Math.max(...r.liveness.opinions.map((o) => 1 - o.p_real)), 'max fusion');
    assert.deepEqual(r.liveness.opinions, meanR.liveness.opinions);
    assert.ok(r.confidence_spoofing >= meanR.confidence_spoofing - 1e-6);
  }
});
