//! Writes seed corpora for the fuzz targets from the repository's sample photos, at run time
//! (nothing generated is committed): `cargo run --example make_seeds -- SAMPLES_DIR CORPUS_DIR`.
//!
//! For `decode`, `analyze_bytes` (and the files `c_api` reads) every sample is re-encoded small
//! in each supported container (JPEG, PNG in RGB / grey / RGBA / 16-bit, BMP, GIF, WebP) and as
//! JPEGs carrying each EXIF orientation, so that the fuzzer starts inside every decoder.
//! `analyze_bytes` also gets the original files. `config_json` seeds are committed by hand in
//! `fuzz/seeds/config/` and copied by scripts/fuzz-smoke.sh.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use image::imageops::FilterType;
use image::{DynamicImage, ImageFormat};

fn encode(img: &DynamicImage, format: ImageFormat) -> Option<Vec<u8>> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).ok()?;
    Some(out.into_inner())
}

/// A JPEG with an APP1 EXIF segment holding only the orientation tag, inserted after SOI.
fn with_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut tiff = b"II*\0\x08\0\0\0".to_vec(); // little endian, first IFD at 8
    tiff.extend_from_slice(&1u16.to_le_bytes()); // one entry
    tiff.extend_from_slice(&0x0112u16.to_le_bytes()); // Orientation
    tiff.extend_from_slice(&3u16.to_le_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_le_bytes()); // count
    tiff.extend_from_slice(&orientation.to_le_bytes());
    tiff.extend_from_slice(&[0, 0]); // value padding
    tiff.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec(); // SOI
    out.extend_from_slice(&[0xff, 0xe1]);
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::create_dir_all(dir).expect("create corpus directory");
    std::fs::write(dir.join(name), bytes).expect("write seed");
}

fn main() {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [samples, corpus] = args.as_slice() else {
        eprintln!("usage: make_seeds SAMPLES_DIR CORPUS_DIR");
        std::process::exit(2);
    };
    let mut entries: Vec<PathBuf> = std::fs::read_dir(samples)
        .expect("read samples directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jpg" || x == "png"))
        .collect();
    entries.sort();
    let small_dirs = [corpus.join("decode"), corpus.join("analyze_bytes")];
    let mut count = 0;
    for path in &entries {
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let original = std::fs::read(path).expect("read sample");
        write(&corpus.join("analyze_bytes"), &format!("{stem}-original"), &original);
        count += 1;
        let Ok(img) = image::load_from_memory(&original) else { continue };
        for side in [48u32, 160] {
            let small = img.resize(side, side, FilterType::Triangle);
            let rgb = DynamicImage::ImageRgb8(small.to_rgb8());
            let variants: Vec<(String, Option<Vec<u8>>)> = vec![
                ("jpg".into(), encode(&rgb, ImageFormat::Jpeg)),
                ("png".into(), encode(&rgb, ImageFormat::Png)),
                ("grey.png".into(), encode(&DynamicImage::ImageLuma8(small.to_luma8()), ImageFormat::Png)),
                ("rgba.png".into(), encode(&DynamicImage::ImageRgba8(small.to_rgba8()), ImageFormat::Png)),
                ("16bit.png".into(), encode(&DynamicImage::ImageRgb16(small.to_rgb16()), ImageFormat::Png)),
                ("bmp".into(), encode(&rgb, ImageFormat::Bmp)),
                ("gif".into(), encode(&DynamicImage::ImageRgba8(small.to_rgba8()), ImageFormat::Gif)),
                ("webp".into(), encode(&DynamicImage::ImageRgba8(small.to_rgba8()), ImageFormat::WebP)),
            ];
            for (ext, bytes) in variants {
                let Some(bytes) = bytes else { continue };
                if ext == "jpg" && side == 48 {
                    for o in 2..=8 {
                        for dir in &small_dirs {
                            write(dir, &format!("{stem}-{side}-exif{o}.jpg"), &with_orientation(&bytes, o));
                        }
                        count += 2;
                    }
                }
                for dir in &small_dirs {
                    write(dir, &format!("{stem}-{side}.{ext}"), &bytes);
                }
                count += 2;
            }
        }
    }
    println!("make_seeds: {count} seeds from {} samples into {}", entries.len(), corpus.display());
}
