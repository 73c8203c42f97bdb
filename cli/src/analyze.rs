//! Running the analyses: each file is its own single-media request, analysed on one of
//! `workers` threads, and handed on in input order.
//!
//! Workers take the next file index from a shared counter, so files start in input order and
//! results arrive nearly in order; a small reorder buffer restores the exact order. At most
//! `workers` analyses run at once, so an engine with `max_in_flight >= workers` never answers
//! `busy` to the CLI.

use std::collections::BTreeMap;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use indicatif::ProgressBar;
use ozinstant::{AnalyzeOptions, Engine, Media, MediaResult};

use crate::inputs::Input;

/// What every analysis of a run shares.
pub struct Run<'a> {
    /// The engine.
    pub engine: &'a Engine,
    /// Signs the results the CLI makes itself (files the engine refused); `None` without a key.
    pub signer: Option<&'a crate::attest::Signer>,
    /// Request id put on every file (`--request-id`); `None` generates a UUID v4 per file.
    pub request_id: Option<&'a str>,
    /// Threshold reported on results of files that could not be analysed.
    pub threshold: f64,
    /// Frames per video or shot set (`--frames`); `None` keeps the engine's `video.frames`.
    pub video_frames: Option<usize>,
    /// Worker threads (at least 1).
    pub workers: usize,
    /// Progress bar advanced once per finished file.
    pub progress: Option<&'a ProgressBar>,
    /// Hide the progress bar while `emit` runs (when results stream to the same terminal).
    pub suspend_progress: bool,
}

impl Run<'_> {
    /// Analyses one file (a photo, a video or a shot set). Input errors (unreadable file,
    /// unsupported or corrupt image, unsupported video codec, rejected archive, limits) and
    /// engine faults become a `FAILED/INPUT_ERROR` result carrying the `error` object.
    pub fn analyze_one(&self, input: &Input) -> MediaResult {
        let request_id = match self.request_id {
            Some(id) => id.to_owned(),
            None => uuid::Uuid::new_v4().to_string(),
        };
        let options = AnalyzeOptions {
            request_id: Some(request_id.clone()),
            video_frames: self.video_frames,
            nonce: self.signer.and_then(|s| s.nonce.clone()),
            ..AnalyzeOptions::default()
        };
        let media = Media::path(&input.path).with_label(input.source.clone());
        match self.engine.analyze_with(media, &options) {
            Ok(r) => r,
            Err(e) => {
                let mut r = MediaResult::from_error(&request_id, 0, Some(input.source.clone()), self.threshold, &e);
                if let Some(signer) = self.signer {
                    signer.sign_failed(&mut r, &input.path, self.engine.models());
                }
                r
            }
        }
    }

    /// Analyses `files` in parallel and calls `emit` with each result in input order, on the
    /// calling thread. Stops early (and returns the error) when `emit` fails, e.g. on a closed
    /// pipe; files not yet started are then skipped.
    pub fn run(&self, files: &[Input], mut emit: impl FnMut(MediaResult) -> io::Result<()>) -> io::Result<()> {
        let next = AtomicUsize::new(0);
        let stop = AtomicBool::new(false);
        let (tx, rx) = mpsc::channel::<(usize, MediaResult)>();
        std::thread::scope(|scope| {
            let mut started = 0;
            for i in 0..self.workers.max(1) {
                let tx = tx.clone();
                let (next, stop) = (&next, &stop);
                let worker = move || {
                    while !stop.load(Ordering::Relaxed) {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(input) = files.get(index) else { break };
                        if tx.send((index, self.analyze_one(input))).is_err() {
                            break;
                        }
                    }
                };
                match std::thread::Builder::new().name(format!("ozinstant-cli-{i}")).spawn_scoped(scope, worker) {
                    Ok(_) => started += 1,
                    Err(e) => eprintln!("ozinstant: warning: cannot start worker thread {i}: {e}"),
                }
            }
            drop(tx);
            if started == 0 {
                return Err(io::Error::other("cannot start any worker thread"));
            }

            let mut pending: BTreeMap<usize, MediaResult> = BTreeMap::new();
            let mut expected = 0;
            for (index, result) in rx {
                if let Some(bar) = self.progress {
                    bar.inc(1);
                }
                pending.insert(index, result);
                while let Some(r) = pending.remove(&expected) {
                    expected += 1;
                    let written = match self.progress {
                        Some(bar) if self.suspend_progress => bar.suspend(|| emit(r)),
                        _ => emit(r),
                    };
                    if let Err(e) = written {
                        // Dropping the receiver (end of this loop) makes the workers' next send
                        // fail; `stop` keeps them from starting new files meanwhile.
                        stop.store(true, Ordering::Relaxed);
                        return Err(e);
                    }
                }
            }
            Ok(())
        })
    }
}
