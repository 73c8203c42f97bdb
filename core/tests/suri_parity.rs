//! Parity of the Suri opinion with its reference (`tests/data/suri_golden.tsv`, a copy of
//! `../shared/models/testvectors/suri/golden.tsv`: a Python/OpenCV implementation of the spec in
//! `docs/MODELS.md`, every image decoded at full size).
//!
//! * On the golden box, at full size: Suri's `p_real` and the MiniFASNet pair's are within 0.02
//!   of golden (the kernels are OpenCV-exact, so the observed gap is ~1e-6).
//! * The engine at full size finds the golden box on every image where the reference's rule
//!   (the first pass's best detection) and the engine's agree that there is one face to judge.
//! * The default path (large JPEGs decoded at reduced size) moves the scores by a reported,
//!   bounded amount and never flips a verdict.
//!
//! The dev-set rows run when `../shared/devset` is present (it is not part of the repository).

mod common;

use std::path::PathBuf;

use common::{engine, samples_dir};
use ozinstant::config::DecodeConfig;
use ozinstant::liveness::{self, Fusion, LivenessModel, Opinion};
use ozinstant::runtime::{SessionPool, SessionSettings};
use ozinstant::{Engine, EngineConfig, Media, MediaResult};

struct Row {
    path: PathBuf,
    file: String,
    bbox: Option<[i32; 4]>,
    p_suri: Option<f64>,
    p_pair: Option<f64>,
    note: String,
}

fn devset_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/devset"))
}

/// The golden rows whose images are here: the samples always, the dev set when present.
fn rows() -> Vec<Row> {
    let text = include_str!("data/suri_golden.tsv");
    let mut rows = Vec::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        let dir = match f[0] {
            "samples" => samples_dir(),
            "devset" => devset_dir(),
            other => panic!("unknown set {other}"),
        };
        let path = dir.join(f[1]);
        if !path.exists() {
            assert_eq!(f[0], "devset", "{} is missing", path.display());
            continue;
        }
        let bbox = (!f[6].is_empty()).then(|| {
            let v: Vec<i32> = f[6].split(',').map(|n| n.parse().unwrap()).collect();
            [v[0], v[1], v[2], v[3]]
        });
        let num = |s: &str| (!s.is_empty()).then(|| s.parse::<f64>().unwrap());
        rows.push(Row {
            path,
            file: f[1].to_owned(),
            bbox,
            p_suri: num(f[7]),
            p_pair: num(f[8]),
            note: f.get(9).copied().unwrap_or("").to_owned(),
        });
    }
    rows
}

fn load(opinion: Opinion) -> Vec<LivenessModel> {
    engine(); // loads ONNX Runtime
    let settings = SessionSettings { intra_op_threads: 1, sessions_per_model: 1 };
    opinion
        .models()
        .iter()
        .map(|facts| {
            let bytes = ozinstant::models::load(facts.spec, None).unwrap().bytes;
            LivenessModel::new(facts, SessionPool::new(facts.spec.id, &bytes, settings).unwrap()).unwrap()
        })
        .collect()
}

/// Rows whose reference box is the reference's first-pass best detection at a score below the
/// engine's `detection.min_score` (0.6): the reference takes it whatever its score, the engine
/// does not (uniface_live_src_friends.jpg: 0.27, three small faces).
const BELOW_MIN_SCORE: &[&str] = &["live/uniface_live_src_friends.jpg"];

fn full_size_engine() -> Engine {
    let decode = DecodeConfig { max_jpeg_scale: 1, ..DecodeConfig::default() };
    Engine::new(EngineConfig { decode, threads: 2, max_in_flight: 64, ..EngineConfig::default() }).unwrap()
}

fn analysed_box(r: &MediaResult) -> Option<[i32; 4]> {
    let f = r.faces.iter().find(|f| f.analysed)?;
    Some([f.bbox.x as i32, f.bbox.y as i32, f.bbox.width as i32, f.bbox.height as i32])
}

fn suri_p(r: &MediaResult) -> Option<f64> {
    r.liveness.as_ref()?.models.iter().find(|m| m.model == "suri_minifasv2se").map(|m| m.p_real)
}

#[test]
fn suri_and_pair_match_golden_on_the_golden_box() {
    let suri = load(Opinion::Suri);
    let pair = load(Opinion::Minifasnet);
    let (mut n, mut worst_suri, mut worst_pair) = (0, 0f64, 0f64);
    let mut report = String::new();
    for row in rows() {
        let Some(bbox) = row.bbox else { continue };
        let bytes = std::fs::read(&row.path).unwrap();
        let (frame, _) = ozinstant::decode::decode(&bytes, &Default::default()).unwrap();
        let s = liveness::score_face(&suri, Fusion::Mean, &frame, bbox, None).unwrap();
        let p = liveness::score_face(&pair, Fusion::Mean, &frame, bbox, None).unwrap();
        let (ds, dp) = ((s.p_real - row.p_suri.unwrap()).abs(), (p.p_real - row.p_pair.unwrap()).abs());
        report.push_str(&format!(
            "{}: suri {:.6} (golden {}) pair {:.6} (golden {})\n",
            row.file,
            s.p_real,
            row.p_suri.unwrap(),
            p.p_real,
            row.p_pair.unwrap()
        ));
        assert!(ds <= 0.02, "{}: suri off by {ds}\n{report}", row.file);
        assert!(dp <= 0.02, "{}: pair off by {dp}\n{report}", row.file);
        // Suri's crop is reported as the spec's square.
        let (x, y, side) = liveness::suri::crop_square(bbox, liveness::suri::CROP_SCALE);
        assert_eq!(s.models[0].crop, [x, y, x + side as i64 - 1, y + side as i64 - 1]);
        worst_suri = worst_suri.max(ds);
        worst_pair = worst_pair.max(dp);
        n += 1;
    }
    eprintln!("{report}{n} golden boxes: max |suri - golden| {worst_suri:.2e}, max |pair - golden| {worst_pair:.2e}");
    assert!(n >= 9, "only {n} rows");
    // The kernels are OpenCV-exact, so the gap is ORT's and the 6-decimal rounding (2.7e-6
    // measured). Bilinear, cubic or area instead of LANCZOS4 on the three upscaled rows moves
    // them by 2e-5 to 5e-5, which 0.02 would not catch; this does.
    assert!(worst_suri <= 1e-5, "suri off by {worst_suri:.2e}\n{report}");
}

#[test]
fn engine_finds_the_golden_box_and_the_default_path_stays_close() {
    let full = full_size_engine();
    let mut report = String::new();
    let (mut boxes, mut moved) = (0, Vec::new());
    for row in rows() {
        let r = full.analyze(Media::path(&row.path)).unwrap();
        let got = analysed_box(&r);
        match row.bbox {
            Some(golden) if !BELOW_MIN_SCORE.contains(&row.file.as_str()) => {
                assert_eq!(got, Some(golden), "{}: analysed box ({:?})\n{report}", row.file, r.reason);
                boxes += 1;
            }
            _ => report.push_str(&format!(
                "{}: golden {:?}, engine {:?} ({:?}) {}\n",
                row.file, row.bbox, got, r.reason, row.note
            )),
        }
        // The default path, with reduced-size decoding of large JPEGs.
        let d = engine().analyze(Media::path(&row.path)).unwrap();
        if let (Some(a), Some(b)) = (suri_p(&r), suri_p(&d)) {
            let spoof = |m: &MediaResult| m.confidence_spoofing.unwrap();
            moved.push(((a - b).abs(), (spoof(&r) - spoof(&d)).abs(), row.file.clone()));
            assert_eq!(r.resolution, d.resolution, "{}: full size vs default path", row.file);
        }
    }
    moved.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (ds, dc, file) in &moved {
        report
            .push_str(&format!("{file}: default path moves suri p_real by {ds:.6}, confidence_spoofing by {dc:.6}\n"));
    }
    eprintln!("{report}{boxes} boxes equal golden");
    assert!(boxes >= 9, "{boxes}");
    assert!(moved.iter().all(|m| m.1 <= 0.05), "{report}");
}
