//! The wasm's allocator: a free list per power-of-two size class, carved from memory the
//! WebAssembly `memory.grow` gives.
//!
//! Why not a crate: with Talc, the smallest general-purpose allocator we measured, every browser
//! download was 0.42 KB gzip larger (README "Size"). What this one gives up is what this library
//! does not need: a block is the next power of two of its size (at most twice it), and a
//! freed block serves only its own size class again (no coalescing). The calls allocate the same
//! shapes over and over, so the lists refill what the next call takes; the soak benchmark's wasm
//! memory stays flat from one burst of 10 000 calls to the next. Allocating and freeing are O(1).
//!
//! A list that runs dry is refilled with a 4 KiB chunk cut into its blocks (a larger block is a
//! chunk of its own). Chunks are carved one after another from memory that starts at a page, so a
//! block is aligned to its size up to 4 KiB, and nothing is left between them.
//!
//! Generic over where memory comes from ([`Grow`]) so that it is tested natively, on an arena.

/// Smallest block: holds the free list's link (a pointer) and suits 8-byte alignment.
const MIN_SHIFT: u32 = 3;
/// Size classes: 8 B to 2 GiB (`2^3` to `2^31`).
const CLASSES: usize = 29;
/// What a dry list of a small class is refilled with, and the most alignment a block has.
pub const CHUNK: usize = 4096;

/// Where fresh memory comes from.
pub trait Grow {
    /// At least `bytes` more memory: the start and end of the new region, or `None`.
    fn grow(&mut self, bytes: usize) -> Option<(usize, usize)>;
}

/// The free lists and the region blocks are carved from.
pub struct Heap<G: Grow> {
    /// Head of each class's free list (0: empty); a free block's first word links the next.
    free: [usize; CLASSES],
    /// The untouched part of the current region.
    next: usize,
    end: usize,
    grow: G,
}

impl<G: Grow> Heap<G> {
    pub const fn new(grow: G) -> Self {
        Self {
            free: [0; CLASSES],
            next: 0,
            end: 0,
            grow,
        }
    }

    /// The class of a block for `size` bytes at `align`; `None` past the largest.
    fn class(size: usize, align: usize) -> Option<usize> {
        let bytes = size.max(align).max(1 << MIN_SHIFT);
        let shift = usize::BITS - (bytes - 1).leading_zeros();
        let class = (shift - MIN_SHIFT) as usize;
        (class < CLASSES).then_some(class)
    }

    /// # Safety
    /// The memory `grow` gives must be this heap's alone, readable and writable, and start at a
    /// multiple of [`CHUNK`].
    pub unsafe fn alloc(&mut self, size: usize, align: usize) -> *mut u8 {
        let Some(class) = Self::class(size, align).filter(|_| align <= CHUNK) else {
            return core::ptr::null_mut();
        };
        let head = self.free[class];
        if head != 0 {
            self.free[class] = *(head as *const usize);
            return head as *mut u8;
        }
        // A list runs dry: a chunk of CHUNK bytes (or one block, if larger) from the region. The
        // region and every chunk start at multiples of CHUNK, so each block is aligned to its size
        // (at most CHUNK) and no gap is ever left.
        let bytes = 1usize << (class as u32 + MIN_SHIFT);
        let chunk = bytes.max(CHUNK);
        if self.end - self.next < chunk {
            let Some((start, end)) = self.grow.grow(chunk) else {
                return core::ptr::null_mut();
            };
            if start != self.end {
                self.next = start;
            }
            self.end = end;
        }
        let at = self.next;
        self.next += chunk;
        let mut rest = at + bytes;
        while rest < at + chunk {
            self.push(class, rest);
            rest += bytes;
        }
        at as *mut u8
    }

    unsafe fn push(&mut self, class: usize, block: usize) {
        *(block as *mut usize) = self.free[class];
        self.free[class] = block;
    }

    /// # Safety
    /// `ptr` came from [`Heap::alloc`] (or [`Heap::realloc`]) with this size and alignment.
    pub unsafe fn dealloc(&mut self, ptr: *mut u8, size: usize, align: usize) {
        if let Some(class) = Self::class(size, align) {
            self.push(class, ptr as usize);
        }
    }

    /// The same block when the new size is of the same class; else a new one, the bytes copied.
    ///
    /// # Safety
    /// As [`Heap::dealloc`] for `ptr`, `size` and `align`.
    pub unsafe fn realloc(
        &mut self,
        ptr: *mut u8,
        size: usize,
        align: usize,
        new: usize,
    ) -> *mut u8 {
        if Self::class(size, align) == Self::class(new, align) {
            return ptr;
        }
        let to = self.alloc(new, align);
        if !to.is_null() {
            core::ptr::copy_nonoverlapping(ptr, to, size.min(new));
            self.dealloc(ptr, size, align);
        }
        to
    }
}

/// The wasm's memory, grown by whole pages.
#[cfg(target_arch = "wasm32")]
pub struct WasmMemory;

#[cfg(target_arch = "wasm32")]
impl Grow for WasmMemory {
    fn grow(&mut self, bytes: usize) -> Option<(usize, usize)> {
        use core::arch::wasm32::{memory_grow, memory_size};
        const PAGE: usize = 65536;
        let pages = bytes.div_ceil(PAGE);
        let start = memory_grow(0, pages);
        (start != usize::MAX).then(|| (start * PAGE, memory_size(0) * PAGE))
    }
}

/// The global allocator of the (single-threaded) wasm.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
pub struct Global(core::cell::UnsafeCell<Heap<WasmMemory>>);

#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
impl Global {
    pub const fn new() -> Self {
        Self(core::cell::UnsafeCell::new(Heap::new(WasmMemory)))
    }
}

#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
impl Default for Global {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: without the atomics feature a wasm module runs on one thread; nothing else reaches it.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
unsafe impl Sync for Global {}

#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
unsafe impl core::alloc::GlobalAlloc for Global {
    unsafe fn alloc(&self, l: core::alloc::Layout) -> *mut u8 {
        (*self.0.get()).alloc(l.size(), l.align())
    }
    unsafe fn dealloc(&self, ptr: *mut u8, l: core::alloc::Layout) {
        (*self.0.get()).dealloc(ptr, l.size(), l.align())
    }
    unsafe fn realloc(&self, ptr: *mut u8, l: core::alloc::Layout, new: usize) -> *mut u8 {
        (*self.0.get()).realloc(ptr, l.size(), l.align(), new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An arena of its own memory, handed out in 64 KiB pages, as `memory.grow` does.
    struct Arena {
        base: usize,
        used: usize,
        size: usize,
        grows: usize,
        _memory: Vec<u64>,
    }

    impl Arena {
        fn new(bytes: usize) -> Self {
            let mut memory = vec![0u64; bytes / 8];
            // Page-aligned, as wasm memory is.
            let raw = memory.as_mut_ptr() as usize;
            let base = raw.next_multiple_of(65536);
            Arena {
                base,
                used: 0,
                size: bytes - (base - raw),
                grows: 0,
                _memory: memory,
            }
        }
    }

    impl Grow for &mut Arena {
        fn grow(&mut self, bytes: usize) -> Option<(usize, usize)> {
            let n = bytes.div_ceil(65536) * 65536;
            if self.used + n > self.size {
                return None;
            }
            let start = self.base + self.used;
            self.used += n;
            self.grows += 1;
            Some((start, self.base + self.used))
        }
    }

    type H<'a> = Heap<&'a mut Arena>;

    #[test]
    fn classes_are_the_next_power_of_two_of_size_and_alignment() {
        assert_eq!(H::class(0, 1), Some(0));
        assert_eq!(H::class(8, 8), Some(0));
        assert_eq!(H::class(9, 1), Some(1));
        assert_eq!(H::class(16, 1), Some(1));
        assert_eq!(H::class(1, 64), Some(3));
        assert_eq!(H::class(1 << 31, 1), Some(28));
        assert_eq!(H::class((1 << 31) + 1, 1), None);
        assert_eq!(H::class(usize::MAX, 1), None);
    }

    /// Random allocations, frees and reallocations: every block aligned, none overlapping a live
    /// one, contents kept across realloc, and freed blocks reused (the arena grows only a little).
    #[test]
    fn random_use_keeps_blocks_aligned_apart_and_intact() {
        let mut a = Arena::new(64 << 20);
        let base = a.base;
        let mut heap = Heap::new(&mut a);
        let mut live: Vec<(usize, usize, usize, u8)> = Vec::new(); // ptr, size, align, fill
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut rand = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for step in 0..200_000 {
            let choice = if live.len() >= 200 { 5 } else { rand(10) };
            if choice < 4 || live.is_empty() {
                let size = [rand(24), rand(200), rand(5000), rand(70_000)][rand(4)];
                let align = 1 << rand(7);
                let ptr = unsafe { heap.alloc(size, align) } as usize;
                assert_ne!(ptr, 0, "step {step}");
                assert_eq!(ptr % align, 0, "step {step}: {ptr:#x} for align {align}");
                assert!(ptr >= base);
                let fill = (step % 251) as u8;
                unsafe { core::ptr::write_bytes(ptr as *mut u8, fill, size) };
                live.push((ptr, size, align, fill));
            } else if choice < 8 {
                let (ptr, size, align, fill) = live.swap_remove(rand(live.len()));
                let bytes = unsafe { core::slice::from_raw_parts(ptr as *const u8, size) };
                assert!(
                    bytes.iter().all(|&b| b == fill),
                    "step {step}: block written over"
                );
                unsafe { heap.dealloc(ptr as *mut u8, size, align) };
            } else {
                let i = rand(live.len());
                let (ptr, size, align, fill) = live[i];
                let new = [rand(24), rand(200), rand(5000), (size * 2 + 1).min(100_000)][rand(4)];
                let to = unsafe { heap.realloc(ptr as *mut u8, size, align, new) } as usize;
                assert_ne!(to, 0, "step {step}");
                assert_eq!(to % align, 0);
                let kept = unsafe { core::slice::from_raw_parts(to as *const u8, size.min(new)) };
                assert!(
                    kept.iter().all(|&b| b == fill),
                    "step {step}: realloc lost bytes"
                );
                unsafe { core::ptr::write_bytes(to as *mut u8, fill, new) };
                live[i] = (to, new, align, fill);
            }
            if step % 997 == 0 {
                let mut spans: Vec<(usize, usize)> = live
                    .iter()
                    .map(|&(p, s, a, _)| {
                        (p, p + (1 << (H::class(s, a).unwrap() as u32 + MIN_SHIFT)))
                    })
                    .collect();
                spans.sort();
                for w in spans.windows(2) {
                    assert!(w[0].1 <= w[1].0, "step {step}: blocks overlap: {w:?}");
                }
            }
        }
        // At most 200 blocks live (under 26 MiB even were all 128 KiB): the lists' reuse keeps the
        // arena there, where 80 000 allocations without reuse would need about a gigabyte.
        assert!(a.used < 32 << 20, "grew to {} bytes", a.used);
    }

    #[test]
    fn a_freed_block_is_given_again_and_a_realloc_within_its_class_stays() {
        let mut a = Arena::new(4 << 20);
        let mut heap = Heap::new(&mut a);
        unsafe {
            let p = heap.alloc(100, 8);
            heap.dealloc(p, 100, 8);
            assert_eq!(
                heap.alloc(120, 4),
                p,
                "the same class (128 B) gives the freed block"
            );
            assert_eq!(
                heap.realloc(p, 120, 4, 128),
                p,
                "still 128 B: the block stays"
            );
            let q = heap.realloc(p, 128, 4, 129);
            assert_ne!(q, p, "256 B: another block");
            assert_eq!(heap.alloc(128, 1), p, "the old block was freed");
        }
    }

    #[test]
    fn a_dry_list_is_refilled_with_one_chunk_of_its_blocks() {
        let mut a = Arena::new(4 << 20);
        let mut heap = Heap::new(&mut a);
        unsafe {
            let first = heap.alloc(24, 8) as usize; // 32-byte blocks
            for i in 1..CHUNK / 32 {
                assert_eq!(
                    heap.alloc(32, 8) as usize,
                    first + CHUNK - 32 * i,
                    "from the same chunk"
                );
            }
            let next = heap.alloc(17, 1) as usize;
            assert_eq!(next, first + CHUNK, "then a new chunk, right after");
            let big = heap.alloc(10_000, 8) as usize; // a 16 KiB block, a chunk of its own
            assert_eq!(big, next + CHUNK);
            assert_eq!(big % CHUNK, 0);
            assert!(
                heap.alloc(8, CHUNK * 2).is_null(),
                "more alignment than a chunk has"
            );
        }
        assert_eq!(a.grows, 1);
    }

    #[test]
    fn when_memory_runs_out_the_allocation_fails_and_the_heap_goes_on() {
        let mut a = Arena::new(1 << 20);
        let mut heap = Heap::new(&mut a);
        unsafe {
            assert!(heap.alloc(4 << 20, 8).is_null());
            assert!(heap.alloc((1 << 31) + 1, 8).is_null());
            assert!(!heap.alloc(1000, 8).is_null());
        }
    }
}
