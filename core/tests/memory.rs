//! Peak heap while a video is analysed does not grow with the number of sampled frames: frames
//! stream from the decoder through the analysis in batches, and only the best shot is kept
//! (issue 17, item 6). A counting global allocator measures the Rust heap's peak per call.
//!
//! What it cannot see: ONNX Runtime's own allocations (its arenas do not depend on the frame
//! count either). `scripts/video-memory.sh` measures the whole process's peak RSS.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use ozinstant::{AnalysisKind, AnalyzeOptions, Engine, EngineConfig, Media, Request};

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

struct Counting;

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded to the system allocator with the caller's layout.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` came from `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Peak heap growth (bytes above what was live before) during `f`.
fn peak_during(f: impl FnOnce()) -> usize {
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    f();
    PEAK.load(Ordering::Relaxed).saturating_sub(base)
}

#[test]
fn peak_heap_does_not_grow_with_sampled_frames() {
    // A fixed pool, so the batch (two frames per worker) is the same on every machine.
    let engine = Engine::new(EngineConfig { threads: 2, ..EngineConfig::default() }).expect("engine");
    // 30 frames of 480x360: one RGB frame is 518,400 bytes.
    let clip = common::sample("video/h264_high_bframes.mp4");
    let frame_bytes = 480 * 360 * 3;
    let analyse = |frames: usize| {
        let r = engine
            .analyze_with(Media::path(&clip), &AnalyzeOptions { video_frames: Some(frames), ..Default::default() })
            .expect("analysed");
        assert_eq!(r.sequence.as_ref().map(|s| s.sampled), Some(frames.min(30)));
    };
    analyse(8); // warm-up: sessions and lazily built state
    let at_4 = peak_during(|| analyse(4));
    let at_30 = peak_during(|| analyse(30));
    eprintln!("peak heap above baseline: 4 frames {at_4} B, 30 frames {at_30} B (one frame {frame_bytes} B)");
    // Holding every sampled frame, as before, would add 26 frames (13.5 MB) between the two.
    assert!(at_30 <= at_4 + 2 * frame_bytes, "peak grew with the frames: 4 -> {at_4} B, 30 -> {at_30} B");

    // With biometry the best shot is kept for its embedding, still not every frame.
    let photo = common::sample("minivision_live_image_T1.jpg");
    let request = |frames: usize| {
        let options = AnalyzeOptions {
            analyses: Some(vec![AnalysisKind::Quality, AnalysisKind::Biometry]),
            video_frames: Some(frames),
            ..Default::default()
        };
        let r = engine
            .analyze_request(Request::new(vec![Media::path(&photo), Media::path(&clip)]).with_options(options))
            .expect("analysed");
        let biometry = r.biometry.as_ref().expect("biometry");
        assert_eq!(biometry.pairs.len(), 1, "the clip's best shot was embedded and compared");
    };
    request(8);
    let at_4 = peak_during(|| request(4));
    let at_30 = peak_during(|| request(30));
    eprintln!("with biometry: 4 frames {at_4} B, 30 frames {at_30} B");
    assert!(at_30 <= at_4 + 2 * frame_bytes, "peak grew with the frames: 4 -> {at_4} B, 30 -> {at_30} B");
}
