'use strict';
// ozinstant for Node.js: stateless, in-process face liveness.
//
//   const { Engine } = require('ozinstant');
//   const engine = new Engine();
//   const result = await engine.analyze('selfie.jpg'); // or a Buffer; or a video, a shot set
//   console.log(result.resolution, result.confidence_spoofing);
//
// A media is encoded bytes or a file path (an image, an MP4/MOV/WebM video or a ZIP shot set;
// the kind is sniffed from the content), or raw frames `{ frames: [{ data, width, height,
// format, stride? }, ...] }`. Videos, shot sets and frames give one verdict each, aggregated
// over their sampled frames (`result.sequence`).
//
// Results are the core's JSON (snake_case keys), parsed. Errors are `Error`s with `code` (a
// stable snake_case name such as 'unsupported_format') and `number` (its numeric code).
//
// Signed results: `new Engine({ signing: { key_id, key_file | key_pem } })` adds an
// `attestation` (a JWS over the result) to every result; `verify(result, publicKey)` checks it.

// Stock ONNX Runtime (>= 1.29) writes a device id and an event cache under ~/.cache/Microsoft/
// unless this is set before it initialises. Set it before the native addon can load it, unless
// the user chose a value (an explicit ORT_DISABLE_TELEMETRY=0 stays).
if (process.env.ORT_DISABLE_TELEMETRY === undefined) process.env.ORT_DISABLE_TELEMETRY = '1';

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const native = require('./native.js');

const ERROR_CODES = Object.freeze(native.errorCodes());

/** Builds an Error the way the native side does: `code` = name, `number` = numeric code. */
function ozError(code, message) {
  const err = new Error(message);
  err.code = code;
  err.number = ERROR_CODES[code];
  return err;
}

// File name of the shared library inside onnxruntime-node's bin/napi-v6/<platform>/<arch>/.
const ORT_LIBRARY_NAMES = {
  linux: 'libonnxruntime.so.1',
  darwin: 'libonnxruntime.1.dylib',
  win32: 'onnxruntime.dll',
};

/**
 * Absolute path of the ONNX Runtime library shipped by the `onnxruntime-node` package, or
 * null when the package (or a library for this platform) is not installed. Only resolves the
 * package's location: onnxruntime-node itself is never loaded.
 */
function onnxruntimeNodeLibrary() {
  const name = ORT_LIBRARY_NAMES[process.platform];
  if (!name) return null;
  let packageJson;
  try {
    packageJson = require.resolve('onnxruntime-node/package.json');
  } catch {
    return null;
  }
  const library = path.join(path.dirname(packageJson), 'bin', 'napi-v6', process.platform, process.arch, name);
  return fs.existsSync(library) ? library : null;
}

function configJson(config) {
  if (config === undefined || config === null) config = {};
  if (typeof config !== 'object' || Array.isArray(config)) {
    throw ozError('invalid_config', 'invalid configuration: the engine configuration must be a plain object');
  }
  const resolved = snakeKeys(config, '');
  if (resolved.signing != null) resolved.signing = signingJson(resolved.signing);
  // Explicit setting first, then ORT_DYLIB_PATH (the core reads it), then onnxruntime-node; when
  // none applies the core searches its own places (repo cache, Python package, system).
  if (resolved.ort_library_path == null && !process.env.ORT_DYLIB_PATH) {
    const library = onnxruntimeNodeLibrary();
    if (library) resolved.ort_library_path = library;
    else delete resolved.ort_library_path;
  }
  return JSON.stringify(resolved);
}

/**
 * A configuration section to walk: an object literal (not an array, Buffer, typed array,
 * KeyObject or other class instance, which are values).
 */
function isConfigSection(value) {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** `maxInFlight` → `max_in_flight`; a key without capitals is returned as it is. */
function snakeCase(key) {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * The engine configuration with its keys in the core's snake_case, at every level: a JavaScript
 * caller writes `{ maxInFlight: 2, limits: { maxPixels: 4e6 } }`, a JSON config shared with the
 * other doors `{ max_in_flight: 2 }`, and both work. Giving one key in both spellings is
 * refused; values (and arrays) are left as they are, and unknown keys are left for the core to
 * refuse (`invalid_config`, with the snake_case name).
 */
function snakeKeys(section, where) {
  const out = {};
  for (const [key, value] of Object.entries(section)) {
    const coreKey = snakeCase(key);
    if (Object.hasOwn(out, coreKey)) {
      throw ozError('invalid_config', `invalid configuration: ${where}${coreKey} is given twice (camelCase and snake_case)`);
    }
    out[coreKey] = isConfigSection(value) ? snakeKeys(value, `${where}${coreKey}.`) : value;
  }
  return out;
}

/**
 * The `signing` section for the core: keys in snake_case (`snakeKeys`), and `key_pem` as text
 * from a string, a Buffer / typed array holding the PEM, or a private `crypto.KeyObject`
 * (exported as PKCS#8 PEM). Unknown keys are left for the core to refuse (`invalid_config`).
 */
function signingJson(signing) {
  if (typeof signing !== 'object' || Array.isArray(signing) || bytesOf(signing)) {
    throw ozError('invalid_config', 'invalid configuration: signing must be an object { key_id, key_file | key_pem, input_hashes? }');
  }
  // Already snake_case when `signing` is an object literal (configJson walked it); another
  // object was not walked. A fresh object either way, so `key_pem` can be replaced below.
  const out = snakeKeys(signing, 'signing.');
  const pem = out.key_pem;
  if (pem instanceof crypto.KeyObject) {
    if (pem.type !== 'private') {
      throw ozError('invalid_config', 'invalid configuration: signing: key_pem must be a private key (this KeyObject is a public key)');
    }
    out.key_pem = pem.export({ type: 'pkcs8', format: 'pem' });
  } else if (pem != null && typeof pem !== 'string') {
    const bytes = bytesOf(pem);
    if (!bytes) {
      throw ozError('invalid_config', 'invalid configuration: signing: key_pem must be PEM text, a Buffer holding it or a private KeyObject');
    }
    out.key_pem = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  }
  return out;
}

/** Public key bytes for the native verifier: PEM text, a Buffer / typed array / ArrayBuffer, or a public KeyObject. */
function publicKeyBytes(publicKey) {
  if (typeof publicKey === 'string') return Buffer.from(publicKey, 'utf8');
  if (publicKey instanceof crypto.KeyObject) {
    if (publicKey.type !== 'public') {
      throw ozError(
        'invalid_config',
        'invalid configuration: attestation public key: this KeyObject is a private key; a verifier needs the public key (crypto.createPublicKey(key))',
      );
    }
    return Buffer.from(publicKey.export({ type: 'spki', format: 'pem' }), 'utf8');
  }
  const bytes = bytesOf(publicKey);
  if (bytes) return bytes;
  throw ozError(
    'invalid_config',
    'invalid configuration: attestation public key: expected an SPKI PEM string or Buffer, a public crypto.KeyObject or the raw 32 bytes',
  );
}

/**
 * Verifies a signed result (the parsed object an analysis resolved to, or its JSON text as
 * received) against the engine's Ed25519 public key (SPKI PEM string or Buffer, SPKI DER, raw 32
 * bytes, or a public `crypto.KeyObject`). `{ keyId }` also requires the attestation to name that
 * key. Checks the top-level signature and every nested one (each media result of a request).
 *
 * Returns `{ payload, keyId, issuedAt, nonce, nestedVerified }`: read verified data from
 * `payload` (the signed value). The caller still checks what only it knows: that `nonce` is the
 * one it issued, `issuedAt` is recent, `media_sha256` is its media's hash.
 *
 * A result that does not verify (bad signature, a changed or added field, no attestation, wrong
 * key id) throws an `OzinstantError` with `code` 'invalid_input' and `reason` 'attestation'; a
 * key or key id that cannot be used throws `code` 'invalid_config'.
 */
function verify(result, publicKey, options) {
  if (options != null && (typeof options !== 'object' || Array.isArray(options))) {
    throw ozError('invalid_input', 'invalid input: verify options must be an object { keyId? }');
  }
  const extra = Object.keys(options ?? {}).filter((k) => k !== 'keyId');
  if (extra.length) {
    throw ozError('invalid_input', `invalid input: unknown verify option ${JSON.stringify(extra[0])}; expected keyId`);
  }
  const keyId = options?.keyId ?? null;
  if (keyId !== null && typeof keyId !== 'string') {
    throw ozError('invalid_config', 'invalid configuration: attestation key id must be a string');
  }
  let json;
  if (typeof result === 'string') json = result;
  else if (result !== null && typeof result === 'object' && !Array.isArray(result) && !bytesOf(result)) {
    json = JSON.stringify(result);
  } else {
    throw ozError('invalid_input', 'invalid input: attestation: expected a result object or its JSON text');
  }
  const key = publicKeyBytes(publicKey);
  let verified;
  try {
    verified = JSON.parse(native.verifyResult(json, key, keyId));
  } catch (err) {
    if (err && err.code === 'invalid_input' && /^invalid input: attestation/.test(err.message)) {
      err.reason = 'attestation';
    }
    throw err;
  }
  return {
    payload: verified.payload,
    keyId: verified.key_id,
    issuedAt: verified.issued_at,
    nonce: verified.nonce,
    nestedVerified: verified.nested_verified,
  };
}

// camelCase option → the core's AnalyzeOptions key.
const OPTION_KEYS = {
  threshold: 'threshold',
  securityLevel: 'security_level',
  reviewBand: 'review_band',
  qualityGate: 'quality_gate',
  facePolicy: 'face_policy',
  requestId: 'request_id',
  analyses: 'analyses',
  biometryThreshold: 'biometry_threshold',
  biometryTags: 'biometry_tags',
  qualityTags: 'quality_tags',
  returnEmbeddings: 'return_embeddings',
  mediaTags: 'media_tags',
  videoFrames: 'video_frames',
  nonce: 'nonce',
};

function optionsJson(options) {
  if (options === undefined || options === null) return null;
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw ozError('invalid_input', 'invalid input: options must be an object');
  }
  const out = {};
  for (const [key, value] of Object.entries(options)) {
    const coreKey = OPTION_KEYS[key];
    if (!coreKey) {
      throw ozError(
        'invalid_input',
        `invalid input: unknown option ${JSON.stringify(key)}; expected ${Object.keys(OPTION_KEYS).join(', ')}`,
      );
    }
    if (value !== undefined) out[coreKey] = value;
  }
  return JSON.stringify(out);
}

/** Bytes of any binary view (Buffer, Uint8Array, other typed arrays, DataView) or ArrayBuffer. */
function bytesOf(data) {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return null;
}

/** A non-null object that is not a binary view or an ArrayBuffer (nor an array). */
function isPlainObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !bytesOf(value);
}

/**
 * One media for the native side: encoded bytes (a Buffer, any typed array or an ArrayBuffer:
 * an image, a video or a shot set), a file path string, or raw frames `{ frames: [...] }`.
 */
function mediaInput(input) {
  if (typeof input === 'string') return input;
  const bytes = bytesOf(input);
  if (bytes) return bytes;
  if (isPlainObject(input) && 'frames' in input) return framesInput(input);
  throw ozError(
    'invalid_input',
    'invalid input: media must be a Buffer, a Uint8Array, an ArrayBuffer, a file path or { frames: [...] }',
  );
}

/**
 * Raw frames forming one media: `{ frames: [{ data, width, height, format, stride? }, ...] }`.
 * Types are checked here; the native side checks each frame's geometry against its data and
 * copies the frames before the analysis is queued.
 */
function framesInput(input) {
  const extra = Object.keys(input).filter((k) => k !== 'frames');
  if (extra.length) {
    throw ozError('invalid_input', `invalid input: a frames media has only \`frames\`, not ${JSON.stringify(extra)}`);
  }
  const { frames } = input;
  if (!Array.isArray(frames) || frames.length === 0) {
    throw ozError('invalid_input', 'invalid input: `frames` must be a non-empty array of { data, width, height, format }');
  }
  return {
    frames: frames.map((frame, i) => {
      if (!isPlainObject(frame)) {
        throw ozError('invalid_input', `invalid input: frame ${i} must be { data, width, height, format, stride? }`);
      }
      if ('frames' in frame || 'media' in frame) {
        throw ozError('invalid_input', `invalid input: frame ${i} is a media itself; frames do not nest`);
      }
      const data = bytesOf(frame.data);
      if (!data) {
        throw ozError('invalid_input', `invalid input: frame ${i}: data must be a Buffer, a typed array or an ArrayBuffer`);
      }
      if (typeof frame.format !== 'string') {
        throw ozError('invalid_input', `invalid input: frame ${i}: format must be 'rgb8', 'bgr8', 'rgba8' or 'bgra8'`);
      }
      return {
        data,
        format: frame.format,
        width: dimension(frame.width, `frame ${i}: width`),
        height: dimension(frame.height, `frame ${i}: height`),
        stride: dimension(frame.stride, `frame ${i}: stride`, { optional: true }),
      };
    }),
  };
}

/** A `{ media, tag }` request entry (not bytes, not a path, not `{ frames }`). */
function isTagged(input) {
  return isPlainObject(input) && 'media' in input;
}

function mediaInputs(inputs) {
  if (!Array.isArray(inputs)) throw ozError('invalid_input', 'invalid input: expected an array of media');
  return inputs.map(mediaInput);
}

function pixelData(data) {
  const bytes = bytesOf(data);
  if (bytes) return bytes;
  throw ozError('invalid_input', 'invalid input: pixels must be a Buffer, a typed array or an ArrayBuffer');
}

function dimension(value, name, { optional = false } = {}) {
  if (optional && (value === undefined || value === null)) return 0;
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw ozError('invalid_input', `invalid input: ${name} must be a non-negative integer`);
  }
  return value;
}

/** The liveness engine: load it once, share it, call it concurrently. */
class Engine {
  #native;

  /**
   * Loads ONNX Runtime and the models (synchronously, typically well under a second).
   * @param {object} [config] EngineConfig fields, camelCase or snake_case at any level, not both
   *   for one key (e.g. `{ threshold: 0.5, maxInFlight: 64 }`,
   *   `{ security_level: 'high', review_band: [0.4, 0.6] }`, or `{ liveness: { models: ['minifasnet'] } }`
   *   for the fast profile). `{ signing: { key_id, key_file | key_pem, input_hashes } }` signs
   *   every result (camelCase `keyId`, `keyFile`, `keyPem`, `inputHashes` also accepted; `key_pem`
   *   may be a Buffer or a private `crypto.KeyObject`).
   */
  constructor(config) {
    this.#native = new native.NativeEngine(configJson(config));
  }

  /**
   * Analyses one media off the main thread: encoded bytes or a file path (an image, a video or a
   * shot set), or raw frames `{ frames: [{ data, width, height, format, stride? }, ...] }`.
   */
  async analyze(input, options) {
    return JSON.parse(await this.#native.analyze(mediaInput(input), optionsJson(options)));
  }

  /** `analyze` on the calling thread (blocks the event loop while it runs). */
  analyzeSync(input, options) {
    return JSON.parse(this.#native.analyzeSync(mediaInput(input), optionsJson(options)));
  }

  /** Analyses raw 8-bit pixels: `{ width, height, format: 'rgb8'|'bgr8'|'rgba8'|'bgra8', stride? }`. */
  async analyzePixels(data, frame, options) {
    if (frame === null || typeof frame !== 'object') {
      throw ozError('invalid_input', 'invalid input: analyzePixels needs { width, height, format }');
    }
    const json = await this.#native.analyzePixels(
      pixelData(data),
      dimension(frame.width, 'width'),
      dimension(frame.height, 'height'),
      String(frame.format),
      dimension(frame.stride, 'stride', { optional: true }),
      optionsJson(options),
    );
    return JSON.parse(json);
  }

  /** One request per input, run across the engine's pool; resolves to one RequestResult each. */
  async analyzeBatch(inputs, options) {
    return JSON.parse(await this.#native.analyzeBatch(mediaInputs(inputs), optionsJson(options)));
  }

  /**
   * One request ("folder") holding every input; resolves to one RequestResult. An input may be
   * `{ media, tag }` to give its Oz media tag (`photo_selfie`, `video_selfie`,
   * `shotset_selfie`, `photo_id_front`, ...); `{ analyses: ['quality', 'biometry'] }` also
   * compares the faces across the inputs (a video's or shot set's best shot).
   */
  async analyzeRequest(inputs, options) {
    if (!Array.isArray(inputs)) throw ozError('invalid_input', 'invalid input: expected an array of media');
    for (const i of inputs) {
      if (isTagged(i) && 'frames' in i) {
        throw ozError('invalid_input', 'invalid input: an entry is either { media, tag } or { frames }, not both');
      }
    }
    const tagged = inputs.some((i) => isTagged(i));
    const media = mediaInputs(inputs.map((i) => (isTagged(i) ? i.media : i)));
    let opts = options;
    if (tagged) {
      if (options != null && typeof options === 'object' && options.mediaTags !== undefined) {
        throw ozError('invalid_input', 'invalid input: give tags either as { media, tag } inputs or as mediaTags');
      }
      opts = { ...(options ?? {}), mediaTags: inputs.map((i) => (isTagged(i) ? (i.tag ?? null) : null)) };
    }
    return JSON.parse(await this.#native.analyzeRequest(media, optionsJson(opts)));
  }

  /** True once the models are loaded and the engine accepts work. */
  ready() {
    return this.#native.ready();
  }

  /** Runs every model once on every worker so that the first real calls are not slower. */
  async warmUp() {
    await this.#native.warmUp();
  }

  /** Counters and the latency histogram (a snapshot). */
  stats() {
    return JSON.parse(this.#native.stats());
  }

  /** The loaded models: `[{ id, sha256, source }]`. */
  get models() {
    return JSON.parse(this.#native.models);
  }

  /** Where ONNX Runtime was loaded from: `{ library_path, found_by }`. */
  get runtime() {
    return JSON.parse(this.#native.runtime);
  }

  /** The public key results are signed with (SPKI PEM), for verifiers; null without a signing key. */
  get publicKeyPem() {
    return this.#native.publicKeyPem;
  }

  /** The signing key's id (every `attestation.key_id`); null without a signing key. */
  get keyId() {
    return this.#native.keyId;
  }

  /** The configuration in force, defaults filled in (snake_case, as given to the constructor; never the key). */
  get config() {
    return JSON.parse(this.#native.config);
  }
}

module.exports = {
  Engine,
  verify,
  VERSION: native.VERSION,
  ERROR_CODES,
  onnxruntimeNodeLibrary,
};
