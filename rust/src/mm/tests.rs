// SPDX-License-Identifier: MIT
//! Address spaces, counts and the two guards, against libvas.

use super::*;
use crate::error::code::*;
use crate::file::{File, MiscDevice, FMODE_READ};
use crate::mm::virt::VmaNew;
use crate::uapi::*;
use crate::{MachineConfig, Stat};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::sync::Mutex;

fn anon(mm: &MmWithUser, pages: usize) -> usize {
    mm.mmap(0, pages * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, None, 0).unwrap()
}

#[test]
fn counts_users_and_the_deref_to_mm() {
    let machine = Machine::new().unwrap();
    let mm = machine.mm_create().unwrap();
    assert_eq!((mm.users(), mm.count()), (1, 1));
    assert!(mm.is_in(&machine));

    let user2 = mm.clone();
    assert_eq!(user2.as_raw(), mm.as_raw());
    assert_eq!((mm.users(), mm.count()), (2, 1));
    let count: ARef<Mm> = ARef::from(&**mm);
    let count2 = count.mmgrab();
    assert_eq!((mm.users(), mm.count()), (2, 3));
    assert_eq!(count.as_raw(), (**mm).as_raw());
    assert_eq!(count.id(), mm.id());

    let user3 = count.mmget_not_zero().expect("users remain");
    assert_eq!(user3.as_raw(), mm.as_raw());
    assert_eq!(mm.users(), 3);
    drop(user3);
    drop(user2);
    drop(count2);
    assert_eq!((mm.users(), mm.count()), (1, 2));

    // The process exits: the address space is torn down in this thread,
    // the object stays for the count.
    let a = anon(&mm, 1);
    mm.fill(a, 1, 1).unwrap();
    drop(mm);
    assert_eq!(machine.stat(Stat::MmTeardown), 1);
    assert_eq!((count.users(), count.count()), (0, 1));
    assert!(count.mmget_not_zero().is_none());
    assert_eq!(machine.clone().destroy(), Err(EBUSY));
    drop(count);
    machine.destroy().unwrap();
}

#[test]
fn raw_round_trips() {
    let machine = Machine::new().unwrap();
    let mm = machine.mm_create().unwrap();
    // SAFETY: mm holds a user (and so a count) for the whole test.
    let (u, m) = unsafe { (MmWithUser::from_raw(mm.as_raw()), Mm::from_raw((**mm).as_raw())) };
    assert_eq!(u.id(), m.id());
    let raw = ARef::into_raw(mm.clone());
    // SAFETY: into_raw() gave us that user reference back.
    let back: ARef<MmWithUser> = unsafe { ARef::from_raw(raw) };
    assert_eq!(back.users(), 2);
    drop(back);
    assert_eq!(mm.users(), 1);
    assert!(format!("{:?}", mm).starts_with("MmWithUser(Mm(0x"));
    assert!(format!("{:?}", mm.mmgrab()).contains("users 1, count 2"));
}

#[test]
fn mmput_async_hands_the_teardown_to_the_worker() {
    let machine = Machine::new().unwrap();
    let mm = machine.mm_create().unwrap();
    let count = mm.mmgrab();
    let a = anon(&mm, 2);
    mm.fill(a, 3, 2 * PAGE_SIZE).unwrap();
    let async_user = MmWithUser::into_mmput_async(mm.clone());
    // Derefs to MmWithUser and Mm: it can lock and count.
    assert_eq!(async_user.mmap_read_lock().map_count(), 1);
    assert_eq!(async_user.users(), 2);
    let another = async_user.clone();
    assert_eq!(another.users(), 3);
    drop(another);
    drop(mm);
    assert_eq!(machine.stat(Stat::MmTeardown), 0);
    drop(async_user);
    machine.flush();
    assert_eq!(machine.stat(Stat::MmTeardownAsync), 1);
    assert_eq!(count.users(), 0);
    assert!(format!("{:?}", count).contains("users 0"));
}

#[test]
fn mmap_read_guard_looks_up_and_counts() {
    let machine = Machine::new().unwrap();
    let mm = machine.mm_create().unwrap();
    let a = mm.mmap(0x10000000, 4 * PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, None, 0).unwrap();
    mm.munmap(a + PAGE_SIZE, PAGE_SIZE).unwrap();
    //  0x10000000  +P   +2P        +4P
    //  | A         |    | B         |
    let g = mm.mmap_read_lock();
    assert_eq!(g.map_count(), 2);
    assert_eq!(g.mm().id(), mm.id());
    let va = g.vma_lookup(a).unwrap();
    let vb = g.vma_lookup(a + 3 * PAGE_SIZE).unwrap();
    assert_eq!((va.start(), va.end()), (a, a + PAGE_SIZE));
    assert_eq!((vb.start(), vb.end()), (a + 2 * PAGE_SIZE, a + 4 * PAGE_SIZE));
    assert!(g.vma_lookup(a + PAGE_SIZE).is_none());
    assert_eq!(g.find_vma(a + PAGE_SIZE).map(|v| v.start()), Some(a + 2 * PAGE_SIZE));
    assert!(g.find_vma(a + 4 * PAGE_SIZE).is_none());
    assert!(g.vma_lookup(usize::MAX).is_none());
    // Two readers at once, on one thread: a trylock does not wait.
    let g2 = mm.mmap_read_trylock().unwrap();
    assert_eq!(g2.map_count(), 2);
    drop(g2);
    drop(g);
    assert_eq!(machine.stat(Stat::MmapLockRead), 2);
}

#[test]
fn vma_read_guard_locks_one_vma() {
    let machine = Machine::new().unwrap();
    let mm = machine.mm_create().unwrap();
    let a = anon(&mm, 2);
    let before = machine.stat(Stat::VmaLockSuccess);
    {
        let g = mm.lock_vma_under_rcu(a + PAGE_SIZE).expect("uncontended");
        assert_eq!((g.start(), g.end()), (a, a + 2 * PAGE_SIZE));
        assert_eq!(g.mm().id(), mm.id());
        // The mmap read lock may be tried meanwhile (it never waits) ...
        assert!(mm.mmap_read_trylock().is_some());
        // ... and another VMA lock taken.
        assert!(mm.lock_vma_under_rcu(a).is_some());
        assert!(format!("{:?}", g).starts_with("VmaReadGuard(VmaRef(0x"));
    }
    assert_eq!(machine.stat(Stat::VmaLockSuccess), before + 2);
    assert!(mm.lock_vma_under_rcu(a + 2 * PAGE_SIZE).is_none());
    assert!(mm.lock_vma_under_rcu(0).is_none());
    // Released: a writer gets through.
    mm.munmap(a, 2 * PAGE_SIZE).unwrap();
    assert!(mm.lock_vma_under_rcu(a).is_none());
}

/// A driver whose mmap hook, with vas holding the mmap lock for write,
/// tells the test it is inside and waits until the test lets it go.
struct Blocking {
    inside: Mutex<mpsc::Sender<()>>,
    go: Mutex<mpsc::Receiver<()>>,
}

impl MiscDevice for Blocking {
    fn mmap(&self, _file: &File, _vma: &VmaNew) -> crate::Result {
        self.inside.lock().unwrap().send(()).unwrap();
        self.go.lock().unwrap().recv().unwrap();
        Ok(())
    }
}

#[test]
fn trylock_and_lock_vma_under_rcu_never_wait_for_a_writer() {
    let machine = Machine::new().unwrap();
    let mm = machine.mm_create().unwrap();
    let a = anon(&mm, 1);
    let (inside_tx, inside_rx) = mpsc::channel();
    let (go_tx, go_rx) = mpsc::channel();
    let file =
        File::create(&machine, Blocking { inside: Mutex::new(inside_tx), go: Mutex::new(go_rx) }, FMODE_READ, "b")
            .unwrap();
    std::thread::scope(|s| {
        let mapper = s.spawn(|| mm.mmap(0, PAGE_SIZE, PROT_READ, MAP_SHARED, Some(&file), 0));
        inside_rx.recv().unwrap();
        // The mapper holds the mmap lock for write now.
        assert!(mm.mmap_read_trylock().is_none());
        // The anonymous VMA is not write-locked: its read lock is fine.
        assert_eq!(mm.lock_vma_under_rcu(a).map(|v| v.start()), Some(a));
        go_tx.send(()).unwrap();
        let b = mapper.join().unwrap().unwrap();
        assert_eq!(mm.mmap_read_trylock().unwrap().vma_lookup(b).unwrap().start(), b);
    });
}

fn panic_message(r: std::thread::Result<()>) -> String {
    match r {
        Ok(()) => String::from("no panic"),
        Err(e) => e
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default(),
    }
}

#[test]
fn mmap_read_lock_twice_on_one_thread_panics_instead_of_deadlocking() {
    let machine = Machine::new().unwrap();
    let mm = machine.mm_create().unwrap();
    let g = mm.mmap_read_lock();
    let msg = panic_message(catch_unwind(AssertUnwindSafe(|| drop(mm.mmap_read_lock()))));
    assert!(msg.contains("mmap_read_lock() while this thread holds the mmap lock (an MmapReadGuard) of this address space"), "{}", msg);
    // Two address spaces' mmap locks: only fork takes them (lock order).
    let other = machine.mm_create().unwrap();
    let msg = panic_message(catch_unwind(AssertUnwindSafe(|| drop(other.mmap_read_lock()))));
    assert!(msg.contains("of another address space"), "{}", msg);
    // A trylock never waits: allowed.
    assert!(other.mmap_read_trylock().is_some());
    drop(g);
    // Released: fine again.
    drop(mm.mmap_read_lock());
    drop(other.mmap_read_lock());
}

#[test]
fn mmap_read_lock_after_a_vma_lock_panics() {
    let machine = Machine::new().unwrap();
    let mm = machine.mm_create().unwrap();
    let a = anon(&mm, 1);
    let v = mm.lock_vma_under_rcu(a).unwrap();
    let msg = panic_message(catch_unwind(AssertUnwindSafe(|| drop(mm.mmap_read_lock()))));
    assert!(msg.contains("a VMA read lock (a VmaReadGuard) of this address space"), "{}", msg);
    drop(v);
    drop(mm.mmap_read_lock());
}

#[test]
fn system_calls_under_a_guard_panic_instead_of_deadlocking() {
    let machine = Machine::new().unwrap();
    let mm = machine.mm_create().unwrap();
    let a = anon(&mm, 1);
    let calls: Vec<(&str, Box<dyn Fn(&MmWithUser)>)> = vec![
        ("munmap()", Box::new(move |mm| { let _ = mm.munmap(a, PAGE_SIZE); })),
        ("mmap()", Box::new(|mm| { let _ = mm.mmap(0, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, None, 0); })),
        ("mprotect()", Box::new(move |mm| { let _ = mm.mprotect(a, PAGE_SIZE, PROT_READ); })),
        ("read()", Box::new(move |mm| { let _ = mm.read(a, &mut [0u8; 1]); })),
        ("write()", Box::new(move |mm| { let _ = mm.write(a, &[0u8; 1]); })),
        ("fork()", Box::new(|mm| { let _ = mm.fork(); })),
        ("validate()", Box::new(|mm| { let _ = mm.validate(); })),
        ("maps()", Box::new(|mm| { let _ = mm.maps(); })),
    ];
    for (name, call) in &calls {
        let g = mm.mmap_read_lock();
        let msg = panic_message(catch_unwind(AssertUnwindSafe(|| call(&mm))));
        assert!(msg.contains(name) && msg.contains("the mmap lock"), "{}: {}", name, msg);
        drop(g);
        let v = mm.lock_vma_under_rcu(a).unwrap();
        let msg = panic_message(catch_unwind(AssertUnwindSafe(|| call(&mm))));
        assert!(msg.contains(name) && msg.contains("VMA read lock"), "{}: {}", name, msg);
        drop(v);
    }
    // Nothing is left held: all of them work now, the munmap last.
    for (_, call) in calls.iter().rev() {
        call(&mm);
    }
    assert!(mm.lock_vma_under_rcu(a).is_none());
    // A guard of another address space counts too (lock order).
    let other = machine.mm_create().unwrap();
    let g = other.mmap_read_lock();
    let msg = panic_message(catch_unwind(AssertUnwindSafe(|| {
        anon(&mm, 1);
    })));
    assert!(msg.contains("mmap() while this thread holds the mmap lock (an MmapReadGuard) of another address space"), "{}", msg);
    drop(g);
    anon(&mm, 1);
}

#[test]
fn a_guard_on_another_thread_does_not_count_here() {
    let machine = Machine::new().unwrap();
    let mm = machine.mm_create().unwrap();
    let a = anon(&mm, 1);
    let (held_tx, held_rx) = mpsc::channel();
    let (done_tx, done_rx) = mpsc::channel::<()>();
    std::thread::scope(|s| {
        let mm = &mm;
        s.spawn(move || {
            let _v = mm.lock_vma_under_rcu(a).unwrap();
            held_tx.send(()).unwrap();
            done_rx.recv().unwrap();
        });
        held_rx.recv().unwrap();
        // Another thread's VMA read lock: a read here works.
        mm.read(a, &mut [0u8; 8]).unwrap();
        done_tx.send(()).unwrap();
    });
}

#[test]
fn machine_config_round_trips_every_field() {
    let d = MachineConfig::default();
    assert_eq!(d.max_map_count, 65530);
    assert_eq!(d.mmap_min_addr, 65536);
    assert_eq!(d.stack_guard_gap, 256 * 4096);
    assert!(d.zero_page);
    assert!(!d.fault_mmap_lock_only);
    assert_eq!(d.file_folio_max, 4096);
    assert_eq!(d.overcommit_memory, 0);
    assert_eq!(d.overcommit_ratio, 50);
    let cfg = MachineConfig {
        max_map_count: 1234,
        mmap_min_addr: 8192,
        lsm_mmap_min_addr: 4096,
        stack_guard_gap: 4096,
        vma_cache_max: 7,
        frames_bytes: 8 << 20,
        fault_mmap_lock_only: true,
        zero_page: false,
        file_folio_max: 16384,
        overcommit_memory: 2,
        overcommit_ratio: 60,
        overcommit_kbytes: 0,
        admin_reserve_kbytes: 100,
        user_reserve_kbytes: 200,
        commit_ram_bytes: 1 << 30,
        commit_swap_bytes: 4096,
        ..MachineConfig::default()
    };
    assert_eq!(cfg.size, std::mem::size_of::<MachineConfig>());
    let machine = Machine::with_config(&cfg).unwrap();
    assert_eq!(machine.config(), cfg);
    assert!(format!("{:?}", machine).starts_with("Machine(0x"));
    let other = Machine::new().unwrap();
    assert!(!machine.same(&other));
    assert!(machine.same(&machine.clone()));
}

#[test]
fn stat_names_follow_the_c_list() {
    let names: Vec<&str> = Stat::ALL.iter().map(|s| s.name()).collect();
    assert_eq!(names[0], "vma_lock_success");
    assert_eq!(names[15], "mm_teardown_async");
    assert_eq!(names[19], "writeback_error");
    for (i, s) in Stat::ALL.iter().enumerate() {
        assert_eq!(*s as usize, i);
    }
}

#[test]
fn a_machine_with_an_address_space_left_is_not_destroyed() {
    let machine = Machine::new().unwrap();
    let mm = machine.mm_create().unwrap();
    let a = anon(&mm, 1);
    // vas refuses; the machine is leaked and the address space still works.
    assert_eq!(machine.destroy(), Err(EBUSY));
    mm.fill(a, 9, 16).unwrap();
    mm.validate().unwrap();
}

#[test]
fn machines_drop_their_address_spaces_last() {
    // The last handle goes first: vas refuses, nothing breaks.
    let machine = Machine::new().unwrap();
    let mm = machine.mm_create().unwrap();
    drop(machine);
    let a = anon(&mm, 1);
    mm.fill(a, 1, 1).unwrap();
}
