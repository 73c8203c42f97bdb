//! The engine side of `make bench`: a long-lived worker driven by `benches/run.py` over JSON
//! lines (one command per stdin line, one answer per stdout line), so that loading models is
//! never timed and engine rounds can alternate with reference rounds.
//!
//! Commands (`op`):
//!
//! * `load {name, path}`: reads an input file into memory once.
//! * `engine {threads}`: (re)builds the engine with `threads` workers (one ONNX session per
//!   worker, one intra-op thread each: the defaults), warms it up and reports both times.
//! * `verdict {name}`: analyses an input once and reports resolution, reason, box and p_real.
//! * `run {name, clients, seconds | count, batch}`: `clients` threads call the engine in a
//!   loop until `seconds` have passed (or `count` calls were made), each call decoding the
//!   in-memory bytes again (`Media::bytes`). With `batch = 1` a call is `Engine::analyze` of
//!   one media; with `batch = n > 1` it is `Engine::analyze_request` of a request of n media,
//!   which the engine spreads over its pool. Answers calls, images, wall time and per-call
//!   latency percentiles (wall clock; the results' own `timings` are ignored).
//! * `quit`.
//!
//! `ozinstant-bench cold [THREADS]` instead measures a cold start in this fresh process:
//! `Engine::new` until `ready()`, then `warm_up()`, and prints one JSON line.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ozinstant::{Engine, EngineConfig, Media, MediaResult, Opinion, Request};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
enum Command {
    Load {
        name: String,
        path: String,
    },
    Engine {
        threads: usize,
        /// Liveness opinions (`["minifasnet", "suri"]`, the default, or `["minifasnet"]`).
        #[serde(default)]
        liveness_models: Option<Vec<Opinion>>,
    },
    Verdict {
        name: String,
    },
    Run {
        name: String,
        clients: usize,
        #[serde(default)]
        seconds: f64,
        #[serde(default)]
        count: u64,
        #[serde(default = "one")]
        batch: usize,
    },
    Quit,
}

fn one() -> usize {
    1
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn new_engine(threads: usize, liveness_models: Option<Vec<Opinion>>) -> Result<Engine, ozinstant::Error> {
    let mut config = EngineConfig { threads, ..EngineConfig::default() };
    if let Some(models) = liveness_models {
        config.liveness.models = models;
    }
    Engine::new(config)
}

fn cold(threads: usize) -> Value {
    let t0 = Instant::now();
    let engine = match new_engine(threads, None) {
        Ok(e) => e,
        Err(e) => return json!({"ok": false, "error": e.to_string()}),
    };
    let ready = engine.ready();
    let new_ms = ms(t0.elapsed());
    let warm = engine.warm_up();
    let total_ms = ms(t0.elapsed());
    json!({
        "ok": warm.is_ok() && ready,
        "threads": threads,
        "new_ready_ms": new_ms,
        "new_warm_ms": total_ms,
        "error": warm.err().map(|e| e.to_string()),
    })
}

fn verdict(r: &MediaResult) -> Value {
    let face = r.faces.iter().find(|f| f.analysed);
    json!({
        "resolution": r.resolution.as_str(),
        "reason": r.reason.map(|x| x.as_str()),
        "box": face.map(|f| [f.bbox.x, f.bbox.y, f.bbox.width, f.bbox.height]),
        "p_real": r.liveness.as_ref().map(|l| l.p_real),
        "faces": r.faces.len(),
    })
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// One call: `batch` media in one request, or one media through `analyze`.
fn call(engine: &Engine, bytes: &[u8], batch: usize) -> Result<(), String> {
    if batch <= 1 {
        engine.analyze(Media::bytes(bytes.to_vec())).map(|_| ()).map_err(|e| e.to_string())
    } else {
        let media = (0..batch).map(|_| Media::bytes(bytes.to_vec())).collect();
        let r = engine.analyze_request(Request::new(media)).map_err(|e| e.to_string())?;
        match r.media.iter().find_map(|m| m.error.as_ref()) {
            Some(e) => Err(e.message.clone()),
            None => Ok(()),
        }
    }
}

fn run(engine: &Engine, bytes: &Arc<Vec<u8>>, clients: usize, seconds: f64, count: u64, batch: usize) -> Value {
    let clients = clients.max(1);
    let deadline = Duration::from_secs_f64(seconds.max(0.0));
    let issued = AtomicU64::new(0);
    let start = Instant::now();
    let per_thread: Vec<(Vec<f64>, Option<String>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..clients)
            .map(|_| {
                let issued = &issued;
                s.spawn(move || {
                    let mut lat = Vec::new();
                    let mut error = None;
                    loop {
                        if count > 0 {
                            if issued.fetch_add(1, Ordering::Relaxed) >= count {
                                break;
                            }
                        } else if start.elapsed() >= deadline {
                            break;
                        }
                        let t = Instant::now();
                        if let Err(e) = call(engine, bytes, batch) {
                            error = Some(e);
                            break;
                        }
                        lat.push(ms(t.elapsed()));
                    }
                    (lat, error)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| (Vec::new(), Some("client panicked".into())))).collect()
    });
    let wall = start.elapsed().as_secs_f64();
    let error = per_thread.iter().find_map(|(_, e)| e.clone());
    let mut lat: Vec<f64> = per_thread.into_iter().flat_map(|(l, _)| l).collect();
    lat.sort_by(f64::total_cmp);
    let calls = lat.len();
    json!({
        "ok": error.is_none(),
        "error": error,
        "calls": calls,
        "images": calls * batch.max(1),
        "wall_s": wall,
        "p50_ms": percentile(&lat, 0.50),
        "p99_ms": percentile(&lat, 0.99),
        "mean_ms": if calls > 0 { lat.iter().sum::<f64>() / calls as f64 } else { 0.0 },
        "lat_ms": lat,
    })
}

struct Worker {
    inputs: HashMap<String, Arc<Vec<u8>>>,
    engine: Option<Engine>,
}

impl Worker {
    fn input(&self, name: &str) -> Result<&Arc<Vec<u8>>, String> {
        self.inputs.get(name).ok_or_else(|| format!("input `{name}` not loaded"))
    }

    fn engine(&self) -> Result<&Engine, String> {
        self.engine.as_ref().ok_or_else(|| "no engine: send {\"op\":\"engine\"} first".to_owned())
    }

    fn handle(&mut self, cmd: Command) -> Result<Value, String> {
        match cmd {
            Command::Load { name, path } => {
                let bytes = std::fs::read(&path).map_err(|e| format!("{path}: {e}"))?;
                let n = bytes.len();
                self.inputs.insert(name, Arc::new(bytes));
                Ok(json!({"ok": true, "bytes": n}))
            }
            Command::Engine { threads, liveness_models } => {
                self.engine = None;
                let t0 = Instant::now();
                let engine = new_engine(threads, liveness_models).map_err(|e| e.to_string())?;
                let new_ms = ms(t0.elapsed());
                engine.warm_up().map_err(|e| e.to_string())?;
                let warm_ms = ms(t0.elapsed()) - new_ms;
                let threads = engine.config().resolved_threads();
                let models = engine.config().liveness.models.clone();
                self.engine = Some(engine);
                Ok(
                    json!({"ok": true, "threads": threads, "new_ms": new_ms, "warm_up_ms": warm_ms, "liveness_models": models}),
                )
            }
            Command::Verdict { name } => {
                let bytes = self.input(&name)?;
                let r = self.engine()?.analyze(Media::bytes(bytes.to_vec())).map_err(|e| e.to_string())?;
                Ok(json!({"ok": true, "verdict": verdict(&r)}))
            }
            Command::Run { name, clients, seconds, count, batch } => {
                Ok(run(self.engine()?, self.input(&name)?, clients, seconds, count, batch))
            }
            Command::Quit => Ok(json!({"ok": true})),
        }
    }
}

fn main() {
    // Official ONNX Runtime builds write a telemetry id unless this is set before they start.
    // SAFETY: set before any other thread exists.
    unsafe { std::env::set_var("ORT_DISABLE_TELEMETRY", "1") };
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("cold") {
        let threads = args.get(1).and_then(|t| t.parse().ok()).unwrap_or(0);
        println!("{}", cold(threads));
        return;
    }
    let mut worker = Worker { inputs: HashMap::new(), engine: None };
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        if line.trim().is_empty() {
            continue;
        }
        let (answer, quit) = match serde_json::from_str::<Command>(&line) {
            Ok(cmd) => {
                let quit = matches!(cmd, Command::Quit);
                (worker.handle(cmd).unwrap_or_else(|e| json!({"ok": false, "error": e})), quit)
            }
            Err(e) => (json!({"ok": false, "error": format!("bad command: {e}")}), false),
        };
        if writeln!(stdout, "{answer}").and_then(|_| stdout.flush()).is_err() || quit {
            break;
        }
    }
}
