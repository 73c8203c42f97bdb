//! Target 3: raw pixels through the engine, with fuzzed format, width, height, stride and data
//! length, both borrowed (`MediaRef::Pixels`) and owned (`Media::pixels`). Needs ONNX Runtime.
//! Oracle: a valid geometry is analysed, an invalid one is `invalid_input`, an oversized one
//! `image_too_large`, as computed independently in `pixels_expect`.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use ozinstant::{AnalyzeOptions, Media, MediaRef};
use ozinstant_fuzz::{check_pixels_outcome, engine, pixel_format, pixels_expect, repeat_to};

#[derive(Arbitrary, Debug)]
struct Input {
    format: u8,
    width: u32,
    height: u32,
    stride: u32,
    /// When set, `data` is repeated to this many bytes (mod 4 MiB) so that large valid frames
    /// can be described by a small input.
    repeat_to: Option<u32>,
    owned: bool,
    quality_gate: bool,
    data: Vec<u8>,
}

fuzz_target!(|input: Input| {
    let engine = engine();
    let format = pixel_format(input.format);
    let data = match input.repeat_to {
        Some(n) => repeat_to(&input.data, (n % (4 << 20)) as usize),
        None => input.data,
    };
    let stride = input.stride as usize;
    let expect = pixels_expect(data.len(), format, input.width, input.height, stride, &engine.config().limits);
    let options = AnalyzeOptions { quality_gate: Some(input.quality_gate), ..AnalyzeOptions::default() };
    let outcome = if input.owned {
        engine.analyze_with(Media::pixels(data, format, input.width, input.height, stride), &options)
    } else {
        let media = MediaRef::Pixels { data: &data, format, width: input.width, height: input.height, stride };
        engine.analyze_ref(media, Some("frame".into()), &options)
    };
    check_pixels_outcome(expect, &outcome, "analyze pixels");
});
