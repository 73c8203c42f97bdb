// Compiled (not run) by scripts/test-node.sh with `tsc --noEmit --strict`: uses the public
// typings the way a TypeScript caller would, so index.d.ts cannot drift from a usable API.
import { Engine, ERROR_CODES, VERSION, onnxruntimeNodeLibrary, verify } from '..'
import type {
  Attestation,
  SigningConfig,
  Verified,
  FramesMedia,
  LivenessReport,
  MediaResult,
  OpinionScore,
  OzinstantError,
  RequestResult,
  Resolution,
  ReviewBand,
  SecurityLevel,
  SequenceReport,
  Stats,
} from '..'

async function main(): Promise<void> {
  const engine = new Engine({ threads: 2, max_in_flight: 16, limits: { max_media_per_request: 5 } })
  // camelCase keys at any level, as a JavaScript caller writes them; not mixed in one object.
  const camelEngine = new Engine({ maxInFlight: 16, intraOpThreads: 1, limits: { maxMediaPerRequest: 5 }, video: { shotSet: { maxEntries: 8 } } })
  // @ts-expect-error a misspelt key is no field in either spelling
  const misspelt = new Engine({ maxInFlite: 2 })
  const r: MediaResult = await engine.analyze('selfie.jpg', { threshold: 0.4, requestId: 'r-1' })
  const score: number | null = r.confidence_spoofing
  const fromBytes: MediaResult = engine.analyzeSync(new Uint8Array([1, 2, 3]), { facePolicy: 'largest' })
  const px = await engine.analyzePixels(new Uint8Array(12), { width: 2, height: 2, format: 'rgb8', stride: 6 })
  const batch: RequestResult[] = await engine.analyzeBatch(['a.jpg', new Uint8Array(3)], { qualityGate: false })
  const folder: RequestResult = await engine.analyzeRequest(['a.jpg', 'b.png'])
  const frames: FramesMedia = {
    frames: [
      { data: new Uint8Array(12), width: 2, height: 2, format: 'rgb8' },
      { data: new ArrayBuffer(16), width: 2, height: 2, format: 'bgra8', stride: 8 },
    ],
  }
  const fromFrames: MediaResult = await engine.analyze(frames, { videoFrames: 4 })
  const seq: SequenceReport | undefined = fromFrames.sequence
  const kind: 'video' | 'shot_set' | 'frames' | undefined = seq?.kind
  const codec: string | undefined = seq?.video?.codec
  const best: number | undefined = seq?.best_shot?.quality_score
  const clip: MediaResult = await engine.analyze('selfie.mp4')
  const perFrame: Array<number | null> = clip.sequence?.frames.map((f) => f.confidence_spoofing) ?? []
  const mixed: RequestResult = await engine.analyzeRequest(
    ['id.jpg', { media: 'selfie.webm', tag: 'video_selfie' }, { media: frames, tag: 'shotset_selfie' }, frames],
    { analyses: ['quality', 'biometry'], videoFrames: 8 },
  )
  const band: ReviewBand = [0.4, 0.6]
  const reviewing = new Engine({
    security_level: 'high',
    review_band: band,
    threshold: null,
    liveness: { models: ['minifasnet'], fusion: 'max' },
    models: { suri_minifasv2se: null },
  })
  const reviewed: MediaResult = await reviewing.analyze('a.jpg', { securityLevel: 'low', reviewBand: [0, 1] })
  const verdict: Resolution = reviewed.resolution
  const needsReview: boolean = verdict === 'OPERATOR_REQUIRED'
  const level: SecurityLevel | undefined = reviewed.security_level
  const usedBand: ReviewBand | undefined = reviewed.review_band
  const liveness: LivenessReport | null = reviewed.liveness
  const opinions: OpinionScore[] = liveness?.opinions ?? []
  const fusion: 'mean' | 'max' | undefined = liveness?.fusion
  const modelOpinion: 'minifasnet' | 'suri' | undefined = liveness?.models[0]?.opinion
  const reviews: number = reviewing.stats().media.operator_required
  const configuredLevel: SecurityLevel | null = reviewing.config.security_level
  const videoEngine = new Engine({ video: { frames: 16, min_usable_frames: 2, shot_set: { max_entries: 10 } } })
  const sampled: number = videoEngine.config.video.frames ?? 8
  const archive: number = ERROR_CODES.archive_rejected
  const stats: Stats = engine.stats()
  const ok: boolean = engine.ready()
  await engine.warmUp()
  const ids: string[] = engine.models.map((m) => m.id)
  const lib: string = engine.runtime.library_path
  const threads: number = engine.config.threads
  const busy: number = ERROR_CODES.busy
  const found: string | null = onnxruntimeNodeLibrary()
  const signingConfig: SigningConfig = { key_id: 'k-2026', key_file: '/etc/ozinstant/key.pem', input_hashes: false }
  const signer = new Engine({ signing: signingConfig })
  const camel = new Engine({ signing: { keyId: 'k-2026', keyPem: new Uint8Array(8), inputHashes: true } })
  const signed: MediaResult = await signer.analyze('a.jpg', { nonce: 'n-1' })
  const att: Attestation | undefined = signed.attestation
  const digest: string | undefined = att?.media_sha256
  const signedRequest: RequestResult = await signer.analyzeRequest(['a.jpg'], { nonce: 'n-2' })
  const publicPem: string | null = signer.publicKeyPem
  const verified: Verified = verify(signedRequest, publicPem ?? '', { keyId: signer.keyId ?? undefined })
  const fromText: Verified = verify(JSON.stringify(signed), new Uint8Array(32))
  const nonce: string | null = verified.nonce
  console.log(camel.keyId, att?.jws, digest, verified.payload, verified.nestedVerified, fromText.issuedAt, nonce)
  try {
    verify(signed, publicPem ?? '')
  } catch (e) {
    const err = e as OzinstantError
    if (err.code === 'invalid_input' && err.reason === 'attestation') console.log(err.message)
  }
  try {
    await engine.analyze(new ArrayBuffer(8))
  } catch (e) {
    const err = e as OzinstantError
    if (err.code === 'unsupported_format' && err.number === 2) console.log(err.message)
  }
  console.log(VERSION, score, fromBytes.resolution, px.reason, batch.length, folder.media[0]?.faces[0]?.box.x,
    stats.media.total, ok, ids, lib, threads, busy, found, kind, codec, best, perFrame, mixed.media.length, sampled,
    archive, needsReview, level, usedBand, opinions.map((o) => o.models), fusion, modelOpinion, reviews, configuredLevel)
}

void main()
