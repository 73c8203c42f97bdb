'use strict';
// Biometry through the Node door: same person matches, different people do not, the least
// similar pair of a folder is reported, tags and embeddings.

const test = require('node:test');
const assert = require('node:assert/strict');

const { Engine } = require('..');
const { sample } = require('../test-support/helpers.js');

const engine = new Engine();
const OBAMA = sample('facerec_live_obama.jpg');
const OBAMA2 = sample('facerec_live_obama2.jpg');
const BIDEN = sample('facerec_live_biden.jpg');
const BOTH = { analyses: ['quality', 'biometry'] };

test('obama and obama2 match', async () => {
  const r = await engine.analyzeRequest([OBAMA, OBAMA2], BOTH);
  assert.equal(r.biometry.resolution, 'SUCCESS');
  assert.ok(r.biometry.min_similarity >= r.biometry.threshold);
  assert.equal(r.resolution, 'SUCCESS');
  assert.ok(r.biometry.media.every((m) => m.embedding === undefined));
});

test('obama and biden do not match', async () => {
  const r = await engine.analyzeRequest([OBAMA, BIDEN], BOTH);
  assert.equal(r.biometry.resolution, 'DECLINED');
  assert.equal(r.resolution, 'DECLINED');
});

test('a three-media folder reports its least similar pair', async () => {
  const b = (await engine.analyzeRequest([OBAMA, OBAMA2, BIDEN], BOTH)).biometry;
  assert.deepEqual(
    b.pairs.map((p) => [p.a, p.b]),
    [
      [0, 1],
      [0, 2],
      [1, 2],
    ],
  );
  assert.equal(b.least_similar.similarity, Math.min(...b.pairs.map((p) => p.similarity)));
  assert.equal(b.least_similar.b, 2);
});

test('tags, per-call threshold and embeddings', async () => {
  const r = await engine.analyzeRequest([{ media: OBAMA, tag: 'photo_selfie' }, { media: OBAMA2, tag: 'photo_id_front' }], {
    ...BOTH,
    biometryThreshold: 0.99,
    returnEmbeddings: true,
  });
  assert.equal(r.media[1].tag, 'photo_id_front');
  assert.equal(r.media[1].analysis, 'detection');
  assert.equal(r.biometry.threshold, 0.99);
  assert.equal(r.biometry.resolution, 'DECLINED');
  assert.equal(r.biometry.media[0].embedding.length, 192);
  // Liveness passed on the selfie and did not run on the document photo.
  assert.deepEqual(
    r.biometry.media.map((m) => m.liveness_passed),
    [true, null],
  );
  const byPosition = await engine.analyzeRequest([OBAMA, OBAMA2], { ...BOTH, mediaTags: [null, 'photo_id_back'] });
  assert.equal(byPosition.media[1].tag, 'photo_id_back');
  await assert.rejects(engine.analyzeRequest([{ media: OBAMA, tag: 'passport' }, OBAMA2], BOTH), { code: 'invalid_input' });
  await assert.rejects(engine.analyzeRequest([OBAMA, OBAMA2], { ...BOTH, biometryThreshold: 2 }), { code: 'invalid_input' });
  assert.equal((await engine.analyzeRequest([OBAMA, OBAMA2])).biometry, undefined);
});
