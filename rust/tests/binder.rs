// SPDX-License-Identifier: MIT
//! The Rust binder driver (examples/binder/driver.rs) against libvas: the
//! cases of examples/binder/test_binder.c, ported: what its mmap hook
//! makes of a VMA, pages installed on demand and reclaimed, fork, the
//! 4 MiB cap, process exit (also while the shrinker holds the last user),
//! the regression test for "check ownership before using vma", and the
//! time-boxed race of user readers, the allocator, the shrinker and
//! unmap-and-remap of the buffer ($VAS_STRESS_SECONDS, default 2, however
//! many remaps that is; $VAS_SEED replays a run).
#[path = "../examples/binder/driver.rs"]
mod driver;

use driver::*;
use std::sync::atomic::{fence, AtomicBool, AtomicI64, AtomicUsize, Ordering::*};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use vas::error::code::*;
use vas::file::File;
use vas::mm::virt::{flags, VmaRef};
use vas::mm::MmWithUser;
use vas::types::ARef;
use vas::uapi::*;
use vas::{Machine, Stat};

const W: usize = 0x2000_0000_0000;
const P: usize = PAGE_SIZE;
/// What the test writes into anonymous memory.
const FILL: u8 = 0x5a;
/// What binder's VMA must look like.
const BINDER_SET: usize = flags::READ | flags::MAYREAD | flags::DONTCOPY | flags::MIXEDMAP;
const BINDER_CLEAR: usize = flags::WRITE | flags::MAYWRITE | flags::SHARED;

/// The insert hook's record: every insert must go into the proc's own VMA.
#[derive(Default)]
struct InsertRec {
    calls: AtomicUsize,
    foreign: AtomicUsize,
}

fn insert_hook(rec: Arc<InsertRec>, base: usize) -> Hook {
    Box::new(move |proc: &BinderProc, point: HookPoint, vma: &VmaRef, addr: usize| {
        if point != HookPoint::Insert {
            return;
        }
        let fl = vma.flags();
        let own = vma.file().map_or(false, |f| proc.owns(f))
            && fl & BINDER_SET == BINDER_SET
            && fl & BINDER_CLEAR == 0
            && vma.start() == base
            && addr >= base
            && addr < vma.end();
        rec.calls.fetch_add(1, Relaxed);
        if !own {
            rec.foreign.fetch_add(1, Relaxed);
        }
    })
}

struct Fixture {
    machine: Machine,
    mm: Option<ARef<MmWithUser>>,
    dev: Arc<BinderDev>,
}

impl Fixture {
    fn new(hook: Option<Hook>) -> Fixture {
        let machine = Machine::new().unwrap();
        let mm = machine.mm_create().unwrap();
        let dev = BinderDev::with_hook(&machine, hook);
        Fixture { machine, mm: Some(mm), dev }
    }

    fn mm(&self) -> &MmWithUser {
        self.mm.as_ref().unwrap()
    }

    /// The end of a test: the process exits (if it still lives), every
    /// proc must be gone with every page freed, none of them while still
    /// mapped (unless the test made that happen: `dropped_mapped`).
    fn fini(mut self, dropped_mapped: usize) {
        if let Some(mm) = self.mm.take() {
            mm.validate().unwrap();
        }
        let st = self.dev.stats();
        assert_eq!(st.procs, 0);
        assert_eq!(st.pages_alloc, st.pages_freed);
        assert_eq!(st.dropped_mapped, dropped_mapped);
        assert_eq!(self.dev.lru_count(), 0);
        drop(self.dev);
        self.machine.destroy().unwrap();
    }
}

fn map_binder(mm: &MmWithUser, file: &File, addr: usize, len: usize) -> vas::Result {
    let got = mm.mmap(addr, len, PROT_READ, MAP_PRIVATE | MAP_FIXED | MAP_NORESERVE, Some(file), 0)?;
    assert_eq!(got, addr);
    Ok(())
}

fn map_anon(mm: &MmWithUser, addr: usize, len: usize) -> vas::Result {
    mm.mmap(addr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, None, 0).map(|_| ())
}

fn is_filled(buf: &[u8], byte: u8) -> bool {
    buf.iter().all(|&b| b == byte)
}

/// Read one page; expect the proc's pattern of `idx` in generation `gen`.
#[track_caller]
fn expect_page(mm: &MmWithUser, addr: usize, proc: &BinderProc, idx: usize, gen: u32) {
    let mut buf = vec![0u8; P];
    mm.read(addr, &mut buf).unwrap();
    assert_eq!(pattern_decode(&buf), Some((proc.id(), idx, gen)));
}

/// Read from a page; expect the access to stop at it with `signal`.
#[track_caller]
fn expect_fault(mm: &MmWithUser, addr: usize, signal: Signal) {
    let mut buf = [0u8; 64];
    assert_eq!(mm.read(addr, &mut buf), Err(AccessError::Signal { signal, addr }));
}

/// Resident kB of the VMA at `addr` (smaps' Rss).
fn vma_rss_kb(mm: &MmWithUser, addr: usize) -> Option<usize> {
    mm.mmap_read_lock().vma_lookup(addr).map(|v| v.mem_stats().rss_kb)
}

/*
 *  W                  W+16P
 *  |   binder (r--)   |
 */
#[test]
fn binder_mmap_hook_sets_up_a_read_only_vma() {
    let f = Fixture::new(None);
    let mm = f.mm();
    let (file, proc) = f.dev.open(mm).unwrap();
    assert_eq!(proc.buffer(), None);

    // A writable mapping: the hook refuses it (binder: FORBIDDEN_MMAP_FLAGS).
    for kind in [MAP_PRIVATE, MAP_SHARED] {
        assert_eq!(mm.mmap(W, 16 * P, PROT_READ | PROT_WRITE, kind | MAP_FIXED, Some(&file), 0), Err(EPERM));
    }
    // Another address space than the opener's: refused.
    let other = f.machine.mm_create().unwrap();
    assert_eq!(map_binder(&other, &file, W, 16 * P), Err(EINVAL));
    drop(other);

    map_binder(mm, &file, W, 16 * P).unwrap();
    assert_eq!(proc.buffer(), Some((W, 16 * P)));
    {
        let g = mm.mmap_read_lock();
        let v = g.vma_lookup(W).unwrap();
        assert_eq!((v.start(), v.end()), (W, W + 16 * P));
        assert_eq!(v.flags() & BINDER_SET, BINDER_SET);
        assert_eq!(v.flags() & BINDER_CLEAR, 0);
        assert_eq!(v.file(), Some(&*file));
        assert!(v.as_mixedmap_vma().is_some());
    }
    // VM_MAYWRITE is gone: never writable, not even through mprotect.
    assert_eq!(mm.mprotect(W, 16 * P, PROT_READ | PROT_WRITE), Err(EACCES));
    assert_eq!(mm.mprotect(W, P, PROT_READ | PROT_WRITE), Err(EACCES));
    // One mapping per open (binder: "already mapped").
    assert_eq!(map_binder(mm, &file, W + 32 * P, 4 * P), Err(EBUSY));
    // User writes fault.
    assert!(mm.fill(W, 1, 1).is_err());
    // maps prints the file's name.
    let maps = mm.maps().unwrap();
    assert!(maps.contains(" r--p 00000000 ") && maps.contains("/dev/binder\n"), "{}", maps);

    // A hole punched into the buffer: the parts below and above it are
    // new VMA objects (two opens), the page between goes with the old one
    // (a close). The driver installs only into the VMA that starts where
    // its mapping started.
    //
    //  W              W+8P W+9P           W+16P
    //  | binder        |    | split-off    |
    mm.munmap(W + 8 * P, P).unwrap();
    let st = f.dev.stats();
    assert_eq!((st.vma_opens, st.vma_closes), (2, 1));
    proc.use_range(2, 1).unwrap();
    assert_eq!(proc.use_range(8, 1), Err(ESRCH)); // the hole
    assert_eq!(proc.use_range(10, 1), Err(ESRCH)); // split-off
    let st = f.dev.stats();
    assert_eq!((st.inserted, st.no_vma, st.not_owned), (1, 1, 1));
    expect_page(mm, W + 2 * P, &proc, 2, 1);
    expect_fault(mm, W + 8 * P, Signal::Segv);
    expect_fault(mm, W + 10 * P, Signal::Bus);
    proc.stop_using_range(2, 1);

    mm.munmap(W, 16 * P).unwrap();
    let st = f.dev.stats();
    assert_eq!((st.vma_opens, st.vma_closes, st.procs), (2, 3, 1));
    drop(file); // no mapping holds the file: released
    drop(proc); // the last reference: freed
    f.fini(0);
}

/*
 *  W    W+P  W+2P W+3P W+4P           W+8P
 *  | p0 | p1 | p2 | p3 |   (absent)   |     binder VMA, pages inserted
 */
#[test]
fn binder_pages_on_demand_and_shrinker() {
    let rec = Arc::new(InsertRec::default());
    let f = Fixture::new(Some(insert_hook(rec.clone(), W)));
    let mm = f.mm();
    let (file, proc) = f.dev.open(mm).unwrap();
    map_binder(mm, &file, W, 8 * P).unwrap();

    // Nothing inserted yet: a driver VMA without a fault handler SIGBUSes.
    expect_fault(mm, W, Signal::Bus);
    assert_eq!(vma_rss_kb(mm, W), Some(0));

    proc.use_range(0, 4).unwrap();
    assert_eq!((rec.calls.load(Relaxed), rec.foreign.load(Relaxed)), (4, 0));
    let mut pg = Vec::new();
    for i in 0..4 {
        assert_eq!(proc.page_gen(i), 1);
        expect_page(mm, W + i * P, &proc, i, 1);
        let page = proc.page_get(i).unwrap();
        assert_eq!(page.mapcount(), 1);
        pg.push(page);
    }
    expect_fault(mm, W + 4 * P, Signal::Bus);
    assert_eq!(vma_rss_kb(mm, W), Some(4 * P / 1024));
    assert_eq!((mm.rss(Rss::File), mm.rss(Rss::Anon)), (4, 0));
    // Outside the buffer, all or nothing.
    assert_eq!(proc.use_range(7, 2), Err(EINVAL));
    assert_eq!(proc.page_gen(7), 0);

    // vm_insert_page itself: outside the VMA, occupied, misaligned.
    let own = vas::page::Page::alloc_page(&f.machine).unwrap();
    {
        let g = mm.mmap_read_lock();
        let mix = g.vma_lookup(W).unwrap().as_mixedmap_vma().unwrap();
        assert_eq!(mix.vm_insert_page(W + 8 * P, &own), Err(EFAULT));
        assert_eq!(mix.vm_insert_page(W - P, &own), Err(EFAULT));
        assert_eq!(mix.vm_insert_page(W, &own), Err(EBUSY));
        assert_eq!(mix.vm_insert_page(W + 4 * P + 8, &own), Err(EINVAL));
    }
    assert_eq!(own.mapcount(), 0);
    drop(own);
    assert_eq!(vma_rss_kb(mm, W), Some(4 * P / 1024));

    // Pinned pages are not reclaimable.
    assert_eq!(f.dev.lru_count(), 0);
    assert_eq!(f.dev.shrink(16), 0);
    proc.stop_using_range(0, 4);
    assert_eq!(f.dev.lru_count(), 4);
    // Pinning again takes a page off the LRU, without a new install.
    proc.use_range(1, 1).unwrap();
    assert_eq!(f.dev.lru_count(), 3);
    assert_eq!(proc.page_gen(1), 1);
    assert_eq!(f.dev.shrink(2), 2);
    assert_eq!(f.dev.shrink(16), 1);
    assert_eq!(f.dev.lru_count(), 0);
    // Page 1 stayed; pages 0, 2 and 3 are zapped.
    assert_eq!(vma_rss_kb(mm, W), Some(P / 1024));
    assert_eq!(pg[1].mapcount(), 1);
    expect_page(mm, W + P, &proc, 1, 1);
    for i in [0, 2, 3] {
        assert_eq!(pg[i].mapcount(), 0);
        expect_fault(mm, W + i * P, Signal::Bus);
    }
    proc.stop_using_range(1, 1);
    assert_eq!(f.dev.shrink(16), 1);
    assert_eq!(pg[1].mapcount(), 0);
    assert_eq!(vma_rss_kb(mm, W), Some(0));
    assert_eq!(mm.rss(Rss::File), 0);
    let st = f.dev.stats();
    assert_eq!((st.shrink_freed, st.shrink_zapped, st.pages_alloc, st.pages_freed), (4, 4, 4, 4));
    drop(pg); // the driver dropped its references; ours kept the pages

    // Used again: a new page, the next generation.
    proc.use_range(0, 1).unwrap();
    expect_page(mm, W, &proc, 0, 2);
    proc.stop_using_range(0, 1);
    assert_eq!((rec.calls.load(Relaxed), rec.foreign.load(Relaxed)), (5, 0));

    // The mapping goes with a page still in it; the driver keeps its own.
    mm.munmap(W, 8 * P).unwrap();
    assert_eq!(proc.page_get(0).unwrap().mapcount(), 0);
    assert_eq!(proc.use_range(2, 1), Err(ESRCH)); // no VMA
    assert_eq!(f.dev.stats().no_vma, 1);
    drop(file);
    drop(proc);
    f.fini(0);
}

#[test]
fn binder_vma_is_not_copied_by_fork() {
    let f = Fixture::new(None);
    let mm = f.mm();
    let (file, proc) = f.dev.open(mm).unwrap();
    map_binder(mm, &file, W, 4 * P).unwrap();
    proc.use_range(0, 2).unwrap();
    let pg = proc.page_get(0).unwrap();

    let child = mm.fork().unwrap();
    {
        let g = child.mmap_read_lock();
        assert!(g.vma_lookup(W).is_none());
        assert_eq!(g.map_count(), 0);
    }
    assert_eq!(child.rss(Rss::File), 0);
    expect_fault(&child, W, Signal::Segv);
    assert_eq!(pg.mapcount(), 1); // only the parent maps it
    expect_page(mm, W, &proc, 0, 1);
    child.validate().unwrap();
    drop(child);

    proc.stop_using_range(0, 2);
    assert_eq!(f.dev.shrink(8), 2);
    assert_eq!(pg.mapcount(), 0);
    drop(pg);
    mm.munmap(W, 4 * P).unwrap();
    drop(file);
    drop(proc);
    f.fini(0);
}

/*
 *  W                              W+4M       W+4M+2P
 *  |  buffer: the first 4 MiB     | not used |
 */
#[test]
fn binder_buffer_capped_at_4mib() {
    let f = Fixture::new(None);
    let mm = f.mm();
    let (file, proc) = f.dev.open(mm).unwrap();
    map_binder(mm, &file, W, BINDER_MAX_BUFFER + 2 * P).unwrap();
    assert_eq!(proc.buffer(), Some((W, BINDER_MAX_BUFFER)));
    proc.use_range(BINDER_MAX_PAGES - 1, 1).unwrap();
    assert_eq!(proc.use_range(BINDER_MAX_PAGES, 1), Err(EINVAL));
    assert_eq!(proc.use_range(BINDER_MAX_PAGES - 1, 2), Err(EINVAL));
    expect_page(mm, W + BINDER_MAX_BUFFER - P, &proc, BINDER_MAX_PAGES - 1, 1);
    expect_fault(mm, W + BINDER_MAX_BUFFER, Signal::Bus);
    assert_eq!(vma_rss_kb(mm, W), Some(P / 1024));
    proc.stop_using_range(BINDER_MAX_PAGES - 1, 1);
    mm.munmap(W, BINDER_MAX_BUFFER + 2 * P).unwrap();
    drop(file);
    drop(proc);
    f.fini(0);
}

/// The process exits while one binder file is still open: installs fail
/// at mmget_not_zero(), the shrinker skips the proc's pages, and closing
/// the file frees them and drops the last count on the address space.
/// Another file was closed while still mapped: the teardown's unmap
/// releases it and frees its proc from inside the teardown.
#[test]
fn binder_process_exit() {
    let mut f = Fixture::new(None);
    let (file, proc) = f.dev.open(f.mm()).unwrap();
    map_binder(f.mm(), &file, W, 8 * P).unwrap();
    proc.use_range(0, 3).unwrap();
    proc.stop_using_range(1, 2);
    {
        let (gone_file, gone) = f.dev.open(f.mm()).unwrap();
        map_binder(f.mm(), &gone_file, W + 64 * P, 4 * P).unwrap();
        gone.use_range(0, 4).unwrap();
        gone.stop_using_range(0, 2);
        // Closed; the VMA still holds the file, the file holds the proc.
    }
    // The users' count and one per proc.
    assert_eq!(f.mm().count(), 3);
    let count = f.mm().mmgrab();

    drop(f.mm.take()); // exit: the VMAs go, one proc stays
    let st = f.dev.stats();
    assert_eq!((st.vma_closes, st.procs, st.pages_freed, st.dropped_mapped), (2, 1, 4, 0));
    assert_eq!(f.dev.lru_count(), 2);
    assert_eq!(count.count(), 2); // ours and the proc's
    assert_eq!(proc.use_range(4, 1), Err(ESRCH));
    assert_eq!(f.dev.shrink(8), 0);
    let st = f.dev.stats();
    assert_eq!((st.no_mm, st.shrink_no_mm, st.shrink_freed), (1, 2, 0));
    assert_eq!(st.pages_freed, 5); // and the page of the failed install
    proc.stop_using_range(0, 1);
    drop(file);
    drop(proc); // frees 3 pages, drops the count
    assert_eq!(count.count(), 1);
    drop(count);
    f.fini(0);
}

/// The shrinker's user is the last one: its MmWithUserAsync drop hands the
/// teardown to the machine's worker instead of running it under the
/// shrinker's locks.
#[test]
fn binder_shrinker_hands_the_teardown_to_the_worker() {
    #[derive(Default)]
    struct ExitInZap {
        mm: Mutex<Option<ARef<MmWithUser>>>,
        before: AtomicI64,
        after: AtomicI64,
        exited: AtomicBool,
    }
    let x = Arc::new(ExitInZap::default());
    let hx = x.clone();
    let hook: Hook = Box::new(move |_proc, point, vma: &VmaRef, _addr| {
        if point != HookPoint::Zap || hx.exited.load(Relaxed) {
            return;
        }
        hx.before.store(vma.mm().users() as i64, Relaxed);
        // The process exits on another thread: not the last user, so its
        // drop returns at once.
        let mm = hx.mm.lock().unwrap().take().unwrap();
        std::thread::spawn(move || drop(mm)).join().unwrap();
        hx.exited.store(true, Relaxed);
        hx.after.store(vma.mm().users() as i64, Relaxed);
    });
    let mut f = Fixture::new(Some(hook));
    let (file, proc) = f.dev.open(f.mm()).unwrap();
    map_binder(f.mm(), &file, W, 4 * P).unwrap();
    proc.use_range(0, 2).unwrap();
    proc.stop_using_range(0, 2);
    *x.mm.lock().unwrap() = f.mm.take();
    assert_eq!(f.machine.stat(Stat::MmTeardownAsync), 0);

    assert_eq!(f.dev.shrink(1), 1);
    assert!(x.exited.load(Relaxed));
    assert_eq!(x.before.load(Relaxed), 2); // the process and the shrinker
    assert_eq!(x.after.load(Relaxed), 1); // the shrinker
    f.machine.flush();
    assert_eq!(f.machine.stat(Stat::MmTeardownAsync), 1);
    let st = f.dev.stats();
    assert_eq!((st.shrink_zapped, st.vma_closes), (1, 1)); // the worker unmapped the buffer
    // The other page: the address space is gone now.
    assert_eq!(f.dev.shrink(1), 0);
    assert_eq!(f.dev.stats().shrink_no_mm, 1);
    drop(file);
    drop(proc);
    f.fini(0);
}

/// Regression test for the Rust Binder fix "check ownership before using
/// vma". Scenario: a process maps its binder buffer at W, unmaps it and
/// maps something else at W, while the driver still has the proc and the
/// address it recorded at mmap time. A page installed for the proc then
/// finds a VMA at W that is not the proc's.
/// Invariant broken without the check: the driver inserted its page into
/// whatever VMA covered the address, here the VMA of another binder file
/// (an anonymous VMA is refused by the types already: no VM_MIXEDMAP, so
/// as_mixedmap_vma() gives None).
///
///  1. W | A's binder VMA |    A installs page 0
///  2. W | anonymous      |    A's install: refused (not_owned)
///  3. W | B's binder VMA |    A's install: refused; B's: into B's VMA
///  4. same, check off    :    A's page 3 lands in B's VMA (the bug)
#[test]
fn binder_regression_check_ownership_before_using_vma() {
    let rec = Arc::new(InsertRec::default());
    let f = Fixture::new(Some(insert_hook(rec.clone(), W)));
    let mm = f.mm();
    let (fa, a) = f.dev.open(mm).unwrap();
    map_binder(mm, &fa, W, 8 * P).unwrap();
    a.use_range(0, 1).unwrap();
    expect_page(mm, W, &a, 0, 1);

    // 2: the process replaces the buffer with anonymous memory.
    mm.munmap(W, 8 * P).unwrap();
    map_anon(mm, W, 8 * P).unwrap();
    assert_eq!(a.use_range(1, 1), Err(ESRCH));
    let st = f.dev.stats();
    assert_eq!((st.not_owned, st.inserted), (1, 1));
    mm.fill(W + 2 * P, FILL, P).unwrap();
    let mut buf = vec![0u8; P];
    for i in 0..8 {
        mm.read(W + i * P, &mut buf).unwrap();
        assert!(is_filled(&buf, if i == 2 { FILL } else { 0 }));
    }

    // 3: another open of binder maps its buffer over it, at W again.
    let (fb, b) = f.dev.open(mm).unwrap();
    map_binder(mm, &fb, W, 8 * P).unwrap();
    assert_eq!(a.use_range(2, 1), Err(ESRCH));
    b.use_range(2, 1).unwrap();
    expect_page(mm, W + 2 * P, &b, 2, 1);
    expect_fault(mm, W + P, Signal::Bus);
    assert_eq!(f.dev.stats().not_owned, 2);
    assert_eq!(rec.foreign.load(Relaxed), 0);

    // 4: without the check, A's page goes into B's VMA.
    f.dev.set_skip_vma_check(true);
    a.use_range(3, 1).unwrap();
    f.dev.set_skip_vma_check(false);
    assert_eq!(rec.foreign.load(Relaxed), 1);
    expect_page(mm, W + 3 * P, &a, 3, 1); // A's bytes in B's mapping

    // The shrinker, with the check: A's pages are not in A's VMA (it has
    // none), so it only drops its reference; page 3 stays mapped in B's
    // VMA (counted as dropped while mapped). B's page is zapped.
    a.stop_using_range(0, 1);
    a.stop_using_range(3, 1);
    b.stop_using_range(2, 1);
    assert_eq!(f.dev.shrink(16), 3);
    let st = f.dev.stats();
    assert_eq!((st.shrink_zapped, st.dropped_mapped), (1, 1));
    expect_fault(mm, W + 2 * P, Signal::Bus);
    expect_page(mm, W + 3 * P, &a, 3, 1); // the mapping's own reference
    mm.munmap(W, 8 * P).unwrap();
    drop((fa, fb, a, b));
    f.fini(1);
}

// ---- the race --------------------------------------------------------------

/// Buffer pages.
const NPG: usize = 32;
/// Procs (one per remap) the test holds: the newest ones.
const WINDOW: usize = 32;
/// Replaced procs whose file stays open.
const KEEP_OPEN: usize = 2;
/// Epochs whose owner is remembered.
const OWNERS: usize = 64;
/// Buffers in use by the allocator.
const RING: usize = 16;
const NREADERS: usize = 2;

fn seed() -> u64 {
    use std::sync::Once;
    static ONCE: Once = Once::new();
    static SEED: AtomicI64 = AtomicI64::new(0);
    ONCE.call_once(|| {
        let s = match std::env::var("VAS_SEED") {
            Ok(v) if !v.is_empty() => v.parse::<u64>().expect("VAS_SEED: a number"),
            _ => {
                let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
                t.subsec_nanos() as u64 ^ (t.as_secs() << 20)
            }
        };
        println!("# seed {} (replay with VAS_SEED={})", s, s);
        SEED.store(s as i64, Relaxed);
    });
    SEED.load(Relaxed) as u64
}

fn seconds(default: f64) -> f64 {
    match std::env::var("VAS_STRESS_SECONDS") {
        Ok(v) if !v.is_empty() => v.parse().expect("VAS_STRESS_SECONDS: a number"),
        _ => default,
    }
}

fn rnd(s: &mut u64) -> u64 {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    *s
}

struct Race {
    dev: Arc<BinderDev>,
    /// One proc per remap, for as long as the race runs: the test holds
    /// the newest WINDOW, proc id i + 1 at [i % WINDOW]; opening a new one
    /// drops the oldest (its file was closed long before). The allocator
    /// clones the Arc of the proc it uses; a reader that finds a page of a
    /// dropped proc can check all but its generation.
    procs: Mutex<Vec<Option<Arc<BinderProc>>>>,
    nprocs: AtomicUsize,
    released: AtomicUsize,
    /// Odd while the mapping at W changes. For an even value e,
    /// owner[e / 2 % OWNERS] is the index of the proc mapped at W, or -1
    /// for the anonymous replacement; written before e is published. A
    /// reader checks the epoch again after reading the owner (a seqlock):
    /// the slot is reused OWNERS epochs later.
    epoch: AtomicUsize,
    owner: Vec<AtomicI64>,
    stop_readers: AtomicBool,
    stop: AtomicBool,
    reads_ok: AtomicUsize,
    reads_released: AtomicUsize,
    reads_absent: AtomicUsize,
    reads_anon: AtomicUsize,
    reads_changing: AtomicUsize,
    uses_ok: AtomicUsize,
    uses_refused: AtomicUsize,
    bad: AtomicUsize,
}

impl Race {
    fn bad(&self, what: &str, idx: usize, x: u64, y: u64) {
        if self.bad.fetch_add(1, Relaxed) < 10 {
            eprintln!("race: page {}: {} ({:#x}, {:#x})", idx, what, x, y);
        }
    }

    /// The proc of index `i` (id `i + 1`), if the test still holds it.
    fn proc(&self, i: usize) -> Option<Arc<BinderProc>> {
        self.procs.lock().unwrap()[i % WINDOW].clone().filter(|p| p.id() as usize == i + 1)
    }

    /// Check one user read of page `idx`. `owner`: None if the mapping may
    /// have changed during the read, else what was mapped throughout (a
    /// proc's index, or -1 for anonymous memory).
    fn check_read(&self, idx: usize, r: Result<(), AccessError>, buf: &[u8], owner: Option<i64>) {
        match r {
            Err(AccessError::Signal { signal: Signal::Bus, .. }) => {
                // A binder page not present (yet, or reclaimed).
                if owner == Some(-1) {
                    self.bad("SIGBUS in the anonymous mapping", idx, 0, 0);
                }
                self.reads_absent.fetch_add(1, Relaxed);
                return;
            }
            Err(AccessError::Signal { signal: Signal::Segv, .. }) => {
                // Between munmap and mmap.
                if owner.is_some() {
                    self.bad("SIGSEGV while mapped", idx, 0, 0);
                }
                self.reads_changing.fetch_add(1, Relaxed);
                return;
            }
            Err(AccessError::Errno(e)) => {
                self.bad("read failed", idx, (-e.to_errno()) as u64, 0);
                return;
            }
            Ok(()) => {}
        }
        if is_filled(buf, 0) || is_filled(buf, FILL) {
            if let Some(o) = owner.filter(|&o| o >= 0) {
                self.bad("anonymous bytes in a binder mapping", idx, o as u64, buf[0] as u64);
            }
            self.reads_anon.fetch_add(1, Relaxed);
            return;
        }
        let (pid, pidx, pgen) = match pattern_decode(buf) {
            Some(d) => d,
            None => return self.bad("bytes the driver never wrote", idx, buf[0] as u64, buf[8] as u64),
        };
        let nprocs = self.nprocs.load(Acquire);
        if pidx != idx || pid == 0 || pid as usize > nprocs {
            return self.bad("a page of another index or proc", idx, pidx as u64, pid as u64);
        }
        match owner {
            Some(-1) => self.bad("driver bytes in the anonymous mapping", idx, pid as u64, 0),
            Some(o) if pid as i64 != o + 1 => {
                self.bad("a proc's page in another proc's mapping", idx, pid as u64, o as u64 + 1)
            }
            _ => {}
        }
        let Some(proc) = self.proc(pid as usize - 1) else {
            // Dropped since the read: its generations are gone.
            if pgen == 0 {
                self.bad("generation 0", idx, pid as u64, 0);
            }
            self.reads_released.fetch_add(1, Relaxed);
            return;
        };
        if pgen == 0 || pgen > proc.page_gen(idx) {
            self.bad("a generation the driver has not written", idx, pgen as u64, 0);
        }
        self.reads_ok.fetch_add(1, Relaxed);
    }

    /// A user thread of the process: reads random pages of the buffer and
    /// checks each against what was mapped during the whole read.
    fn reader(&self, mm: &MmWithUser, n: u64) {
        let mut s = seed() ^ (n + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut buf = vec![0u8; P];
        while !self.stop_readers.load(Relaxed) {
            let idx = (rnd(&mut s) % NPG as u64) as usize;
            let e1 = self.epoch.load(Acquire);
            let r = mm.read(W + idx * P, &mut buf);
            let e2 = self.epoch.load(Acquire);
            let mut owner = None;
            if e1 == e2 && e1 & 1 == 0 {
                let o = self.owner[e1 / 2 % OWNERS].load(Relaxed);
                // The slot was not reused meanwhile.
                fence(Acquire);
                if self.epoch.load(Relaxed) == e1 {
                    owner = Some(o);
                }
            }
            self.check_read(idx, r, &buf, owner);
        }
    }

    /// The allocator: buffers for the newest proc, and now and then for
    /// one it replaced (whose file is still open, or closed).
    fn allocator(&self) {
        let mut s = seed() ^ 0x5eed;
        let mut ring: std::collections::VecDeque<(Arc<BinderProc>, usize, usize)> = Default::default();
        while !self.stop.load(Relaxed) {
            let np = self.nprocs.load(Acquire);
            let back = if rnd(&mut s) % 4 != 0 { 0 } else { (rnd(&mut s) % 4) as usize }.min(np - 1);
            let Some(proc) = self.proc(np - 1 - back) else {
                continue; // the window moved on meanwhile
            };
            let first = (rnd(&mut s) % NPG as u64) as usize;
            let count = (1 + (rnd(&mut s) % 4) as usize).min(NPG - first);
            match proc.use_range(first, count) {
                Err(e) if e == ESRCH => {
                    self.uses_refused.fetch_add(1, Relaxed);
                }
                Err(e) => self.bad("use_range failed", first, (-e.to_errno()) as u64, 0),
                Ok(()) => {
                    self.uses_ok.fetch_add(1, Relaxed);
                    if ring.len() == RING || (!ring.is_empty() && rnd(&mut s) % 2 == 1) {
                        let (p, f, c) = ring.pop_front().unwrap();
                        p.stop_using_range(f, c);
                    }
                    ring.push_back((proc, first, count));
                }
            }
        }
        for (p, f, c) in ring {
            p.stop_using_range(f, c);
        }
    }

    fn shrinker(&self) {
        while !self.stop.load(Relaxed) {
            self.dev.shrink(4);
            std::thread::sleep(Duration::from_micros(50));
        }
    }

    /// Publish the next epoch; `owner` for an even one.
    fn next_epoch(&self, owner: i64) {
        let e = self.epoch.load(Relaxed) + 1;
        if e & 1 == 0 {
            // After the odd epoch (Release: see reader()).
            self.owner[e / 2 % OWNERS].store(owner, Release);
        }
        self.epoch.store(e, Release);
    }

    /// The anonymous memory at W holds only zeros and what the test wrote.
    fn check_anon(&self, mm: &MmWithUser) {
        let mut buf = vec![0u8; P];
        for i in 0..NPG {
            let r = mm.read(W + i * P, &mut buf);
            if r.is_err() || !(is_filled(&buf, 0) || is_filled(&buf, FILL)) {
                self.bad("anonymous replacement holds other bytes", i, buf[0] as u64, 0);
            }
        }
    }

    /// A new open of the device; its file goes into `files[n % WINDOW]`
    /// (the slot's file was closed KEEP_OPEN remaps after it was
    /// replaced), its proc into the window, whose oldest is dropped.
    fn open(&self, mm: &MmWithUser, files: &mut [Option<ARef<File>>]) -> ARef<File> {
        let n = self.nprocs.load(Relaxed);
        let (file, proc) = self.dev.open(mm).unwrap();
        assert_eq!(proc.id() as usize, n + 1);
        let old = {
            let mut procs = self.procs.lock().unwrap();
            let old = procs[n % WINDOW].replace(proc);
            self.nprocs.store(n + 1, Release);
            old
        };
        if old.is_some() {
            self.released.fetch_add(1, Relaxed);
        }
        drop(old);
        assert!(files[n % WINDOW].is_none());
        files[n % WINDOW] = Some(file.clone());
        file
    }
}

/// User readers, the allocator and the shrinker run while this thread
/// plays the process: it keeps replacing its binder buffer at W by
/// anonymous memory (munmap, then mmap MAP_FIXED) and that by the buffer
/// of a new binder open (mmap MAP_FIXED), closing the files of older
/// opens. At the end the process exits while the allocator and the
/// shrinker still run (the shrinker may hold the last user: mmput_async).
///
///  W           W+32P
///  | binder #1 |  ->  | anonymous |  ->  | binder #2 |  ->  ...
fn race_run(seconds: f64, min_cycles: usize, pace_ms: u64) {
    let rec = Arc::new(InsertRec::default());
    let f = Fixture::new(Some(insert_hook(rec.clone(), W)));
    let Fixture { machine, mm, dev } = f;
    let mm = mm.unwrap();
    let race = Race {
        dev: dev.clone(),
        procs: Mutex::new((0..WINDOW).map(|_| None).collect()),
        nprocs: AtomicUsize::new(0),
        released: AtomicUsize::new(0),
        epoch: AtomicUsize::new(0),
        owner: (0..OWNERS).map(|_| AtomicI64::new(0)).collect(),
        stop_readers: AtomicBool::new(false),
        stop: AtomicBool::new(false),
        reads_ok: AtomicUsize::new(0),
        reads_released: AtomicUsize::new(0),
        reads_absent: AtomicUsize::new(0),
        reads_anon: AtomicUsize::new(0),
        reads_changing: AtomicUsize::new(0),
        uses_ok: AtomicUsize::new(0),
        uses_refused: AtomicUsize::new(0),
        bad: AtomicUsize::new(0),
    };
    let start = Instant::now();
    let end = start + Duration::from_secs_f64(seconds);
    let r = &race;
    let mut files: Vec<Option<ARef<File>>> = (0..WINDOW).map(|_| None).collect();
    let first = r.open(&mm, &mut files);
    map_binder(&mm, &first, W, NPG * P).unwrap();
    drop(first);
    r.owner[0].store(0, Relaxed);
    let mut cycles = 0usize;

    std::thread::scope(|s| {
        let readers: Vec<_> = (0..NREADERS as u64)
            .map(|n| {
                let user = mm.clone();
                s.spawn(move || r.reader(&user, n))
            })
            .collect();
        let alloc_thread = s.spawn(move || r.allocator());
        let shrink_thread = s.spawn(move || r.shrinker());
        loop {
            std::thread::sleep(Duration::from_millis(2 * pace_ms));
            // binder -> anonymous
            r.next_epoch(0);
            mm.munmap(W, NPG * P).unwrap();
            map_anon(&mm, W, NPG * P).unwrap();
            mm.fill(W + (cycles % NPG) * P, FILL, P).unwrap();
            r.next_epoch(-1);
            std::thread::sleep(Duration::from_millis(pace_ms));
            r.check_anon(&mm);
            cycles += 1;
            let n = r.nprocs.load(Relaxed);
            if Instant::now() > end && cycles >= min_cycles {
                break;
            }
            // anonymous -> the buffer of a new open
            r.next_epoch(0);
            let file = r.open(&mm, &mut files);
            map_binder(&mm, &file, W, NPG * P).unwrap();
            drop(file);
            if n > KEEP_OPEN {
                files[(n - 1 - KEEP_OPEN) % WINDOW] = None; // close(2)
            }
            r.next_epoch(n as i64);
        }
        r.stop_readers.store(true, Relaxed);
        for t in readers {
            t.join().unwrap();
        }
        r.check_anon(&mm);
        mm.validate().unwrap();
        drop(mm); // exit, while the allocator and the shrinker run
        std::thread::sleep(Duration::from_millis(20));
        r.stop.store(true, Relaxed);
        alloc_thread.join().unwrap();
        shrink_thread.join().unwrap();
    });
    machine.flush(); // a teardown the shrinker handed on
    println!(
        "# teardown of the address space: {}",
        if machine.stat(Stat::MmTeardownAsync) > 0 {
            "by the worker (the shrinker's put was the last)"
        } else {
            "by the exiting thread"
        }
    );
    let n = r.nprocs.load(Relaxed);
    let st = dev.stats();
    println!(
        "# {} remaps in {:.1} s ({} procs released on the way); reads: {} pattern ({} of a released proc), \
         {} absent, {} anonymous, {} during a remap; buffers: {} used, {} refused",
        cycles,
        start.elapsed().as_secs_f64(),
        r.released.load(Relaxed),
        r.reads_ok.load(Relaxed) + r.reads_released.load(Relaxed),
        r.reads_released.load(Relaxed),
        r.reads_absent.load(Relaxed),
        r.reads_anon.load(Relaxed),
        r.reads_changing.load(Relaxed),
        r.uses_ok.load(Relaxed),
        r.uses_refused.load(Relaxed)
    );
    println!(
        "# driver: {} inserted ({} under the VMA lock, {} under the mmap lock), {} not owned, {} no VMA; \
         shrinker: {} freed, {} zapped, {} busy, {} mmap busy; after the exit: {} installs and {} reclaims \
         found no address space",
        st.inserted,
        st.vma_locked,
        st.mmap_locked,
        st.not_owned,
        st.no_vma,
        st.shrink_freed,
        st.shrink_zapped,
        st.shrink_busy,
        st.shrink_mmap_busy,
        st.no_mm,
        st.shrink_no_mm
    );
    assert_eq!(r.bad.load(Relaxed), 0);
    assert_eq!(rec.foreign.load(Relaxed), 0);
    assert_eq!(rec.calls.load(Relaxed), st.inserted + st.insert_failed);
    assert_eq!(st.insert_failed, 0);
    assert_eq!(st.dropped_mapped, 0);
    assert!(r.reads_ok.load(Relaxed) > 0);
    assert!(st.inserted > 0);
    assert!(st.not_owned > 0);
    assert!(st.shrink_zapped > 0);
    assert_eq!(st.vma_opens, 0);
    assert_eq!(st.vma_closes, n); // every binder VMA was unmapped
    // Every proc but the last WINDOW was released during the race.
    assert_eq!(r.released.load(Relaxed), n.saturating_sub(WINDOW));
    assert!(cycles >= min_cycles);

    // The files still open are closed; the test's references go.
    drop(files);
    drop(race);
    Fixture { machine, mm: None, dev }.fini(0);
}

/// Time-boxed: $VAS_STRESS_SECONDS (default 2), however many remaps.
#[test]
fn binder_race_unmap_remap() {
    race_run(seconds(2.0), 0, 3);
}

/// The race runs as long as asked: it used to stop at 400 remaps (one proc
/// each, never dropped), whatever the time box. Counted, not timed: 450
/// remaps at a quicker pace, and the procs beyond the window released.
#[test]
fn binder_race_runs_past_400_remaps() {
    race_run(0.0, 450, 1);
}
