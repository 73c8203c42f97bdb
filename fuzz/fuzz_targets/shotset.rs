//! Target: the shot-set reader alone (`ozinstant::shotset::read`), no ONNX Runtime. Fast.
//! Oracle: no panic; a read archive respects every limit (entries sampled, sizes within the
//! declared and configured bounds, names in order); failures are input errors only.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ozinstant::shotset::{ShotSetLimits, read};
use ozinstant_fuzz::assert_input_error;

fuzz_target!(|data: &[u8]| {
    // Small limits, so that the fuzzer reaches every rule with small inputs.
    let limits = ShotSetLimits {
        max_entries: 16,
        max_entry_bytes: 1 << 16,
        max_total_bytes: 1 << 18,
        max_compression_ratio: 50,
    };
    let frames = 4;
    match read(data, 1 << 20, &limits, frames) {
        Ok(set) => {
            assert!(set.total > 0, "an archive without images was accepted");
            assert!(set.entries.len() <= frames && set.entries.len() <= set.total);
            assert!(set.total + set.skipped <= limits.max_entries);
            let mut sum = 0u64;
            for w in set.entries.windows(2) {
                assert!(w[0].index < w[1].index && w[0].name <= w[1].name, "entries out of order");
            }
            for e in &set.entries {
                assert!(e.index < set.total);
                assert!(e.bytes.len() as u64 <= limits.max_entry_bytes);
                sum += e.bytes.len() as u64;
            }
            assert!(sum <= limits.max_total_bytes);
        }
        Err(e) => assert_input_error(&e, "shotset"),
    }
});
