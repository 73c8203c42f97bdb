//! Real third-party clips (`../shared/clips`, not committed: see its README.md for sources and
//! licences) decode bit-exactly against ffmpeg: every frame's YUV hash is compared with the
//! committed reference made by `scripts/make-shared-framehashes.sh`
//! (`core/tests/data/framehash/<clip>.framehash`). When the clips folder is absent (CI), each
//! test prints a skip line and passes.
#![cfg(feature = "video")]

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use ozinstant::video::{self, VideoLimits};

/// The committed reference of a shared clip.
fn reference_hashes(clip: &str) -> Vec<String> {
    common::framehash_file(
        &PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/framehash")).join(format!("{clip}.framehash")),
    )
}

/// `[1, 2, 3, 7]` as `1-3, 7`.
fn ranges(v: &[usize]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let mut j = i;
        while j + 1 < v.len() && v[j + 1] == v[j] + 1 {
            j += 1;
        }
        out.push(if i == j { v[i].to_string() } else { format!("{}-{}", v[i], v[j]) });
        i = j + 1;
    }
    out.join(", ")
}

/// Decodes every frame of `clip` and compares it with ffmpeg's hashes: `Ok(frames)` when all are
/// bit-exact, `Err(what differs)` otherwise, `None` when the clip is not present here.
fn compare(clip: &str) -> Option<Result<usize, String>> {
    let bytes = common::shared_clip(clip)?;
    let reference = reference_hashes(clip);
    let mut got = BTreeMap::new();
    if let Err(e) = video::decode_each(&bytes, &VideoLimits::default(), |index, _, pic| {
        got.insert(index, common::sha256_hex(&pic.raw_bytes()));
    }) {
        return Some(Err(format!("refused: {e}")));
    }
    let mismatched: Vec<usize> = (0..got.len().max(reference.len()))
        .filter(|i| got.get(i).is_none_or(|h| reference.get(*i) != Some(h)))
        .collect();
    Some(if got.len() == reference.len() && mismatched.is_empty() {
        Ok(got.len())
    } else {
        Err(format!(
            "{} frames decoded, ffmpeg presents {}; {} differ or are missing: {}",
            got.len(),
            reference.len(),
            mismatched.len(),
            ranges(&mismatched)
        ))
    })
}

/// A clip that must be bit-exact.
fn exact(clip: &str) {
    match compare(clip) {
        None => {}
        Some(Ok(n)) => println!("{clip}: {n} frames bit-exact with ffmpeg"),
        Some(Err(e)) => panic!("{clip}: {e}"),
    }
}

macro_rules! exact {
    ($($name:ident => $clip:literal),* $(,)?) => {
        $(#[test]
        fn $name() {
            exact($clip);
        })*
    };
}

exact! {
    lp_d3_is_bit_exact => "lp_d3.mp4",
    lp_d13_is_bit_exact => "lp_d13.mp4",
    lp_s13_is_bit_exact => "lp_s13.mp4",
    vrt_1_is_bit_exact => "vrt_1.mp4",
    vrt_2_is_bit_exact => "vrt_2.mp4",
    derived_lp_d13_fullrange601_is_bit_exact => "derived_lp_d13_fullrange601.mp4",
    derived_lp_d13_hlg10_rot_is_bit_exact => "derived_lp_d13_hlg10_rot.mov",
    // Edit lists: ffmpeg presents 49 of 50 frames, and an edit with a start offset.
    mb_edit_list_discard_is_bit_exact => "mb_edit-list-discard.mp4",
    mb_edts_is_bit_exact => "mb_edts.mp4",
    // Fragmented, trun version 1 with negative composition offsets, rotated 90 degrees.
    mb_rotate_buck_bunny_is_bit_exact => "mb_rotate-buck-bunny.mp4",
}

/// Dev aid: `OZ_FRAMEHASH_CLIP=/path/clip.mp4 cargo test --test video_shared -- --ignored`
/// compares any clip with `/path/clip.mp4.framehash` (made with the command in
/// `scripts/make-shared-framehashes.sh`).
#[test]
#[ignore = "dev aid, needs OZ_FRAMEHASH_CLIP"]
fn any_clip_from_the_environment() {
    let Some(path) = std::env::var_os("OZ_FRAMEHASH_CLIP").map(PathBuf::from) else {
        println!("skip: OZ_FRAMEHASH_CLIP not set");
        return;
    };
    let bytes = std::fs::read(&path).unwrap();
    let reference = common::framehash_file(&PathBuf::from(format!("{}.framehash", path.display())));
    let mut got = BTreeMap::new();
    video::decode_each(&bytes, &VideoLimits::default(), |index, _, pic| {
        got.insert(index, common::sha256_hex(&pic.raw_bytes()));
    })
    .unwrap();
    let mismatched: Vec<usize> =
        (0..got.len().max(reference.len())).filter(|i| got.get(i) != reference.get(*i)).collect();
    println!(
        "RESULT {}: {} decoded, {} reference, differ: [{}]",
        path.display(),
        got.len(),
        reference.len(),
        ranges(&mismatched)
    );
}
