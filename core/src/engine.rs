//! The engine: loaded once, shared across threads (`Send + Sync`, cheap to clone), and
//! stateless between calls.
//!
//! * **Backpressure**: at most `max_in_flight` requests run or wait at once. Past it, every
//!   entry point fails at once with [`Error::Busy`]; nothing already accepted is dropped.
//! * **Threads**: requests with several media, batches and [`Engine::submit`] run on the
//!   engine's own rayon pool; [`Engine::analyze`] of one media runs on the caller's thread
//!   (the sampled frames of a video or shot set are spread over the pool).
//! * **Retention**: with `retention = metadata`, the observer set with
//!   [`Engine::set_observer`] receives one [`MetadataEvent`] per media: ids, times, sizes and
//!   outcome, never pixels or scores tied to content.
//! * **fork()**: an engine remembers the process it was created in. In a child created by
//!   `fork()` its worker threads (rayon's and ONNX Runtime's) do not exist, so every entry point
//!   fails at once with [`Error::Forked`] (instead of waiting forever), [`Engine::ready`] is
//!   false, and dropping it there leaks the thread-owning parts (pool, sessions) instead of
//!   tearing them down (their locks may have been held by threads that were not copied).
//!   Build a new engine in the child.

use std::mem::ManuallyDrop;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use rayon::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::attest::{self, AttestationFields, SigningKey, VerifyingKey};
use crate::biometry::FaceEmbedding;
use crate::config::{EngineConfig, Retention};
use crate::decision::Decision;
use crate::error::{Error, ErrorCategory, Result};
use crate::models::ModelVersion;
use crate::pipeline::{MediaContext, Pipeline};
use crate::report::{Attestation, FailReason, MediaResult, RequestResult, Resolution, SCHEMA_VERSION};
use crate::request::{AnalysisKind, AnalyzeOptions, Media, MediaRef, MediaTag, Request, validate_request_id};
use crate::runtime::{self, RuntimeInfo, SessionSettings};
use crate::stats::{Collector, Stats};

/// What a `metadata` retention observer receives for each media. Never pixels, crops,
/// embeddings or scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MetadataEvent {
    /// Request id.
    pub request_id: String,
    /// Position of the media in its request.
    pub media_index: usize,
    /// When the analysis started, milliseconds since the Unix epoch.
    pub started_at_unix_ms: u64,
    /// How long it took, milliseconds.
    pub duration_ms: f64,
    /// Encoded size in bytes (`null` when decoding failed early).
    pub encoded_bytes: Option<u64>,
    /// Decoded width, pixels.
    pub width: Option<u32>,
    /// Decoded height, pixels.
    pub height: Option<u32>,
    /// Outcome.
    pub resolution: Resolution,
    /// Failure reason, if any.
    pub reason: Option<FailReason>,
    /// Error code, if the media could not be analysed.
    pub error_code: Option<String>,
}

/// Callback receiving retention metadata.
pub type Observer = Arc<dyn Fn(&MetadataEvent) + Send + Sync>;

struct Inner {
    config: EngineConfig,
    /// Owns the ONNX Runtime sessions. Dropped by hand in `Drop for Inner`, leaked after fork.
    pipeline: ManuallyDrop<Pipeline>,
    /// The worker threads. Dropped by hand in `Drop for Inner`, leaked after fork.
    pool: ManuallyDrop<rayon::ThreadPool>,
    /// `std::process::id()` when the engine was created (fork detection).
    pid: u32,
    runtime: &'static RuntimeInfo,
    in_flight: AtomicUsize,
    max_in_flight: usize,
    stats: Collector,
    observer: RwLock<Option<Observer>>,
    /// The signing key (the only copy: the stored configuration has its key removed).
    signer: Option<Signer>,
}

struct Signer {
    key: SigningKey,
    input_hashes: bool,
}

impl Drop for Inner {
    /// In the process that created the engine: drops the sessions, then stops the pool, as
    /// plain fields would. In a child created by `fork()` (the pid differs): leaks both. Their
    /// threads were not copied into the child, and the locks and condition variables they own
    /// may have been held by those threads at the moment of the fork, so tearing them down
    /// could hang or crash; the memory is reclaimed when the child exits or execs.
    fn drop(&mut self) {
        if std::process::id() == self.pid {
            // SAFETY: each field is dropped exactly once, here, and never used afterwards.
            unsafe {
                ManuallyDrop::drop(&mut self.pipeline);
                ManuallyDrop::drop(&mut self.pool);
            }
        }
    }
}

/// The liveness engine. Build it once with [`Engine::new`] and share it (it is `Clone`,
/// `Send` and `Sync`; clones share the same models and pool).
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("threads", &self.inner.pool.current_num_threads())
            .field("max_in_flight", &self.inner.max_in_flight)
            .field("runtime", &self.inner.runtime.library_path)
            .finish_non_exhaustive()
    }
}

/// A slot among `max_in_flight`; released on drop.
struct Permit {
    inner: Arc<Inner>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.inner.in_flight.fetch_sub(1, Ordering::AcqRel);
        self.inner.stats.completed();
    }
}

impl Engine {
    /// Loads ONNX Runtime (once per process), checks and loads every model, and starts the
    /// worker pool. Fails with a typed error (`runtime_not_found`, `model_error`,
    /// `invalid_config`, ...) and never panics.
    pub fn new(config: EngineConfig) -> Result<Engine> {
        let mut config = config;
        config.validate()?;
        let signer = match config.signing.as_mut() {
            Some(signing) => {
                let key = signing.load_key()?;
                // The signer keeps the only copy; `config()` shows the key id and file only.
                signing.key = None;
                signing.key_pem = None; // wiped on drop
                Some(Signer { key, input_hashes: signing.input_hashes })
            }
            None => None,
        };
        let runtime = runtime::environment(config.ort_library_path.as_deref())?;
        let threads = config.resolved_threads();
        let settings = SessionSettings { intra_op_threads: config.intra_op_threads, sessions_per_model: threads };
        let pipeline = Pipeline::load(&config, settings)?;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("ozinstant-{i}"))
            .build()
            .map_err(|e| Error::Internal(format!("cannot start worker threads: {e}")))?;
        let max_in_flight = config.resolved_max_in_flight();
        Ok(Engine {
            inner: Arc::new(Inner {
                config,
                pipeline: ManuallyDrop::new(pipeline),
                pool: ManuallyDrop::new(pool),
                pid: std::process::id(),
                runtime,
                in_flight: AtomicUsize::new(0),
                max_in_flight,
                stats: Collector::default(),
                observer: RwLock::new(None),
                signer,
            }),
        })
    }

    /// The configuration the engine was built with.
    pub fn config(&self) -> &EngineConfig {
        &self.inner.config
    }

    /// Where ONNX Runtime was loaded from.
    pub fn runtime(&self) -> &RuntimeInfo {
        self.inner.runtime
    }

    /// Identities (id, sha256, source) of the loaded models.
    pub fn models(&self) -> &[ModelVersion] {
        self.inner.pipeline.versions()
    }

    /// The public key results are signed with (carrying its key id), or `None` when the engine
    /// has no signing key. Hand it (`to_spki_pem`) to whoever verifies results.
    pub fn verifying_key(&self) -> Option<VerifyingKey> {
        self.inner.signer.as_ref().map(|s| s.key.verifying_key())
    }

    /// True once the models are loaded and the engine accepts work (always, for an engine that
    /// was built, except in a child process created by `fork()`: see [`Error::Forked`]; the
    /// method exists for readiness probes of hosts).
    pub fn ready(&self) -> bool {
        self.check_process().is_ok() && self.inner.pool.current_num_threads() > 0
    }

    /// `Err(Forked)` when called in another process than the one that created the engine (a
    /// child created by `fork()`): its worker threads do not exist there. Every entry point
    /// checks this first.
    fn check_process(&self) -> Result<()> {
        let pid = std::process::id();
        if pid == self.inner.pid { Ok(()) } else { Err(Error::Forked { created_pid: self.inner.pid, pid }) }
    }

    /// Runs every model once on every worker so that the first real calls are not slower,
    /// including the face embedder, which is otherwise loaded by the first biometry request.
    pub fn warm_up(&self) -> Result<()> {
        self.check_process()?;
        let results: Vec<Result<()>> = self.inner.pool.broadcast(|_| self.inner.pipeline.warm_up());
        results.into_iter().collect()
    }

    /// Counters and the latency histogram.
    pub fn stats(&self) -> Stats {
        self.inner.stats.snapshot(self.inner.in_flight.load(Ordering::Acquire), self.inner.max_in_flight)
    }

    /// Sets (or clears) the retention observer. It is called only when `retention` is
    /// `metadata`, on the thread that analysed the media.
    pub fn set_observer(&self, observer: Option<Observer>) {
        *self.inner.observer.write().unwrap_or_else(|p| p.into_inner()) = observer;
    }

    fn acquire(&self) -> Result<Permit> {
        let inner = &self.inner;
        let prev = inner.in_flight.fetch_add(1, Ordering::AcqRel);
        if prev >= inner.max_in_flight {
            inner.in_flight.fetch_sub(1, Ordering::AcqRel);
            inner.stats.busy();
            return Err(Error::Busy { in_flight: prev, limit: inner.max_in_flight });
        }
        inner.stats.accepted();
        Ok(Permit { inner: Arc::clone(inner) })
    }

    /// Analyses one media on the calling thread, with the engine's default options. Input
    /// errors (undecodable bytes, limits, unreadable file) are returned as `Err`; face and
    /// quality failures are `Ok` results with `resolution = FAILED`.
    pub fn analyze(&self, media: Media) -> Result<MediaResult> {
        self.analyze_with(media, &AnalyzeOptions::default())
    }

    /// [`analyze`](Self::analyze) with per-call options.
    pub fn analyze_with(&self, media: Media, options: &AnalyzeOptions) -> Result<MediaResult> {
        self.analyze_ref(media.as_ref(), media.label.clone(), options)
    }

    /// Analyses borrowed content (bytes, path or pixels) without taking ownership; for front
    /// doors that hold the caller's buffer. Same error contract as [`analyze`](Self::analyze).
    pub fn analyze_ref(
        &self,
        media: MediaRef<'_>,
        label: Option<String>,
        options: &AnalyzeOptions,
    ) -> Result<MediaResult> {
        self.check_process()?;
        self.check_options(options)?;
        let _permit = self.acquire()?;
        self.analyze_ref_in_slot(media, label, options)
    }

    fn analyze_ref_in_slot(
        &self,
        media: MediaRef<'_>,
        label: Option<String>,
        options: &AnalyzeOptions,
    ) -> Result<MediaResult> {
        self.check_process()?;
        self.check_options(options)?;
        let request_id = request_id(options)?;
        let r = self.run_guarded(|| {
            let (result, input_error) = self.run_media(media, 0, label, &request_id, options)?;
            match input_error {
                Some(e) => Err(e),
                None => Ok(result),
            }
        });
        if r.as_ref().is_err_and(|e| !matches!(e.category(), ErrorCategory::InvalidInput | ErrorCategory::Io)) {
            self.inner.stats.error();
        }
        r
    }

    /// Analyses a request ("folder"): its media in parallel on the engine's pool, one result
    /// per media in order. Media that cannot be decoded are reported as `FAILED/INPUT_ERROR`
    /// entries; the request itself fails only on request-level problems (busy, too many media,
    /// bad options).
    pub fn analyze_request(&self, request: Request) -> Result<RequestResult> {
        self.check_process()?;
        self.check_request(&request)?;
        let _permit = self.acquire()?;
        self.analyze_request_in_slot(request)
    }

    fn analyze_request_in_slot(&self, request: Request) -> Result<RequestResult> {
        self.check_process()?;
        self.check_request(&request)?;
        let r = self.run_guarded(|| self.run_request(&request));
        if r.is_err() {
            self.inner.stats.error();
        }
        r
    }

    /// Analyses several requests across the pool. The batch takes one in-flight slot; each
    /// request gets its own result or error, in order.
    pub fn analyze_batch(&self, requests: Vec<Request>) -> Result<Vec<Result<RequestResult>>> {
        self.check_process()?;
        let _permit = self.acquire()?;
        Ok(self.analyze_batch_in_slot(requests))
    }

    fn analyze_batch_in_slot(&self, requests: Vec<Request>) -> Vec<Result<RequestResult>> {
        let pid = std::process::id();
        if pid != self.inner.pid {
            // A reservation taken before fork() and used in the child: no pool to run on.
            return requests.iter().map(|_| Err(Error::Forked { created_pid: self.inner.pid, pid })).collect();
        }
        self.inner.pool.install(|| {
            requests
                .par_iter()
                .map(|r| {
                    self.check_request(r)?;
                    let res = self.run_guarded(|| self.run_request(r));
                    if res.is_err() {
                        self.inner.stats.error();
                    }
                    res
                })
                .collect()
        })
    }

    /// Takes one of the `max_in_flight` slots now, for work that will run later on a thread
    /// the host owns (Node's libuv pool, a job queue). Fails at once with `busy` when the
    /// engine is full, so a host never queues more than the engine accepts. The slot is freed
    /// when the returned [`Reservation`] is used up or dropped.
    pub fn reserve(&self) -> Result<Reservation> {
        self.check_process()?;
        Ok(Reservation { permit: self.acquire()?, engine: self.clone() })
    }

    /// Queues a request on the engine's pool and returns at once. `callback` runs on an engine
    /// thread with the result (carrying the request id) or the error, exactly once, even if the
    /// analysis panics. Fails at once with `busy` when `max_in_flight` requests are in flight,
    /// in which case `callback` is never called.
    pub fn submit<F>(&self, request: Request, callback: F) -> Result<()>
    where
        F: FnOnce(Result<RequestResult>) + Send + 'static,
    {
        self.check_process()?;
        self.check_request(&request)?;
        let permit = self.acquire()?;
        let engine = self.clone();
        self.inner.pool.spawn(move || {
            let result = engine.run_guarded(|| engine.run_request(&request));
            if result.is_err() {
                engine.inner.stats.error();
            }
            drop(request); // zeroize owned buffers before the callback runs
            // The slot is freed before the callback so that a callback may submit again.
            drop(permit);
            if catch_unwind(AssertUnwindSafe(|| callback(result))).is_err() {
                tracing::error!("ozinstant: a submit callback panicked; the panic was contained");
            }
        });
        Ok(())
    }

    /// Validates a call's options; a nonce needs a signing key.
    fn check_options(&self, options: &AnalyzeOptions) -> Result<()> {
        options.validate()?;
        if options.nonce.is_some() && self.inner.signer.is_none() {
            return Err(Error::InvalidInput(
                "nonce given, but the engine has no signing key to bind it to a result (configure `signing`)".into(),
            ));
        }
        Ok(())
    }

    fn check_request(&self, request: &Request) -> Result<()> {
        self.check_options(&request.options)?;
        let limit = self.inner.config.limits.max_media_per_request;
        let count = request.media.len();
        if count == 0 || count > limit {
            return Err(Error::TooManyMedia { count, limit });
        }
        if let Some(tags) = &request.options.media_tags
            && tags.len() != count
        {
            return Err(Error::InvalidInput(format!("media_tags has {} entries for {count} media", tags.len())));
        }
        Ok(())
    }

    fn run_guarded<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<T> {
        match catch_unwind(AssertUnwindSafe(f)) {
            Ok(r) => r,
            Err(panic) => {
                let msg = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".to_owned());
                Err(Error::Internal(format!("analysis panicked: {msg}")))
            }
        }
    }

    fn run_request(&self, request: &Request) -> Result<RequestResult> {
        let start = Instant::now();
        let options = &request.options;
        let request_id = request_id(options)?;
        let biometry = options.wants(AnalysisKind::Biometry);
        let run = |i: usize, m: &Media| {
            let tag = options.tag_of(i, m.tag);
            let embed = biometry && options.biometry_for(tag);
            self.run_media_embed(m.as_ref(), i, m.label.clone(), tag, embed, &request_id, options)
                .map(|(r, _, e)| (r, e))
        };
        let outcomes: Vec<(MediaResult, Option<FaceEmbedding>)> = if request.media.len() == 1 {
            vec![run(0, &request.media[0])?]
        } else {
            self.inner
                .pool
                .install(|| request.media.par_iter().enumerate().map(|(i, m)| run(i, m)).collect::<Result<Vec<_>>>())?
        };
        let mut models = self.models().to_vec();
        let (media, embeddings): (Vec<MediaResult>, Vec<_>) = outcomes.into_iter().unzip();
        let biometry = if biometry {
            let threshold = options.biometry_threshold.unwrap_or(self.inner.config.biometry_threshold);
            let tags: Vec<_> =
                request.media.iter().enumerate().map(|(i, m)| options.biometry_for(options.tag_of(i, m.tag))).collect();
            let report = crate::biometry::compare(
                &media,
                &embeddings,
                &tags,
                threshold,
                options.return_embeddings.unwrap_or(false),
            );
            if let Some((_, version)) = self.inner.pipeline.embedder_loaded() {
                models.push(version.clone());
            }
            Some(report)
        } else {
            None
        };
        drop(embeddings); // zeroized
        let mut result = RequestResult {
            schema_version: SCHEMA_VERSION.to_owned(),
            request_id,
            resolution: RequestResult::aggregate_with(&media, biometry.as_ref()),
            media,
            models: models.clone(),
            engine_version: crate::VERSION.to_owned(),
            total_ms: (start.elapsed().as_secs_f64() * 1e6).round() / 1e3,
            biometry,
            attestation: None,
        };
        result.attestation = self.attestation(&result, options, None, models)?;
        Ok(result)
    }

    fn run_media(
        &self,
        media: MediaRef<'_>,
        index: usize,
        label: Option<String>,
        request_id: &str,
        options: &AnalyzeOptions,
    ) -> Result<(MediaResult, Option<Error>)> {
        self.run_media_embed(media, index, label, None, false, request_id, options).map(|(r, e, _)| (r, e))
    }

    /// One media with its tag; with `embed`, also its face embedding (biometry).
    #[allow(clippy::too_many_arguments)]
    fn run_media_embed(
        &self,
        media: MediaRef<'_>,
        index: usize,
        label: Option<String>,
        tag: Option<MediaTag>,
        embed: bool,
        request_id: &str,
        options: &AnalyzeOptions,
    ) -> Result<(MediaResult, Option<Error>, Option<FaceEmbedding>)> {
        let cfg = &self.inner.config;
        let ctx = MediaContext {
            request_id,
            media_index: index,
            label,
            decision: Decision::resolve(options.decision_settings(), cfg.decision_settings(), &cfg.liveness),
            quality_gate: options.quality_gate.unwrap_or(cfg.quality.enabled),
            face_policy: options.face_policy.unwrap_or(cfg.face_policy),
            tag,
            liveness: options.liveness_for(tag),
            embed,
            landmarks: false,
            frames: options.video_frames.unwrap_or(cfg.video.frames),
            pool: Some(&self.inner.pool),
        };
        let started = SystemTime::now();
        let hash = self.inner.signer.as_ref().is_some_and(|s| s.input_hashes);
        let (mut result, error, embedding, sha256) = self.inner.pipeline.analyze_hashed(media, &ctx, cfg, hash);
        // Engine faults (ONNX Runtime, internal) are not media failures: the call fails.
        let error = match error {
            Some(e) if !matches!(e.category(), ErrorCategory::InvalidInput | ErrorCategory::Io) => return Err(e),
            other => other,
        };
        if self.inner.signer.is_some() {
            let mut models = self.models().to_vec();
            if embed && let Some((_, version)) = self.inner.pipeline.embedder_loaded() {
                models.push(version.clone());
            }
            result.attestation = self.attestation(&result, options, sha256, models)?;
        }
        self.inner.stats.media(result.resolution, result.reason, result.timings.total_ms);
        self.notify(&result, started);
        Ok((result, error, embedding))
    }

    /// The attestation of `result` (`None` without a signing key).
    fn attestation<T: Serialize>(
        &self,
        result: &T,
        options: &AnalyzeOptions,
        media_sha256: Option<String>,
        models: Vec<ModelVersion>,
    ) -> Result<Option<Attestation>> {
        let Some(signer) = &self.inner.signer else { return Ok(None) };
        let fields = AttestationFields {
            issued_at: attest::rfc3339_utc(SystemTime::now()),
            nonce: options.nonce.clone(),
            media_sha256,
            engine_version: crate::VERSION.to_owned(),
            models,
        };
        attest::attestation_of(result, &signer.key, &fields).map(Some)
    }

    fn notify(&self, r: &MediaResult, started: SystemTime) {
        if self.inner.config.retention != Retention::Metadata {
            return;
        }
        let observer = self.inner.observer.read().unwrap_or_else(|p| p.into_inner()).clone();
        let Some(observer) = observer else { return };
        let event = MetadataEvent {
            request_id: r.request_id.clone(),
            media_index: r.media_index,
            started_at_unix_ms: started.duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0),
            duration_ms: r.timings.total_ms,
            encoded_bytes: r.image.as_ref().map(|i| i.encoded_bytes),
            width: r.image.as_ref().map(|i| i.width),
            height: r.image.as_ref().map(|i| i.height),
            resolution: r.resolution,
            reason: r.reason,
            error_code: r.error.as_ref().map(|e| e.code.clone()),
        };
        if catch_unwind(AssertUnwindSafe(|| observer(&event))).is_err() {
            tracing::error!("ozinstant: the retention observer panicked; the panic was contained");
        }
    }
}

/// A slot taken with [`Engine::reserve`]; each method uses it up (frees it when done).
pub struct Reservation {
    engine: Engine,
    permit: Permit,
}

impl std::fmt::Debug for Reservation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reservation").finish_non_exhaustive()
    }
}

impl Reservation {
    /// [`Engine::analyze_ref`] in this slot.
    pub fn analyze_ref(
        self,
        media: MediaRef<'_>,
        label: Option<String>,
        options: &AnalyzeOptions,
    ) -> Result<MediaResult> {
        let r = self.engine.analyze_ref_in_slot(media, label, options);
        drop(self.permit);
        r
    }

    /// [`Engine::analyze_request`] in this slot.
    pub fn analyze_request(self, request: Request) -> Result<RequestResult> {
        let r = self.engine.analyze_request_in_slot(request);
        drop(self.permit);
        r
    }

    /// [`Engine::analyze_batch`] in this slot (the whole batch shares it).
    pub fn analyze_batch(self, requests: Vec<Request>) -> Vec<Result<RequestResult>> {
        let r = self.engine.analyze_batch_in_slot(requests);
        drop(self.permit);
        r
    }
}

fn request_id(options: &AnalyzeOptions) -> Result<String> {
    match &options.request_id {
        Some(id) => {
            validate_request_id(id)?;
            Ok(id.clone())
        }
        None => Ok(uuid::Uuid::new_v4().to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync + Clone>() {}

    #[test]
    fn engine_is_send_sync_clone() {
        assert_send_sync::<Engine>();
    }
}
