//! `ozinstant`: command-line front end of the ozinstant face-liveness engine.
//!
//! ```text
//! ozinstant analyze PATH... [--format table|json|jsonl|csv] [--threshold X] [--jobs N]
//!                   [--request-id ID] [--no-quality-gate] [--face-policy single|largest]
//!                   [--frames N] [--config FILE.json] [--ort-library PATH] [--no-progress]
//!                   [--signing-key FILE [--key-id ID] [--nonce N]]
//!                   [--request [--analyses quality,biometry] [--tags TAG,...]
//!                    [--biometry-threshold X] [--return-embeddings]]
//! ozinstant verify --public-key FILE [--key-id ID] [--nonce N] RESULT.json
//! ozinstant schema [--media]
//! ozinstant info [--config FILE.json] [--ort-library PATH] [--signing-key FILE [--key-id ID]]
//! ```
//!
//! A PATH is a photo (JPEG, PNG, WebP, BMP, GIF), a video (MP4, MOV, WebM: H.264, HEVC, VP9), a
//! shot set (ZIP archive of frames) or a folder of them; the core tells the kind from the
//! content. A video or shot set is one media whose verdict aggregates its sampled frames.
//!
//! Results go to stdout, diagnostics to stderr; nothing is written to disk. Exit codes:
//! [`EXIT_OK`], [`EXIT_MEDIA_ERROR`], [`EXIT_USAGE`], [`EXIT_ENGINE`]; `verify`:
//! [`attest::EXIT_VALID`], [`attest::EXIT_INVALID`], [`EXIT_USAGE`].

mod analyze;
mod attest;
mod checkout;
mod inputs;
mod output;

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ozinstant::{
    AnalysisKind, AnalyzeOptions, Engine, EngineConfig, FacePolicy, Fusion, MediaTag, Opinion, SecurityLevel,
};

use crate::output::{Format, Output};

/// Every file was analysed, whatever the verdicts (`FAILED` verdicts included).
const EXIT_OK: u8 = 0;
/// At least one file could not be analysed (its result carries an `error` object); the other
/// files are still reported.
const EXIT_MEDIA_ERROR: u8 = 1;
/// Usage error: bad flag or value, nonexistent path, folder without media files, bad config
/// file.
const EXIT_USAGE: u8 = 2;
/// The engine cannot start (ONNX Runtime not found, model error, ...).
const EXIT_ENGINE: u8 = 3;

/// Face liveness (passive anti-spoofing) on photos, videos and shot sets, in-process and
/// stateless.
#[derive(Debug, Parser)]
#[command(name = "ozinstant", version, propagate_version = true)]
#[command(after_help = "Exit codes: 0 every file analysed (whatever the verdicts), 1 some file could not be \
analysed, 2 usage error, 3 the engine cannot start.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Analyse photos, videos, shot sets and folders of them; each file is its own
    /// single-media request (`--request`: one request over all of them).
    Analyze(Box<AnalyzeArgs>),
    /// Print the JSON Schema of results (`RequestResult`; `--media` for one `MediaResult`,
    /// i.e. one `--format jsonl` line).
    Schema {
        /// Print the schema of one media result instead.
        #[arg(long)]
        media: bool,
    },
    /// Print, as JSON, the ONNX Runtime library in use, the models, the configuration, the
    /// signing key's id and public key, the supported media formats and the error code table.
    Info(EngineArgs),
    /// Check the signatures of results printed by `analyze --signing-key` (`--format json` or
    /// `jsonl`). Exit 0 when every signature holds, 1 when one does not (or the results are
    /// unsigned or not JSON), 2 on a usage error (such as an unreadable key).
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
struct VerifyArgs {
    /// The signer's Ed25519 public key: an SPKI PEM (`openssl pkey -in KEY -pubout`), SPKI DER
    /// or the raw 32 bytes.
    #[arg(long, value_name = "FILE")]
    public_key: PathBuf,
    /// Require this key id on every signature.
    #[arg(long, value_name = "ID")]
    key_id: Option<String>,
    /// Require this nonce on every signature (the challenge the results were asked with).
    #[arg(long, value_name = "N")]
    nonce: Option<String>,
    /// The results (what `analyze --format json` or `jsonl` printed); `-` reads stdin.
    #[arg(value_name = "RESULT.json")]
    result: PathBuf,
}

/// Options that shape the engine itself.
#[derive(Debug, Args)]
struct EngineArgs {
    /// Engine configuration (JSON object of `EngineConfig`); command-line flags override it.
    #[arg(long, value_name = "FILE.json")]
    config: Option<PathBuf>,
    /// Path of the ONNX Runtime shared library (libonnxruntime.so). Default: ORT_DYLIB_PATH, the
    /// checkout's .cache/onnxruntime/ for a binary under its target/, beside the binary, then
    /// the system loader (never the working directory).
    #[arg(long, value_name = "PATH")]
    ort_library: Option<PathBuf>,
    /// Sign every result with this Ed25519 private key: a PKCS#8 PEM as `openssl genpkey
    /// -algorithm ed25519` writes it (PKCS#8 DER and a raw 32-byte seed work too). Overrides the
    /// configuration's `signing` key.
    #[arg(long, value_name = "FILE")]
    signing_key: Option<PathBuf>,
    /// The key's id in every signature. Default: the key's RFC 7638 thumbprint.
    #[arg(long, value_name = "ID", requires = "signing_key")]
    key_id: Option<String>,
}

#[derive(Debug, Args)]
struct AnalyzeArgs {
    /// Photos, videos, shot sets and folders. Folders are walked recursively in sorted order
    /// for photos (jpg/jpeg/png/webp/bmp/gif), videos (mp4/mov/m4v/webm/mkv) and shot sets
    /// (zip), hidden entries skipped; files named explicitly are always analysed. The kind is
    /// told from the content, not the extension.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Attack threshold on confidence_spoofing (0..1): a score at or above it is DECLINED.
    #[arg(long, value_name = "X", value_parser = parse_threshold)]
    threshold: Option<f64>,
    /// Named operating point: `low` (fewest live faces rejected), `medium`, `high` (fewest
    /// attacks pass); each is a threshold set from measured live-face rejection rates
    /// (docs/ACCURACY.md). --threshold wins over it.
    #[arg(long, value_name = "LEVEL", value_parser = parse_security_level)]
    security_level: Option<SecurityLevel>,
    /// Scores LOW..=HIGH (on confidence_spoofing) get OPERATOR_REQUIRED (manual review)
    /// instead of SUCCESS or DECLINED [default: off].
    #[arg(long, value_name = "LOW,HIGH", value_parser = parse_review_band)]
    review_band: Option<[f64; 2]>,
    /// How the liveness opinions are fused: `mean` (default) or `max` (strict) of their
    /// attack probabilities.
    #[arg(long, value_name = "RULE", value_parser = parse_fusion)]
    fusion: Option<Fusion>,
    /// Liveness opinions to run, comma-separated: `minifasnet,suri` (default) or `minifasnet`
    /// (the fast profile, MiniFASNet only).
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = parse_opinion)]
    liveness_models: Vec<Opinion>,
    /// Files analysed in parallel [default: the engine's threads, one per core].
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    jobs: Option<u16>,
    /// Request id put on every result [default: a UUID v4 per file].
    #[arg(long, value_name = "ID", value_parser = parse_request_id)]
    request_id: Option<String>,
    /// Report failing quality checks without failing the media.
    #[arg(long)]
    no_quality_gate: bool,
    /// What to do with several faces: `single` fails with MULTIPLE_FACES, `largest` analyses
    /// the largest.
    #[arg(long, value_enum, value_name = "POLICY")]
    face_policy: Option<FacePolicyArg>,
    /// Frames analysed per video or shot set, spread evenly over it (1..=64) [default: the
    /// engine's `video.frames`, 8]. The verdict is the median score of the usable frames.
    #[arg(long, value_name = "N", value_parser = parse_frames)]
    frames: Option<usize>,
    #[command(flatten)]
    engine: EngineArgs,
    /// Never show the progress bar (it is only shown on a terminal, for more than 3 files).
    #[arg(long)]
    no_progress: bool,
    /// Treat every file as one request (an Oz "folder"): liveness on each media and, by
    /// default, biometry across them (every pair compared, least similar pair decides).
    #[arg(long)]
    request: bool,
    /// With --request: analyses to run, comma-separated (`quality`, `biometry`)
    /// [default: quality,biometry].
    #[arg(long, value_name = "LIST", value_delimiter = ',', requires = "request")]
    analyses: Vec<AnalysisArg>,
    /// With --request: media tags, comma-separated, one per file in order (`photo_selfie`,
    /// `photo_id`, `photo_id_front`, `photo_id_back`, `video_selfie`, `shotset_selfie`).
    /// Liveness skips document photos.
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = parse_tag, requires = "request")]
    tags: Vec<MediaTag>,
    /// With --request: biometry threshold on similarity (0..1) [default: the engine's, 0.78].
    #[arg(long, value_name = "X", value_parser = parse_threshold, requires = "request")]
    biometry_threshold: Option<f64>,
    /// With --request: include each face's embedding (a biometric template) in JSON output.
    #[arg(long, requires = "request")]
    return_embeddings: bool,
    /// The challenge to bind every signed result to (1 to 1024 bytes); needs a signing key.
    #[arg(long, value_name = "N")]
    nonce: Option<String>,
}

/// `--analyses` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum AnalysisArg {
    /// Liveness on every media that is not a document photo.
    Quality,
    /// Face comparison across the media.
    Biometry,
}

fn parse_tag(s: &str) -> Result<MediaTag, String> {
    MediaTag::parse(s.trim()).map_err(|e| e.to_string())
}

/// `--face-policy` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum FacePolicyArg {
    /// Exactly one face is required.
    Single,
    /// Analyse the largest face.
    Largest,
}

impl From<FacePolicyArg> for FacePolicy {
    fn from(p: FacePolicyArg) -> Self {
        match p {
            FacePolicyArg::Single => FacePolicy::Single,
            FacePolicyArg::Largest => FacePolicy::Largest,
        }
    }
}

fn parse_frames(s: &str) -> Result<usize, String> {
    let max = ozinstant::config::MAX_SAMPLED_FRAMES;
    let n: usize = s.trim().parse().map_err(|e| format!("not a whole number: {e}"))?;
    if (1..=max).contains(&n) { Ok(n) } else { Err(format!("{s} is outside 1..={max}")) }
}

fn parse_threshold(s: &str) -> Result<f64, String> {
    let t: f64 = s.trim().parse().map_err(|e| format!("not a number: {e}"))?;
    if (0.0..=1.0).contains(&t) { Ok(t) } else { Err(format!("{s} is outside 0..1")) }
}

fn parse_security_level(s: &str) -> Result<SecurityLevel, String> {
    s.trim().parse()
}

fn parse_fusion(s: &str) -> Result<Fusion, String> {
    s.trim().parse()
}

fn parse_opinion(s: &str) -> Result<Opinion, String> {
    s.trim().parse()
}

fn parse_review_band(s: &str) -> Result<[f64; 2], String> {
    let parts: Vec<&str> = s.split(',').collect();
    let [low, high] = parts.as_slice() else { return Err(format!("`{s}` is not LOW,HIGH")) };
    let band = [parse_threshold(low)?, parse_threshold(high)?];
    ozinstant::decision::validate_review_band(band)?;
    Ok(band)
}

fn parse_request_id(s: &str) -> Result<String, String> {
    ozinstant::request::validate_request_id(s).map_err(|e| e.to_string())?;
    Ok(s.to_owned())
}

fn main() -> ExitCode {
    // ONNX Runtime ≥ 1.29 writes telemetry state under ~/.cache/Microsoft unless this is set
    // before it initialises. Set here, first thing on the main thread, and only when the user
    // has not chosen a value (an explicit `ORT_DISABLE_TELEMETRY=0` stays).
    if std::env::var_os("ORT_DISABLE_TELEMETRY").is_none() {
        // SAFETY: no other thread exists yet, so nothing reads the environment concurrently.
        unsafe { std::env::set_var("ORT_DISABLE_TELEMETRY", "1") };
    }

    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with code 0; usage errors to stderr with code 2.
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(EXIT_USAGE));
        }
    };
    ExitCode::from(match cli.command {
        Command::Analyze(args) => cmd_analyze(*args),
        Command::Schema { media } => {
            let text =
                if media { ozinstant::report::media_schema_json() } else { ozinstant::report::result_schema_json() };
            print_stdout(&text)
        }
        Command::Info(args) => cmd_info(&args),
        Command::Verify(args) => cmd_verify(&args),
    })
}

/// Prints a usage error and returns [`EXIT_USAGE`].
fn usage_error(msg: impl std::fmt::Display) -> u8 {
    eprintln!("ozinstant: error: {msg}");
    EXIT_USAGE
}

/// Writes `text` and a newline to stdout. A closed pipe ends quietly.
fn print_stdout(text: &str) -> u8 {
    let mut out = io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Ok(()) => EXIT_OK,
        Err(e) => write_failed(&e, EXIT_OK),
    }
}

/// Exit code after a failed write to stdout: quiet on a closed pipe (`code`), else reported.
fn write_failed(e: &io::Error, code: u8) -> u8 {
    if e.kind() == io::ErrorKind::BrokenPipe {
        code
    } else {
        eprintln!("ozinstant: error: cannot write the output: {e}");
        EXIT_MEDIA_ERROR
    }
}

/// The configuration file (if any) with `--ort-library` applied; with no library chosen (flag,
/// file or `ORT_DYLIB_PATH`), the developer checkout's (see [`checkout`]).
fn load_config(args: &EngineArgs) -> Result<EngineConfig, String> {
    load_config_from(args).map(|(cfg, _)| cfg)
}

/// [`load_config`], and whether the library is the checkout's.
fn load_config_from(args: &EngineArgs) -> Result<(EngineConfig, bool), String> {
    let mut cfg = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            EngineConfig::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => EngineConfig::default(),
    };
    if let Some(lib) = &args.ort_library {
        cfg.ort_library_path = Some(lib.clone());
    }
    if let Some(path) = &args.signing_key {
        let input_hashes = cfg.signing.as_ref().is_none_or(|s| s.input_hashes);
        let key = attest::key_from_file(path, args.key_id.as_deref())?;
        cfg = cfg.with_signing_key(key);
        if let Some(signing) = cfg.signing.as_mut() {
            signing.input_hashes = input_hashes;
        }
    }
    let mut from_checkout = false;
    if cfg.ort_library_path.is_none() {
        cfg.ort_library_path = checkout::library();
        from_checkout = cfg.ort_library_path.is_some();
    }
    Ok((cfg, from_checkout))
}

/// The CLI's own signer when the configuration has a key; a nonce without one is a usage error.
fn signer_of(cfg: &EngineConfig, nonce: Option<&str>) -> Result<Option<attest::Signer>, String> {
    let Some(signing) = &cfg.signing else {
        return match nonce {
            Some(_) => Err("--nonce needs a signing key (--signing-key FILE, or `signing` in --config)".into()),
            None => Ok(None),
        };
    };
    if let Some(n) = nonce
        && (n.is_empty() || n.len() > ozinstant::attest::MAX_NONCE_BYTES)
    {
        return Err(format!("--nonce must be 1 to {} bytes, got {}", ozinstant::attest::MAX_NONCE_BYTES, n.len()));
    }
    let key = signing.load_key().map_err(|e| e.to_string())?;
    Ok(Some(attest::Signer {
        key,
        nonce: nonce.map(str::to_owned),
        input_hashes: signing.input_hashes,
        max_bytes: cfg.limits.max_bytes_per_media,
    }))
}

/// `verify`: see [`attest::verify_text`].
fn cmd_verify(args: &VerifyArgs) -> u8 {
    let key = match ozinstant::attest::VerifyingKey::from_file(&args.public_key) {
        Ok(k) => k,
        Err(e) => return usage_error(format!("--public-key: {e}")),
    };
    let text = if args.result.as_os_str() == "-" {
        let mut text = String::new();
        match io::Read::read_to_string(&mut io::stdin().lock(), &mut text) {
            Ok(_) => text,
            Err(e) => return usage_error(format!("cannot read the results from stdin: {e}")),
        }
    } else {
        match std::fs::read_to_string(&args.result) {
            Ok(t) => t,
            Err(e) => return usage_error(format!("cannot read {}: {e}", args.result.display())),
        }
    };
    let expect = attest::Expect { key_id: args.key_id.as_deref(), nonce: args.nonce.as_deref() };
    match attest::verify_text(&text, &key, &expect) {
        Ok(report) => match print_stdout(&report.to_string()) {
            EXIT_OK => attest::EXIT_VALID,
            other => other,
        },
        Err(e) => {
            eprintln!("ozinstant: invalid: {e}");
            attest::EXIT_INVALID
        }
    }
}

/// Starts the engine; on failure prints the core's message (which says how to fix it).
fn start_engine(cfg: EngineConfig) -> Result<Engine, u8> {
    Engine::new(cfg).map_err(|e| {
        eprintln!("ozinstant: error: cannot start the engine ({}): {e}", e.name());
        EXIT_ENGINE
    })
}

fn cmd_analyze(args: AnalyzeArgs) -> u8 {
    // Every path is checked before the engine starts.
    let inputs = match inputs::collect(&args.paths) {
        Ok(i) => i,
        Err(e) => return usage_error(e),
    };
    for e in &inputs.walk_errors {
        eprintln!("ozinstant: warning: {e}");
    }
    let mut cfg = match load_config(&args.engine) {
        Ok(c) => c,
        Err(e) => return usage_error(e),
    };
    if let Some(t) = args.threshold {
        cfg.threshold = Some(t);
    }
    if let Some(l) = args.security_level {
        cfg.security_level = Some(l);
        if args.threshold.is_none() {
            // The flag overrides a number from --config: the command line wins.
            cfg.threshold = None;
        }
    }
    if let Some(b) = args.review_band {
        cfg.review_band = Some(b);
    }
    if let Some(f) = args.fusion {
        cfg.liveness.fusion = f;
    }
    if !args.liveness_models.is_empty() {
        cfg.liveness.models = args.liveness_models.clone();
    }
    if args.no_quality_gate {
        cfg.quality.enabled = false;
    }
    if let Some(p) = args.face_policy {
        cfg.face_policy = p.into();
    }
    if let Some(j) = args.jobs {
        cfg.threads = usize::from(j);
    }
    // No more workers (and engine sessions) than files; enough in-flight slots for all of
    // them so that the engine never answers `busy` to the CLI's own load.
    let files = &inputs.files;
    let workers = cfg.resolved_threads().clamp(1, files.len().max(1));
    cfg.threads = workers;
    cfg.max_in_flight = cfg.resolved_max_in_flight().max(4 * workers);
    if let Err(e) = cfg.validate() {
        return usage_error(e);
    }
    let signer = match signer_of(&cfg, args.nonce.as_deref()) {
        Ok(s) => s,
        Err(e) => return usage_error(e),
    };
    let threshold = cfg.effective_threshold();
    let engine = match start_engine(cfg) {
        Ok(e) => e,
        Err(code) => return code,
    };

    if args.request {
        return cmd_request(&args, &engine, signer, files, !inputs.walk_errors.is_empty());
    }

    let progress =
        (!args.no_progress && files.len() > 3 && io::stderr().is_terminal()).then(|| progress_bar(files.len()));
    let stdout = io::stdout();
    let stdout_is_terminal = stdout.is_terminal();
    let color = args.format == Format::Table && stdout_is_terminal && std::env::var_os("NO_COLOR").is_none();
    let mut out = Output::new(args.format, BufWriter::new(stdout.lock()), color).with_signer(signer.clone());
    let run = analyze::Run {
        engine: &engine,
        signer: signer.as_ref(),
        request_id: args.request_id.as_deref(),
        threshold,
        video_frames: args.frames,
        workers,
        progress: progress.as_ref(),
        suspend_progress: stdout_is_terminal && matches!(args.format, Format::Jsonl | Format::Csv),
    };

    let start = Instant::now();
    let written = out.begin().and_then(|()| run.run(files, |r| out.push(r))).and_then(|()| {
        if let Some(bar) = &progress {
            bar.finish_and_clear();
        }
        out.finish(engine.models(), start.elapsed())
    });
    if let Some(bar) = &progress {
        bar.finish_and_clear();
    }
    let summary = out.summary();
    let code = if summary.errors > 0 || !inputs.walk_errors.is_empty() { EXIT_MEDIA_ERROR } else { EXIT_OK };
    match written {
        Ok(()) => code,
        Err(e) => write_failed(&e, code),
    }
}

/// `analyze --request`: every file in one request; media results, then the biometry section.
fn cmd_request(
    args: &AnalyzeArgs,
    engine: &Engine,
    signer: Option<attest::Signer>,
    files: &[inputs::Input],
    walk_errors: bool,
) -> u8 {
    if !args.tags.is_empty() && args.tags.len() != files.len() {
        return usage_error(format!("--tags gives {} tags for {} files", args.tags.len(), files.len()));
    }
    let analyses = if args.analyses.is_empty() {
        vec![AnalysisKind::Quality, AnalysisKind::Biometry]
    } else {
        args.analyses
            .iter()
            .map(|a| match a {
                AnalysisArg::Quality => AnalysisKind::Quality,
                AnalysisArg::Biometry => AnalysisKind::Biometry,
            })
            .collect()
    };
    let options = AnalyzeOptions {
        request_id: args.request_id.clone(),
        analyses: Some(analyses),
        biometry_threshold: args.biometry_threshold,
        return_embeddings: Some(args.return_embeddings),
        video_frames: args.frames,
        nonce: args.nonce.clone(),
        ..AnalyzeOptions::default()
    };
    let media = files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let m = ozinstant::Media::path(&f.path).with_label(f.source.clone());
            match args.tags.get(i) {
                Some(t) => m.with_tag(*t),
                None => m,
            }
        })
        .collect();
    let start = Instant::now();
    let result = match engine.analyze_request(ozinstant::Request::new(media).with_options(options)) {
        Ok(r) => r,
        Err(e) if e.category() == ozinstant::ErrorCategory::InvalidInput => return usage_error(e),
        Err(e) => {
            eprintln!("ozinstant: error: the request failed ({}): {e}", e.name());
            return EXIT_ENGINE;
        }
    };
    let stdout = io::stdout();
    let color = args.format == Format::Table && stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut out = Output::new(args.format, BufWriter::new(stdout.lock()), color).with_signer(signer);
    let models = result.models.clone();
    let written = out
        .begin()
        .and_then(|()| result.media.into_iter().try_for_each(|r| out.push(r)))
        .and_then(|()| out.set_request(&result.request_id, result.resolution, result.biometry))
        .and_then(|()| out.finish(&models, start.elapsed()));
    let code = if out.summary().errors > 0 || walk_errors { EXIT_MEDIA_ERROR } else { EXIT_OK };
    match written {
        Ok(()) => code,
        Err(e) => write_failed(&e, code),
    }
}

fn progress_bar(len: usize) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} {elapsed_precise} [{wide_bar}] {pos}/{len} files, eta {eta}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// What `info` lists under `formats`: the media this build analyses and the extensions a folder
/// walk picks up.
fn formats() -> serde_json::Value {
    serde_json::json!({
        "images": ["jpeg", "png", "webp", "bmp", "gif"],
        "videos": {
            "containers": ["mp4", "mov", "webm", "mkv"],
            "codecs": ["h264", "hevc", "vp9"],
        },
        "shot_sets": {
            "archives": ["zip"],
            "entries": ozinstant::shotset::IMAGE_EXTENSIONS,
        },
        "folder_extensions": {
            "images": inputs::IMAGE_EXTENSIONS,
            "videos": inputs::VIDEO_EXTENSIONS,
            "shot_sets": inputs::SHOT_SET_EXTENSIONS,
        },
    })
}

fn cmd_info(args: &EngineArgs) -> u8 {
    let (cfg, from_checkout) = match load_config_from(args) {
        Ok(c) => c,
        Err(e) => return usage_error(e),
    };
    let engine = match start_engine(cfg) {
        Ok(e) => e,
        Err(code) => return code,
    };
    let runtime = engine.runtime();
    let codes: Vec<serde_json::Value> = ozinstant::Error::CODES
        .iter()
        .map(|(number, code)| serde_json::json!({ "number": number, "code": code }))
        .collect();
    let doc = serde_json::json!({
        "engine_version": env!("CARGO_PKG_VERSION"),
        "schema_version": ozinstant::report::SCHEMA_VERSION,
        "runtime": {
            "library_path": runtime.library_path.display().to_string(),
            "found_by": if from_checkout { checkout::FOUND_BY } else { runtime.found_by },
        },
        "models": engine.models(),
        "config": engine.config(),
        "signing": engine.verifying_key().map(|k| serde_json::json!({
            "key_id": k.key_id(),
            "public_key_pem": k.to_spki_pem(),
            "thumbprint": k.thumbprint(),
        })),
        "formats": formats(),
        "error_codes": codes,
    });
    match serde_json::to_string_pretty(&doc) {
        Ok(text) => print_stdout(&text),
        Err(e) => {
            eprintln!("ozinstant: error: {e}");
            EXIT_MEDIA_ERROR
        }
    }
}
