//! Logs never carry content.
//!
//! The core logs through `tracing` (today: two `error!` events, for a panicking retention
//! observer and a panicking submit callback). ONNX Runtime's own log does *not* flow through
//! `tracing`: `ort` is built without its `tracing` feature, so ORT keeps its default logger
//! (warnings and errors to the process's stderr). Both channels are checked:
//!
//! * `every_tracing_event_is_free_of_content` installs a capturing subscriber at TRACE level,
//!   runs analyses that succeed, fail, panic in the observer (retention = metadata) and in a
//!   submit callback, and checks that no event holds the inputs (raw bytes, hex, decimal lists,
//!   base64), pixel values, or a score tied to content (confidence_spoofing, p_real, per-model
//!   scores).
//! * `the_engine_writes_nothing_to_stdout_or_stderr` re-runs this test binary as a child doing
//!   the same work and checks that the engine (and ONNX Runtime inside it) printed nothing at
//!   all on either stream, besides the test harness's own lines.

mod common;

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use common::{encode_jpeg, sample};
use ozinstant::{
    AnalysisKind, AnalyzeOptions, Engine, EngineConfig, Media, MediaResult, MetadataEvent, PixelFormat, Request,
    Retention,
};

/// Everything the subscriber wrote.
static CAPTURED: Mutex<Vec<u8>> = Mutex::new(Vec::new());
static EVENTS: AtomicUsize = AtomicUsize::new(0);

struct Capture;

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        CAPTURED.lock().unwrap_or_else(|p| p.into_inner()).extend_from_slice(buf);
        if buf.ends_with(b"\n") {
            EVENTS.fetch_add(1, Ordering::SeqCst);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A 16-byte marker planted in the inputs, as in `zeroize.rs`.
const MARKER: [u8; 16] =
    [0xA5, 0x17, 0x3C, 0xE2, 0x5B, 0x91, 0x0F, 0xD4, 0x66, 0x2E, 0xB8, 0x43, 0x7A, 0xC9, 0x12, 0xF0];

/// The work both tests run: returns the inputs used and the results obtained.
fn workload() -> (Vec<Vec<u8>>, Vec<MediaResult>) {
    let cfg = EngineConfig { retention: Retention::Metadata, threads: 2, ..EngineConfig::default() };
    let engine = Engine::new(cfg).unwrap();
    let seen = Arc::new(AtomicUsize::new(0));
    let s = Arc::clone(&seen);
    engine.set_observer(Some(Arc::new(move |ev: &MetadataEvent| {
        s.fetch_add(1, Ordering::SeqCst);
        // Panics on every other media, with content-free text.
        if ev.media_index.is_multiple_of(2) {
            panic!("observer fails on purpose");
        }
    })));

    let live = std::fs::read(sample("minivision_live_image_T1.jpg")).unwrap();
    let spoof = std::fs::read(sample("minivision_spoof_print_image_F1.jpg")).unwrap();
    let astronaut = std::fs::read(sample("skimage_live_astronaut.png")).unwrap();
    let (w, h) = (96u32, 64u32);
    let mut pixels = Vec::new();
    for _ in 0..h {
        let start = pixels.len();
        pixels.extend_from_slice(&MARKER);
        pixels.resize(start + w as usize * 3, 77);
    }
    let mut junk = MARKER.to_vec();
    junk.extend_from_slice(b" junk that is no image ");
    let truncated = live[..live.len() / 2].to_vec();
    let marked_jpeg = encode_jpeg(&pixels, w, h, 90);

    let mut results = Vec::new();
    results.push(engine.analyze(Media::bytes(live.clone())).unwrap());
    results.push(engine.analyze(Media::bytes(spoof.clone())).unwrap());
    results.push(engine.analyze(Media::pixels(pixels.clone(), PixelFormat::Rgb8, w, h, 0)).unwrap());
    assert_eq!(engine.analyze(Media::bytes(junk.clone())).unwrap_err().name(), "unsupported_format");
    assert_eq!(engine.analyze(Media::bytes(truncated.clone())).unwrap_err().name(), "decode_failed");
    let request = Request::new(vec![
        Media::bytes(astronaut.clone()),
        Media::bytes(junk.clone()),
        Media::bytes(marked_jpeg.clone()),
        Media::bytes(truncated.clone()),
    ]);
    results.extend(engine.analyze_request(request).unwrap().media);
    // A panicking submit callback.
    let (tx, rx) = mpsc::channel();
    engine
        .submit(Request::from(Media::bytes(spoof.clone())), move |r| {
            let _ = tx.send(r.map(|r| r.media));
            panic!("callback fails on purpose");
        })
        .unwrap();
    results.extend(rx.recv_timeout(Duration::from_secs(60)).unwrap().unwrap());
    std::thread::sleep(Duration::from_millis(200)); // let the contained panic be logged
    assert!(seen.load(Ordering::SeqCst) >= 8, "the observer ran");
    (vec![live, spoof, astronaut, pixels, junk, truncated, marked_jpeg], results)
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    bytes
        .chunks(3)
        .flat_map(|c| {
            let n = (u32::from(c[0]) << 16)
                | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
                | u32::from(*c.get(2).unwrap_or(&0));
            let k = c.len() + 1;
            (0..4).map(move |i| if i < k { A[(n >> (18 - 6 * i)) as usize & 63] as char } else { '=' })
        })
        .collect()
}

/// Fails when `log` holds any trace of `inputs` or of the content-bound numbers in `results`.
fn assert_free_of_content(log: &[u8], inputs: &[Vec<u8>], results: &[MediaResult], channel: &str) {
    let text = String::from_utf8_lossy(log).to_lowercase();
    let contains = |needle: &[u8]| log.windows(needle.len()).any(|w| w == needle);
    assert!(!contains(&MARKER), "{channel}: the raw marker bytes");
    for (i, input) in inputs.iter().enumerate() {
        // Raw bytes: 16-byte windows through the whole input.
        for at in (0..input.len().saturating_sub(16)).step_by(61) {
            assert!(!contains(&input[at..at + 16]), "{channel}: raw bytes of input {i} at {at}");
        }
        for at in (0..input.len().min(512).saturating_sub(12)).step_by(1) {
            let w = &input[at..at + 12];
            let hex: String = w.iter().map(|b| format!("{b:02x}")).collect();
            let spaced: String = w.iter().map(|b| format!("{b:02x} ")).collect();
            let decimal = w.iter().map(|b| b.to_string()).collect::<Vec<_>>().join(", ");
            assert!(!text.contains(&hex), "{channel}: hex of input {i} at {at}");
            assert!(!text.contains(spaced.trim_end()), "{channel}: spaced hex of input {i} at {at}");
            assert!(!text.contains(&decimal), "{channel}: decimal list of input {i} at {at}");
        }
        // Base64 of the input from any of its first 600 byte offsets (all three alignments).
        for at in 0..input.len().min(600).saturating_sub(24) {
            let b64 = base64(&input[at..at + 24]).to_lowercase();
            assert!(!text.contains(&b64[4..28]), "{channel}: base64 of input {i} at {at}");
        }
    }
    for r in results {
        let mut numbers: Vec<f64> = Vec::new();
        numbers.extend(r.confidence_spoofing);
        if let Some(l) = &r.liveness {
            numbers.push(l.p_real);
            let models = serde_json::to_value(&l.models).unwrap();
            collect_numbers(&models, &mut numbers);
        }
        for f in &r.faces {
            numbers.push(f.score);
        }
        for v in numbers.into_iter().filter(|v| *v > 0.0 && *v < 1.0) {
            for s in [format!("{v}"), format!("{v:.4}")] {
                assert!(!text.contains(&s), "{channel}: a score tied to content ({s})");
            }
        }
    }
}

fn collect_numbers(v: &serde_json::Value, out: &mut Vec<f64>) {
    match v {
        serde_json::Value::Number(n) => out.extend(n.as_f64()),
        serde_json::Value::Array(a) => a.iter().for_each(|v| collect_numbers(v, out)),
        serde_json::Value::Object(o) => o.values().for_each(|v| collect_numbers(v, out)),
        _ => {}
    }
}

#[test]
fn every_tracing_event_is_free_of_content() {
    if std::env::var_os("OZI_LOGS_CHILD").is_some() {
        return;
    }
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        // The subscriber's own timestamps are not the engine's output, and their digits can
        // spell a score or an embedding value by chance ("40.093356" holds "0.0933").
        .without_time()
        .with_writer(|| Capture)
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber of this binary");

    let (inputs, results) = workload();
    let biometric = biometry_workload();
    let log = CAPTURED.lock().unwrap().clone();
    let text = String::from_utf8_lossy(&log);
    eprintln!("captured {} events:\n{text}", EVENTS.load(Ordering::SeqCst));
    // The capture works: the contained panics were logged (observer: 4 of 8 media; callback: 1).
    assert!(text.contains("retention observer panicked"), "{text}");
    assert!(text.contains("submit callback panicked"), "{text}");
    assert!(!text.contains("on purpose"), "a host's panic message is the host's, not logged");
    assert!(results.iter().any(|r| r.confidence_spoofing.is_some()));
    assert_free_of_content(&log, &inputs, &results, "tracing");
    assert_free_of_embeddings(&text, &biometric);
}

/// A biometry request with `return_embeddings`: returns every embedding value and similarity
/// it produced (the caller checks that none reached a log).
fn biometry_workload() -> Vec<f64> {
    let engine = Engine::new(EngineConfig { threads: 2, ..EngineConfig::default() }).unwrap();
    let options = AnalyzeOptions {
        analyses: Some(vec![AnalysisKind::Quality, AnalysisKind::Biometry]),
        return_embeddings: Some(true),
        ..Default::default()
    };
    let media = ["facerec_live_obama.jpg", "facerec_live_obama2.jpg", "facerec_live_biden.jpg"]
        .iter()
        .map(|n| Media::path(sample(n)))
        .collect();
    let r = engine.analyze_request(Request::new(media).with_options(options)).unwrap();
    let b = r.biometry.unwrap();
    let mut numbers: Vec<f64> = b.pairs.iter().flat_map(|p| [p.similarity, p.cosine]).collect();
    for m in &b.media {
        let e = m.embedding.as_ref().expect("embeddings were asked for");
        numbers.extend(e.iter().map(|v| *v as f64));
    }
    assert!(numbers.len() > 3 * 192);
    numbers
}

/// Fails when any embedding value or similarity (as printed by Rust, in full or to 4 decimals)
/// shows up in `text`.
fn assert_free_of_embeddings(text: &str, numbers: &[f64]) {
    let text = text.to_lowercase();
    for v in numbers.iter().filter(|v| v.abs() > 1e-3) {
        for s in [format!("{v}"), format!("{}", *v as f32), format!("{v:.4}")] {
            assert!(!text.contains(&s), "tracing: a biometric value ({s})");
        }
    }
}

#[test]
fn the_engine_writes_nothing_to_stdout_or_stderr() {
    if std::env::var_os("OZI_LOGS_CHILD").is_some() {
        // The child: the deliberate panics are silenced so that the default hook's lines do
        // not count as engine output. No subscriber: `tracing` events go nowhere.
        std::panic::set_hook(Box::new(|_| {}));
        let (inputs, results) = workload();
        // Hand the parent what it must look for.
        let dir = std::env::var_os("OZI_LOGS_CHILD").unwrap();
        let dump = serde_json::json!({
            "inputs": inputs.iter().map(|i| base64(i)).collect::<Vec<_>>(),
            "results": results.iter().map(|r| serde_json::to_value(r).unwrap()).collect::<Vec<_>>(),
        });
        std::fs::write(std::path::Path::new(&dir).join("child.json"), dump.to_string()).unwrap();
        return;
    }
    let dir = std::env::temp_dir().join(format!("ozinstant-logs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "the_engine_writes_nothing_to_stdout_or_stderr", "--nocapture", "--test-threads=1"])
        .env("OZI_LOGS_CHILD", &dir)
        .output()
        .unwrap();
    let dump: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("child.json")).unwrap()).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(out.status.success(), "child failed: {}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Only the harness speaks.
    let harness =
        |l: &str| l.is_empty() || l.starts_with("running ") || l.starts_with("test ") || l.starts_with("successes");
    let noise: Vec<&str> = stdout.lines().chain(stderr.lines()).filter(|l| !harness(l)).collect();
    assert!(noise.is_empty(), "the engine printed:\n{}", noise.join("\n"));
    // And even the harness lines hold no content.
    let inputs: Vec<Vec<u8>> =
        dump["inputs"].as_array().unwrap().iter().map(|v| unbase64(v.as_str().unwrap())).collect();
    let results: Vec<MediaResult> =
        dump["results"].as_array().unwrap().iter().map(|v| serde_json::from_value(v.clone()).unwrap()).collect();
    let mut both = out.stdout.clone();
    both.extend_from_slice(&out.stderr);
    assert_free_of_content(&both, &inputs, &results, "stdout/stderr");
}

fn unbase64(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let mut out = Vec::new();
    for chunk in s.as_bytes().chunks(4) {
        let pad = chunk.iter().filter(|&&c| c == b'=').count();
        let n = chunk.iter().fold(0u32, |n, &c| (n << 6) | if c == b'=' { 0 } else { u32::from(val(c)) });
        out.extend_from_slice(&n.to_be_bytes()[1..4 - pad]);
    }
    out
}
