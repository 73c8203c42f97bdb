//! Target 1: the decoder alone (`ozinstant::decode::decode`), no ONNX Runtime. Fast.
//! Oracle: no panic; a decoded frame matches its `ImageInfo` and the limits; failures are
//! input errors only.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ozinstant::Limits;
use ozinstant::decode::decode;
use ozinstant_fuzz::assert_input_error;

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    match decode(data, &limits) {
        Ok((frame, info)) => {
            assert_eq!((frame.width(), frame.height()), (info.width, info.height));
            assert!(info.width > 0 && info.height > 0);
            assert!(info.width.max(info.height) <= limits.max_dimension);
            assert!(u64::from(info.width) * u64::from(info.height) <= limits.max_pixels);
            assert_eq!(frame.as_raw().len(), info.width as usize * info.height as usize * 3);
            assert!((1..=8).contains(&info.orientation), "orientation {}", info.orientation);
            assert_eq!(info.encoded_bytes, data.len() as u64);
            assert!(["jpeg", "png", "webp", "bmp", "gif"].contains(&info.format.as_str()), "{}", info.format);
        }
        Err(e) => assert_input_error(&e, "decode"),
    }
});
