// SPDX-License-Identifier: MIT
//! A binder-like driver written against the kernel's Rust mm API (the
//! `vas` crate): the Rust port of `examples/binder/binder.c`, the memory
//! side of Android's Rust Binder.
//!
//! Each process that opens the device maps a read-only buffer area; the
//! driver fills it with pages on demand and a shrinker reclaims pages
//! nobody uses. The two paths that touch another process's address
//! space:
//!
//! ```text
//! install (may block)                    reclaim (never waits)
//! -------------------                    ---------------------
//! lock proc.install_lock                 try_lock proc.install_lock
//! mm.mmget_not_zero()                    mm.mmget_not_zero(), into_mmput_async
//! mm.lock_vma_under_rcu(addr), else      mm.mmap_read_trylock()
//!   mm.mmap_read_lock().vma_lookup()       (skip the page on failure)
//! ownership check                        guard.vma_lookup(); ownership check
//! as_mixedmap_vma().vm_insert_page()     vma.zap_page_range_single()
//! (guards drop: unlock)                  (guard drops: unlock)
//! (ARef<MmWithUser> drops: mmput)        (ARef<MmWithUserAsync> drops: mmput_async)
//! ```
//!
//! The types carry what the C driver states in comments: the VMA a lookup
//! returns cannot outlive its guard, only a `VmaMixedMap` takes pages,
//! only an `MmWithUser` can be locked, the shrinker's user reference is
//! an `MmWithUserAsync` and so never tears the address space down in the
//! shrinker.
//!
//! Lock order, outermost first (as the C driver):
//!
//! ```text
//! proc.install_lock      installs and reclaims of one proc's pages
//!   mmap lock | VMA read lock of the proc's address space
//!     proc.inner         page slots, the mapping recorded at mmap
//!       dev.lru          the LRU
//! ```
//!
//! The ownership check (Rust Binder's fix "check ownership before using
//! vma"): the address recorded at mmap time may by now be covered by
//! another VMA; a page goes only into a VMA that maps this proc's file
//! (one file per proc, so the file is the owner), starts where the proc's
//! mapping started, and covers the address inside the buffer.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex, Weak};
use vas::error::code::{EBUSY, EINVAL, ENOMEM, EPERM, ESRCH};
use vas::file::{File, MiscDevice, FMODE_READ, FMODE_WRITE};
use vas::mm::virt::{VmaClosing, VmaMixedMap, VmaNew, VmaRef};
use vas::mm::{Mm, MmWithUser};
use vas::page::{Page, PAGE_SIZE};
use vas::types::ARef;
use vas::{Machine, Result};

/// Binder uses at most the first 4 MiB of a mapping (SZ_4M).
pub const BINDER_MAX_BUFFER: usize = 4 << 20;
/// Pages of the largest buffer.
pub const BINDER_MAX_PAGES: usize = BINDER_MAX_BUFFER / PAGE_SIZE;

macro_rules! stats {
    ($($field:ident: $doc:expr,)*) => {
        /// Counters of a device, each a relaxed atomic.
        #[derive(Default)]
        pub struct Stats { $(#[doc = $doc] pub $field: AtomicUsize,)* }

        /// A copy of the counters.
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct StatsSnapshot { $(#[doc = $doc] pub $field: usize,)* }

        impl Stats {
            fn snapshot(&self) -> StatsSnapshot {
                StatsSnapshot { $($field: self.$field.load(Relaxed),)* }
            }
        }
    };
}

stats! {
    procs: "procs not yet freed",
    pages_alloc: "pages the driver allocated",
    pages_freed: "the driver's last reference dropped",
    dropped_mapped: "pages dropped while still mapped",
    inserted: "vm_insert_page() that succeeded",
    insert_failed: "vm_insert_page() errors",
    vma_locked: "installs under the per-VMA lock",
    mmap_locked: "installs under the mmap read lock",
    no_vma: "no VMA at the address",
    not_owned: "a VMA there, but not this proc's",
    no_mm: "the address space was gone",
    shrink_freed: "pages the shrinker freed",
    shrink_zapped: "... after zapping them in our VMA",
    shrink_busy: "skipped: install_lock contended",
    shrink_mmap_busy: "skipped: mmap lock contended",
    shrink_no_mm: "skipped: address space gone",
    vma_opens: "vm_ops->open calls",
    vma_closes: "vm_ops->close calls",
}

fn inc(c: &AtomicUsize) {
    c.fetch_add(1, Relaxed);
}

/// Where the test hook runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HookPoint {
    /// Before `vm_insert_page`, with the VMA's guard held.
    Insert,
    /// Before the shrinker's `zap_page_range_single`, under the mmap
    /// read lock.
    Zap,
}

/// Instrumentation for tests: runs before each insert and zap, and may
/// inspect the VMA. It must not take a lock of the address space.
pub type Hook = Box<dyn Fn(&BinderProc, HookPoint, &VmaRef, usize) + Send + Sync>;

/// The LRU of reclaimable pages: a doubly linked list over (proc id, page
/// index) keys, oldest first, with O(1) removal (the C driver's intrusive
/// list).
#[derive(Default)]
struct Lru {
    nodes: HashMap<(u32, usize), LruNode>,
    head: Option<(u32, usize)>,
    tail: Option<(u32, usize)>,
}

struct LruNode {
    proc: Weak<BinderProc>,
    prev: Option<(u32, usize)>,
    next: Option<(u32, usize)>,
}

impl Lru {
    fn push_back(&mut self, key: (u32, usize), proc: Weak<BinderProc>) {
        let node = LruNode { proc, prev: self.tail, next: None };
        match self.tail {
            Some(t) => self.nodes.get_mut(&t).unwrap().next = Some(key),
            None => self.head = Some(key),
        }
        self.tail = Some(key);
        let old = self.nodes.insert(key, node);
        assert!(old.is_none(), "a page twice on the LRU");
    }

    fn remove(&mut self, key: (u32, usize)) -> Option<Weak<BinderProc>> {
        let node = self.nodes.remove(&key)?;
        match node.prev {
            Some(p) => self.nodes.get_mut(&p).unwrap().next = node.next,
            None => self.head = node.next,
        }
        match node.next {
            Some(n) => self.nodes.get_mut(&n).unwrap().prev = node.prev,
            None => self.tail = node.prev,
        }
        Some(node.proc)
    }

    /// Move the oldest entry to the tail and return it.
    fn rotate(&mut self) -> Option<((u32, usize), Weak<BinderProc>)> {
        let key = self.head?;
        let proc = self.remove(key).unwrap();
        self.push_back(key, proc.clone());
        Some((key, proc))
    }

    fn len(&self) -> usize {
        self.nodes.len()
    }
}

/// The device: the LRU, counters, the test hook.
pub struct BinderDev {
    machine: Machine,
    lru: Mutex<Lru>,
    next_id: AtomicU32,
    skip_vma_check: AtomicBool,
    hook: Option<Hook>,
    stats: Stats,
}

/// One page of a proc's buffer.
#[derive(Default)]
struct Slot {
    /// The driver's reference (changed under install_lock and inner).
    page: Option<Page>,
    /// Generations installed so far.
    gen: u32,
    /// Pins by buffers in use.
    users: u32,
}

/// What `proc.inner` protects.
#[derive(Default)]
struct ProcInner {
    /// The file was released.
    dead: bool,
    /// Set once, by the mmap hook.
    mapped: bool,
    map_start: usize,
    buf_size: usize,
    slots: Vec<Slot>,
}

/// One open of the device by one address space.
pub struct BinderProc {
    dev: Arc<BinderDev>,
    /// A count on the opener's address space, never a user: the proc does
    /// not keep a dead process's memory alive.
    mm: ARef<Mm>,
    /// The identity of the proc's file (one per proc): set once at open.
    file: AtomicUsize,
    id: u32,
    /// Serialises installing and reclaiming pages of this proc.
    install_lock: Mutex<()>,
    inner: Mutex<ProcInner>,
}

/// The driver data of a proc's file: its reference on the proc. Dropped
/// by the file's release, which marks the proc dead.
struct ProcFile(Arc<BinderProc>);

impl Drop for ProcFile {
    fn drop(&mut self) {
        self.0.inner.lock().unwrap().dead = true;
    }
}

/// The word `k` of page `idx` of proc `proc_id` in generation `gen`:
/// word 0 encodes the three numbers, the others mix in `k`, so a page of
/// another index, proc or generation, a zero page or a torn copy all fail
/// [`pattern_decode`].
pub fn pattern_word(proc_id: u32, idx: usize, gen: u32, k: usize) -> u64 {
    let head = 0xB1u64 << 56 | ((proc_id & 0xffff) as u64) << 40 | ((idx & 0xfff) as u64) << 28 | (gen & 0xfff_ffff) as u64;
    head ^ (k as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// If `buf` is one whole pattern page, its (proc id, index, generation).
pub fn pattern_decode(buf: &[u8]) -> Option<(u32, usize, u32)> {
    let word = |k: usize| u64::from_ne_bytes(buf[8 * k..8 * k + 8].try_into().unwrap());
    if buf.len() != PAGE_SIZE {
        return None;
    }
    let head = word(0);
    if head >> 56 != 0xB1 {
        return None;
    }
    if (1..PAGE_SIZE / 8).any(|k| word(k) != head ^ (k as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)) {
        return None;
    }
    Some(((head >> 40 & 0xffff) as u32, (head >> 28 & 0xfff) as usize, (head & 0xfff_ffff) as u32))
}

impl BinderDev {
    /// A device whose pages come from `machine`.
    pub fn new(machine: &Machine) -> Arc<BinderDev> {
        Self::with_hook(machine, None)
    }

    /// A device with a test hook.
    pub fn with_hook(machine: &Machine, hook: Option<Hook>) -> Arc<BinderDev> {
        Arc::new(BinderDev {
            machine: machine.clone(),
            lru: Mutex::new(Lru::default()),
            next_id: AtomicU32::new(0),
            skip_vma_check: AtomicBool::new(false),
            hook,
            stats: Stats::default(),
        })
    }

    /// A copy of the counters.
    pub fn stats(&self) -> StatsSnapshot {
        self.stats.snapshot()
    }

    /// Behave as binder did before the fix "check ownership before using
    /// vma": insert into (and zap in) whatever VM_MIXEDMAP VMA covers the
    /// address. For the regression test only.
    pub fn set_skip_vma_check(&self, skip: bool) {
        self.skip_vma_check.store(skip, Relaxed);
    }

    /// Pages on the LRU now.
    pub fn lru_count(&self) -> usize {
        self.lru.lock().unwrap().len()
    }

    /// open(2) of the device by the process whose address space is `mm`:
    /// a proc with a count on `mm`, and its file (the caller's handle;
    /// dropping the last reference to it is close(2)).
    pub fn open(self: &Arc<Self>, mm: &MmWithUser) -> Result<(ARef<File>, Arc<BinderProc>)> {
        let proc = Arc::new(BinderProc {
            dev: self.clone(),
            mm: mm.mmgrab(),
            file: AtomicUsize::new(0),
            id: self.next_id.fetch_add(1, Relaxed) + 1,
            install_lock: Mutex::new(()),
            inner: Mutex::new(ProcInner::default()),
        });
        inc(&self.stats.procs);
        let file = File::create(&self.machine, ProcFile(proc.clone()), FMODE_READ | FMODE_WRITE, "/dev/binder")?;
        proc.file.store(file.as_raw() as usize, Relaxed);
        Ok((file, proc))
    }

    /// The shrinker's scan: look at up to `nr_to_scan` pages of the LRU,
    /// oldest first, and free those it can reclaim without waiting.
    /// Context: holds no lock of the procs' address spaces.
    pub fn shrink(&self, nr_to_scan: usize) -> usize {
        let mut freed = 0;
        // Each page at most once per scan, though skipped pages rotate.
        let mut n = nr_to_scan.min(self.lru_count());
        while n > 0 {
            n -= 1;
            let (key, proc) = match self.lru.lock().unwrap().rotate() {
                Some(e) => e,
                None => break,
            };
            // A proc being freed: skip (its drop unlinks its pages).
            let proc = match proc.upgrade() {
                Some(p) => p,
                None => continue,
            };
            freed += proc.shrink_slot(key.1);
        }
        freed
    }
}

impl MiscDevice for ProcFile {
    const HAS_VM_OPS: bool = true;

    /// The mmap hook: only the opener's address space (-EINVAL), never
    /// writable (-EPERM), one mapping per open (-EBUSY); VM_DONTCOPY and
    /// VM_MIXEDMAP. A mapping larger than 4 MiB is accepted, its tail gets
    /// no pages.
    fn mmap(&self, _file: &File, vma: &VmaNew) -> Result {
        let proc = &self.0;
        if vma.mm().id() != proc.mm.id() {
            return Err(EINVAL);
        }
        // Userspace never writes the buffer: not now, not via mprotect.
        vma.try_clear_maywrite().map_err(|_| EPERM)?;
        let size = (vma.end() - vma.start()).min(BINDER_MAX_BUFFER);
        let mut slots = Vec::new();
        slots.try_reserve_exact(size / PAGE_SIZE).map_err(|_| ENOMEM)?;
        slots.resize_with(size / PAGE_SIZE, Slot::default);
        {
            let mut inner = proc.inner.lock().unwrap();
            if inner.mapped || inner.dead {
                return Err(EBUSY);
            }
            inner.map_start = vma.start();
            inner.buf_size = size;
            inner.slots = slots;
            inner.mapped = true;
        }
        vma.set_dontcopy();
        vma.set_mixedmap();
        Ok(())
    }

    fn vma_open(&self, _vma: &VmaRef) {
        inc(&self.0.dev.stats.vma_opens);
    }

    /// At teardown the address space has no user left: the closing view
    /// offers none.
    fn vma_close(&self, _vma: &VmaClosing) {
        inc(&self.0.dev.stats.vma_closes);
    }
}

impl BinderProc {
    /// The proc's number (1, 2, ...), as written into its pages.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// Whether `file` is this proc's file, or a file created at its
    /// address after it was released (the proc is dead then).
    pub fn owns(&self, file: &File) -> bool {
        file.as_raw() as usize == self.file.load(Relaxed)
    }

    /// Where the buffer was mapped and its size (capped at 4 MiB), if it
    /// was.
    pub fn buffer(&self) -> Option<(usize, usize)> {
        let inner = self.inner.lock().unwrap();
        if inner.mapped {
            Some((inner.map_start, inner.buf_size))
        } else {
            None
        }
    }

    /// The last generation of page `idx` (0 before its first install).
    pub fn page_gen(&self, idx: usize) -> u32 {
        self.inner.lock().unwrap().slots.get(idx).map_or(0, |s| s.gen)
    }

    /// Another reference to the page the driver holds for `idx`, if any.
    pub fn page_get(&self, idx: usize) -> Option<Page> {
        self.inner.lock().unwrap().slots.get(idx).and_then(|s| s.page.clone())
    }

    fn free_page(&self, page: Page) {
        if page.mapcount() != 0 {
            inc(&self.dev.stats.dropped_mapped);
        }
        drop(page);
        inc(&self.dev.stats.pages_freed);
    }

    /// `vma` at the mixed-map level if it is the VMA this proc's mmap hook
    /// set up and `addr` is inside the proc's buffer.
    /// Context: `vma`'s guard held (the borrow says so); takes inner.
    fn vma_check<'a>(&self, vma: &'a VmaRef, addr: usize) -> Option<&'a VmaMixedMap> {
        if self.dev.skip_vma_check.load(Relaxed) {
            return vma.as_mixedmap_vma();
        }
        // Our file: only our mmap hook (or a split of such a VMA) makes a
        // VMA of it.
        if !vma.file().map_or(false, |f| self.owns(f)) {
            return None;
        }
        let (start, size) = {
            let inner = self.inner.lock().unwrap();
            // `owns` compares addresses: once our file is released (dead),
            // another proc's file may be created at the same address. While
            // we are not dead our file is alive, so an equal address is our
            // file (the VMA, locked by the caller, holds its own).
            if inner.dead {
                return None;
            }
            (inner.map_start, inner.buf_size)
        };
        // ... and the range recorded at mmap time (not a split-off part).
        if vma.start() != start || addr.wrapping_sub(start) >= size || addr >= vma.end() {
            return None;
        }
        vma.as_mixedmap_vma()
    }

    /// Context: `vma`'s guard held; install_lock held.
    fn insert_into(&self, vma: &VmaRef, addr: usize, page: &Page) -> Result {
        let stats = &self.dev.stats;
        let mix = match self.vma_check(vma, addr) {
            Some(m) => m,
            None => {
                inc(&stats.not_owned);
                return Err(ESRCH);
            }
        };
        if let Some(hook) = &self.dev.hook {
            hook(self, HookPoint::Insert, vma, addr);
        }
        let r = mix.vm_insert_page(addr, page);
        inc(if r.is_ok() { &stats.inserted } else { &stats.insert_failed });
        r
    }

    /// Map `page` at `addr` of the proc's VMA. Context: install_lock held,
    /// no lock of the address space; may block, may run the teardown (the
    /// user reference is dropped here with mmput).
    fn insert(&self, addr: usize, page: &Page) -> Result {
        let stats = &self.dev.stats;
        let mm = match self.mm.mmget_not_zero() {
            Some(mm) => mm,
            None => {
                inc(&stats.no_mm);
                return Err(ESRCH);
            }
        };
        let r = if let Some(vma) = mm.lock_vma_under_rcu(addr) {
            inc(&stats.vma_locked);
            self.insert_into(&vma, addr, page)
        } else {
            // No VMA there, or it is being changed: ask under the mmap lock.
            inc(&stats.mmap_locked);
            let guard = mm.mmap_read_lock();
            match guard.vma_lookup(addr) {
                Some(vma) => self.insert_into(vma, addr, page),
                None => {
                    inc(&stats.no_vma);
                    Err(ESRCH)
                }
            }
        };
        // The guards are gone; the user goes with mmput (maybe the
        // teardown, here: no lock of ours is held).
        drop(mm);
        r
    }

    /// Context: inner held.
    fn check_index(inner: &ProcInner, idx: usize) -> Result {
        if inner.dead || !inner.mapped {
            return Err(ESRCH);
        }
        if idx >= inner.slots.len() {
            return Err(EINVAL);
        }
        Ok(())
    }

    /// Pin the page of slot `idx`. Context: inner held, the page there.
    fn pin(&self, inner: &mut ProcInner, idx: usize) {
        inner.slots[idx].users += 1;
        self.dev.lru.lock().unwrap().remove((self.id, idx));
    }

    /// Install page `idx` (slow path: it has no page).
    fn install_page(&self, idx: usize) -> Result {
        let stats = &self.dev.stats;
        let page = Page::alloc_page(&self.dev.machine)?;
        inc(&stats.pages_alloc);
        let _install = self.install_lock.lock().unwrap();
        let mut target = None;
        {
            let mut inner = self.inner.lock().unwrap();
            let r = Self::check_index(&inner, idx);
            if let Err(e) = r {
                drop(inner);
                self.free_page(page);
                return Err(e);
            }
            if inner.slots[idx].page.is_some() {
                // Installed while we allocated.
                self.pin(&mut inner, idx);
            } else {
                inner.slots[idx].gen += 1;
                target = Some((inner.map_start + idx * PAGE_SIZE, inner.slots[idx].gen));
            }
        }
        let (addr, gen) = match target {
            Some(t) => t,
            None => {
                self.free_page(page);
                return Ok(());
            }
        };
        let words: Vec<u64> = (0..PAGE_SIZE / 8).map(|k| pattern_word(self.id, idx, gen, k)).collect();
        // SAFETY: The page was just allocated and is not mapped yet: nobody
        // else can access it. The source holds PAGE_SIZE bytes.
        unsafe { page.write_raw(words.as_ptr().cast(), 0, PAGE_SIZE) }?;
        match self.insert(addr, &page) {
            Ok(()) => {
                let mut inner = self.inner.lock().unwrap();
                inner.slots[idx].page = Some(page);
                self.pin(&mut inner, idx);
                Ok(())
            }
            Err(e) => {
                self.free_page(page);
                Err(e)
            }
        }
    }

    fn use_page(&self, idx: usize) -> Result {
        {
            let mut inner = self.inner.lock().unwrap();
            Self::check_index(&inner, idx)?;
            if inner.slots[idx].page.is_some() {
                self.pin(&mut inner, idx);
                return Ok(());
            }
        }
        self.install_page(idx)
    }

    /// A buffer covering pages `[first, first + count)` is about to be
    /// used: install each page that is not there and pin it. Context:
    /// holds no lock of the address space; may block. Errors, with nothing
    /// pinned: -EINVAL (outside the buffer), -ESRCH (dead, not mapped, no
    /// address space, not our VMA), -ENOMEM, vm_insert_page's.
    pub fn use_range(self: &Arc<Self>, first: usize, count: usize) -> Result {
        let end = match first.checked_add(count) {
            Some(e) if count > 0 => e,
            _ => return Err(EINVAL),
        };
        // The whole range first: nothing is installed for a bad one.
        Self::check_index(&self.inner.lock().unwrap(), end - 1)?;
        for i in first..end {
            if let Err(e) = self.use_page(i) {
                if i > first {
                    self.stop_using_range(first, i - first);
                }
                return Err(e);
            }
        }
        Ok(())
    }

    /// Unpin pages `[first, first + count)`; unpinned pages go on the
    /// LRU, where the shrinker may reclaim them.
    pub fn stop_using_range(self: &Arc<Self>, first: usize, count: usize) {
        let mut inner = self.inner.lock().unwrap();
        let end = first.saturating_add(count).min(inner.slots.len());
        for i in first..end {
            let slot = &mut inner.slots[i];
            if slot.users == 0 || slot.page.is_none() {
                continue; // not pinned: a caller's bug
            }
            slot.users -= 1;
            if slot.users == 0 {
                self.dev.lru.lock().unwrap().push_back((self.id, i), Arc::downgrade(self));
            }
        }
    }

    /// Reclaim the page of slot `idx` if it is still unused, with
    /// trylocks only. Returns 1 if the page was freed.
    fn shrink_slot(&self, idx: usize) -> usize {
        let stats = &self.dev.stats;
        let _install = match self.install_lock.try_lock() {
            Ok(g) => g,
            Err(_) => {
                inc(&stats.shrink_busy);
                return 0;
            }
        };
        let mm = match self.mm.mmget_not_zero() {
            // Never the teardown here: if ours is the last user, the
            // machine's worker runs it.
            Some(mm) => MmWithUser::into_mmput_async(mm),
            None => {
                inc(&stats.shrink_no_mm);
                return 0;
            }
        };
        let guard = match mm.mmap_read_trylock() {
            Some(g) => g,
            None => {
                inc(&stats.shrink_mmap_busy);
                return 0;
            }
        };
        let mut taken = None;
        {
            let mut inner = self.inner.lock().unwrap();
            let start = inner.map_start;
            let slot = &mut inner.slots[idx];
            if slot.page.is_some() && slot.users == 0 {
                taken = Some((slot.page.take().unwrap(), start + idx * PAGE_SIZE));
                self.dev.lru.lock().unwrap().remove((self.id, idx));
            }
        }
        let page = match taken {
            Some((page, addr)) => {
                // Zap only in our own VMA. If another VMA covers the
                // address now, ours went away and took its entries along.
                if let Some(vma) = guard.vma_lookup(addr) {
                    if self.vma_check(vma, addr).is_some() {
                        if let Some(hook) = &self.dev.hook {
                            hook(self, HookPoint::Zap, vma, addr);
                        }
                        vma.zap_page_range_single(addr, PAGE_SIZE);
                        inc(&stats.shrink_zapped);
                    }
                }
                page
            }
            None => return 0,
        };
        drop(guard);
        drop(mm);
        drop(_install);
        self.free_page(page);
        inc(&stats.shrink_freed);
        1
    }
}

impl Drop for BinderProc {
    /// Nobody else holds the proc: its file is released (so no VMA maps
    /// it) and no installer or shrinker runs for it. The shrinker may still
    /// find its pages on the LRU, but cannot upgrade its weak reference.
    fn drop(&mut self) {
        let inner = self.inner.get_mut().unwrap();
        {
            let mut lru = self.dev.lru.lock().unwrap();
            for i in 0..inner.slots.len() {
                lru.remove((self.id, i));
            }
        }
        let pages: Vec<Page> = inner.slots.iter_mut().filter_map(|s| s.page.take()).collect();
        for page in pages {
            self.free_page(page);
        }
        self.dev.stats.procs.fetch_sub(1, Relaxed);
        // self.mm (a count) is dropped after this: mmdrop.
    }
}
