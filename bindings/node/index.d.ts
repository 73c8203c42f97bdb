// Types of the public API of the `ozinstant` package (index.js). Results mirror the core's
// serde JSON exactly (snake_case keys); docs/result.schema.json is the normative schema.
// The native addon's own types are generated into native.d.ts by `napi build` (checked for
// drift by scripts/test-node.sh).

/**
 * `SUCCESS` = live, `DECLINED` = attack, `FAILED` = no verdict (see `reason`),
 * `OPERATOR_REQUIRED` = manual review: the score is inside the configured `review_band` (never
 * without one).
 */
export type Resolution = 'SUCCESS' | 'DECLINED' | 'FAILED' | 'OPERATOR_REQUIRED'

/**
 * A named operating point: a threshold on `confidence_spoofing` set from measured bona fide
 * rejection rates (docs/ACCURACY.md). `high` declines the most, `low` the least.
 */
export type SecurityLevel = 'low' | 'medium' | 'high'

/**
 * `[low, high]`, inclusive, on `confidence_spoofing` (both within 0..1, `low <= high`): a score
 * inside it is `OPERATOR_REQUIRED` instead of `SUCCESS` or `DECLINED`.
 */
export type ReviewBand = [number, number]

/** A group of liveness models giving one opinion: the MiniFASNet pair, or Suri MiniFASNetV2-SE. */
export type LivenessOpinion = 'minifasnet' | 'suri'

/** How the opinions' attack probabilities are combined: their mean (default) or their max. */
export type Fusion = 'mean' | 'max'

/** Why a media is `FAILED`. */
export type FailReason = 'NO_FACE' | 'MULTIPLE_FACES' | 'LOW_QUALITY' | 'INPUT_ERROR'

/** What to do with several confident faces. */
export type FacePolicy = 'single' | 'largest'

/** Raw pixel layouts: interleaved, 8 bits per channel, rows top to bottom. Alpha is dropped. */
export type PixelFormat = 'rgb8' | 'bgr8' | 'rgba8' | 'bgra8'

/** Stable snake_case error codes (`err.code`); `ERROR_CODES` maps them to `err.number`. */
export type ErrorCode =
  | 'invalid_input'
  | 'unsupported_format'
  | 'decode_failed'
  | 'media_too_large'
  | 'image_too_large'
  | 'too_many_media'
  | 'busy'
  | 'runtime_not_found'
  | 'runtime_error'
  | 'model_error'
  | 'invalid_config'
  | 'io_error'
  | 'internal_error'
  | 'shutting_down'
  | 'unsupported_codec'
  /** The engine was created in another process (fork()); not reachable from Node, which spawns processes. */
  | 'forked'
  | 'video_too_long'
  /** A shot set (ZIP) broke a limit (entries, sizes, compression ratio) or is malformed; nothing was extracted. */
  | 'archive_rejected'

/** Every error thrown or rejected by this package. */
export interface OzinstantError extends Error {
  /** Stable snake_case name, e.g. `'unsupported_format'`. */
  code: ErrorCode
  /** Stable numeric code (the C enum's value), e.g. `2`. */
  number: number
  /**
   * Set by `verify` when the result does not verify (`code` is then `'invalid_input'`): a bad
   * signature, a changed, added or removed field, no attestation, or another key id.
   */
  reason?: 'attestation'
}

/**
 * One media: encoded bytes in a Buffer, any typed array or an ArrayBuffer, or a file path, of
 * an image (JPEG, PNG, WebP, BMP, GIF), a video (MP4, MOV, fragmented MP4 with H.264 or HEVC;
 * WebM with VP9) or a shot set (a ZIP archive of images); the kind is sniffed from the content.
 * Or raw frames held in memory (`{ frames: [...] }`). Videos, shot sets and frames are one
 * media each, with one verdict aggregated over their sampled frames (`MediaResult.sequence`).
 */
export type MediaInput = ArrayBufferView | ArrayBuffer | string | FramesMedia

/** One raw frame of a `FramesMedia`: its pixels and their geometry (as `analyzePixels` takes them). */
export interface RawFrame extends PixelFrame {
  /** Rows top to bottom, at least `stride * (height - 1) + width * bytesPerPixel` bytes. */
  data: ArrayBufferView | ArrayBuffer
}

/**
 * Raw frames forming one media (frames of a selfie capture a host already holds): sampled and
 * aggregated like a video's. The frames are checked and copied when the call is made, so the
 * buffers may be reused as soon as it returns.
 */
export interface FramesMedia {
  /** At least one frame; each may have its own size and layout. */
  frames: RawFrame[]
}

/**
 * Per-call options; unset fields fall back to the engine configuration. The threshold comes
 * from, in order: `threshold`, `securityLevel`, the engine's `threshold`, the engine's
 * `security_level`, else 0.5.
 */
export interface AnalyzeOptions {
  /** Attack threshold on `confidence_spoofing`, 0..1: a score at or above it is `DECLINED`. Wins over `securityLevel`. */
  threshold?: number
  /** A named threshold for this call (ignored when `threshold` is set); reported as `security_level`. */
  securityLevel?: SecurityLevel
  /** Scores inside `[low, high]` are `OPERATOR_REQUIRED` (replaces the engine's `review_band`). */
  reviewBand?: ReviewBand
  /** Whether failing quality checks fail the media. */
  qualityGate?: boolean
  /** Face policy for this call. */
  facePolicy?: FacePolicy
  /** Request id (1..128 printable ASCII, no spaces) instead of a generated UUID v4. */
  requestId?: string
  /** Requests: analyses to run, default `['quality']`; `'biometry'` compares the faces across the media. */
  analyses?: Analysis[]
  /** Biometry threshold on `similarity`, 0..1 (default: the engine's `biometry_threshold`, 0.78). */
  biometryThreshold?: number
  /** Media tags biometry compares (default: every media; untagged media count as `photo_selfie`). */
  biometryTags?: MediaTag[]
  /** Media tags liveness runs on (default: every media that is not a document photo). */
  qualityTags?: MediaTag[]
  /** Return each compared face's embedding (a biometric template) in `biometry.media[i].embedding`. */
  returnEmbeddings?: boolean
  /** Media tags by position, one per input (`null` = untagged); or use `{ media, tag }` inputs. */
  mediaTags?: Array<MediaTag | null>
  /** Frames analysed per video, shot set or frames media, 1..64 (default: the engine's `video.frames`, 8). */
  videoFrames?: number
  /**
   * A challenge (up to 1024 bytes) written into every attestation of the result and signed with
   * it, so that a result cannot be replayed for another call. Needs an engine with `signing`
   * (else `invalid_input`).
   */
  nonce?: string
}

/** Analyses a request can run: `quality` (liveness) and `biometry` (face comparison). */
export type Analysis = 'quality' | 'biometry'

/** Oz media tags. Liveness never runs on document photos (`photo_id*`). */
export type MediaTag = 'photo_selfie' | 'photo_id' | 'photo_id_front' | 'photo_id_back' | 'video_selfie' | 'shotset_selfie'

/** A request entry with its media tag (`{ media: { frames: [...] }, tag: 'shotset_selfie' }` for raw frames). */
export interface TaggedMedia {
  media: MediaInput
  tag?: MediaTag | null
}

/** Geometry of a raw frame given to `analyzePixels`. */
export interface PixelFrame {
  /** Width, pixels. */
  width: number
  /** Height, pixels. */
  height: number
  /** Channel layout. */
  format: PixelFormat
  /** Bytes from one row's start to the next; 0 or absent = tightly packed. */
  stride?: number
}

/**
 * A Node `crypto.KeyObject` (structurally, so that these typings need no `@types/node`): an
 * Ed25519 private key for `signing.key_pem`, a public one for `verify`.
 */
export interface KeyObjectLike {
  readonly type: 'secret' | 'public' | 'private'
  readonly asymmetricKeyType?: string
}

/**
 * The Ed25519 key every result is signed with, and what an attestation holds. Exactly one of
 * `key_file` and `key_pem`. Keys are the core's snake_case; the camelCase spellings are
 * accepted too (not both for one key). The key is never given back (`engine.config` leaves
 * `key_pem` out).
 */
export interface SigningConfig {
  /** The key's name in every attestation (`attestation.key_id`, the JWS `kid`): 1 to 256 printable ASCII characters. */
  key_id?: string
  keyId?: string
  /** A file holding the private key: PKCS#8 PEM (`openssl genpkey -algorithm ed25519`), PKCS#8 DER or the raw 32-byte seed. */
  key_file?: string | null
  keyFile?: string | null
  /**
   * The PKCS#8 PEM of the private key (`key.export({ type: 'pkcs8', format: 'pem' })`), as text
   * or bytes, or a private `crypto.KeyObject`. Write-only.
   */
  key_pem?: string | ArrayBufferView | ArrayBuffer | KeyObjectLike | null
  keyPem?: string | ArrayBufferView | ArrayBuffer | KeyObjectLike | null
  /** Whether media attestations carry `media_sha256` (default true). */
  input_hashes?: boolean
  inputHashes?: boolean
}

/** `'max_in_flight'` → `'maxInFlight'`. */
type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S

/**
 * A configuration section with every key in camelCase, at every level (`limits.maxPixels`,
 * `video.shotSet.maxEntries`); arrays, values and `signing` (which takes both spellings) are
 * unchanged.
 */
export type CamelCased<T> = { [K in keyof T as CamelCase<K & string>]: CamelCasedValue<T[K]> }
type CamelCasedValue<V> = V extends readonly unknown[] | string | number | boolean | null | undefined
  ? V
  : V extends SigningConfig
    ? V
    : CamelCased<V>

/**
 * What `new Engine(config)` takes: the snake_case {@link EngineConfig} (the core's names, as in a
 * JSON config shared with the other doors) or the same fields in camelCase. Within one object,
 * giving a key in both spellings throws `invalid_config`.
 */
export type EngineConfigInput = EngineConfig | CamelCased<EngineConfig>

/** Engine configuration (snake_case, as the core's `EngineConfig`; `EngineConfigInput` takes camelCase too). All fields optional. */
export interface EngineConfig {
  /** Absolute path of the ONNX Runtime library. Default: ORT_DYLIB_PATH, then onnxruntime-node's, then the core's search. */
  ort_library_path?: string | null
  /** Model files replacing the embedded ones. */
  models?: {
    retinaface?: string | null
    minifasnet_v2?: string | null
    minifasnet_v1se?: string | null
    /** Suri MiniFASNetV2-SE 128 (the `suri` opinion). */
    suri_minifasv2se?: string | null
    mtcnn_pnet?: string | null
    mtcnn_rnet?: string | null
    mtcnn_onet?: string | null
    /** MobileFaceNet (biometry; loaded on the first biometry request). */
    mobilefacenet?: string | null
  }
  /** Default biometry threshold on `similarity`, 0..1 (default 0.78; see docs/BIOMETRY.md). */
  biometry_threshold?: number
  /** Worker threads of the engine's pool; 0 = one per core. */
  threads?: number
  /** ONNX Runtime intra-op threads per session (>= 1). */
  intra_op_threads?: number
  /** Requests running at once before calls fail with `busy`; 0 = 4 × threads. */
  max_in_flight?: number
  /** Input limits. */
  limits?: {
    max_media_per_request?: number
    max_bytes_per_media?: number
    max_pixels?: number
    max_dimension?: number
  }
  /** Default attack threshold, 0..1 (null or absent: the `security_level`'s, else 0.5). Wins over `security_level`. */
  threshold?: number | null
  /** A named default threshold (docs/ACCURACY.md); ignored when `threshold` is set. */
  security_level?: SecurityLevel | null
  /** Scores inside `[low, high]` are `OPERATOR_REQUIRED` (manual review). Off (null) by default. */
  review_band?: ReviewBand | null
  /** Which liveness models run and how their opinions are fused. */
  liveness?: {
    /**
     * `['minifasnet', 'suri']` (default), `['minifasnet']` (the fast profile: MiniFASNet alone)
     * or `['suri']`; at least one, none twice.
     */
    models?: LivenessOpinion[]
    /** `mean` (default) or `max` of the opinions' attack probabilities. */
    fusion?: Fusion
  }
  /** Default face policy. */
  face_policy?: FacePolicy
  /** Face detection settings. */
  detection?: {
    min_score?: number
    count_min_score?: number
    count_long_side?: number
    count_min_relative_size?: number
    landmarks?: boolean
    mtcnn_fallback?: boolean
  }
  /** Quality gate thresholds. */
  quality?: {
    enabled?: boolean
    min_face_px?: number
    max_outside_fraction?: number
    min_sharpness?: number
    min_brightness?: number
    max_brightness?: number
    max_yaw_deg?: number
    max_roll_deg?: number
  }
  /** What outlives a call (`metadata` needs an observer, which Node does not offer yet). */
  retention?: 'none' | 'metadata'
  /** Videos, shot sets and raw frames (see docs/VIDEO.md). */
  video?: {
    /** Frames analysed per media, spread evenly over it (first and last included), 1..64 (default 8). */
    frames?: number
    /** Usable frames needed for a verdict, capped at the frames sampled (default 3). */
    min_usable_frames?: number
    /** Longest clip, milliseconds, from the headers (default 30000); longer fails with `video_too_long`. */
    max_duration_ms?: number
    /** Most frames in a clip (default 1800). */
    max_frames?: number
    /** Most pixels per coded video picture (default 1920 × 1088). */
    max_pixels?: number
    /** Longest coded side of a video picture, pixels (default 1920). */
    max_side?: number
    /** Shot set (ZIP) limits, checked before anything is extracted; breaking one is `archive_rejected`. */
    shot_set?: {
      /** Most entries in the archive, every entry counted (default 64). */
      max_entries?: number
      /** Largest declared uncompressed size of one image entry, bytes (default 10 MiB). */
      max_entry_bytes?: number
      /** Largest sum of the declared uncompressed sizes of the image entries, bytes (default 64 MiB). */
      max_total_bytes?: number
      /** Largest uncompressed / compressed ratio of one image entry (default 100). */
      max_compression_ratio?: number
    }
  }
  /** Sign every result with this key (see `SigningConfig`, `verify`). Off (null) by default. */
  signing?: SigningConfig | null
}

/**
 * The engine's signature over a result (docs: core `attest` module). `jws` is a compact JWS
 * (RFC 7515), `alg` EdDSA, header `{"alg":"EdDSA","kid":key_id,"typ":"ozinstant-result+json"}`,
 * payload the RFC 8785 canonical JSON of the result with every `attestation.jws` removed: it
 * covers every other member, this attestation's own fields and nested results included.
 */
export interface Attestation {
  /** Always `EdDSA` (Ed25519). */
  alg: 'EdDSA'
  /** Name of the signing key (the JWS `kid`). */
  key_id: string
  /** When the result was signed, RFC 3339 UTC, whole seconds. */
  issued_at: string
  /** The call's `nonce` option; absent when none was given. */
  nonce?: string
  /**
   * SHA-256 (lower-case hex) of the media's bytes as received. Media results only; absent with
   * `input_hashes: false` or when a file could not be read.
   */
  media_sha256?: string
  /** ozinstant version that produced the result. */
  engine_version: string
  /** Models the result was computed with. */
  models: ModelVersion[]
  /** The compact JWS. */
  jws: string
}

/** What `verify` established about a signed result. */
export interface Verified {
  /**
   * The signed value (the result without its `attestation.jws` members), as read back from the
   * signature: read verified data from here.
   */
  payload: Record<string, unknown>
  /** The key id it was signed under. */
  keyId: string
  /** `attestation.issued_at`, as signed. */
  issuedAt: string
  /** `attestation.nonce`, as signed; null when none. Check it is the one you issued. */
  nonce: string | null
  /** Nested attestations (media results of a request) verified besides the top-level one. */
  nestedVerified: number
}

/** Options of `verify`. */
export interface VerifyOptions {
  /** Require the attestation to name this key id (JWS `kid` and `attestation.key_id`). */
  keyId?: string
}

/** A face box in original (upright) image pixels. */
export interface FaceBox {
  x: number
  y: number
  width: number
  height: number
}

/** One detected face. */
export interface Face {
  box: FaceBox
  /** Detector confidence, 0..1. */
  score: number
  /** Five `[x, y]` landmarks (eyes, nose, mouth corners), pixels; null when not computed. */
  landmarks: Array<[number, number]> | null
  /** `retinaface` or `mtcnn`. */
  detector: string
  /** True for the face the verdict is about. */
  analysed: boolean
}

/** One quality check with its value and threshold. */
export interface QualityCheck {
  name: string
  value: number
  threshold: number
  bound: 'min' | 'max'
  passed: boolean
}

/** Quality checks of the analysed face. */
export interface QualityReport {
  enforced: boolean
  passed: boolean
  failed: string[]
  checks: QualityCheck[]
}

/** Per-model liveness score. */
export interface ModelScore {
  /** `minifasnet_v2`, `minifasnet_v1se` or `suri_minifasv2se`. */
  model: string
  /** The opinion the model belongs to. */
  opinion: LivenessOpinion
  crop_scale: number
  /**
   * `[x0, y0, x1, y1]`, inclusive, original pixels (integers). MiniFASNet crops lie inside the
   * image; Suri's square may reach past it (negative, or beyond the size: reflected pixels).
   */
  crop: [number, number, number, number]
  /** 0..1. */
  p_real: number
}

/** One liveness opinion: the mean `p_real` of its models. */
export interface OpinionScore {
  opinion: LivenessOpinion
  /** 0..1. */
  p_real: number
  /** Ids of its models (as `ModelScore.model`). */
  models: string[]
}

/** Liveness details: every model's and every opinion's own score, and how they were fused. */
export interface LivenessReport {
  /** Fused probability that the face is real, 0..1 (`1 - confidence_spoofing` for a photo). */
  p_real: number
  /** The fusion rule over the opinions. */
  fusion: Fusion
  /** One score per opinion that ran (`minifasnet`, then `suri`). */
  opinions: OpinionScore[]
  /** One score per model, in load order. */
  models: ModelScore[]
}

/** Decoded image facts (never pixels). */
export interface ImageInfo {
  /**
   * `jpeg`, `png`, `webp`, `bmp`, `gif`, or `raw_<format>` for raw pixels; for a multi-frame
   * media `mp4`, `matroska`, `zip` or `raw_frames` (width and height are then the best shot's).
   */
  format: string
  width: number
  height: number
  /** EXIF orientation, 1..8. */
  orientation: number
  encoded_bytes: number
  /** 1 at full size; 2, 4 or 8 when a large JPEG was analysed at that reduction (boxes stay in full-size pixels). */
  decode_scale: number
}

/** Time per stage, milliseconds. */
export interface Timings {
  decode_ms: number
  detect_ms: number
  landmarks_ms: number
  quality_ms: number
  liveness_ms: number
  total_ms: number
}

/** Why a media could not be analysed. */
export interface ErrorInfo {
  code: ErrorCode
  number: number
  message: string
}

/** The result for one media (the core's `MediaResult` JSON). */
export interface MediaResult {
  request_id: string
  media_index: number
  /** The path as given; absent for bytes and pixels. */
  source?: string
  /** The media tag, when one was given. */
  tag?: MediaTag
  /** `liveness`, or `detection` when liveness did not run on this media (document photo, biometry-only request). */
  analysis: string
  resolution: Resolution
  reason: FailReason | null
  /** `1 - p_real`, 0..1; null when not computed. */
  confidence_spoofing: number | null
  /** The threshold the verdict used: a score at or above it is an attack. */
  threshold: number
  /** The security level the threshold came from; absent when it was a number or the default. */
  security_level?: SecurityLevel
  /** The review band the verdict used; absent when off. */
  review_band?: ReviewBand
  faces: Face[]
  quality: QualityReport | null
  liveness: LivenessReport | null
  image: ImageInfo | null
  timings: Timings
  /** Present when the media could not be analysed (inside requests and batches). */
  error?: ErrorInfo
  /**
   * Present for a video, a shot set or raw frames: every sampled frame, the aggregation and the
   * best shot. `faces`, `quality` and `liveness` are then the best shot's and
   * `confidence_spoofing` is the median over the usable frames.
   */
  sequence?: SequenceReport
  /** The engine's signature over this result; present when the engine has a signing key. */
  attestation?: Attestation
}

/** What kind of multi-frame media a `SequenceReport` is about. */
export type SequenceKind = 'video' | 'shot_set' | 'frames'

/** Facts about a video, from its headers. */
export interface VideoReport {
  /** `mp4` (MP4, MOV, fragmented MP4) or `matroska` (WebM). */
  container: string
  /** `h264`, `hevc` or `vp9`. */
  codec: string
  /** Displayed width (after rotation), pixels. */
  width: number
  /** Displayed height (after rotation), pixels. */
  height: number
  /** Clockwise display rotation applied to the frames, degrees. */
  rotation: number
  duration_ms: number
  /** Frames in the clip. */
  frame_count: number
  /** Mean frame rate. */
  fps: number
  /** Colour description the frames were converted with (absent in results before schema 1.4). */
  colour?: VideoColour
}

/**
 * Colour description of a video: from the bitstream (H.264/HEVC VUI, VP9 frame header), else the
 * container (MP4 `colr`, Matroska `Colour`), else the untagged default (BT.601, limited range, as
 * ffmpeg assumes).
 */
export interface VideoColour {
  /** `bt601`, `bt709`, `bt2020nc`, `bt2020c`, `smpte240m`, `fcc` or `gbr`. */
  matrix: string
  /** `limited` or `full`. */
  range: 'limited' | 'full'
  /** `bt709`, `smpte170m`, `srgb`, `bt2020-10`, `hlg`, `pq`, ... or `unspecified`. */
  transfer: string
  /** `bt709`, `bt470bg`, `smpte170m`, `bt2020`, ... or `unspecified`. */
  primaries: string
  /** `bitstream`, `container` or `default`. */
  source: 'bitstream' | 'container' | 'default'
  /** True when HLG or PQ was tone-mapped to SDR BT.709 before analysis. */
  tone_mapped: boolean
}

/** One sampled frame of a video, shot set or frames media. */
export interface FrameResult {
  /** Presentation order (video), name order among the image entries (shot set) or list position (frames). */
  index: number
  /** Presentation time, milliseconds (videos only). */
  timestamp_ms?: number
  /** Entry name (shot sets only). */
  name?: string
  /** The frame's own outcome, as for a photo (review band included). */
  resolution: Resolution
  reason: FailReason | null
  /** The frame's score; null when liveness did not run on it. */
  confidence_spoofing: number | null
  /** Detector confidence of the analysed face; null without a face. */
  face_score: number | null
  /** Best-shot score, 0..1; null without a face. */
  quality_score: number | null
  /** Failed quality checks of the analysed face. */
  quality_failed: string[]
  /** Why the frame could not be read (e.g. a shot set entry that is no valid image). */
  error?: ErrorInfo
  total_ms: number
}

/** The frame chosen for the media's details and for biometry. */
export interface BestShot {
  /** Position of the frame in `sequence.frames`. */
  frame: number
  /** The frame's index in the media (as `FrameResult.index`). */
  index: number
  timestamp_ms?: number
  name?: string
  quality_score: number
}

/** How a video, shot set or frames media was judged from its frames (docs/VIDEO.md). */
export interface SequenceReport {
  kind: SequenceKind
  /** Video facts; null unless `kind` is `video`. */
  video: VideoReport | null
  /** Frames in the media (video frames, image entries of a shot set, raw frames). */
  total_frames: number
  /** Entries of a shot set that are not images (directories, `__MACOSX/`, other files). */
  skipped_entries: number
  /** Frames analysed, spread evenly over the media (`video.frames` or `videoFrames`). */
  sampled: number
  /** Sampled frames with one good face and a score. */
  usable: number
  /** Usable frames needed for a verdict (`video.min_usable_frames`, capped at `sampled`). */
  min_usable: number
  /** `median_confidence_spoofing`. */
  aggregation: string
  /** The usable frame with the highest quality score; null without enough usable frames. */
  best_shot: BestShot | null
  /** Every sampled frame, in order. */
  frames: FrameResult[]
}

/** Identity of a loaded model. */
export interface ModelVersion {
  id: string
  /** sha256 of the ONNX file, lower-case hex. */
  sha256: string
  /** `embedded` or `file`. */
  source: string
}

/** The result of one request ("folder"; the core's `RequestResult` JSON). */
export interface RequestResult {
  schema_version: string
  request_id: string
  /**
   * `DECLINED` if any media was declined, else `FAILED` if any failed, else `OPERATOR_REQUIRED`
   * if any needs review, else `SUCCESS`.
   */
  resolution: Resolution
  media: MediaResult[]
  models: ModelVersion[]
  engine_version: string
  total_ms: number
  /** Present when the request asked for `biometry`. */
  biometry?: BiometryReport
  /** The engine's signature over the whole request result; present when the engine has a signing key. */
  attestation?: Attestation
}

/** One compared pair of media. */
export interface PairSimilarity {
  /** `media_index` of the first media. */
  a: number
  /** `media_index` of the second media. */
  b: number
  /** `(1 + cosine) / 2`, 0..1. */
  similarity: number
  /** Cosine of the two L2-normalised embeddings, -1..1. */
  cosine: number
}

/** The `biometry` analysis: every pair of faces compared, the least similar pair decides. */
export interface BiometryReport {
  analysis: 'biometry'
  /** `SUCCESS`: least similar pair >= threshold; `DECLINED`: below; `FAILED`: see `reason`. */
  resolution: Resolution
  reason: 'NOT_ENOUGH_FACES' | null
  threshold: number
  min_similarity: number | null
  least_similar: PairSimilarity | null
  pairs: PairSimilarity[]
  media: Array<{
    media_index: number
    /**
     * `compared` (for a video, shot set or frames media: its best shot), `no_face`,
     * `multiple_faces`, `input_error`, `no_usable_frame` or `excluded`.
     */
    status: string
    /**
     * Whether this media passed liveness: `true` when its liveness `resolution` is `SUCCESS`,
     * `false` when it is `DECLINED`, `OPERATOR_REQUIRED` or `FAILED`, `null` when liveness did not
     * run on it (document tags, `analyses: ['biometry']` alone). Biometry compares faces whatever
     * their liveness: its `SUCCESS` means "same person", not "same live person"; require `true`
     * here for every compared media (or the request's `resolution`) for the latter.
     */
    liveness_passed: boolean | null
    /** Only with `returnEmbeddings`: 192 floats, L2-normalised (a biometric template). */
    embedding?: number[]
  }>
  model: string
  embed_ms: number
}

/** Engine counters (the core's `Stats` JSON). */
export interface Stats {
  requests_accepted: number
  requests_completed: number
  requests_failed: number
  busy_rejections: number
  in_flight: number
  max_in_flight: number
  media: {
    total: number
    success: number
    declined: number
    /** Scores inside the review band. */
    operator_required: number
    failed: number
    no_face: number
    multiple_faces: number
    low_quality: number
    input_error: number
  }
  latency: {
    count: number
    sum_ms: number
    p50_ms: number | null
    p99_ms: number | null
    /** Non-cumulative; `le_ms` null is the overflow bucket. */
    buckets: Array<{ le_ms: number | null; count: number }>
  }
}

/** Where ONNX Runtime was loaded from. */
export interface RuntimeInfo {
  library_path: string
  /** `config` (onnxruntime-node's library is passed as config), `ORT_DYLIB_PATH`, `beside-binary` or `system`. */
  found_by: string
}

/**
 * The liveness engine: load it once, share it, call it concurrently. Asynchronous methods run
 * on libuv's thread pool and never block the event loop; they reject (never throw) with an
 * `OzinstantError`.
 */
export declare class Engine {
  /** Loads ONNX Runtime and the models. Throws `invalid_config`, `runtime_not_found`, `model_error`, ... */
  constructor(config?: EngineConfigInput)
  /**
   * Analyses one media: an image, a video, a shot set or raw frames. Do not modify a passed
   * encoded buffer until the promise settles (raw frames are copied at call time).
   */
  analyze(input: MediaInput, options?: AnalyzeOptions): Promise<MediaResult>
  /** `analyze` on the calling thread (blocks the event loop). */
  analyzeSync(input: MediaInput, options?: AnalyzeOptions): MediaResult
  /** Analyses raw pixels. */
  analyzePixels(
    data: ArrayBufferView | ArrayBuffer,
    frame: PixelFrame,
    options?: AnalyzeOptions,
  ): Promise<MediaResult>
  /** One request per input, across the engine's pool; one `RequestResult` per input, in order. */
  analyzeBatch(inputs: MediaInput[], options?: AnalyzeOptions): Promise<RequestResult[]>
  /** One request ("folder") holding every input; undecodable media become FAILED/INPUT_ERROR entries. */
  analyzeRequest(inputs: Array<MediaInput | TaggedMedia>, options?: AnalyzeOptions): Promise<RequestResult>
  /** True once the models are loaded and the engine accepts work. */
  ready(): boolean
  /** Runs every model once on every worker so that the first real calls are not slower. */
  warmUp(): Promise<void>
  /** A snapshot of the counters and latency histogram. */
  stats(): Stats
  /** The loaded models. */
  get models(): ModelVersion[]
  /** Where ONNX Runtime was loaded from. */
  get runtime(): RuntimeInfo
  /** The configuration in force, defaults filled in (`signing` without its key). */
  get config(): Required<EngineConfig>
  /** The public key results are signed with, SPKI PEM (hand it to verifiers); null without `signing`. */
  get publicKeyPem(): string | null
  /** The signing key's id; null without `signing`. */
  get keyId(): string | null
}

/**
 * Verifies a signed result: the parsed object an analysis resolved to, or its JSON text. The
 * public key is an SPKI PEM (string or Buffer), SPKI DER, the raw 32 bytes, or a public
 * `crypto.KeyObject`. Checks the top-level attestation and every nested one. Throws an
 * `OzinstantError` with `code` `'invalid_input'` and `reason` `'attestation'` when the result
 * does not verify, `'invalid_config'` when the key or key id cannot be used.
 */
export declare function verify(
  result: MediaResult | RequestResult | string,
  publicKey: string | ArrayBufferView | ArrayBuffer | KeyObjectLike,
  options?: VerifyOptions,
): Verified

/** Version of the engine (the package has the same). */
export declare const VERSION: string

/** Error name → number. */
export declare const ERROR_CODES: Readonly<Record<ErrorCode, number>>

/** Path of the ONNX Runtime library inside the installed onnxruntime-node package, or null. */
export declare function onnxruntimeNodeLibrary(): string | null
