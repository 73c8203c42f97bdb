//! End-to-end tests of the `ozinstant` binary on the real samples in `samples/`.
//!
//! Every test runs the built binary with the repository root as working directory, so ONNX
//! Runtime is found in the repo-local `.cache/onnxruntime/` without any environment variable.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_ozinstant");
const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// The images of `samples/`, sorted by name (as the folder walk orders them).
const SAMPLES: &[&str] = &[
    "facerec_live_biden.jpg",
    "facerec_live_obama.jpg",
    "facerec_live_obama2.jpg",
    "group_three_faces.jpg",
    "hyperfas_spoof_replay_fake_screen.png",
    "minivision_live_image_T1.jpg",
    "minivision_spoof_print_image_F1.jpg",
    "minivision_spoof_replay_image_F2.jpg",
    "skimage_live_astronaut.png",
];

/// Attacks that are `DECLINED` at the default threshold.
const ATTACKS: &[&str] = &[
    "minivision_spoof_print_image_F1.jpg",
    "minivision_spoof_replay_image_F2.jpg",
    "hyperfas_spoof_replay_fake_screen.png",
];

fn command(args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args).current_dir(ROOT).stdin(Stdio::null());
    c
}

fn run(args: &[&str]) -> Output {
    command(args).output().expect("the ozinstant binary runs")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited normally, not by a signal")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn sample(name: &str) -> String {
    format!("samples/{name}")
}

/// Parses `--format jsonl` output: one object per line.
fn jsonl(o: &Output) -> Vec<Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("line is not JSON ({e}): {l}")))
        .collect()
}

fn by_file<'a>(lines: &'a [Value], name: &str) -> &'a Value {
    lines
        .iter()
        .find(|l| l["source"].as_str().is_some_and(|s| s.ends_with(&format!("/{name}"))))
        .unwrap_or_else(|| panic!("no line for {name}"))
}

/// A unique path under the system temp dir, removed (file or folder) on drop.
struct TempPath(PathBuf);

impl TempPath {
    fn new(tag: &str) -> TempPath {
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        TempPath(std::env::temp_dir().join(format!("ozinstant-cli-test-{tag}-{}-{nanos}", std::process::id())))
    }

    fn as_str(&self) -> &str {
        self.0.to_str().expect("temp path is UTF-8")
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        if self.0.is_dir() {
            let _ = std::fs::remove_dir_all(&self.0);
        } else {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}

/// A few pseudo-random bytes (no JPEG/PNG/... signature).
fn random_bytes(n: usize) -> Vec<u8> {
    let mut x = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1) | 1;
    let mut out: Vec<u8> = (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    out[0] = 0x00; // no image format starts with a NUL byte
    out
}

/// Splits one CSV line, honouring double-quoted fields with doubled quotes.
fn csv_split(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                fields.last_mut().unwrap().push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(String::new()),
            c => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

#[test]
fn jsonl_over_the_samples_folder() {
    let o = run(&["analyze", "samples", "--format", "jsonl"]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let lines = jsonl(&o);
    let sources: Vec<&str> = lines.iter().map(|l| l["source"].as_str().unwrap()).collect();
    let expected: Vec<String> = SAMPLES.iter().map(|s| sample(s)).collect();
    assert_eq!(sources, expected, "one line per image, in sorted order");
    for l in &lines {
        for key in ["source", "request_id", "resolution", "confidence_spoofing", "faces", "quality"] {
            assert!(l.get(key).is_some(), "{key} missing in {l}");
        }
        assert!(l.get("error").is_none(), "unexpected error in {l}");
        let rid = l["request_id"].as_str().unwrap();
        assert_eq!(rid.len(), 36, "generated request id is a UUID: {rid}");
    }
    let ids: std::collections::HashSet<&str> = lines.iter().map(|l| l["request_id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), lines.len(), "each file gets its own generated request id");

    for live in [
        "minivision_live_image_T1.jpg",
        "skimage_live_astronaut.png",
        "facerec_live_biden.jpg",
        "facerec_live_obama.jpg",
        "facerec_live_obama2.jpg",
    ] {
        assert_eq!(by_file(&lines, live)["resolution"], "SUCCESS", "{live}");
    }
    for attack in ATTACKS {
        assert_eq!(by_file(&lines, attack)["resolution"], "DECLINED", "{attack}");
    }
}

/// Kept apart from the folder test: the core's group-photo behaviour is being reworked.
#[test]
fn group_photo_fails_with_multiple_faces() {
    let o = run(&["analyze", &sample("group_three_faces.jpg"), "--format", "jsonl"]);
    assert_eq!(code(&o), 0, "a FAILED verdict is an analysed result; stderr: {}", stderr(&o));
    let lines = jsonl(&o);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["resolution"], "FAILED");
    assert_eq!(lines[0]["reason"], "MULTIPLE_FACES");
}

#[test]
fn input_order_is_kept_with_two_jobs() {
    let order = [
        "skimage_live_astronaut.png",
        "facerec_live_biden.jpg",
        "minivision_spoof_print_image_F1.jpg",
        "group_three_faces.jpg",
        "facerec_live_obama.jpg",
        "hyperfas_spoof_replay_fake_screen.png",
    ];
    let paths: Vec<String> = order.iter().map(|s| sample(s)).collect();
    let mut args = vec!["analyze", "--jobs", "2", "--format", "jsonl", "--no-progress"];
    args.extend(paths.iter().map(String::as_str));
    let o = run(&args);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let sources: Vec<String> = jsonl(&o).iter().map(|l| l["source"].as_str().unwrap().to_owned()).collect();
    assert_eq!(sources, paths);
}

#[test]
fn request_id_is_on_every_line() {
    let o = run(&["analyze", "samples", "--format", "jsonl", "--request-id", "abc-123"]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let lines = jsonl(&o);
    assert_eq!(lines.len(), SAMPLES.len());
    assert!(lines.iter().all(|l| l["request_id"] == "abc-123"));
}

#[test]
fn corrupt_file_is_reported_and_exits_1() {
    let corrupt = TempPath::new("corrupt");
    std::fs::write(&corrupt.0, random_bytes(37)).unwrap();
    let good = sample("minivision_live_image_T1.jpg");
    let o = run(&["analyze", corrupt.as_str(), &good, "--format", "jsonl"]);
    assert_eq!(code(&o), 1, "stderr: {}", stderr(&o));
    let lines = jsonl(&o);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["source"], corrupt.as_str());
    let err_code = lines[0]["error"]["code"].as_str().expect("error.code");
    assert!(err_code == "unsupported_format" || err_code == "decode_failed", "{err_code}");
    assert!(lines[0]["error"]["number"].is_u64());
    assert!(lines[0]["error"]["message"].is_string());
    assert_eq!(lines[0]["resolution"], "FAILED");
    assert_eq!(lines[0]["reason"], "INPUT_ERROR");
    assert!(lines[0]["confidence_spoofing"].is_null());
    assert!(lines[0]["request_id"].as_str().is_some_and(|s| s.len() == 36));
    assert_eq!(lines[1]["source"], good.as_str());
    assert_eq!(lines[1]["resolution"], "SUCCESS");
    assert!(lines[1].get("error").is_none());
}

#[test]
fn usage_errors_exit_2() {
    let cases: &[&[&str]] = &[
        &["analyze", "samples/does_not_exist.jpg"],
        &["analyze", "samples", "--threshold", "2"],
        &["analyze", "samples", "--threshold", "-0.1"],
        &["analyze", "samples", "--no-such-flag"],
        &["analyze", "samples", "--format", "xml"],
        &["analyze", "samples", "--jobs", "0"],
        &["analyze", "samples", "--request-id", "has space"],
        &["analyze"],
        &["no-such-command"],
    ];
    for args in cases {
        let o = run(args);
        assert_eq!(code(&o), 2, "{args:?}: stderr: {}", stderr(&o));
        assert!(o.stdout.is_empty(), "{args:?}: nothing on stdout");
        assert!(!stderr(&o).is_empty(), "{args:?}: a message on stderr");
    }
    // The nonexistent path is reported even next to good files, before any analysis.
    let o = run(&["analyze", &sample("skimage_live_astronaut.png"), "nope/missing.png", "--format", "jsonl"]);
    assert_eq!(code(&o), 2);
    assert!(o.stdout.is_empty());
    assert!(stderr(&o).contains("nope/missing.png"));
}

#[test]
fn folder_without_images_exits_2() {
    let dir = TempPath::new("empty");
    std::fs::create_dir_all(&dir.0).unwrap();
    std::fs::write(dir.0.join("notes.txt"), b"not an image").unwrap();
    let o = run(&["analyze", dir.as_str()]);
    assert_eq!(code(&o), 2, "stderr: {}", stderr(&o));
    assert!(o.stdout.is_empty());
}

#[test]
fn csv_has_a_header_and_one_row_per_file() {
    let o = run(&["analyze", "samples", "--format", "csv"]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let text = stdout(&o);
    let rows: Vec<Vec<String>> = text.lines().map(csv_split).collect();
    let header = [
        "source",
        "request_id",
        "resolution",
        "reason",
        "confidence_spoofing",
        "face_x",
        "face_y",
        "face_w",
        "face_h",
        "face_score",
        "quality_failed",
        "total_ms",
        "error_code",
    ];
    assert_eq!(rows[0], header);
    assert_eq!(rows.len(), 1 + SAMPLES.len());
    for (row, name) in rows[1..].iter().zip(SAMPLES) {
        assert_eq!(row.len(), header.len(), "{row:?}");
        assert_eq!(row[0], sample(name));
        assert!(["SUCCESS", "DECLINED", "FAILED"].contains(&row[2].as_str()), "{row:?}");
        if !row[4].is_empty() {
            let c: f64 = row[4].parse().expect("confidence_spoofing is a number");
            assert!((0.0..=1.0).contains(&c));
        }
        assert!(row[11].parse::<f64>().is_ok(), "total_ms is a number: {row:?}");
        assert!(row[12].is_empty(), "no error: {row:?}");
    }
}

#[test]
fn csv_quotes_awkward_file_names() {
    let dir = TempPath::new("csv,quote\"dir");
    std::fs::create_dir_all(&dir.0).unwrap();
    let file = dir.0.join("a,b.jpg");
    std::fs::copy(Path::new(ROOT).join("samples/minivision_live_image_T1.jpg"), &file).unwrap();
    let o = run(&["analyze", dir.as_str(), "--format", "csv"]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2);
    let row = csv_split(lines[1]);
    assert_eq!(row.len(), 13);
    assert_eq!(row[0], file.to_str().unwrap());
    assert_eq!(row[2], "SUCCESS");
}

#[test]
fn json_document_with_summary() {
    let o = run(&["analyze", "samples", "--format", "json", "--request-id", "doc-1"]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let doc: Value = serde_json::from_str(&stdout(&o)).expect("one JSON document");
    let results = doc["results"].as_array().expect("results");
    assert_eq!(results.len(), SAMPLES.len());
    assert!(results.iter().all(|r| r["request_id"] == "doc-1"));
    assert!(doc["models"].as_array().is_some_and(|m| !m.is_empty()));
    assert!(doc["engine_version"].is_string());
    let s = &doc["summary"];
    let n = |k: &str| s[k].as_u64().unwrap_or_else(|| panic!("summary.{k}"));
    assert_eq!(n("files"), SAMPLES.len() as u64);
    assert_eq!(n("success") + n("declined") + n("failed") + n("errors"), n("files"));
    let count = |res: &str| results.iter().filter(|r| r["resolution"] == res).count() as u64;
    assert_eq!(n("success"), count("SUCCESS"));
    assert_eq!(n("declined"), count("DECLINED"));
    assert_eq!(n("failed") + n("errors"), count("FAILED"));
    assert_eq!(n("errors"), 0);
}

#[test]
fn table_lists_every_file_with_a_verdict() {
    let o = run(&["analyze", "samples"]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let text = stdout(&o);
    assert!(!text.contains('\x1b'), "no colour when stdout is not a terminal");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("FILE"));
    for name in SAMPLES {
        let row = lines.iter().find(|l| l.contains(name)).unwrap_or_else(|| panic!("no row for {name}:\n{text}"));
        assert!(["SUCCESS", "DECLINED", "FAILED"].iter().any(|v| row.contains(v)), "{row}");
    }
    // Columns are aligned: the verdict starts at the same offset on every row.
    let col = lines[0].find("VERDICT").unwrap();
    for l in &lines[1..=SAMPLES.len()] {
        let verdict = l.get(col..).unwrap_or_default();
        assert!(["SUCCESS", "DECLINED", "FAILED"].iter().any(|v| verdict.starts_with(v)), "{l}");
    }
    assert!(text.contains(&format!("{} files:", SAMPLES.len())), "summary line:\n{text}");
}

#[test]
fn threshold_zero_declines_every_analysed_face() {
    let o = run(&["analyze", "samples", "--format", "jsonl", "--threshold", "0.0"]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let lines = jsonl(&o);
    let scored: Vec<&Value> = lines.iter().filter(|l| !l["confidence_spoofing"].is_null()).collect();
    assert!(scored.len() >= 7, "most samples get a score");
    for l in scored {
        assert_eq!(l["resolution"], "DECLINED", "{}", l["source"]);
        assert_eq!(l["threshold"], 0.0);
    }
}

#[test]
fn threshold_one_accepts_attacks_below_one() {
    let o = run(&["analyze", "samples", "--format", "jsonl", "--threshold", "1.0"]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let lines = jsonl(&o);
    for attack in ATTACKS {
        let l = by_file(&lines, attack);
        let score = l["confidence_spoofing"].as_f64().expect("attack is scored");
        let expected = if score >= 1.0 { "DECLINED" } else { "SUCCESS" };
        assert_eq!(l["resolution"], expected, "{attack} (score {score})");
    }
}

#[test]
fn schema_is_json() {
    let o = run(&["schema"]);
    assert_eq!(code(&o), 0);
    let text = stdout(&o);
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    assert!(schema.is_object());
    assert!(text.contains("RequestResult") && text.contains("MediaResult"));

    let o = run(&["schema", "--media"]);
    assert_eq!(code(&o), 0);
    let schema: Value = serde_json::from_str(&stdout(&o)).expect("media schema is JSON");
    assert_eq!(schema["title"], "MediaResult");
}

#[test]
fn info_reports_the_runtime_models_and_codes() {
    let o = run(&["info"]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let info: Value = serde_json::from_str(&stdout(&o)).expect("info is JSON");
    let lib = info["runtime"]["library_path"].as_str().expect("runtime.library_path");
    let name = Path::new(lib).file_name().and_then(|n| n.to_str()).unwrap_or_default();
    assert!(name.starts_with("libonnxruntime.so"), "{lib}");
    assert!(info["models"].as_array().is_some_and(|m| !m.is_empty()));
    assert!(info["config"]["threshold"].is_number());
    let codes = info["error_codes"].as_array().expect("error_codes");
    assert!(codes.iter().any(|c| c["code"] == "decode_failed" && c["number"] == 3));
}

#[test]
fn config_file_is_loaded_and_flags_override_it() {
    let cfg = TempPath::new("config");
    std::fs::write(&cfg.0, r#"{"threshold": 0.0}"#).unwrap();
    let good = sample("minivision_live_image_T1.jpg");
    let o = run(&["analyze", &good, "--format", "jsonl", "--config", cfg.as_str()]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    assert_eq!(jsonl(&o)[0]["threshold"], 0.0);
    let o = run(&["analyze", &good, "--format", "jsonl", "--config", cfg.as_str(), "--threshold", "0.5"]);
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    assert_eq!(jsonl(&o)[0]["threshold"], 0.5);
    assert_eq!(jsonl(&o)[0]["resolution"], "SUCCESS");

    std::fs::write(&cfg.0, r#"{"treshold": 0.3}"#).unwrap();
    let o = run(&["analyze", &good, "--config", cfg.as_str()]);
    assert_eq!(code(&o), 2, "a bad config file is a usage error");
    assert!(stderr(&o).contains("treshold"));
}

#[test]
fn missing_runtime_exits_3_with_the_core_message() {
    let o = run(&["analyze", &sample("skimage_live_astronaut.png"), "--ort-library", "/nonexistent/libonnxruntime.so"]);
    assert_eq!(code(&o), 3, "stderr: {}", stderr(&o));
    assert!(o.stdout.is_empty());
    let err = stderr(&o);
    assert!(err.contains("runtime_not_found") && err.contains("/nonexistent/libonnxruntime.so"), "{err}");
}

#[test]
fn closed_stdout_ends_quietly() {
    let mut child = command(&["analyze", "samples", "--format", "jsonl"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take()); // the reader goes away before the first line
    let o = child.wait_with_output().expect("wait");
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    assert!(stderr(&o).is_empty(), "nothing on stderr: {}", stderr(&o));
}

#[test]
fn telemetry_opt_out_leaves_home_untouched() {
    let home = TempPath::new("home");
    std::fs::create_dir_all(&home.0).unwrap();
    let o = command(&["analyze", &sample("minivision_live_image_T1.jpg"), "--format", "jsonl"])
        .env("HOME", &home.0)
        .env_remove("XDG_CACHE_HOME")
        .env_remove("ORT_DISABLE_TELEMETRY")
        .output()
        .expect("run");
    assert_eq!(code(&o), 0, "stderr: {}", stderr(&o));
    let left: Vec<PathBuf> = std::fs::read_dir(&home.0).unwrap().map(|e| e.unwrap().path()).collect();
    assert!(left.is_empty(), "HOME must stay empty, found {left:?}");
}

#[test]
fn request_compares_faces_across_files() {
    let (o, o2, b) =
        (sample("facerec_live_obama.jpg"), sample("facerec_live_obama2.jpg"), sample("facerec_live_biden.jpg"));
    // Same person: biometry SUCCESS (JSON document).
    let out = run(&["analyze", "--request", &o, &o2, "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["biometry"]["resolution"], "SUCCESS");
    assert_eq!(doc["resolution"], "SUCCESS");
    assert_eq!(doc["results"].as_array().unwrap().len(), 2);
    assert!(doc["biometry"]["media"][0].get("embedding").is_none(), "no embedding unless asked");
    // Different people: DECLINED; the least similar of three pairs is reported (jsonl: the
    // biometry object is the last line).
    let out = run(&["analyze", "--request", &o, &o2, &b, "--format", "jsonl"]);
    let lines = jsonl(&out);
    assert_eq!(lines.len(), 4);
    let bio = &lines[3];
    assert_eq!(bio["analysis"], "biometry");
    assert_eq!(bio["resolution"], "DECLINED");
    assert_eq!(bio["pairs"].as_array().unwrap().len(), 3);
    assert_eq!(bio["least_similar"]["b"], 2);
    // Table and CSV carry the section; tags skip liveness on ID photos.
    let out = run(&["analyze", "--request", &o, &b]);
    assert!(stdout(&out).contains("biometry: DECLINED"), "{}", stdout(&out));
    let out = run(&["analyze", "--request", &o, &o2, "--tags", "photo_selfie,photo_id_front", "--format", "csv"]);
    let text = stdout(&out);
    assert!(text.contains("pair_a,pair_b,source_a,source_b,similarity"), "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(csv_split(lines[2])[4], "", "no liveness score on the ID photo: {}", lines[2]);
    // Embeddings on request; bad tags are usage errors.
    let out = run(&["analyze", "--request", &o, &o2, "--format", "json", "--return-embeddings"]);
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["biometry"]["media"][1]["embedding"].as_array().unwrap().len(), 192);
    assert_eq!(code(&run(&["analyze", "--request", &o, &o2, "--tags", "passport,photo_selfie"])), 2);
    assert_eq!(code(&run(&["analyze", "--request", &o, &o2, "--tags", "photo_selfie"])), 2);
    assert_eq!(code(&run(&["analyze", &o, "--tags", "photo_selfie"])), 2, "--tags needs --request");
}
