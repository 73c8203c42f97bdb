//! fork() safety: an engine inherited by a child process created with `fork()` refuses work
//! with the typed `forked` error (16) instead of waiting forever for worker threads that do not
//! exist in the child, reports `ready() == false`, and can be dropped there without hanging.
//! The parent's engine keeps working.
//!
//! One test in its own binary: fork() copies only the calling thread, so no other test thread
//! may hold a lock (stdout, allocator arenas, the engine's pool) at that moment.
#![cfg(unix)]

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::sample;
use ozinstant::{Engine, EngineConfig, Error, Media, Request, Resolution};

const LIVE: &str = "minivision_live_image_T1.jpg";
const SPOOF: &str = "minivision_spoof_print_image_F1.jpg";

fn is_forked<T>(r: &Result<T, Error>) -> bool {
    matches!(r, Err(e @ Error::Forked { .. }) if e.code() == 16 && e.name() == "forked")
}

fn request() -> Request {
    Request::new(vec![Media::path(sample(LIVE)), Media::path(sample(SPOOF))])
}

/// Runs in the child. Returns a bit mask of the checks that failed (0 = all passed); never
/// panics into the test harness (the caller turns a panic into exit status 100).
fn child_checks(engine: Engine, reservation: ozinstant::Reservation) -> i32 {
    let mut failed = 0;
    let mut check = |bit: i32, ok: bool| {
        if !ok {
            failed |= 1 << bit;
        }
    };
    check(0, is_forked(&engine.analyze(Media::path(sample(LIVE)))));
    check(1, is_forked(&engine.analyze_request(request())));
    let (tx, rx) = mpsc::channel();
    let submitted = engine.submit(request(), move |r| {
        let _ = tx.send(r.is_ok());
    });
    check(2, is_forked(&submitted));
    check(3, is_forked(&engine.warm_up()));
    check(4, !engine.ready());
    check(5, is_forked(&engine.analyze_batch(vec![request()])));
    check(6, is_forked(&engine.reserve()));
    // A slot reserved in the parent before fork() and used in the child.
    check(7, is_forked(&reservation.analyze_request(request())));
    // The refused submission never calls back.
    check(8, rx.recv_timeout(Duration::from_millis(200)).is_err());
    // Dropping the inherited engine must neither hang nor crash (it leaks its pool and sessions).
    drop(engine);
    failed
}

#[test]
fn engine_inherited_through_fork_fails_with_forked_and_parent_keeps_working() {
    let engine = Engine::new(EngineConfig { threads: 2, ..EngineConfig::default() }).expect("engine");
    assert!(engine.ready());
    // Use the pool and the sessions before forking, so their threads exist in the parent.
    let before = engine.analyze_request(request()).expect("analysis before fork");
    assert_eq!(before.media[0].resolution, Resolution::Success);
    assert_eq!(before.media[1].resolution, Resolution::Declined);
    let reservation = engine.reserve().expect("reserve");
    let child_engine = engine.clone();

    // SAFETY: the child only runs Rust code that does not depend on other threads of the parent
    // (the engine refuses work before touching its pool or sessions) and leaves with _exit.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed: {}", std::io::Error::last_os_error());
    if pid == 0 {
        let status = match catch_unwind(AssertUnwindSafe(|| child_checks(child_engine, reservation))) {
            Ok(mask) => mask.min(99),
            Err(_) => 100,
        };
        // SAFETY: leaves the child without running the parent's atexit handlers or the harness.
        unsafe { libc::_exit(status) };
    }
    drop(reservation);
    drop(child_engine);

    // Wait for the child, at most 60 s (a hang is the bug this test guards against).
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut status = 0;
    loop {
        // SAFETY: plain waitpid on our own child.
        let r = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        assert!(r >= 0, "waitpid failed: {}", std::io::Error::last_os_error());
        if r == pid {
            break;
        }
        if Instant::now() > deadline {
            // SAFETY: kill and reap our own child.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, &mut status, 0);
            }
            panic!("the forked child did not finish within 60 s (hang in an inherited engine)");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(libc::WIFEXITED(status), "child did not exit normally (raw status {status:#x})");
    let code = libc::WEXITSTATUS(status);
    assert_eq!(code, 0, "child checks failed: exit status {code} (bit mask of failed checks; 100 = panic)");

    // The parent's engine is untouched.
    assert!(engine.ready());
    engine.warm_up().expect("warm_up in the parent");
    let after = engine.analyze_request(request()).expect("analysis after fork");
    assert_eq!(after.media[0].resolution, Resolution::Success);
    assert_eq!(after.media[1].confidence_spoofing, before.media[1].confidence_spoofing);
    let (tx, rx) = mpsc::channel();
    engine.submit(request(), move |r| tx.send(r.map(|r| r.media.len())).unwrap()).expect("submit");
    assert_eq!(rx.recv_timeout(Duration::from_secs(60)).expect("callback").expect("result"), 2);
    assert_eq!(engine.analyze(Media::path(sample(LIVE))).expect("analyze").resolution, Resolution::Success);
}
