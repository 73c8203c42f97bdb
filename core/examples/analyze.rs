use ozinstant::{Engine, EngineConfig, Media, Request};

fn main() -> Result<(), ozinstant::Error> {
    // Load once, share everywhere. Models are embedded; ONNX Runtime comes from ORT_DYLIB_PATH,
    // beside the executable or the system loader (`EngineConfig::ort_library_path` overrides).
    let engine = Engine::new(EngineConfig::default())?;

    // One photo: input errors are `Err`, face and quality failures are `FAILED` results.
    for path in std::env::args().skip(1) {
        let r = engine.analyze(Media::path(&path))?;
        println!("{path}: {} {:?} score={:?}", r.resolution.as_str(), r.reason, r.confidence_spoofing);
    }

    // A request ("folder") of several media with one request id, analysed in parallel.
    let request = Request::new(vec![
        Media::path("samples/minivision_live_image_T1.jpg"),
        Media::path("samples/minivision_spoof_print_image_F1.jpg"),
    ])
    .with_id("demo-1");
    let result = engine.analyze_request(request)?;
    println!("{} -> {}", result.request_id, result.resolution.as_str());
    println!("{}", serde_json::to_string_pretty(&result.media[0]).unwrap_or_default());
    Ok(())
}
