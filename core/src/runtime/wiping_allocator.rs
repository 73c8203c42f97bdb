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
use std::sync::{Mutex, MutexGuard, OnceLock, TryLockError};

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

/// How many times [`try_cache`] tries the lock before it gives up on the cache for one call.
const LOCK_TRIES: u32 = 10_000;

/// The cache, unless its lock stays taken. `alloc` and `free` never block on the lock: they try
/// it up to [`LOCK_TRIES`] times, spinning and then yielding, and when it is still taken they go
/// straight to the system allocator (a miss, or a wiped block freed instead of kept). A wait
/// could never end in a child made by `fork()` while another thread of the parent held the lock
/// (that thread does not exist in the child). Between live threads the critical section is a few
/// map operations, so the spin ends at once. Giving up at the first failed try instead made
/// misses common under two workers, and the resident set grew by 44 % over 25 000 soak calls
/// (fragmentation from the extra system allocations). A poisoned lock is recovered: the cache
/// holds only wiped blocks and its counts are updated after each move, so it stays consistent.
fn try_cache() -> Option<MutexGuard<'static, Option<Cache>>> {
    for attempt in 0..LOCK_TRIES {
        match CACHE.try_lock() {
            Ok(guard) => return Some(guard),
            Err(TryLockError::Poisoned(poisoned)) => return Some(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) if attempt < 64 => std::hint::spin_loop(),
            Err(TryLockError::WouldBlock) => std::thread::yield_now(),
        }
    }
    None
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
    let cached = try_cache().and_then(|mut guard| guard.get_or_insert_with(Cache::default).take(size));
    let block = match cached {
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

/// `Free`: wipes the whole block, then keeps it in the cache or frees it. NULL is a no-op. The
/// wipe comes first and does not depend on the cache: a block freed while the cache is busy is
/// wiped all the same.
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
        let to_free = match try_cache() {
            Some(mut guard) => guard.get_or_insert_with(Cache::default).put(size, Block(block)),
            None => vec![Block(block)],
        };
        for Block(old) in to_free {
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
    use std::sync::PoisonError;

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

    /// What a child made by `fork()` meets when another thread of the parent held the cache's
    /// lock at that moment: the lock stays taken for good. Here this thread holds it, which a
    /// blocking `lock()` in `alloc` or `free` would wait for forever (std's mutex is not
    /// reentrant); both must go to the system allocator instead, and the block is still wiped.
    #[test]
    fn a_held_cache_lock_never_blocks_alloc_or_free() {
        let size = 4096 + 7;
        let held = CACHE.lock().unwrap_or_else(PoisonError::into_inner);
        // SAFETY: `alloc` and `free` do not use `this`; the block is used within its size and
        // freed once.
        unsafe {
            let p = alloc(std::ptr::null_mut(), size).cast::<u8>();
            assert!(!p.is_null());
            assert_eq!(p as usize % ALIGN, 0);
            std::ptr::write_bytes(p, 0xA5, size);
            free(std::ptr::null_mut(), p.cast());
        }
        drop(held);
        // With the lock free again, the cache works as before: the wiped block of that size is
        // reused, all zeros. (Another test's session may hold the lock for an instant, which
        // turns one round into a miss, so a few rounds are allowed.)
        let reused = (0..100).any(|_| {
            // SAFETY: as above.
            unsafe {
                let p = alloc(std::ptr::null_mut(), size);
                assert!(!p.is_null());
                std::ptr::write_bytes(p.cast::<u8>(), 0x5A, size);
                free(std::ptr::null_mut(), p);
                let again = alloc(std::ptr::null_mut(), size);
                let hit = again == p;
                if hit {
                    assert!(
                        std::slice::from_raw_parts(again.cast::<u8>(), size).iter().all(|&b| b == 0),
                        "a reused block is all zeros"
                    );
                }
                free(std::ptr::null_mut(), again);
                hit
            }
        });
        assert!(reused, "a freed block of a size is reused");
    }
}
