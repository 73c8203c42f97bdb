//! Shot sets (ZIP archives of frames) through the public API only: archives are built here with
//! the zip writer from the sample photos, then patched by hand where a hostile archive needs a
//! header no writer produces.

use std::io::{Cursor, Write};
use std::path::PathBuf;

use ozinstant::Error;
use ozinstant::shotset::{ShotSet, ShotSetLimits, is_zip, read};
use zip::CompressionMethod;
use zip::write::{SimpleFileOptions, ZipWriter};

const NO_CAP: u64 = u64::MAX;

fn samples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../samples")
}

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(samples().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// One entry to write: name, content, compression method.
enum Item<'a> {
    File(&'a str, &'a [u8], CompressionMethod),
    Dir(&'a str),
}
use Item::{Dir, File};

fn build(items: &[Item<'_>]) -> Vec<u8> {
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    for item in items {
        match item {
            File(name, content, method) => {
                let options = SimpleFileOptions::default().compression_method(*method).large_file(false);
                w.start_file(*name, options).unwrap();
                w.write_all(content).unwrap();
            }
            Dir(name) => w.add_directory(*name, SimpleFileOptions::default()).unwrap(),
        }
    }
    w.finish().unwrap().into_inner()
}

const STORED: CompressionMethod = CompressionMethod::Stored;
const DEFLATED: CompressionMethod = CompressionMethod::Deflated;

fn read_default(bytes: &[u8], frames: usize) -> ozinstant::Result<ShotSet> {
    read(bytes, NO_CAP, &ShotSetLimits::default(), frames)
}

/// The error's stable name and message; panics on `Ok`.
fn err(result: ozinstant::Result<ShotSet>) -> (String, String) {
    match result {
        Ok(set) => panic!("expected an error, got {set:?}"),
        Err(e) => (e.name().to_owned(), e.to_string()),
    }
}

fn rejected_reason(result: ozinstant::Result<ShotSet>) -> String {
    match result {
        Err(Error::ArchiveRejected { reason }) => reason,
        Err(other) => panic!("expected archive_rejected, got {} ({other})", other.name()),
        Ok(set) => panic!("expected archive_rejected, got {set:?}"),
    }
}

// --- Header patching --------------------------------------------------------------------------
// Local file header: signature PK\3\4, flags @6, method @8, crc @14, compressed @18,
// uncompressed @22, name length @26, extra length @28, name @30.
// Central directory header: signature PK\1\2, flags @8, method @10, crc @16, compressed @20,
// uncompressed @24, name length @28, name @46.

#[derive(Clone, Copy)]
enum Field {
    Flags,
    Method,
    Uncompressed,
}

/// Offsets of the local header and the central directory header of the entry `name`.
fn header_offsets(zip: &[u8], name: &str) -> (usize, usize) {
    let find = |sig: &[u8], name_len_at: usize, name_at: usize| {
        (0..zip.len().saturating_sub(name_at))
            .find(|&i| {
                zip[i..].starts_with(sig)
                    && u16::from_le_bytes([zip[i + name_len_at], zip[i + name_len_at + 1]]) as usize == name.len()
                    && zip[i + name_at..].starts_with(name.as_bytes())
            })
            .unwrap_or_else(|| panic!("no header for {name}"))
    };
    (find(b"PK\x03\x04", 26, 30), find(b"PK\x01\x02", 28, 46))
}

/// Sets a field of the entry `name` in both its local and its central directory header.
fn patch(zip: &mut [u8], name: &str, field: Field, set: impl Fn(u32) -> u32) {
    let (local, central) = header_offsets(zip, name);
    let (at_local, at_central, width) = match field {
        Field::Flags => (local + 6, central + 8, 2),
        Field::Method => (local + 8, central + 10, 2),
        Field::Uncompressed => (local + 22, central + 24, 4),
    };
    for at in [at_local, at_central] {
        let mut raw = [0u8; 4];
        raw[..width].copy_from_slice(&zip[at..at + width]);
        let value = set(u32::from_le_bytes(raw)).to_le_bytes();
        zip[at..at + width].copy_from_slice(&value[..width]);
    }
}

// --- Normal archives --------------------------------------------------------------------------

#[test]
fn three_images_stored_and_deflated_come_back_in_name_order() {
    let (t1, obama, f1) = (
        sample("minivision_live_image_T1.jpg"),
        sample("facerec_live_obama.jpg"),
        sample("minivision_spoof_print_image_F1.jpg"),
    );
    // Written out of order; read back sorted by name.
    let zip = build(&[File("c.jpg", &f1, DEFLATED), File("a.jpg", &t1, STORED), File("b.JPG", &obama, DEFLATED)]);
    assert!(is_zip(&zip));
    let set = read_default(&zip, 8).unwrap();
    assert_eq!((set.total, set.skipped), (3, 0));
    let got: Vec<(usize, &str)> = set.entries.iter().map(|e| (e.index, e.name.as_str())).collect();
    assert_eq!(got, [(0, "a.jpg"), (1, "b.JPG"), (2, "c.jpg")]);
    assert_eq!(&set.entries[0].bytes[..], &t1[..]);
    assert_eq!(&set.entries[1].bytes[..], &obama[..]);
    assert_eq!(&set.entries[2].bytes[..], &f1[..]);
}

#[test]
fn ten_images_sampled_to_four_take_first_last_and_even_steps() {
    let t1 = sample("minivision_live_image_T1.jpg");
    let names: Vec<String> = (0..10).map(|i| format!("frames/frame_{i:02}.jpg")).collect();
    // Each entry a little different, so a mix-up shows.
    let contents: Vec<Vec<u8>> = (0..10u8)
        .map(|i| {
            let mut c = t1.clone();
            c.push(i);
            c
        })
        .collect();
    let items: Vec<Item<'_>> = names
        .iter()
        .zip(&contents)
        .enumerate()
        .rev()
        .map(|(i, (n, c))| File(n, c, if i % 2 == 0 { STORED } else { DEFLATED }))
        .collect();
    let zip = build(&items);
    let set = read_default(&zip, 4).unwrap();
    assert_eq!(set.total, 10);
    let indices: Vec<usize> = set.entries.iter().map(|e| e.index).collect();
    assert_eq!(indices, [0, 3, 6, 9]);
    let got: Vec<&str> = set.entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(got, ["frames/frame_00.jpg", "frames/frame_03.jpg", "frames/frame_06.jpg", "frames/frame_09.jpg"]);
    for e in &set.entries {
        assert_eq!(&e.bytes[..], &contents[e.index][..], "{}", e.name);
    }

    // frames = 0 extracts nothing; frames = 1 takes the middle one.
    assert!(read_default(&zip, 0).unwrap().entries.is_empty());
    let one = read_default(&zip, 1).unwrap();
    assert_eq!(one.entries.iter().map(|e| e.index).collect::<Vec<_>>(), [4]);
}

#[test]
fn directories_resource_forks_dotfiles_and_other_files_are_skipped_and_counted() {
    let t1 = sample("minivision_live_image_T1.jpg");
    let zip = build(&[
        Dir("frames/"),
        File("frames/1.jpg", &t1, DEFLATED),
        Dir("__MACOSX/"),
        File("__MACOSX/._x.jpg", b"\0\x05\x16\x07AppleDouble", DEFLATED),
        File("__MACOSX/frames/._1.jpg", b"\0\x05\x16\x07AppleDouble", STORED),
        File(".DS_Store", b"\0\0\0\x01Bud1", STORED),
        File("notes.txt", b"three frames of a selfie", DEFLATED),
        File("frames/2.jpeg", &t1, STORED),
    ]);
    let set = read_default(&zip, 8).unwrap();
    assert_eq!((set.total, set.skipped), (2, 6));
    let got: Vec<&str> = set.entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(got, ["frames/1.jpg", "frames/2.jpeg"]);
}

#[test]
fn entry_names_are_reported_as_given() {
    let t1 = sample("minivision_live_image_T1.jpg");
    // Traversal and absolute names are just names: nothing is written anywhere.
    let zip = build(&[File("../../etc/evil.jpg", &t1, STORED), File("/abs/selfie.png", &t1, DEFLATED)]);
    let set = read_default(&zip, 8).unwrap();
    let got: Vec<&str> = set.entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(got, ["../../etc/evil.jpg", "/abs/selfie.png"]);
}

#[test]
fn debug_output_never_shows_the_content() {
    let zip = build(&[File("a.jpg", b"SECRET-PIXELS-0123456789", STORED)]);
    let set = read_default(&zip, 1).unwrap();
    let text = format!("{set:?}");
    assert!(text.contains("a.jpg"), "{text}");
    assert!(!text.contains("SECRET") && !text.contains("83, 69, 67"), "{text}");
}

// --- Limits -----------------------------------------------------------------------------------

#[test]
fn too_many_entries_counts_every_entry_not_only_images() {
    let t1 = sample("minivision_live_image_T1.jpg");
    let zip = build(&[
        File("a.jpg", &t1, STORED),
        File("b.jpg", &t1, STORED),
        File("c.jpg", &t1, STORED),
        File("notes.txt", b"x", STORED),
        Dir("d/"),
    ]);
    let limits = ShotSetLimits { max_entries: 4, ..ShotSetLimits::default() };
    let reason = rejected_reason(read(&zip, NO_CAP, &limits, 3));
    assert!(reason.contains("5 entries") && reason.contains("limit of 4"), "{reason}");
    let limits = ShotSetLimits { max_entries: 5, ..ShotSetLimits::default() };
    assert_eq!(read(&zip, NO_CAP, &limits, 3).unwrap().total, 3);
}

#[test]
fn an_entry_declaring_more_than_the_entry_limit_is_rejected() {
    let t1 = sample("minivision_live_image_T1.jpg");
    let small = &t1[..1000];
    let zip = build(&[File("a.jpg", small, STORED), File("b.jpg", &t1, DEFLATED)]);
    let limits = ShotSetLimits { max_entry_bytes: 50_000, ..ShotSetLimits::default() };
    let reason = rejected_reason(read(&zip, NO_CAP, &limits, 1));
    assert!(reason.contains("b.jpg") && reason.contains(&t1.len().to_string()) && reason.contains("50000"), "{reason}");
}

#[test]
fn image_entries_declaring_more_than_the_total_limit_are_rejected() {
    let t1 = sample("minivision_live_image_T1.jpg");
    let zip = build(&[File("a.jpg", &t1, STORED), File("b.jpg", &t1, DEFLATED), File("c.jpg", &t1, DEFLATED)]);
    let limits = ShotSetLimits { max_total_bytes: 2 * t1.len() as u64, ..ShotSetLimits::default() };
    let reason = rejected_reason(read(&zip, NO_CAP, &limits, 1));
    assert!(reason.contains(&(3 * t1.len()).to_string()) && reason.contains("total"), "{reason}");
    // Non-image entries do not count towards the total.
    let zip = build(&[File("a.jpg", &t1, STORED), File("b.jpg", &t1, DEFLATED), File("big.bin", &t1, STORED)]);
    assert_eq!(read(&zip, NO_CAP, &limits, 1).unwrap().total, 2);
}

#[test]
fn a_zip_bomb_is_rejected_on_its_declared_ratio() {
    let zeros = vec![0u8; 20 * 1024 * 1024];
    let t1 = sample("minivision_live_image_T1.jpg");
    let zip = build(&[File("a.jpg", &t1, STORED), File("bomb.png", &zeros, DEFLATED)]);
    assert!(zip.len() < 200_000, "the bomb deflates to {} bytes", zip.len());
    // Raise the size limits so only the ratio can catch it.
    let limits = ShotSetLimits { max_entry_bytes: 1 << 30, max_total_bytes: 1 << 30, ..ShotSetLimits::default() };
    let reason = rejected_reason(read(&zip, NO_CAP, &limits, 1));
    assert!(reason.contains("bomb.png") && reason.contains("ratio"), "{reason}");
    // With the default limits its declared size is already over the per-entry limit.
    let reason = rejected_reason(read_default(&zip, 1));
    assert!(reason.contains("bomb.png"), "{reason}");
}

#[test]
fn a_stored_entry_claiming_content_from_nothing_is_over_the_ratio() {
    let mut zip = build(&[File("a.jpg", b"", STORED)]);
    patch(&mut zip, "a.jpg", Field::Uncompressed, |_| 1000);
    let reason = rejected_reason(read_default(&zip, 1));
    assert!(reason.contains("ratio"), "{reason}");
}

#[test]
fn an_entry_holding_more_than_it_declares_is_rejected_not_truncated() {
    let t1 = sample("minivision_live_image_T1.jpg");
    for method in [STORED, DEFLATED] {
        let mut zip = build(&[File("a.jpg", &t1, STORED), File("liar.jpg", &t1, method)]);
        patch(&mut zip, "liar.jpg", Field::Uncompressed, |n| n / 2);
        // Both entries are extracted (frames = 2); the honest one first.
        let reason = rejected_reason(read_default(&zip, 2));
        assert!(reason.contains("liar.jpg") && reason.contains("more than"), "{method:?}: {reason}");
    }
}

#[test]
fn an_entry_holding_less_than_it_declares_is_a_decode_error() {
    let t1 = sample("minivision_live_image_T1.jpg");
    for method in [STORED, DEFLATED] {
        let mut zip = build(&[File("short.jpg", &t1, method)]);
        // Declares more than it holds (still within the ratio limit).
        patch(&mut zip, "short.jpg", Field::Uncompressed, |n| n + 10);
        let (name, message) = err(read_default(&zip, 1));
        assert_eq!(name, "decode_failed", "{method:?}: {message}");
        assert!(message.contains("zip: ") && message.contains("short.jpg"), "{message}");
    }
}

#[test]
fn an_encrypted_entry_is_rejected() {
    let t1 = sample("minivision_live_image_T1.jpg");
    let mut zip = build(&[File("a.jpg", &t1, STORED), File("locked.jpg", &t1, DEFLATED)]);
    patch(&mut zip, "locked.jpg", Field::Flags, |f| f | 1);
    let reason = rejected_reason(read_default(&zip, 1));
    assert!(reason.contains("locked.jpg") && reason.contains("encrypted"), "{reason}");
}

#[test]
fn unsupported_compression_methods_are_rejected_by_name() {
    let t1 = sample("minivision_live_image_T1.jpg");
    for (method, label) in [(14u32, "14 (lzma)"), (12, "12 (bzip2)"), (9, "9 (deflate64)"), (99, "99 (aes)")] {
        let mut zip = build(&[File("a.jpg", &t1, STORED), File("odd.jpg", &t1, DEFLATED)]);
        patch(&mut zip, "odd.jpg", Field::Method, |_| method);
        let reason = rejected_reason(read_default(&zip, 1));
        assert!(reason.contains("odd.jpg") && reason.contains(label), "{reason}");
        assert!(reason.contains("stored") && reason.contains("deflate"), "{reason}");
    }
}

#[test]
fn non_image_entries_are_not_checked_for_method_or_size() {
    let t1 = sample("minivision_live_image_T1.jpg");
    let mut zip = build(&[File("a.jpg", &t1, STORED), File("readme.txt", &t1, DEFLATED)]);
    patch(&mut zip, "readme.txt", Field::Method, |_| 14);
    let set = read_default(&zip, 2).unwrap();
    assert_eq!((set.total, set.skipped), (1, 1));
}

#[test]
fn a_nul_in_an_entry_name_is_rejected() {
    let t1 = sample("minivision_live_image_T1.jpg");
    let mut zip = build(&[File("a.jpg", &t1, STORED), File("bxjpg.jpg", &t1, STORED)]);
    let (local, central) = header_offsets(&zip, "bxjpg.jpg");
    zip[local + 30 + 1] = 0;
    zip[central + 46 + 1] = 0;
    let reason = rejected_reason(read_default(&zip, 2));
    assert!(reason.contains("NUL"), "{reason}");
}

#[test]
fn duplicate_entry_names_are_rejected() {
    let t1 = sample("minivision_live_image_T1.jpg");
    let mut zip = build(&[File("a.jpg", &t1, STORED), File("b.jpg", &t1, STORED)]);
    let (local, central) = header_offsets(&zip, "b.jpg");
    zip[local + 30] = b'a';
    zip[central + 46] = b'a';
    let reason = rejected_reason(read_default(&zip, 2));
    assert!(reason.contains("same name"), "{reason}");
}

// --- Not archives, empty archives, the byte cap -----------------------------------------------

#[test]
fn bytes_that_are_not_a_zip_fail_to_decode() {
    let t1 = sample("minivision_live_image_T1.jpg");
    assert!(!is_zip(&t1));
    for bytes in [&t1[..], b"", b"PK\x03\x04", b"not a zip at all"] {
        let (name, message) = err(read_default(bytes, 4));
        assert_eq!(name, "decode_failed", "{message}");
        assert!(message.contains("zip: "), "{message}");
    }
}

#[test]
fn a_truncated_zip_fails_to_decode() {
    let t1 = sample("minivision_live_image_T1.jpg");
    let zip = build(&[File("a.jpg", &t1, STORED), File("b.jpg", &t1, DEFLATED)]);
    for cut in [zip.len() / 2, zip.len() - 30, zip.len() - 1] {
        let (name, message) = err(read_default(&zip[..cut], 2));
        assert_eq!(name, "decode_failed", "cut at {cut}: {message}");
    }
}

#[test]
fn an_empty_archive_or_one_without_images_is_rejected() {
    let empty = build(&[]);
    assert!(is_zip(&empty));
    assert_eq!(&empty[..4], b"PK\x05\x06");
    let reason = rejected_reason(read_default(&empty, 4));
    assert!(reason.contains("no image"), "{reason}");
    let no_images = build(&[Dir("frames/"), File("notes.txt", b"hello", DEFLATED)]);
    let reason = rejected_reason(read_default(&no_images, 4));
    assert!(reason.contains("no image"), "{reason}");
}

#[test]
fn an_archive_over_the_byte_cap_is_too_large_before_it_is_opened() {
    let t1 = sample("minivision_live_image_T1.jpg");
    let zip = build(&[File("a.jpg", &t1, STORED)]);
    let n = zip.len() as u64;
    match read(&zip, n - 1, &ShotSetLimits::default(), 1) {
        Err(Error::MediaTooLarge { size, limit }) => assert_eq!((size, limit), (n, n - 1)),
        other => panic!("expected media_too_large, got {other:?}"),
    }
    // Not even opened: garbage over the cap is too large, not a decode error.
    let garbage = vec![0x55u8; 1000];
    assert_eq!(err(read(&garbage, 999, &ShotSetLimits::default(), 1)).0, "media_too_large");
    assert_eq!(read(&zip, n, &ShotSetLimits::default(), 1).unwrap().total, 1);
}

// --- Fuzz-ish: truncations and byte flips never panic -------------------------------------------

/// Outcomes of the fuzz-ish loop: Ok, decode_failed, archive_rejected.
#[derive(Default, Debug)]
struct Tally {
    ok: usize,
    decode_failed: usize,
    archive_rejected: usize,
}

fn check_survives(bytes: &[u8], what: &str, tally: &mut Tally) {
    match read_default(bytes, 3) {
        Ok(_) => tally.ok += 1,
        Err(e) => {
            let message = e.to_string();
            assert!(!message.contains("panicked"), "{what}: {message}");
            match e.name() {
                "decode_failed" => tally.decode_failed += 1,
                "archive_rejected" => tally.archive_rejected += 1,
                other => panic!("{what}: {other} ({message})"),
            }
        }
    }
}

#[test]
fn truncated_and_corrupted_archives_never_panic() {
    let t1 = sample("minivision_live_image_T1.jpg");
    let f1 = sample("minivision_spoof_print_image_F1.jpg");
    let zip = build(&[
        Dir("frames/"),
        File("frames/a.jpg", &t1[..4000], DEFLATED),
        File("frames/b.jpg", &f1[..3000], STORED),
        File("frames/c.png", &t1[..6000], DEFLATED),
        File("notes.txt", b"hello hello hello hello", DEFLATED),
    ]);
    let mut tally = Tally::default();
    check_survives(&zip, "intact", &mut tally);
    assert_eq!(read_default(&zip, 3).unwrap().entries.len(), 3);

    for cut in (0..zip.len()).step_by(97) {
        check_survives(&zip[..cut], &format!("cut at {cut}"), &mut tally);
    }

    // ~200 single-byte corruptions spread over the archive (headers included), each on a fresh
    // copy, with a few different xor masks; then the same positions all flipped at once.
    let mut all = zip.clone();
    let mut state = 0x2545_f491_u32;
    for i in 0..200 {
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let pos = (i * zip.len() / 200 + (state >> 24) as usize) % zip.len();
        let mask = [0xff, 0x01, 0x80, (state >> 8) as u8 | 1][i % 4];
        let mut bad = zip.clone();
        bad[pos] ^= mask;
        all[pos] ^= mask;
        check_survives(&bad, &format!("byte {pos} ^= {mask:#04x}"), &mut tally);
    }
    check_survives(&all, "all flips", &mut tally);

    // Every byte of the central directory and end record, one at a time.
    let (_, first_cd) = header_offsets(&zip, "frames/");
    for pos in first_cd..zip.len() {
        let mut bad = zip.clone();
        bad[pos] ^= 0xff;
        check_survives(&bad, &format!("directory byte {pos}"), &mut tally);
    }

    // The loop reached all three outcomes (so it exercised more than the front door).
    assert!(tally.ok > 0 && tally.decode_failed > 0 && tally.archive_rejected > 0, "{tally:?}");
    eprintln!("{tally:?}");
}

// --- The committed sample shot sets -----------------------------------------------------------

#[test]
fn committed_sample_shot_sets_hold_four_jpeg_frames() {
    for name in ["live_minivision.zip", "spoof_print_minivision.zip"] {
        let bytes = std::fs::read(samples().join("shotsets").join(name)).unwrap();
        assert!(is_zip(&bytes), "{name}");
        let set = read_default(&bytes, 8).unwrap();
        assert_eq!((set.total, set.skipped, set.entries.len()), (4, 0, 4), "{name}");
        for (i, e) in set.entries.iter().enumerate() {
            assert_eq!(e.index, i);
            assert!(e.bytes.starts_with(b"\xff\xd8\xff"), "{name}/{} is not a JPEG", e.name);
        }
        let names: Vec<&str> = set.entries.iter().map(|e| e.name.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted, "{name}");
    }
}
