// SPDX-License-Identifier: MIT
//! VMA access levels, the mmap hook and vm_ops, against libvas.

use super::*;
use crate::error::code::*;
use crate::file::{File, MiscDevice, FMODE_READ, FMODE_WRITE};
use crate::mm::MmId;
use crate::mman::{AccessError, Signal};
use crate::uapi::*;
use crate::{Machine, Stat};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// What one mmap hook saw and did.
#[derive(Clone, Debug, Default, PartialEq)]
struct HookRecord {
    flags_before: usize,
    flags_after: usize,
    readable: bool,
    writable: bool,
    executable: bool,
    clear_mayread: Option<Result>,
    clear_maywrite: Option<Result>,
    clear_mayexec: Option<Result>,
    start: usize,
    end: usize,
    pgoff: usize,
    file_is_ours: bool,
}

/// A driver whose hook applies `setup` and records what it saw.
struct Recorder {
    setup: Box<dyn Fn(&VmaNew, &mut HookRecord) -> Result + Send + Sync>,
    log: Arc<Mutex<Vec<HookRecord>>>,
}

impl MiscDevice for Recorder {
    fn mmap(&self, file: &File, vma: &VmaNew) -> Result {
        let mut r = HookRecord {
            flags_before: vma.flags(),
            readable: vma.readable(),
            writable: vma.writable(),
            executable: vma.executable(),
            start: vma.start(),
            end: vma.end(),
            pgoff: vma.pgoff(),
            file_is_ours: vma.file() == Some(file),
            ..HookRecord::default()
        };
        let ret = (self.setup)(vma, &mut r);
        r.flags_after = vma.flags();
        self.log.lock().unwrap().push(r);
        ret
    }
}

fn recorder(
    machine: &Machine,
    mode: i32,
    setup: impl Fn(&VmaNew, &mut HookRecord) -> Result + Send + Sync + 'static,
) -> (crate::types::ARef<File>, Arc<Mutex<Vec<HookRecord>>>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let dev = Recorder { setup: Box::new(setup), log: log.clone() };
    (File::create(machine, dev, mode, "/dev/rec").unwrap(), log)
}

#[test]
fn each_setter_sets_its_flag() {
    let machine = Machine::new().unwrap();
    let mm = machine.mm_create().unwrap();
    type Setter = fn(&VmaNew);
    let cases: [(Setter, usize); 5] = [
        (|v| v.set_io(), flags::IO),
        (|v| v.set_dontexpand(), flags::DONTEXPAND),
        (|v| v.set_dontcopy(), flags::DONTCOPY),
        (|v| v.set_dontdump(), flags::DONTDUMP),
        (|v| { v.set_mixedmap(); }, flags::MIXEDMAP),
    ];
    for (set, flag) in cases.iter() {
        let set = *set;
        let (file, log) = recorder(&machine, FMODE_READ, move |v, _| {
            set(v);
            Ok(())
        });
        let a = mm.mmap(0, 2 * PAGE_SIZE, PROT_READ, MAP_SHARED, Some(&file), PAGE_SIZE).unwrap();
        let r = log.lock().unwrap()[0].clone();
        assert_eq!(r.flags_before & flag, 0);
        assert_eq!(r.flags_after, r.flags_before | flag, "flag {:#x}", flag);
        assert_eq!((r.start, r.end, r.pgoff), (a, a + 2 * PAGE_SIZE, 1));
        assert!(r.file_is_ours);
        // The VMA keeps the flag once mapped.
        let g = mm.mmap_read_lock();
        let v = g.vma_lookup(a).unwrap();
        assert_eq!(v.flags(), r.flags_after);
        assert_eq!(v.pgoff(), 1);
        assert_eq!(v.file(), Some(&*file));
        assert_eq!(v.as_mixedmap_vma().is_some(), *flag == flags::MIXEDMAP);
        drop(g);
        mm.munmap(a, 2 * PAGE_SIZE).unwrap();
    }
}

#[test]
fn try_clear_may_flags_only_without_the_access_flag() {
    let machine = Machine::new().unwrap();
    let mm = machine.mm_create().unwrap();
    let (file, log) = recorder(&machine, FMODE_READ | FMODE_WRITE, |v, r| {
        r.clear_mayread = Some(v.try_clear_mayread());
        r.clear_maywrite = Some(v.try_clear_maywrite());
        r.clear_mayexec = Some(v.try_clear_mayexec());
        Ok(())
    });
    for prot in [PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE, PROT_READ | PROT_EXEC, PROT_WRITE] {
        log.lock().unwrap().clear();
        let a = mm.mmap(0, PAGE_SIZE, prot, MAP_SHARED, Some(&file), 0).unwrap();
        let r = log.lock().unwrap()[0].clone();
        let want = |set: bool| if set { Some(Err(EINVAL)) } else { Some(Ok(())) };
        // The prot bits become VM_READ/WRITE/EXEC one to one.
        assert_eq!(r.readable, prot & PROT_READ != 0);
        assert_eq!(r.writable, prot & PROT_WRITE != 0);
        assert_eq!(r.executable, prot & PROT_EXEC != 0);
        assert_eq!(r.clear_mayread, want(r.readable), "prot {}", prot);
        assert_eq!(r.clear_maywrite, want(r.writable), "prot {}", prot);
        assert_eq!(r.clear_mayexec, want(r.executable), "prot {}", prot);
        for (may, access) in [(flags::MAYREAD, flags::READ), (flags::MAYWRITE, flags::WRITE), (flags::MAYEXEC, flags::EXEC)] {
            // Cleared exactly when the access flag was clear.
            assert_eq!(r.flags_after & may == 0, r.flags_before & access == 0, "prot {} may {:#x}", prot, may);
        }
        // Without VM_MAY*, mprotect cannot add the access.
        if !r.writable {
            assert_eq!(mm.mprotect(a, PAGE_SIZE, prot | PROT_WRITE), Err(EACCES));
        }
        if !r.executable {
            assert_eq!(mm.mprotect(a, PAGE_SIZE, prot | PROT_EXEC), Err(EACCES));
        }
        mm.munmap(a, PAGE_SIZE).unwrap();
    }
}

#[test]
fn a_failing_hook_fails_the_mmap_and_leaves_nothing() {
    let machine = Machine::new().unwrap();
    let mm = machine.mm_create().unwrap();
    let (file, log) = recorder(&machine, FMODE_READ, |v, _| {
        v.set_mixedmap();
        Err(EPERM)
    });
    assert_eq!(mm.mmap(0x20000000, PAGE_SIZE, PROT_READ, MAP_SHARED | MAP_FIXED, Some(&file), 0), Err(EPERM));
    assert_eq!(log.lock().unwrap().len(), 1);
    assert_eq!(mm.mmap_read_lock().map_count(), 0);
    mm.validate().unwrap();
}

#[test]
fn pages_go_in_through_the_mixedmap_level_only() {
    let machine = Machine::new().unwrap();
    let mm = machine.mm_create().unwrap();
    let page = crate::page::Page::alloc_page_with(&machine, |b| b[0] = 0xab).unwrap();
    let hook_page = page.clone();
    let (file, _log) = recorder(&machine, FMODE_READ, move |v, _| {
        // Inserting from the hook, through what set_mixedmap returns.
        v.set_mixedmap().vm_insert_page(v.start() + PAGE_SIZE, &hook_page)
    });
    let a = mm.mmap(0, 4 * PAGE_SIZE, PROT_READ, MAP_SHARED, Some(&file), 0).unwrap();
    let mut b = [0u8; 1];
    mm.read(a + PAGE_SIZE, &mut b).unwrap();
    assert_eq!(b[0], 0xab);
    assert_eq!(mm.read(a, &mut b), Err(AccessError::Signal { signal: Signal::Bus, addr: a }));

    let other_machine = Machine::new().unwrap();
    let foreign = crate::page::Page::alloc_page(&other_machine).unwrap();
    {
        let v = mm.lock_vma_under_rcu(a).unwrap();
        let m = v.as_mixedmap_vma().unwrap();
        assert_eq!((m.start(), m.end()), (a, a + 4 * PAGE_SIZE));
        assert!(format!("{:?}", m).starts_with("VmaMixedMap(VmaRef("));
        assert_eq!(m.vm_insert_page(a, &foreign), Err(EINVAL));
        assert_eq!(m.vm_insert_page(a + 1, &page), Err(EINVAL));
        assert_eq!(m.vm_insert_page(a - PAGE_SIZE, &page), Err(EFAULT));
        assert_eq!(m.vm_insert_page(a + PAGE_SIZE, &page), Err(EBUSY));
        m.vm_insert_page(a, &page).unwrap();
        assert_eq!(v.mem_stats().rss_kb, 8);
    }
    assert_eq!(page.mapcount(), 2);
    assert_eq!(foreign.mapcount(), 0);
    assert_eq!(mm.rss(crate::mman::Rss::File), 2);
    // Zap: outside the VMA or overflowing does nothing; inside, it unmaps.
    {
        let g = mm.mmap_read_lock();
        let v = g.vma_lookup(a).unwrap();
        v.zap_page_range_single(a - PAGE_SIZE, 2 * PAGE_SIZE);
        v.zap_page_range_single(a, 5 * PAGE_SIZE);
        v.zap_page_range_single(a + PAGE_SIZE, usize::MAX);
        assert_eq!(page.mapcount(), 2);
        v.zap_page_range_single(a + PAGE_SIZE, PAGE_SIZE);
        assert_eq!(page.mapcount(), 1);
        assert_eq!(v.mem_stats(), VmaMem { rss_kb: 4, anon_kb: 0, locked_kb: 0 });
    }
    drop(file);
    mm.munmap(a, 4 * PAGE_SIZE).unwrap();
    assert_eq!(page.mapcount(), 0);
}

/// A driver with vm_ops that counts open and close calls.
#[derive(Default)]
struct Counting {
    opens: AtomicUsize,
    closes: Mutex<Vec<(usize, usize, MmId, bool)>>,
}

struct CountingDev(Arc<Counting>);

impl MiscDevice for CountingDev {
    const HAS_VM_OPS: bool = true;

    fn mmap(&self, _file: &File, vma: &VmaNew) -> Result {
        vma.set_dontexpand();
        Ok(())
    }

    fn vma_open(&self, vma: &VmaRef) {
        assert_ne!(vma.flags() & flags::DONTEXPAND, 0);
        assert!(vma.file().is_some());
        self.0.opens.fetch_add(1, Ordering::Relaxed);
    }

    fn vma_close(&self, vma: &VmaClosing) {
        assert_ne!(vma.flags() & flags::DONTEXPAND, 0);
        assert!(format!("{:?}", vma).starts_with("VmaClosing(0x"));
        let file_ok = vma.file().map_or(false, |f| f.name() == "/dev/count");
        self.0.closes.lock().unwrap().push((vma.start(), vma.end(), vma.mm_id(), file_ok));
        let _ = vma.pgoff();
    }
}

struct Quiet;

impl MiscDevice for Quiet {
    fn mmap(&self, _file: &File, _vma: &VmaNew) -> Result {
        Ok(())
    }
    fn vma_open(&self, _vma: &VmaRef) {
        panic!("no vm_ops were installed");
    }
}

#[test]
fn vm_ops_open_and_close_follow_splits_and_teardown() {
    let machine = Machine::new().unwrap();
    let mm = machine.mm_create().unwrap();
    let id = mm.id();
    let c = Arc::new(Counting::default());
    let file = File::create(&machine, CountingDev(c.clone()), FMODE_READ, "/dev/count").unwrap();
    let a = mm.mmap(0x30000000, 8 * PAGE_SIZE, PROT_READ, MAP_SHARED | MAP_FIXED, Some(&file), 0).unwrap();
    assert_eq!(c.opens.load(Ordering::Relaxed), 0);
    //  a        +3P  +4P            +8P
    //  | below  |hole| above         |
    mm.munmap(a + 3 * PAGE_SIZE, PAGE_SIZE).unwrap();
    assert_eq!(c.opens.load(Ordering::Relaxed), 2);
    assert_eq!(*c.closes.lock().unwrap(), vec![(a + 3 * PAGE_SIZE, a + 4 * PAGE_SIZE, id, true)]);
    assert!(mm.maps().unwrap().contains("/dev/count"));
    // Fork copies both pieces: open for each.
    let child = mm.fork().unwrap();
    assert_eq!(c.opens.load(Ordering::Relaxed), 4);
    let child_id = child.id();
    drop(child);
    // The file handle goes; the VMAs keep the file. Teardown closes each.
    drop(file);
    drop(mm);
    let closes = c.closes.lock().unwrap().clone();
    assert_eq!(closes.len(), 5);
    assert_eq!(closes.iter().filter(|e| e.2 == child_id).count(), 2);
    assert_eq!(closes.iter().filter(|e| e.2 == id).count(), 3);
    assert!(closes.iter().all(|e| e.3));
    // The release dropped the device: only our Arc is left.
    assert_eq!(Arc::strong_count(&c), 1);
    machine.destroy().unwrap();

    // Without HAS_VM_OPS nothing is installed.
    let machine = Machine::new().unwrap();
    let mm = machine.mm_create().unwrap();
    let file = File::create(&machine, Quiet, FMODE_READ, "q").unwrap();
    let a = mm.mmap(0, 4 * PAGE_SIZE, PROT_READ, MAP_SHARED, Some(&file), 0).unwrap();
    mm.munmap(a + PAGE_SIZE, PAGE_SIZE).unwrap();
    assert!(machine.stat(Stat::VmaSplit) > 0);
}

#[test]
fn release_drops_the_device_when_the_last_reference_goes() {
    struct Flag(Arc<AtomicUsize>);
    impl Drop for Flag {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
    struct Dev(#[allow(dead_code)] Flag);
    impl MiscDevice for Dev {
        fn mmap(&self, _file: &File, _vma: &VmaNew) -> Result {
            Ok(())
        }
    }
    let machine = Machine::new().unwrap();
    let mm = machine.mm_create().unwrap();
    let dropped = Arc::new(AtomicUsize::new(0));
    let file = File::create(&machine, Dev(Flag(dropped.clone())), FMODE_READ, "d").unwrap();
    let a = mm.mmap(0, PAGE_SIZE, PROT_READ, MAP_SHARED, Some(&file), 0).unwrap();
    let second = file.clone();
    drop(file);
    drop(second);
    assert_eq!(dropped.load(Ordering::Relaxed), 0, "the VMA still holds the file");
    mm.munmap(a, PAGE_SIZE).unwrap();
    assert_eq!(dropped.load(Ordering::Relaxed), 1);
    // A bad name or mode: nothing is made, the device is dropped at once.
    assert_eq!(File::create(&machine, Dev(Flag(dropped.clone())), FMODE_READ, "a\0b").err(), Some(EINVAL));
    assert_eq!(File::create(&machine, Dev(Flag(dropped.clone())), 8, "x").err(), Some(EINVAL));
    assert_eq!(dropped.load(Ordering::Relaxed), 3);
}

#[test]
fn vma_accessors_on_anonymous_memory() {
    let machine = Machine::new().unwrap();
    let mm = machine.mm_create().unwrap();
    let a = mm.mmap(0, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, None, 0).unwrap();
    mm.fill(a, 1, PAGE_SIZE).unwrap();
    let v = mm.lock_vma_under_rcu(a).unwrap();
    assert!(v.file().is_none());
    assert_eq!(v.mm().id(), mm.id());
    let f = v.flags();
    assert_eq!(f & (flags::READ | flags::WRITE | flags::MAYREAD | flags::MAYWRITE), 0x33);
    assert_eq!(f & (flags::SHARED | flags::MIXEDMAP), 0);
    assert_eq!(v.mem_stats(), VmaMem { rss_kb: 4, anon_kb: 4, locked_kb: 0 });
    assert!(format!("{:?}", *v).contains(&format!("{:#x}-{:#x}", a, a + 2 * PAGE_SIZE)));
}
