//! The HEVC decoder's SIMD motion-compensation kernels read only the footprint they are given.
//!
//! Regression for the AddressSanitizer finding `hevc-chroma-fir-h-sse2-tail-overread`
//! (`fuzz/regressions/video/`, `third_party/PATCHES.md`): the 4-wide tail of the horizontal
//! filter loaded 16 bytes where it needed 8, four samples past the block's footprint. On the
//! last rows of a reference picture that is past the plane's allocation. Here each block's
//! footprint ends exactly at a page that is mapped `PROT_NONE`, so a read past it is a SIGSEGV
//! that fails this test with or without a sanitizer. The results must also equal those of the
//! same block placed in roomy memory, and (for the horizontal-only case) the filter formula.
#![cfg(all(target_os = "linux", target_arch = "x86_64"))]

use rusty_h265_accel::mc::{CHROMA_FILTER, LUMA_FILTER, interp_chroma, interp_luma, margin};

/// Two anonymous pages; the second is `PROT_NONE`. Unmapped on drop.
struct GuardedPage {
    base: *mut u8,
    page: usize,
}

impl GuardedPage {
    fn new() -> Self {
        // SAFETY: plain anonymous mappings; the result is checked before use.
        unsafe {
            let page = libc::sysconf(libc::_SC_PAGESIZE) as usize;
            let base = libc::mmap(
                std::ptr::null_mut(),
                2 * page,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            );
            assert_ne!(base, libc::MAP_FAILED, "mmap");
            assert_eq!(
                libc::mprotect((base as *mut u8).add(page) as *mut libc::c_void, page, libc::PROT_NONE),
                0,
                "mprotect"
            );
            Self { base: base as *mut u8, page }
        }
    }

    /// `samples` as a slice whose last element is the last `u16` before the guard page.
    fn place(&mut self, samples: &[u16]) -> &[u16] {
        let bytes = std::mem::size_of_val(samples);
        assert!(bytes <= self.page);
        // SAFETY: the range lies inside the first (read-write) page, is u16-aligned (the page
        // and the length are even), and the mapping outlives the returned borrow of `self`.
        unsafe {
            let start = self.base.add(self.page - bytes) as *mut u16;
            std::ptr::copy_nonoverlapping(samples.as_ptr(), start, samples.len());
            std::slice::from_raw_parts(start, samples.len())
        }
    }
}

impl Drop for GuardedPage {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `new`.
        unsafe { libc::munmap(self.base as *mut libc::c_void, 2 * self.page) };
    }
}

fn lcg(state: &mut u32) -> u16 {
    *state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
    (*state >> 24) as u16
}

type Interp = fn(&[u16], usize, usize, usize, usize, usize, u8, &mut [i16], &mut [i16]);

/// Every width class the kernels split on (the 16- and 8-wide loops, the 4-wide step and the
/// scalar remainder), every fractional position, each block ending at the guard page.
fn check<const N: usize>(name: &str, interp: Interp, taps: &[[i16; N]]) {
    let mut guard = GuardedPage::new();
    let mut seed = 0x5eed_u32;
    let m = margin(N);
    let mut blocks = 0;
    for w in [4usize, 8, 12, 16, 20, 24, 28, 32] {
        for h in [1usize, 2, 4, 8] {
            // The footprint `interp_*` documents: (w + N - 1) x (h + N - 1) samples at
            // `stride`, with nothing after the last row's last sample.
            let stride = w + N - 1;
            let len = stride * (h + N - 2) + w + N - 1;
            let samples: Vec<u16> = (0..len).map(|_| lcg(&mut seed)).collect();
            for fx in 0..taps.len() {
                for fy in 0..taps.len() {
                    let mut at_edge = vec![0i16; w * h];
                    let mut roomy = vec![0i16; w * h];
                    let mut tmp = vec![0i16; w * (h + N - 1)];
                    interp(guard.place(&samples), stride, fx, fy, w, h, 8, &mut at_edge, &mut tmp);
                    let mut padded = samples.clone();
                    padded.resize(len + 64, 0x7ff);
                    interp(&padded[..len], stride, fx, fy, w, h, 8, &mut roomy, &mut tmp);
                    assert_eq!(at_edge, roomy, "{name} w={w} h={h} fx={fx} fy={fy}");
                    if fx != 0 && fy == 0 {
                        // 8-bit: shift1 = 0, and the source rows start `margin` rows down.
                        for y in 0..h {
                            for x in 0..w {
                                let want: i32 =
                                    (0..N).map(|i| taps[fx][i] as i32 * samples[(y + m) * stride + x + i] as i32).sum();
                                assert_eq!(at_edge[y * w + x] as i32, want, "{name} w={w} h={h} fx={fx} at ({x},{y})");
                            }
                        }
                    }
                    blocks += 1;
                }
            }
        }
    }
    assert_eq!(blocks, 8 * 4 * taps.len() * taps.len());
}

#[test]
fn chroma_interpolation_reads_nothing_past_its_footprint() {
    check::<4>("chroma", interp_chroma, &CHROMA_FILTER);
}

#[test]
fn luma_interpolation_reads_nothing_past_its_footprint() {
    check::<8>("luma", interp_luma, &LUMA_FILTER);
}
