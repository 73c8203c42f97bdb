//! The CPU allocator every session of the engine uses: ONNX Runtime's own memory (the
//! intermediate activations of every layer, the per-run memory-pattern block, output tensors)
//! is zeroized before it is freed.
//!
//! By default ONNX Runtime's CPU provider allocates from its BFC arena and never wipes: after a
//! biometry request, the arena still held the face embedding, raw (before normalisation), twice
//! (`core/tests/zeroize.rs` found it). This module registers an `OrtAllocator` with the
//! environment (`RegisterAllocator`) and every session opts into it (`session.use_env_allocators`),
//! so that ORT allocates through [`alloc`] and frees through [`free`], which wipes the whole
//! block with volatile writes ([`zeroize`]) before handing it back. Blocks come from the system
//! allocator, as ORT's own did, never from a host's `#[global_allocator]`.
//!
//! Freed blocks, once wiped, are kept for reuse by size ([`Cache`], at most [`CACHE_BYTES`]):
//! the engine asks for the same few sizes on every run (with memory patterns, one block per run
//! for all intermediates), and handing each back to the system allocator made the resident set
//! swing by 15 % under load (glibc trimming and re-faulting large blocks) and cost time. The
//! cache holds only zeros. The cost that remains is the wipe itself (`docs/PERFORMANCE.md`,
//! "What wiping costs").

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::ffi::{CStr, c_void};
use std::sync::{Mutex, OnceLock, PoisonError};

use ort::sys::{OrtAllocator, OrtAllocatorType, OrtApi, OrtEnv, OrtMemType, OrtMemoryInfo, OrtStatusPtr};
use zeroize::Zeroize;

use crate::error::{Error, Result};

/// Alignment of every block (ORT asks for 64-byte alignment of tensor data for SIMD kernels);
/// also the size of the header in front of it that records the block's size.
const ALIGN: usize = 64;

/// The allocator handed to ONNX Runtime. `#[repr(C)]` with `base` first, so that the
/// `*mut OrtAllocator` ORT passes back is a pointer to this struct.
#[repr(C)]
struct WipingAllocator {
    base: OrtAllocator,
    info: *const OrtMemoryInfo,
}

// SAFETY: the struct is immutable after it is built; `info` points to an OrtMemoryInfo that is
// never released and only read (ORT's `Info` contract).
unsafe impl Send for WipingAllocator {}
unsafe impl Sync for WipingAllocator {}

static ALLOCATOR: OnceLock<Box<WipingAllocator>> = OnceLock::new();

/// The most bytes of wiped blocks the cache keeps. The default pipeline's working set on two
/// workers needs more than 32 MB (at 32 MB the soak ran 27 % slower, evicting blocks it needed
/// again); a larger cache would only hold memory a host may want back.
const CACHE_BYTES: usize = 64 << 20;

/// A wiped block of the system allocator (its header included), owned by the cache.
struct Block(*mut u8);

// SAFETY: a block is plain memory owned by whoever holds the `Block`; nothing is shared.
unsafe impl Send for Block {}

/// Wiped blocks by requested size, with the tick of each size's last use, so that a size not
/// asked for lately is evicted first when the cache is full. Only sizes with a block are kept,
/// so the map stays small however many sizes a host's media ask for.
#[derive(Default)]
struct Cache {
    by_size: HashMap<usize, (u64, Vec<Block>)>,
    bytes: usize,
    tick: u64,
}

impl Cache {
    /// A cached block of exactly `size`, if one is kept.
    fn take(&mut self, size: usize) -> Option<Block> {
        self.tick += 1;
        let (last, blocks) = self.by_size.get_mut(&size)?;
        *last = self.tick;
        let block = blocks.pop()?;
        if blocks.is_empty() {
            self.by_size.remove(&size);
        }
        self.bytes -= size;
        Some(block)
    }

    /// Keeps `block` (of `size`, already wiped), evicting the least recently used sizes to make
    /// room; returns the blocks the caller must free (`block` itself when it does not fit).
    fn put(&mut self, size: usize, block: Block) -> Vec<Block> {
        if size > CACHE_BYTES {
            return vec![block];
        }
        self.tick += 1;
        let mut evicted = Vec::new();
        while self.bytes + size > CACHE_BYTES {
            let Some((&victim, _)) = self.by_size.iter().min_by_key(|(_, (last, _))| *last) else { break };
            let Some((_, blocks)) = self.by_size.get_mut(&victim) else { break };
            let Some(old) = blocks.pop() else { break };
            if blocks.is_empty() {
                self.by_size.remove(&victim);
            }
            self.bytes -= victim;
            evicted.push(old);
        }
        let entry = self.by_size.entry(size).or_insert_with(|| (0, Vec::new()));
        entry.0 = self.tick;
        entry.1.push(block);
        self.bytes += size;
        evicted
    }
}

static CACHE: Mutex<Option<Cache>> = Mutex::new(None);

/// Runs `f` on the cache. A poisoned lock is recovered: the cache holds only wiped blocks and
/// its counts are updated after each move, so it stays consistent.
fn with_cache<T>(f: impl FnOnce(&mut Cache) -> T) -> T {
    let mut guard = CACHE.lock().unwrap_or_else(PoisonError::into_inner);
    f(guard.get_or_insert_with(Cache::default))
}

/// Registers the wiping allocator with the environment `env`, once per process. Sessions opt in
/// with [`ort::session::builder::SessionBuilder::with_env_allocators`].
///
/// # Safety
/// `env` is the live environment of this process, which outlives every session.
pub(super) unsafe fn register(api: &OrtApi, env: *mut OrtEnv) -> Result<()> {
    let mut info: *mut OrtMemoryInfo = std::ptr::null_mut();
    // SAFETY: a valid out pointer; the CPU memory info describes host memory for the default
    // memory type, as the CPU provider expects of its allocator.
    check(api, unsafe {
        (api.CreateCpuMemoryInfo)(OrtAllocatorType::OrtDeviceAllocator, OrtMemType::OrtMemTypeDefault, &mut info)
    })?;
    // SAFETY: the defaults set `version` to the API version this build speaks; the rest are
    // filled below.
    let mut base = unsafe { OrtAllocator::default() };
    base.Alloc = Some(alloc);
    base.Free = Some(free);
    base.Info = Some(memory_info);
    base.Reserve = Some(reserve);
    let allocator = ALLOCATOR.get_or_init(|| Box::new(WipingAllocator { base, info }));
    // SAFETY: the allocator is in a static box (never moved, never freed); ORT keeps the pointer.
    check(api, unsafe { (api.RegisterAllocator)(env, (&allocator.base as *const OrtAllocator).cast_mut()) })
}

/// Turns an ORT status into a typed error (and releases it).
fn check(api: &OrtApi, status: OrtStatusPtr) -> Result<()> {
    if status.0.is_null() {
        return Ok(());
    }
    // SAFETY: a non-null status from the API; its message lives until it is released.
    let message = unsafe { CStr::from_ptr((api.GetErrorMessage)(status.0)) }.to_string_lossy().into_owned();
    // SAFETY: released once, here.
    unsafe { (api.ReleaseStatus)(status.0) };
    Err(Error::Runtime(format!("cannot register the wiping allocator: {message}")))
}

fn layout_for(size: usize) -> Option<Layout> {
    Layout::from_size_align(size.checked_add(ALIGN)?, ALIGN).ok()
}

/// `Alloc`: `size` bytes, 64-byte aligned, after a header that records `size`; NULL on failure
/// (ORT turns that into an error).
unsafe extern "system" fn alloc(_this: *mut OrtAllocator, size: usize) -> *mut c_void {
    let Some(layout) = layout_for(size) else { return std::ptr::null_mut() };
    let block = match with_cache(|c| c.take(size)) {
        Some(Block(block)) => block,
        None => {
            // SAFETY: the layout has a non-zero size (at least ALIGN bytes).
            let block = unsafe { System.alloc(layout) };
            if block.is_null() {
                return std::ptr::null_mut();
            }
            block
        }
    };
    // SAFETY: the header is the block's first ALIGN bytes, aligned for a usize.
    unsafe { block.cast::<usize>().write(size) };
    // SAFETY: within the block (ALIGN + size bytes).
    unsafe { block.add(ALIGN) }.cast()
}

/// `Reserve`: as `Alloc` (this allocator has no arena to bypass).
unsafe extern "system" fn reserve(this: *const OrtAllocator, size: usize) -> *mut c_void {
    // SAFETY: forwarded; `alloc` does not use `this`.
    unsafe { alloc(this.cast_mut(), size) }
}

/// `Free`: wipes the whole block, then keeps it in the cache or frees it. NULL is a no-op.
unsafe extern "system" fn free(_this: *mut OrtAllocator, p: *mut c_void) {
    if p.is_null() {
        return;
    }
    // SAFETY: `p` came from `alloc` (ORT's contract), so the header is ALIGN bytes before it
    // and records the size the block was allocated with.
    unsafe {
        let block = p.cast::<u8>().sub(ALIGN);
        let size = block.cast::<usize>().read();
        std::slice::from_raw_parts_mut(p.cast::<u8>(), size).zeroize();
        for Block(old) in with_cache(|c| c.put(size, Block(block))) {
            // Every cached block records its size in its header, as `block` does.
            let old_size = old.cast::<usize>().read();
            // `layout_for(size)` succeeded when the block was allocated.
            if let Some(layout) = layout_for(old_size) {
                System.dealloc(old, layout);
            }
        }
    }
}

/// `Info`: the CPU memory info the allocator was registered with.
unsafe extern "system" fn memory_info(this: *const OrtAllocator) -> *const OrtMemoryInfo {
    // SAFETY: `this` is the `base` of a WipingAllocator (the only allocator with this function).
    unsafe { (*this.cast::<WipingAllocator>()).info }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A distinct fake block (never dereferenced).
    fn fake(n: usize) -> Block {
        Block(std::ptr::without_provenance_mut(ALIGN * (n + 1)))
    }

    #[test]
    fn the_cache_reuses_a_size_and_evicts_the_least_recently_used() {
        let mut cache = Cache::default();
        let mb = 1 << 20;
        assert!(cache.take(mb).is_none());
        assert!(cache.put(mb, fake(1)).is_empty());
        assert!(cache.put(2 * mb, fake(2)).is_empty());
        assert_eq!(cache.bytes, 3 * mb);
        assert_eq!(cache.take(mb).map(|b| b.0), Some(fake(1).0));
        assert!(cache.take(mb).is_none(), "a block is handed out once");
        assert_eq!(cache.bytes, 2 * mb);
        assert!(!cache.by_size.contains_key(&mb), "empty sizes are dropped");

        // Fill to the cap with one size, then use another: the older size goes first.
        let mut cache = Cache::default();
        let half = CACHE_BYTES / 2;
        assert!(cache.put(half, fake(1)).is_empty());
        assert!(cache.put(half - mb, fake(2)).is_empty());
        let evicted = cache.put(2 * mb, fake(3));
        assert_eq!(evicted.iter().map(|b| b.0).collect::<Vec<_>>(), vec![fake(1).0]);
        assert_eq!(cache.bytes, half - mb + 2 * mb);
        assert!(cache.bytes <= CACHE_BYTES);

        // A block larger than the whole cache is handed straight back.
        let big = cache.put(CACHE_BYTES + 1, fake(4));
        assert_eq!(big.iter().map(|b| b.0).collect::<Vec<_>>(), vec![fake(4).0]);
    }
}
