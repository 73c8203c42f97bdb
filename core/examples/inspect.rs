//! Developer tool: prints RetinaFace detections at several input sizes, and compares the
//! detector blob with a reference `.npy` blob when given. Not part of the API.
use ozinstant::detect::retinaface::{self, RetinaFace};
use ozinstant::runtime::{self, SessionPool, SessionSettings};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    runtime::environment(None)?;
    let m = ozinstant::models::load(&ozinstant::models::RETINAFACE, None)?;
    let det = RetinaFace::new(SessionPool::new(
        "retinaface",
        &m.bytes,
        SessionSettings { intra_op_threads: 1, sessions_per_model: 1 },
    )?)?;
    let bytes = std::fs::read(&args[1])?;
    let (frame, info) = ozinstant::decode::decode(&bytes, &Default::default())?;
    println!("{info:?}");
    let (sw, sh) = retinaface::liveness_input_size(frame.width(), frame.height());
    for (w, h) in [
        (sw, sh),
        retinaface::long_side_input_size(frame.width(), frame.height(), 320),
        retinaface::long_side_input_size(frame.width(), frame.height(), 480),
        retinaface::long_side_input_size(frame.width(), frame.height(), 640),
    ] {
        let d = det.detect(&frame, w, h)?;
        let s: Vec<String> = d
            .iter()
            .filter(|d| d.score > 0.05)
            .map(|d| {
                format!(
                    "{:.3}@[{:.0},{:.0},{:.0},{:.0}]",
                    d.score,
                    d.bbox.x0,
                    d.bbox.y0,
                    d.bbox.width(),
                    d.bbox.height()
                )
            })
            .collect();
        println!("{w}x{h}: {}", s.join(" "));
    }
    if let Some(npy) = args.get(3) {
        // Decoded-pixel comparison with an OpenCV BGR uint8 (H, W, 3) .npy.
        let raw = std::fs::read(npy)?;
        let hl = u16::from_le_bytes([raw[8], raw[9]]) as usize;
        let bgr = &raw[10 + hl..];
        let rgb = frame.as_raw();
        let mut diff = [0usize; 4];
        let mut sum = 0usize;
        for i in 0..rgb.len() / 3 {
            for c in 0..3 {
                let d = (rgb[i * 3 + c] as i32 - bgr[i * 3 + 2 - c] as i32).unsigned_abs() as usize;
                diff[d.min(3)] += 1;
                sum += d;
            }
        }
        println!(
            "decode vs opencv: |d| histogram 0:{} 1:{} 2:{} >=3:{} mean {:.4}",
            diff[0],
            diff[1],
            diff[2],
            diff[3],
            sum as f64 / rgb.len() as f64
        );
    }
    if let Some(npy) = args.get(2) {
        let raw = std::fs::read(npy)?;
        let hl = u16::from_le_bytes([raw[8], raw[9]]) as usize;
        let want: Vec<f32> =
            raw[10 + hl..].chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        let got = retinaface::make_blob(&frame, sw, sh);
        let diffs: Vec<f32> = got.iter().zip(&want).map(|(a, b)| (a - b).abs()).collect();
        let mean = diffs.iter().sum::<f32>() / diffs.len() as f32;
        let max = diffs.iter().copied().fold(0f32, f32::max);
        let exact = diffs.iter().filter(|d| **d == 0.0).count() as f32 / diffs.len() as f32;
        println!("blob vs reference: mean |d| {mean:.4}, max {max}, exact {:.1}%", exact * 100.0);
    }
    Ok(())
}
