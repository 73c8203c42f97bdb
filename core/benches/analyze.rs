//! Criterion benchmarks: one photo end to end (640×480 selfie and a 1920×1080 photo), the
//! detector alone, and a 10-photo batch across the pool. Benchmarks only; no timing is asserted
//! anywhere in the tests.

use criterion::{Criterion, criterion_group, criterion_main};
use ozinstant::{Engine, EngineConfig, Media, PixelFormat, Request};

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../samples/").to_owned() + name).unwrap()
}

/// The T1 selfie (480×640 upright) re-encoded at 1920×1080 by bilinear upscaling into the
/// centre of a grey canvas, so the large-photo path decodes a real large JPEG.
fn large_jpeg() -> Vec<u8> {
    let (frame, _) = ozinstant::decode::decode(&sample("minivision_live_image_T1.jpg"), &Default::default()).unwrap();
    let src = image::RgbImage::from_raw(frame.width(), frame.height(), frame.as_raw().to_vec()).unwrap();
    let up = image::imageops::resize(&src, 720, 960, image::imageops::FilterType::Triangle);
    let mut canvas = image::RgbImage::from_pixel(1920, 1080, image::Rgb([128, 128, 128]));
    image::imageops::overlay(&mut canvas, &up, 600, 60);
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode(canvas.as_raw(), 1920, 1080, image::ExtendedColorType::Rgb8)
        .unwrap();
    out
}

fn benches(c: &mut Criterion) {
    let single = Engine::new(EngineConfig { threads: 1, ..EngineConfig::default() }).unwrap();
    single.warm_up().unwrap();
    let selfie = sample("minivision_live_image_T1.jpg");
    let large = large_jpeg();

    let mut g = c.benchmark_group("analyze_one_thread");
    g.bench_function("selfie_480x640_jpeg", |b| b.iter(|| single.analyze(Media::bytes(selfie.clone())).unwrap()));
    g.bench_function("photo_1920x1080_jpeg", |b| b.iter(|| single.analyze(Media::bytes(large.clone())).unwrap()));
    let (frame, _) = ozinstant::decode::decode(&selfie, &Default::default()).unwrap();
    let rgb = frame.as_raw().to_vec();
    g.bench_function("selfie_480x640_raw_rgb", |b| {
        b.iter(|| single.analyze(Media::pixels(rgb.clone(), PixelFormat::Rgb8, 480, 640, 0)).unwrap())
    });
    g.bench_function("decode_480x640_jpeg", |b| {
        b.iter(|| ozinstant::decode::decode(&selfie, &Default::default()).unwrap())
    });
    g.finish();

    let pool = Engine::new(EngineConfig::default()).unwrap();
    pool.warm_up().unwrap();
    let mut g = c.benchmark_group("batch");
    g.sample_size(10);
    g.bench_function("request_of_10_selfies_all_cores", |b| {
        b.iter(|| {
            let media = (0..10).map(|_| Media::bytes(selfie.clone())).collect();
            pool.analyze_request(Request::new(media)).unwrap()
        })
    });
    g.finish();
}

criterion_group!(analyze, benches);
criterion_main!(analyze);
