//! Buffers the engine owns are wiped before they are freed.
//!
//! This test binary installs a global allocator that scans every freed block for a 16-byte
//! marker. The marker is planted in the caller's input (encoded bytes, raw pixels); the input
//! buffer and the decoded frame hold it verbatim. After an analysis, no freed block may still
//! contain it. (Model tensors are float32 and derived crops are resampled, so they cannot hold
//! the byte marker; they are wiped or dropped by their own types.)
//!
//! Face embeddings are checked twice: no freed block may hold one (the scanning allocator), and,
//! after a request, no writable mapping of the process may hold one, normalised or as the
//! model's raw output (a scan of /proc/self/mem): ONNX Runtime's own memory included, which
//! the engine's wiping allocator (`core/src/runtime/wiping_allocator.rs`) wipes when freed.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};

use ozinstant::{AnalysisKind, AnalyzeOptions, Engine, EngineConfig, Media, PixelFormat, Request};

const MARKER: [u8; 16] =
    [0xA5, 0x17, 0x3C, 0xE2, 0x5B, 0x91, 0x0F, 0xD4, 0x66, 0x2E, 0xB8, 0x43, 0x7A, 0xC9, 0x12, 0xF0];

static ARMED: AtomicBool = AtomicBool::new(false);
static FREED_WITH_MARKER: AtomicUsize = AtomicUsize::new(0);
static SCANNED: AtomicUsize = AtomicUsize::new(0);
/// A second 16-byte pattern, set at run time: the first four floats of a face embedding.
static PATTERN: [AtomicU8; 16] = [const { AtomicU8::new(0) }; 16];
static PATTERN_SET: AtomicBool = AtomicBool::new(false);
static FREED_WITH_PATTERN: AtomicUsize = AtomicUsize::new(0);
/// The tests share the counters: run them one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

struct ScanningAllocator;

unsafe impl GlobalAlloc for ScanningAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ARMED.load(Ordering::Relaxed) && layout.size() >= MARKER.len() {
            // SAFETY: the block is still allocated and `layout.size()` bytes long.
            let block = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
            SCANNED.fetch_add(1, Ordering::Relaxed);
            if block.windows(MARKER.len()).any(|w| w == MARKER) {
                FREED_WITH_MARKER.fetch_add(1, Ordering::Relaxed);
            }
            if PATTERN_SET.load(Ordering::Relaxed) {
                let pattern: [u8; 16] = std::array::from_fn(|i| PATTERN[i].load(Ordering::Relaxed));
                if block.windows(16).any(|w| w == pattern) {
                    FREED_WITH_PATTERN.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: ScanningAllocator = ScanningAllocator;

/// A 96×64 RGB frame whose every row starts with the marker (grey elsewhere).
fn marked_pixels() -> Vec<u8> {
    let (w, h) = (96usize, 64usize);
    let mut v = Vec::with_capacity(w * h * 3);
    for _ in 0..h {
        let start = v.len();
        v.extend_from_slice(&MARKER);
        v.resize(start + w * 3, 128);
    }
    v
}

/// A PNG whose bytes contain the marker in a tEXt chunk (ignored by decoders).
fn marked_png() -> Vec<u8> {
    let bytes = std::fs::read(common::sample("skimage_live_astronaut.png")).unwrap();
    let mut chunk = Vec::new();
    let mut data = b"Comment\0".to_vec();
    data.extend_from_slice(&MARKER);
    chunk.extend_from_slice(&(data.len() as u32).to_be_bytes());
    chunk.extend_from_slice(b"tEXt");
    chunk.extend_from_slice(&data);
    let mut crc_input = b"tEXt".to_vec();
    crc_input.extend_from_slice(&data);
    chunk.extend_from_slice(&crc32(&crc_input).to_be_bytes());
    // After the 8-byte signature and the 25-byte IHDR chunk.
    let mut out = bytes[..33].to_vec();
    out.extend_from_slice(&chunk);
    out.extend_from_slice(&bytes[33..]);
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

#[test]
fn input_buffers_and_frames_are_wiped_before_they_are_freed() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let engine = Engine::new(EngineConfig { threads: 1, ..EngineConfig::default() }).unwrap();
    let png = marked_png();
    let pixels = marked_pixels();

    // Sanity: the detector works on the marked PNG (a real analysis ran).
    ARMED.store(true, Ordering::SeqCst);
    let r = engine.analyze(Media::bytes(png)).unwrap();
    let r2 = engine.analyze(Media::pixels(pixels, PixelFormat::Rgb8, 96, 64, 0)).unwrap();
    ARMED.store(false, Ordering::SeqCst);

    assert_eq!(r.resolution, ozinstant::Resolution::Success);
    assert_eq!(r2.image.as_ref().map(|i| i.width), Some(96));
    assert!(SCANNED.load(Ordering::SeqCst) > 100, "the allocator saw the analysis");
    assert_eq!(FREED_WITH_MARKER.load(Ordering::SeqCst), 0, "a buffer holding caller data was freed unwiped");
}

#[test]
fn the_scanner_detects_an_unwiped_buffer() {
    // The same scan catches a plain Vec holding the marker (the test can fail).
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let v = marked_pixels();
    let before = FREED_WITH_MARKER.load(Ordering::SeqCst);
    ARMED.store(true, Ordering::SeqCst);
    drop(std::hint::black_box(v));
    ARMED.store(false, Ordering::SeqCst);
    assert!(FREED_WITH_MARKER.load(Ordering::SeqCst) > before);
}

/// A liveness and biometry request over two samples, with or without the embeddings returned.
fn biometry_request(engine: &Engine, names: [&str; 2], return_embeddings: bool) -> ozinstant::RequestResult {
    let media = names.iter().map(|n| Media::path(common::sample(n))).collect();
    let options = AnalyzeOptions {
        analyses: Some(vec![AnalysisKind::Quality, AnalysisKind::Biometry]),
        return_embeddings: Some(return_embeddings),
        ..Default::default()
    };
    engine.analyze_request(Request::new(media).with_options(options)).unwrap()
}

#[test]
fn face_embeddings_are_wiped_before_they_are_freed() {
    // Embeddings are deterministic (one ORT thread, same input): a first request returns one,
    // whose first four floats become the pattern; the same request again, without
    // `return_embeddings`, must free no block holding it. Then a plain copy is dropped to show
    // the scan sees the pattern.
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let engine = Engine::new(EngineConfig { threads: 1, ..EngineConfig::default() }).unwrap();
    let request = |return_embeddings| {
        biometry_request(&engine, ["facerec_live_obama.jpg", "facerec_live_obama2.jpg"], return_embeddings)
    };
    let first = request(true);
    let embedding: Vec<f32> = first.biometry.as_ref().unwrap().media[0].embedding.clone().unwrap();
    drop(first);
    let bytes: Vec<u8> = embedding[..4].iter().flat_map(|v| v.to_ne_bytes()).collect();
    for (slot, b) in PATTERN.iter().zip(&bytes) {
        slot.store(*b, Ordering::SeqCst);
    }
    PATTERN_SET.store(true, Ordering::SeqCst);

    ARMED.store(true, Ordering::SeqCst);
    let second = request(false);
    ARMED.store(false, Ordering::SeqCst);
    assert_eq!(second.biometry.as_ref().unwrap().pairs.len(), 1, "the faces were compared");
    assert_eq!(FREED_WITH_PATTERN.load(Ordering::SeqCst), 0, "an embedding was freed unwiped");
    drop(second);

    let before = FREED_WITH_PATTERN.load(Ordering::SeqCst);
    ARMED.store(true, Ordering::SeqCst);
    drop(std::hint::black_box(embedding));
    ARMED.store(false, Ordering::SeqCst);
    PATTERN_SET.store(false, Ordering::SeqCst);
    assert!(FREED_WITH_PATTERN.load(Ordering::SeqCst) > before, "the scan sees the pattern");
}

/// Offsets in `block` (at 4-byte steps) where 8 consecutive floats are `k * negated` for some
/// k in -1e4..=-1e-3, within 1e-4 relative: a positive multiple of the embedding whose negation
/// is `negated`, so the embedding itself or the model's raw, not yet normalised output (the
/// test holds only the negation, which this does not match).
fn scaled_copies(block: &[u8], negated: &[f32; 8]) -> Vec<(usize, f64)> {
    let inv = 1.0 / negated[0] as f64;
    let float_at = |at: usize| f32::from_ne_bytes([block[at], block[at + 1], block[at + 2], block[at + 3]]) as f64;
    let mut found = Vec::new();
    let mut at = 0;
    while at + 32 <= block.len() {
        let k = float_at(at) * inv;
        if (-1e4..=-1e-3).contains(&k)
            && (1..8).all(|j| {
                let want = k * negated[j] as f64;
                (float_at(at + 4 * j) - want).abs() <= 1e-4 * want.abs() + 1e-12
            })
        {
            found.push((at, -k));
        }
        at += 4;
    }
    found
}

/// Every scaled copy (see [`scaled_copies`]) in the readable, writable mappings of this process
/// (heap, anonymous maps, ONNX Runtime's memory, thread stacks), read through /proc/self/mem:
/// "ADDRESS (scale K) in MAPPING" for each.
fn copies_in_process_memory(negated: &[f32; 8]) -> Vec<String> {
    use std::os::unix::fs::FileExt;
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    let mem = std::fs::File::open("/proc/self/mem").unwrap();
    let mut chunk = vec![0u8; 1 << 20];
    let mut found = Vec::new();
    for line in maps.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (range, perms, path) = (fields[0], fields[1], fields.get(5).copied().unwrap_or(""));
        if !perms.starts_with("rw") || path.starts_with("[v") {
            continue; // code and read-only data hold no request data; [vvar], [vsyscall]
        }
        let (start, end) = range.split_once('-').unwrap();
        let (start, end) = (u64::from_str_radix(start, 16).unwrap(), u64::from_str_radix(end, 16).unwrap());
        let mut offset = start;
        while offset < end {
            let len = ((end - offset) as usize).min(chunk.len());
            if let Ok(n) = mem.read_at(&mut chunk[..len], offset) {
                for (at, k) in scaled_copies(&chunk[..n], negated) {
                    found.push(format!("{:#x} (scale {k:.4}) in {line}", offset + at as u64));
                }
            }
            chunk[..len].fill(0); // the chunk must not carry a copy into the next read
            // Overlap by 28 bytes so that a copy across two chunks is seen (once).
            let last = offset + len as u64 == end;
            offset += if last { len as u64 } else { (len - 28) as u64 };
        }
    }
    found
}

#[test]
fn no_embedding_survives_a_biometry_request_anywhere_in_memory() {
    // The first request returns the embeddings; the negation of each one's first eight floats
    // is kept and every copy the test got is wiped. The same request again, without
    // `return_embeddings`, must leave no copy of an embedding, normalised or raw (the model's
    // output, which ONNX Runtime's arena used to keep, twice, after the run), in any writable
    // mapping of the process.
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let engine = Engine::new(EngineConfig { threads: 1, ..EngineConfig::default() }).unwrap();
    let request = |return_embeddings| {
        biometry_request(&engine, ["facerec_live_obama.jpg", "facerec_live_biden.jpg"], return_embeddings)
    };
    let mut first = request(true);
    let mut negated = Vec::new();
    for m in first.biometry.as_mut().unwrap().media.iter_mut() {
        let mut e = m.embedding.take().expect("embeddings were asked for");
        negated.push(std::array::from_fn::<f32, 8, _>(|i| -e[i]));
        zeroize::Zeroize::zeroize(&mut e[..]);
    }
    drop(first);
    assert_eq!(negated.len(), 2);
    // The scan sees a scaled copy (as the raw output would be) while one exists.
    let mut probe: Vec<f32> = negated[0].iter().map(|v| -3.75 * v).collect();
    let seen = copies_in_process_memory(&negated[0]);
    assert!(seen.iter().any(|c| c.contains("(scale 3.7500)")), "the scan finds the scaled copy: {seen:?}");
    zeroize::Zeroize::zeroize(&mut probe[..]);
    drop(probe);

    let second = request(false);
    assert_eq!(second.biometry.as_ref().unwrap().pairs.len(), 1, "the faces were compared");
    drop(second);
    for (i, n) in negated.iter().enumerate() {
        let copies = copies_in_process_memory(n);
        assert!(copies.is_empty(), "face {i}: copies of its embedding survive in memory: {copies:#?}");
    }
}
