// Compiled (not run) by scripts/test-node.sh with `tsc --noEmit --strict`: uses the public
// typings the way a TypeScript caller would, so index.d.ts cannot drift from a usable API.
import { Engine, ERROR_CODES, VERSION, onnxruntimeNodeLibrary } from '..'
import type { MediaResult, OzinstantError, RequestResult, Stats } from '..'

async function main(): Promise<void> {
  const engine = new Engine({ threads: 2, max_in_flight: 16, limits: { max_media_per_request: 5 } })
  const r: MediaResult = await engine.analyze('selfie.jpg', { threshold: 0.4, requestId: 'r-1' })
  const score: number | null = r.confidence_spoofing
  const fromBytes: MediaResult = engine.analyzeSync(new Uint8Array([1, 2, 3]), { facePolicy: 'largest' })
  const px = await engine.analyzePixels(new Uint8Array(12), { width: 2, height: 2, format: 'rgb8', stride: 6 })
  const batch: RequestResult[] = await engine.analyzeBatch(['a.jpg', new Uint8Array(3)], { qualityGate: false })
  const folder: RequestResult = await engine.analyzeRequest(['a.jpg', 'b.png'])
  const stats: Stats = engine.stats()
  const ok: boolean = engine.ready()
  await engine.warmUp()
  const ids: string[] = engine.models.map((m) => m.id)
  const lib: string = engine.runtime.library_path
  const threads: number = engine.config.threads
  const busy: number = ERROR_CODES.busy
  const found: string | null = onnxruntimeNodeLibrary()
  try {
    await engine.analyze(new ArrayBuffer(8))
  } catch (e) {
    const err = e as OzinstantError
    if (err.code === 'unsupported_format' && err.number === 2) console.log(err.message)
  }
  console.log(VERSION, score, fromBytes.resolution, px.reason, batch.length, folder.media[0]?.faces[0]?.box.x,
    stats.media.total, ok, ids, lib, threads, busy, found)
}

void main()
