'use strict';
// Signed results: `signing` in the engine configuration, the `nonce` option, `verify`, and the
// same signatures checked by Node's own `crypto` alone (no ozinstant code), on real samples.

const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const util = require('node:util');

const { Engine, verify } = require('..');
const { sample, decodePng } = require('../test-support/helpers.js');

const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
const PRIVATE_PEM = privateKey.export({ type: 'pkcs8', format: 'pem' });
const PUBLIC_PEM = publicKey.export({ type: 'spki', format: 'pem' });
const KEY_ID = 'node-test-2026';
const LIVE = 'facerec_live_biden.jpg';
const SPOOF = 'minivision_spoof_print_image_F1.jpg';

const signer = new Engine({ signing: { keyId: KEY_ID, keyPem: PRIVATE_PEM } });
const plain = new Engine();

// ---- an independent verifier: Node's crypto and JSON only -------------------------------

/** A deep copy of `value` without the `jws` member of any `attestation` object, at any depth. */
function stripJws(value) {
  if (Array.isArray(value)) return value.map(stripJws);
  if (value === null || typeof value !== 'object') return value;
  const out = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'attestation' && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const { jws: _jws, ...rest } = v;
      out[k] = stripJws(rest);
    } else {
      out[k] = stripJws(v);
    }
  }
  return out;
}

/**
 * Checks `result.attestation.jws` with `crypto.verify` and compares its payload with the result
 * minus every `attestation.jws` (parsed values, deepStrictEqual). Throws on any mismatch.
 */
function independentVerify(result, key) {
  const parts = result.attestation.jws.split('.');
  assert.equal(parts.length, 3, 'a compact JWS has three parts');
  const [header, payload, signature] = parts;
  assert.equal(
    Buffer.from(header, 'base64url').toString('utf8'),
    JSON.stringify({ alg: 'EdDSA', kid: result.attestation.key_id, typ: 'ozinstant-result+json' }),
  );
  const ok = crypto.verify(null, Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, 'base64url'));
  assert.ok(ok, 'Ed25519 signature');
  assert.deepStrictEqual(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')), stripJws(result));
}

/** `independentVerify` of a result and of every media result inside a request result. */
function independentVerifyAll(result, key) {
  independentVerify(result, key);
  for (const media of result.media ?? []) independentVerify(media, key);
}

function independentlyValid(result, key) {
  try {
    independentVerifyAll(result, key);
    return true;
  } catch {
    return false;
  }
}

function assertRejected(fn) {
  assert.throws(fn, (err) => {
    assert.equal(err.code, 'invalid_input');
    assert.equal(err.reason, 'attestation');
    assert.match(err.message, /^invalid input: attestation/);
    return true;
  });
}

/** `text` with one character changed: the first digit after `from` is replaced by another. */
function changeOneDigit(text, from = 0) {
  for (let i = from; i < text.length; i++) {
    if (/[0-9]/.test(text[i])) return text.slice(0, i) + String((Number(text[i]) + 1) % 10) + text.slice(i + 1);
  }
  throw new Error(`no digit in ${text}`);
}

function changeOneChar(text) {
  const last = text[text.length - 1];
  return text.slice(0, -1) + (last === 'a' ? 'b' : 'a');
}

const sha256 = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex');

// ---- tests -------------------------------------------------------------------------------

test('the engine exposes its public key and key id; verify accepts every key form', async () => {
  assert.equal(signer.publicKeyPem, PUBLIC_PEM);
  assert.equal(signer.keyId, KEY_ID);
  assert.equal(plain.publicKeyPem, null);
  assert.equal(plain.keyId, null);

  const r = await signer.analyze(sample(LIVE), { nonce: 'n-forms' });
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url');
  assert.equal(raw.length, 32);
  const der = publicKey.export({ type: 'spki', format: 'der' });
  for (const key of [PUBLIC_PEM, Buffer.from(PUBLIC_PEM), publicKey, raw, new Uint8Array(raw), der, signer.publicKeyPem]) {
    const v = verify(r, key);
    assert.equal(v.keyId, KEY_ID);
    assert.equal(v.nonce, 'n-forms');
  }
  // The JSON text, as received over the wire, verifies too.
  assert.equal(verify(JSON.stringify(r), PUBLIC_PEM, { keyId: KEY_ID }).nonce, 'n-forms');
});

test('a signed analyze result verifies with verify and with crypto alone', async () => {
  const bytes = fs.readFileSync(sample(LIVE));
  const r = await signer.analyze(bytes, { nonce: 'nonce-1f3a', requestId: 'req-media-1' });
  const a = r.attestation;
  assert.equal(a.alg, 'EdDSA');
  assert.equal(a.key_id, KEY_ID);
  assert.equal(a.nonce, 'nonce-1f3a');
  assert.match(a.issued_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(a.engine_version, require('..').VERSION);
  assert.deepEqual(a.models, signer.models);
  assert.equal(a.media_sha256, sha256(bytes));

  const v = verify(r, PUBLIC_PEM, { keyId: KEY_ID });
  assert.deepEqual(v.payload, stripJws(r));
  assert.equal(v.keyId, KEY_ID);
  assert.equal(v.issuedAt, a.issued_at);
  assert.equal(v.nonce, 'nonce-1f3a');
  assert.equal(v.nestedVerified, 0);
  independentVerifyAll(r, publicKey);

  // analyzeSync signs the same way.
  const sync = signer.analyzeSync(sample(SPOOF), { nonce: 'sync' });
  assert.equal(sync.resolution, 'DECLINED');
  assert.equal(verify(sync, publicKey).nonce, 'sync');
  independentVerifyAll(sync, publicKey);
});

test('a signed request result verifies, its media results too (each on its own)', async () => {
  const live = fs.readFileSync(sample(LIVE));
  const spoof = fs.readFileSync(sample(SPOOF));
  const r = await signer.analyzeRequest([live, { media: spoof, tag: 'photo_selfie' }], {
    nonce: 'req-nonce-77',
    requestId: 'req-42',
  });
  assert.equal(r.resolution, 'DECLINED');
  assert.equal(r.attestation.nonce, 'req-nonce-77');
  assert.equal(r.attestation.media_sha256, undefined, 'a request result is about no single media');
  assert.deepEqual(
    r.media.map((m) => m.attestation.media_sha256),
    [sha256(live), sha256(spoof)],
  );
  for (const m of r.media) assert.equal(m.attestation.nonce, 'req-nonce-77');

  const v = verify(r, publicKey, { keyId: KEY_ID });
  assert.equal(v.nestedVerified, 2);
  assert.equal(v.nonce, 'req-nonce-77');
  assert.equal(v.payload.request_id, 'req-42');
  independentVerifyAll(r, publicKey);
  // One media result handed on alone still verifies.
  assert.equal(verify(r.media[1], publicKey).nestedVerified, 0);

  // Batches: one signed request result per input.
  const batch = await signer.analyzeBatch([sample(LIVE), sample(SPOOF)], { nonce: 'batch-n' });
  assert.equal(batch.length, 2);
  for (const b of batch) {
    assert.equal(verify(b, publicKey).nestedVerified, 1);
    assert.equal(b.attestation.nonce, 'batch-n');
    independentVerifyAll(b, publicKey);
  }
});

test('a one-character change of a signed field fails both verifiers', async () => {
  const media = await signer.analyze(fs.readFileSync(sample(LIVE)), { nonce: 'abc123', requestId: 'rq-777' });
  const request = await signer.analyzeRequest([sample(LIVE), sample(SPOOF)], { nonce: 'abc123', requestId: 'rq-777' });
  assert.ok(independentlyValid(media, publicKey) && independentlyValid(request, publicKey));

  const tampers = {
    'media score digit': [media, (r) => (r.confidence_spoofing = Number(changeOneDigit(String(r.confidence_spoofing), 2)))],
    'media nonce': [media, (r) => (r.attestation.nonce = changeOneChar(r.attestation.nonce))],
    'media request id': [media, (r) => (r.request_id = changeOneChar(r.request_id))],
    'media media_sha256': [media, (r) => (r.attestation.media_sha256 = changeOneChar(r.attestation.media_sha256))],
    'media issued_at': [media, (r) => (r.attestation.issued_at = changeOneDigit(r.attestation.issued_at, 2))],
    'media resolution': [media, (r) => (r.resolution = 'DECLINED')],
    'media added member': [media, (r) => (r.extra = 1)],
    'request nonce': [request, (r) => (r.attestation.nonce = changeOneChar(r.attestation.nonce))],
    'request request id': [request, (r) => (r.request_id = changeOneChar(r.request_id))],
    'request nested score digit': [
      request,
      (r) => (r.media[1].confidence_spoofing = Number(changeOneDigit(String(r.media[1].confidence_spoofing), 2))),
    ],
    'request nested media_sha256': [
      request,
      (r) => (r.media[0].attestation.media_sha256 = changeOneChar(r.media[0].attestation.media_sha256)),
    ],
    'request nested nonce': [request, (r) => (r.media[0].attestation.nonce = changeOneChar(r.media[0].attestation.nonce))],
  };
  for (const [name, [original, tamper]] of Object.entries(tampers)) {
    const copy = structuredClone(original);
    tamper(copy);
    assert.notDeepStrictEqual(copy, original, name);
    assertRejected(() => verify(copy, publicKey));
    assertRejected(() => verify(JSON.stringify(copy), PUBLIC_PEM));
    assert.equal(independentlyValid(copy, publicKey), false, name);
  }

  // A changed JWS signature character, another key, another key id, no attestation at all.
  const badSig = structuredClone(media);
  const jws = badSig.attestation.jws;
  const i = jws.lastIndexOf('.') + 5;
  badSig.attestation.jws = jws.slice(0, i) + (jws[i] === 'A' ? 'B' : 'A') + jws.slice(i + 1);
  assertRejected(() => verify(badSig, publicKey));
  assert.equal(independentlyValid(badSig, publicKey), false);
  const other = crypto.generateKeyPairSync('ed25519').publicKey;
  assertRejected(() => verify(media, other));
  assert.equal(independentlyValid(media, other), false);
  assertRejected(() => verify(media, publicKey, { keyId: 'someone-else' }));
  const unsigned = await plain.analyze(sample(LIVE));
  assertRejected(() => verify(unsigned, publicKey));
  assertRejected(() => verify('{"not": "a result"', publicKey));
  // A key that cannot be used is a configuration error, not a failed verification.
  for (const badKey of ['not a key', privateKey, PRIVATE_PEM, new Uint8Array(31)]) {
    assert.throws(() => verify(media, badKey), (err) => err.code === 'invalid_config' && err.reason === undefined);
  }
  assert.throws(() => verify(media, publicKey, { kid: KEY_ID }), { code: 'invalid_input' });
});

test('media_sha256 is the sha256 of the bytes given; inputHashes false leaves it out', async () => {
  const bytes = fs.readFileSync(sample(SPOOF));
  assert.equal((await signer.analyze(bytes)).attestation.media_sha256, sha256(bytes));
  assert.equal((await signer.analyze(sample(SPOOF))).attestation.media_sha256, sha256(bytes), 'a path: its file');
  const png = decodePng(sample('hyperfas_spoof_replay_fake_screen.png'));
  const px = await signer.analyzePixels(png.data, {
    width: png.width,
    height: png.height,
    format: png.channels === 3 ? 'rgb8' : 'rgba8',
  }, { nonce: 'px' });
  assert.equal(px.attestation.media_sha256, sha256(png.data), 'raw pixels: the buffer');
  independentVerifyAll(px, publicKey);

  const noHashes = new Engine({ signing: { key_id: KEY_ID, key_pem: Buffer.from(PRIVATE_PEM), input_hashes: false } });
  assert.equal(noHashes.config.signing.input_hashes, false);
  const r = await noHashes.analyze(bytes, { nonce: 'n' });
  assert.equal(r.attestation.nonce, 'n');
  assert.equal('media_sha256' in r.attestation, false);
  const request = await noHashes.analyzeRequest([bytes]);
  assert.equal('media_sha256' in request.media[0].attestation, false);
  assert.equal('nonce' in request.attestation, false, 'no nonce given, none signed');
  assert.equal(verify(request, publicKey).nonce, null);
  independentVerifyAll(request, publicKey);
});

test('without a key: no attestation, and a nonce is refused with invalid_input', async () => {
  const r = await plain.analyze(sample(LIVE));
  assert.equal('attestation' in r, false);
  const request = await plain.analyzeRequest([sample(LIVE)]);
  assert.equal('attestation' in request, false);
  assert.equal('attestation' in request.media[0], false);
  const refused = { code: 'invalid_input', message: /nonce/ };
  await assert.rejects(plain.analyze(sample(LIVE), { nonce: 'n' }), refused);
  await assert.rejects(plain.analyzeRequest([sample(LIVE)], { nonce: 'n' }), refused);
  await assert.rejects(plain.analyzeBatch([sample(LIVE)], { nonce: 'n' }), refused);
  assert.throws(() => plain.analyzeSync(sample(LIVE), { nonce: 'n' }), refused);
});

test('the private key never appears in the configuration or in inspection output', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ozinstant-key-'));
  try {
    const keyFile = path.join(dir, 'signing.pem');
    fs.writeFileSync(keyFile, PRIVATE_PEM, { mode: 0o600 });
    const fromFile = new Engine({ signing: { keyId: 'file-key', keyFile } });
    assert.equal(fromFile.publicKeyPem, PUBLIC_PEM);
    assert.deepEqual(fromFile.config.signing, { key_id: 'file-key', key_file: keyFile, input_hashes: true });
    const fromKeyObject = new Engine({ signing: { key_id: 'object-key', key_pem: privateKey } });
    assert.equal(fromKeyObject.publicKeyPem, PUBLIC_PEM);

    const secret = PRIVATE_PEM.split('\n')[1]; // the base64 body
    for (const engine of [signer, fromFile, fromKeyObject]) {
      assert.equal('key_pem' in engine.config.signing, false);
      for (const text of [JSON.stringify(engine.config), util.inspect(engine, { depth: Infinity, showHidden: true }), JSON.stringify(engine.stats())]) {
        assert.equal(text.includes(secret), false);
        assert.equal(text.includes('PRIVATE KEY'), false);
      }
      const r = await engine.analyze(sample(LIVE));
      assert.equal(JSON.stringify(r).includes(secret), false);
      assert.equal(verify(r, PUBLIC_PEM, { keyId: engine.keyId }).keyId, engine.keyId);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('bad signing configurations fail with invalid_config', () => {
  const bad = [
    { signing: { keyId: KEY_ID } },
    { signing: { keyId: KEY_ID, keyPem: PRIVATE_PEM, key_pem: PRIVATE_PEM } },
    { signing: { keyId: KEY_ID, keyPem: PRIVATE_PEM, keyFile: '/nonexistent' } },
    { signing: { keyId: KEY_ID, keyPem: 'not a pem' } },
    { signing: { keyId: KEY_ID, keyPem: PUBLIC_PEM } },
    { signing: { keyId: KEY_ID, keyPem: publicKey } },
    { signing: { keyId: '', keyPem: PRIVATE_PEM } },
    { signing: { keyId: KEY_ID, keyPem: PRIVATE_PEM, keyid: 'x' } },
    { signing: { keyId: KEY_ID, keyPem: 42 } },
    { signing: 'key.pem' },
  ];
  for (const config of bad) {
    assert.throws(() => new Engine(config), (err) => {
      assert.equal(err.code, 'invalid_config', JSON.stringify(config.signing));
      assert.equal(err.message.includes(PRIVATE_PEM.split('\n')[1]), false, 'the key is not echoed');
      return true;
    });
  }
});
