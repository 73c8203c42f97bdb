//! Overload: ten times the engine's capacity, from many threads and through asynchronous
//! submission at once. Every call ends in a result or `busy`; nothing hangs (a watchdog aborts
//! the process past a deadline); every accepted submission is answered exactly once; the
//! engine's counters agree with the callers' and come back to zero in flight; resident memory
//! stays bounded.
//!
//! `core/tests/engine.rs` has the small version (8 threads, 4 slots, one entry point pair);
//! this one mixes every entry point (`analyze`, `analyze_request`, `analyze_batch`, `reserve`,
//! `submit`), valid and hostile media, a tight submission flood and callbacks that resubmit.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use common::{encode_jpeg, sample};
use ozinstant::{AnalyzeOptions, Engine, EngineConfig, Error, Media, MediaRef, Request, Resolution};

const THREADS: usize = 2;
const CAPACITY: usize = 4;
/// Ten times the capacity.
const CALLERS: usize = 10 * CAPACITY;
const ROUNDS: usize = 6;
const FLOOD: usize = 400;
/// Allowed growth of the resident set across the overload phase. At most `CAPACITY` requests
/// hold inputs and frames at once (a few MiB each here); the rest is allocator slack and ONNX
/// Runtime arenas already grown by the warm-up phase.
const RSS_GROWTH_BOUND_KIB: u64 = 96 * 1024;
const DEADLINE: Duration = Duration::from_secs(300);

fn status_kib(key: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines().find(|l| l.starts_with(key)).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()).unwrap_or(0)
}

/// Aborts the whole process (a hang cannot be caught otherwise) unless disarmed in time.
struct Watchdog(Arc<AtomicBool>);

impl Watchdog {
    fn arm(what: &'static str, limit: Duration) -> Self {
        let done = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&done);
        std::thread::spawn(move || {
            let start = Instant::now();
            while start.elapsed() < limit {
                if flag.load(Ordering::SeqCst) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            eprintln!("watchdog: {what} still running after {limit:?}: something hangs");
            std::process::abort();
        });
        Watchdog(done)
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[derive(Default)]
struct Tally {
    /// Calls made (each retry is a call).
    attempts: AtomicUsize,
    /// Calls the engine took (synchronous results plus accepted submissions).
    accepted: AtomicUsize,
    /// Synchronous calls that returned a result.
    sync_results: AtomicUsize,
    /// Submissions accepted.
    submitted: AtomicUsize,
    /// Submission callbacks run.
    answered: AtomicUsize,
    /// Calls refused with `busy` (each takes no slot).
    busy: AtomicUsize,
    /// Slowest `busy` answer, microseconds.
    slowest_busy_us: AtomicUsize,
    /// Results whose verdict was wrong.
    wrong: AtomicUsize,
}

impl Tally {
    /// Counts a synchronous call; true when it was accepted.
    fn sync<T>(&self, r: Result<T, Error>, started: Instant, check: impl FnOnce(&T) -> bool) -> bool {
        self.attempts.fetch_add(1, Ordering::SeqCst);
        match r {
            Ok(v) => {
                self.accepted.fetch_add(1, Ordering::SeqCst);
                self.sync_results.fetch_add(1, Ordering::SeqCst);
                if !check(&v) {
                    self.wrong.fetch_add(1, Ordering::SeqCst);
                }
                true
            }
            Err(e) => self.refused(&e, started),
        }
    }

    /// Counts a refusal, which must be `busy` and immediate; returns false.
    fn refused(&self, e: &Error, started: Instant) -> bool {
        assert_eq!(e.name(), "busy", "only busy may refuse valid work: {e}");
        assert!(matches!(e, Error::Busy { limit: CAPACITY, .. }), "{e:?}");
        self.busy.fetch_add(1, Ordering::SeqCst);
        self.slowest_busy_us.fetch_max(started.elapsed().as_micros() as usize, Ordering::SeqCst);
        false
    }
}

/// Media for the load: a live photo (SUCCESS), a face-less synthetic JPEG (NO_FACE) and junk
/// (an INPUT_ERROR inside requests, an error for single calls).
struct Inputs {
    live: Vec<u8>,
    blank: Vec<u8>,
    junk: Vec<u8>,
}

fn inputs() -> Inputs {
    let (w, h) = (160, 120);
    let rgb: Vec<u8> = (0..w * h).flat_map(|i| [(i % 200) as u8, (i / w) as u8, 90]).collect();
    Inputs {
        live: std::fs::read(sample("skimage_live_astronaut.png")).unwrap(),
        blank: encode_jpeg(&rgb, w, h, 85),
        junk: b"not an image at all".to_vec(),
    }
}

/// Submits one media; true when accepted.
fn submit_one(engine: &Engine, tally: &Arc<Tally>, media: Media, resubmit: bool) -> bool {
    let started = Instant::now();
    let t = Arc::clone(tally);
    let again = engine.clone();
    let r = engine.submit(Request::from(media), move |r| {
        let ok = r.as_ref().is_ok_and(|r| r.media.len() == 1);
        if !ok {
            t.wrong.fetch_add(1, Ordering::SeqCst);
        }
        // A callback may submit again (its slot is already free): the engine must not
        // deadlock on its own pool.
        if resubmit {
            submit_one(&again, &t, Media::bytes(b"junk from a callback".to_vec()), false);
        }
        t.answered.fetch_add(1, Ordering::SeqCst);
    });
    tally.attempts.fetch_add(1, Ordering::SeqCst);
    match r {
        Ok(()) => {
            tally.accepted.fetch_add(1, Ordering::SeqCst);
            tally.submitted.fetch_add(1, Ordering::SeqCst);
            true
        }
        Err(e) => tally.refused(&e, started),
    }
}

/// Performs `ROUNDS` operations through every entry point, retrying each after `busy` (as a
/// well-behaved host does) until the engine takes it.
fn caller(engine: &Engine, tally: &Arc<Tally>, inputs: &Inputs, id: usize) {
    for round in 0..ROUNDS {
        while !operation(engine, tally, inputs, (id + round) % 6, round % 2 == 0) {
            std::thread::sleep(Duration::from_millis(1 + (id % 4) as u64));
        }
    }
}

fn operation(engine: &Engine, tally: &Arc<Tally>, inputs: &Inputs, kind: usize, resubmit: bool) -> bool {
    let started = Instant::now();
    match kind {
        0 => tally
            .sync(engine.analyze(Media::bytes(inputs.live.clone())), started, |r| r.resolution == Resolution::Success),
        1 => tally.sync(engine.analyze(Media::bytes(inputs.blank.clone())), started, |r| {
            r.reason == Some(ozinstant::FailReason::NoFace)
        }),
        2 => {
            let req = Request::new(vec![
                Media::bytes(inputs.blank.clone()),
                Media::bytes(inputs.junk.clone()),
                Media::bytes(inputs.live.clone()),
            ]);
            tally.sync(engine.analyze_request(req), started, |r| {
                r.media.len() == 3 && r.media[1].error.is_some() && r.resolution == Resolution::Failed
            })
        }
        3 => {
            let batch = vec![Request::from(Media::bytes(inputs.blank.clone())), Request::new(vec![])];
            tally.sync(engine.analyze_batch(batch), started, |r| {
                r.len() == 2 && r[0].is_ok() && r[1].as_ref().is_err_and(|e| e.name() == "too_many_media")
            })
        }
        4 => match engine.reserve() {
            Ok(slot) => {
                // Hold the slot a moment, as a host queue would, then use it.
                std::thread::sleep(Duration::from_millis(2));
                let r = slot.analyze_ref(MediaRef::Bytes(&inputs.blank), None, &AnalyzeOptions::default());
                tally.sync(r, started, |r| r.resolution == Resolution::Failed)
            }
            Err(e) => {
                tally.attempts.fetch_add(1, Ordering::SeqCst);
                tally.refused(&e, started)
            }
        },
        _ => submit_one(engine, tally, Media::bytes(inputs.blank.clone()), resubmit),
    }
}

#[test]
fn ten_times_the_capacity_from_threads_and_submissions() {
    let _watchdog = Watchdog::arm("the overload test", DEADLINE);
    let cfg = EngineConfig { threads: THREADS, max_in_flight: CAPACITY, ..EngineConfig::default() };
    let engine = Engine::new(cfg).unwrap();
    engine.warm_up().unwrap();
    let inputs = inputs();

    let run = |tally: &Arc<Tally>| {
        let barrier = Barrier::new(CALLERS + 1);
        std::thread::scope(|s| {
            for id in 0..CALLERS {
                let (engine, tally, inputs, barrier) = (&engine, Arc::clone(tally), &inputs, &barrier);
                s.spawn(move || {
                    barrier.wait();
                    caller(engine, &tally, inputs, id);
                });
            }
            // The flood: submissions in a tight loop from one more thread, while the callers run.
            let (engine, tally, inputs, barrier) = (&engine, Arc::clone(tally), &inputs, &barrier);
            s.spawn(move || {
                barrier.wait();
                for i in 0..FLOOD {
                    let media = if i % 3 == 0 { &inputs.junk } else { &inputs.blank };
                    submit_one(engine, &tally, Media::bytes(media.clone()), false);
                }
            });
        });
        // Every accepted submission is answered (callbacks that resubmit add to both counts).
        let wait = Instant::now();
        while tally.answered.load(Ordering::SeqCst) < tally.submitted.load(Ordering::SeqCst) {
            assert!(wait.elapsed() < Duration::from_secs(120), "submissions were lost");
            std::thread::sleep(Duration::from_millis(10));
        }
        // Callbacks increment `answered` last; let a resubmission's count settle.
        std::thread::sleep(Duration::from_millis(50));
        while tally.answered.load(Ordering::SeqCst) < tally.submitted.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(10));
        }
    };

    // Warm-up pass: ONNX Runtime arenas, rayon stacks and allocator pools reach their size.
    run(&Arc::new(Tally::default()));
    let before = engine.stats();
    let rss_before = status_kib("VmRSS:");

    let tally = Arc::new(Tally::default());
    let started = Instant::now();
    run(&tally);
    let took = started.elapsed();
    let rss_after = status_kib("VmRSS:");
    let after = engine.stats();

    let n = |a: &AtomicUsize| a.load(Ordering::SeqCst);
    let (accepted, busy, submitted, answered) =
        (n(&tally.accepted), n(&tally.busy), n(&tally.submitted), n(&tally.answered));
    eprintln!(
        "overload: {CALLERS} callers + flood of {FLOOD} against {CAPACITY} slots in {took:?}: {} calls, accepted \
         {accepted} (sync {}, submitted {submitted}, answered {answered}), busy {busy}, slowest busy {} µs, \
         RSS {rss_before} -> {rss_after} KiB",
        n(&tally.attempts),
        n(&tally.sync_results),
        n(&tally.slowest_busy_us)
    );

    assert_eq!(n(&tally.wrong), 0, "wrong verdicts or failed submissions under load");
    assert_eq!(submitted, answered, "every accepted submission answered exactly once");
    // Every call ended in exactly one of: accepted, busy.
    assert_eq!(accepted + busy, n(&tally.attempts));
    assert!(busy > 0, "ten times the capacity must see busy");
    // Every caller got all its work done (retrying after busy); the flood got some in.
    assert!(accepted >= CALLERS * ROUNDS, "accepted {accepted}");
    // Busy is answered at once, not after queueing: a refused call that waited for a slot would
    // sit behind 40 callers' analyses for many seconds. The bound is loose on purpose (0.05 s is
    // typical; 0.8 s was seen on a loaded 2-core machine): it catches a blocking acquire, not speed.
    assert!(n(&tally.slowest_busy_us) < 5_000_000, "a busy answer took {} µs", n(&tally.slowest_busy_us));
    // The engine's own counters agree with the callers'.
    assert_eq!(after.in_flight, 0, "slots leaked");
    assert_eq!(after.requests_accepted, after.requests_completed);
    assert_eq!((after.requests_accepted - before.requests_accepted) as usize, accepted);
    assert_eq!((after.busy_rejections - before.busy_rejections) as usize, busy);
    // Memory: bounded growth across a full overload pass.
    let grew = rss_after.saturating_sub(rss_before);
    assert!(grew <= RSS_GROWTH_BOUND_KIB, "resident set grew by {grew} KiB");
    // Still serving normally afterwards.
    let r = engine.analyze(Media::path(sample("minivision_live_image_T1.jpg"))).unwrap();
    assert_eq!(r.resolution, Resolution::Success);
}

#[test]
fn submissions_outliving_the_engine_handle_are_answered() {
    let _watchdog = Watchdog::arm("the dropped-engine test", DEADLINE);
    let answered = Arc::new(AtomicUsize::new(0));
    let mut accepted = 0;
    {
        let engine = Engine::new(EngineConfig { threads: 1, max_in_flight: 8, ..EngineConfig::default() }).unwrap();
        let (w, h) = (96, 64);
        let jpeg = encode_jpeg(&vec![120u8; (w * h * 3) as usize], w, h, 80);
        for _ in 0..80 {
            let a = Arc::clone(&answered);
            match engine.submit(Request::from(Media::bytes(jpeg.clone())), move |r| {
                assert!(r.is_ok());
                a.fetch_add(1, Ordering::SeqCst);
            }) {
                Ok(()) => accepted += 1,
                Err(e) => assert_eq!(e.name(), "busy"),
            }
        }
        // The last handle is dropped here with work still queued.
    }
    let wait = Instant::now();
    while answered.load(Ordering::SeqCst) < accepted {
        assert!(
            wait.elapsed() < Duration::from_secs(120),
            "{} of {accepted} answered",
            answered.load(Ordering::SeqCst)
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!((8..80).contains(&accepted), "accepted {accepted}");
}
