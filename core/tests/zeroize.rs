//! Buffers the engine owns are wiped before they are freed.
//!
//! This test binary installs a global allocator that scans every freed block for a 16-byte
//! marker. The marker is planted in the caller's input (encoded bytes, raw pixels); the input
//! buffer and the decoded frame hold it verbatim. After an analysis, no freed block may still
//! contain it. (Model tensors are float32 and derived crops are resampled, so they cannot hold
//! the byte marker; they are wiped or dropped by their own types.)

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

#[test]
fn face_embeddings_are_wiped_before_they_are_freed() {
    // Embeddings are deterministic (one ORT thread, same input): a first request returns one,
    // whose first four floats become the pattern; the same request again, without
    // `return_embeddings`, must free no block holding it. Then a plain copy is dropped to show
    // the scan sees the pattern.
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let engine = Engine::new(EngineConfig { threads: 1, ..EngineConfig::default() }).unwrap();
    let request = |return_embeddings: bool| {
        let media = ["facerec_live_obama.jpg", "facerec_live_obama2.jpg"]
            .iter()
            .map(|n| Media::path(common::sample(n)))
            .collect();
        let options = AnalyzeOptions {
            analyses: Some(vec![AnalysisKind::Quality, AnalysisKind::Biometry]),
            return_embeddings: Some(return_embeddings),
            ..Default::default()
        };
        engine.analyze_request(Request::new(media).with_options(options)).unwrap()
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
