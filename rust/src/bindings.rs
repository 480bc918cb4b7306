// SPDX-License-Identifier: MIT
//! Hand-written declarations of the C API in `include/vas/*.h`.
//!
//! Only what the crate uses. Each opaque C struct is a zero-sized
//! `#[repr(C)]` type that cannot be built, moved out of a pointer or sent
//! across threads by itself (the pattern of the Rustonomicon's FFI
//! chapter). Every signature here must match its header; the C names
//! are kept so a reader can grep one against the other.
#![allow(non_camel_case_types)]
#![allow(dead_code)]
#![allow(missing_docs)]

use std::marker::{PhantomData, PhantomPinned};
use std::os::raw::{c_char, c_int, c_long, c_uint, c_ulong, c_void};

macro_rules! opaque {
    ($($name:ident),* $(,)?) => {$(
        #[repr(C)]
        pub struct $name {
            _data: [u8; 0],
            _marker: PhantomData<(*mut u8, PhantomPinned)>,
        }
    )*};
}

opaque!(
    vas_machine,
    vas_mm,
    vas_mm_user,
    vas_mm_id,
    vas_vma_ref,
    vas_vma_mixedmap,
    vas_vma_new,
    vas_vma_closing,
    vas_vma_read_guard,
    vas_file,
    vas_page,
    FILE,
);

/// `struct vas_machine_config` (mm.h), field for field.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct vas_machine_config {
    pub size: usize,
    pub max_map_count: c_ulong,
    pub mmap_min_addr: c_ulong,
    pub lsm_mmap_min_addr: c_ulong,
    pub stack_guard_gap: c_ulong,
    pub vma_cache_max: c_uint,
    pub frames_bytes: usize,
    pub fault_mmap_lock_only: bool,
    pub zero_page: bool,
    pub file_folio_max: usize,
    pub overcommit_memory: c_int,
    pub overcommit_ratio: c_uint,
    pub overcommit_kbytes: c_ulong,
    pub admin_reserve_kbytes: c_ulong,
    pub user_reserve_kbytes: c_ulong,
    pub commit_ram_bytes: usize,
    pub commit_swap_bytes: usize,
}

/// `struct vas_fault_info` (memory.h).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct vas_fault_info {
    pub signo: c_int,
    pub addr: c_ulong,
}

/// `struct vas_vma_mem` (proc.h).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct vas_vma_mem {
    pub rss_kb: c_ulong,
    pub anon_kb: c_ulong,
    pub locked_kb: c_ulong,
}

/// `struct vas_vm_fault` (file.h).
#[repr(C)]
pub struct vas_vm_fault {
    pub vma: *mut vas_vma_ref,
    pub address: c_ulong,
    pub pgoff: c_ulong,
    pub flags: c_uint,
    pub page: *mut vas_page,
}

/// `struct vas_vm_ops` (file.h).
#[repr(C)]
pub struct vas_vm_ops {
    pub size: usize,
    pub open: Option<unsafe extern "C" fn(vma: *mut vas_vma_ref)>,
    pub close: Option<unsafe extern "C" fn(vma: *const vas_vma_closing)>,
    pub name: Option<unsafe extern "C" fn(vma: *mut vas_vma_ref) -> *const c_char>,
    pub fault: Option<unsafe extern "C" fn(vmf: *mut vas_vm_fault) -> c_int>,
    pub page_mkwrite: Option<unsafe extern "C" fn(vmf: *mut vas_vm_fault) -> c_int>,
}

/// `struct vas_file_ops` (file.h).
#[repr(C)]
pub struct vas_file_ops {
    pub size: usize,
    pub mmap: Option<unsafe extern "C" fn(file: *mut vas_file, vma: *mut vas_vma_new) -> c_int>,
    pub release: Option<unsafe extern "C" fn(file: *mut vas_file)>,
}

pub const VAS_SIGBUS: c_int = 7;
pub const VAS_SIGSEGV: c_int = 11;
pub const VAS_FAULT_WRITE: c_uint = 0x1;

extern "C" {
    // defs.h
    pub fn vas_version() -> c_uint;
    pub fn vas_strerror(err: c_int) -> *const c_char;

    // stats.h
    pub fn vas_stat_read(machine: *const vas_machine, stat: c_int) -> u64;
    pub fn vas_stat_name(stat: c_int) -> *const c_char;

    // mm.h: machine
    pub fn vas_machine_config_init(cfg: *mut vas_machine_config);
    pub fn vas_machine_create(cfg: *const vas_machine_config, out: *mut *mut vas_machine) -> c_int;
    pub fn vas_machine_destroy(machine: *mut vas_machine) -> c_int;
    pub fn vas_machine_config(machine: *const vas_machine) -> *const vas_machine_config;
    pub fn vas_machine_flush(machine: *mut vas_machine);

    // mm.h: address space and counts
    pub fn vas_mm_create(machine: *mut vas_machine, out: *mut *mut vas_mm_user) -> c_int;
    pub fn vas_mm_from_user(mm: *mut vas_mm_user) -> *mut vas_mm;
    pub fn vas_mm_grab(mm: *mut vas_mm);
    pub fn vas_mm_drop(mm: *mut vas_mm);
    pub fn vas_mm_get_not_zero(mm: *mut vas_mm) -> *mut vas_mm_user;
    pub fn vas_mm_get(mm: *mut vas_mm_user) -> *mut vas_mm_user;
    pub fn vas_mm_put(mm: *mut vas_mm_user);
    pub fn vas_mm_put_async(mm: *mut vas_mm_user);
    pub fn vas_mm_users(mm: *const vas_mm) -> c_int;
    pub fn vas_mm_count(mm: *const vas_mm) -> c_int;
    pub fn vas_mm_map_count(mm: *mut vas_mm_user) -> c_int;
    pub fn vas_mm_machine(mm: *const vas_mm) -> *mut vas_machine;
    pub fn vas_mm_validate(mm: *mut vas_mm_user) -> c_int;

    // mm.h: the mmap lock
    pub fn vas_mmap_read_lock(mm: *mut vas_mm_user);
    pub fn vas_mmap_read_trylock(mm: *mut vas_mm_user) -> bool;
    pub fn vas_mmap_read_unlock(mm: *mut vas_mm_user);

    // vma.h
    pub fn vas_vma_lookup(mm: *mut vas_mm_user, addr: c_ulong) -> *mut vas_vma_ref;
    pub fn vas_find_vma(mm: *mut vas_mm_user, addr: c_ulong) -> *mut vas_vma_ref;
    pub fn vas_lock_vma_under_rcu(
        mm: *mut vas_mm_user,
        addr: c_ulong,
        guardp: *mut *mut vas_vma_read_guard,
    ) -> bool;
    pub fn vas_vma_read_guard_vma(guard: *mut vas_vma_read_guard) -> *mut vas_vma_ref;
    pub fn vas_vma_end_read(guard: *mut vas_vma_read_guard);
    pub fn vas_vma_start(vma: *const vas_vma_ref) -> c_ulong;
    pub fn vas_vma_end(vma: *const vas_vma_ref) -> c_ulong;
    pub fn vas_vma_flags(vma: *const vas_vma_ref) -> c_ulong;
    pub fn vas_vma_pgoff(vma: *const vas_vma_ref) -> c_ulong;
    pub fn vas_vma_file(vma: *const vas_vma_ref) -> *mut vas_file;
    pub fn vas_vma_mm(vma: *const vas_vma_ref) -> *mut vas_mm_user;
    pub fn vas_vma_as_mixedmap(vma: *mut vas_vma_ref) -> *mut vas_vma_mixedmap;
    pub fn vas_vma_mixedmap_ref(vma: *mut vas_vma_mixedmap) -> *mut vas_vma_ref;
    pub fn vas_vma_new_ref(vma: *mut vas_vma_new) -> *mut vas_vma_ref;
    pub fn vas_vma_new_set_io(vma: *mut vas_vma_new);
    pub fn vas_vma_new_set_dontexpand(vma: *mut vas_vma_new);
    pub fn vas_vma_new_set_dontcopy(vma: *mut vas_vma_new);
    pub fn vas_vma_new_set_dontdump(vma: *mut vas_vma_new);
    pub fn vas_vma_new_set_mixedmap(vma: *mut vas_vma_new) -> *mut vas_vma_mixedmap;
    pub fn vas_vma_new_readable(vma: *mut vas_vma_new) -> bool;
    pub fn vas_vma_new_writable(vma: *mut vas_vma_new) -> bool;
    pub fn vas_vma_new_executable(vma: *mut vas_vma_new) -> bool;
    pub fn vas_vma_new_try_clear_mayread(vma: *mut vas_vma_new) -> c_int;
    pub fn vas_vma_new_try_clear_maywrite(vma: *mut vas_vma_new) -> c_int;
    pub fn vas_vma_new_try_clear_mayexec(vma: *mut vas_vma_new) -> c_int;

    // file.h
    pub fn vas_vma_closing_start(vma: *const vas_vma_closing) -> c_ulong;
    pub fn vas_vma_closing_end(vma: *const vas_vma_closing) -> c_ulong;
    pub fn vas_vma_closing_flags(vma: *const vas_vma_closing) -> c_ulong;
    pub fn vas_vma_closing_pgoff(vma: *const vas_vma_closing) -> c_ulong;
    pub fn vas_vma_closing_file(vma: *const vas_vma_closing) -> *mut vas_file;
    pub fn vas_vma_closing_mm_id(vma: *const vas_vma_closing) -> *const vas_mm_id;
    pub fn vas_mm_id(mm: *const vas_mm) -> *const vas_mm_id;
    pub fn vas_file_create(
        machine: *mut vas_machine,
        ops: *const vas_file_ops,
        private: *mut c_void,
        mode: c_int,
        name: *const c_char,
        out: *mut *mut vas_file,
    ) -> c_int;
    pub fn vas_file_get(file: *mut vas_file) -> *mut vas_file;
    pub fn vas_file_put(file: *mut vas_file);
    pub fn vas_file_private(file: *const vas_file) -> *mut c_void;
    pub fn vas_file_name(file: *const vas_file) -> *const c_char;
    pub fn vas_file_mode(file: *const vas_file) -> c_int;
    pub fn vas_vma_new_set_ops(vma: *mut vas_vma_new, ops: *const vas_vm_ops);

    // memory.h
    pub fn vas_read(
        mm: *mut vas_mm_user,
        addr: c_ulong,
        buf: *mut c_void,
        len: usize,
        fi: *mut vas_fault_info,
    ) -> c_int;
    pub fn vas_write(
        mm: *mut vas_mm_user,
        addr: c_ulong,
        buf: *const c_void,
        len: usize,
        fi: *mut vas_fault_info,
    ) -> c_int;
    pub fn vas_fill(
        mm: *mut vas_mm_user,
        addr: c_ulong,
        byte: c_int,
        len: usize,
        fi: *mut vas_fault_info,
    ) -> c_int;
    pub fn vas_fault(mm: *mut vas_mm_user, addr: c_ulong, flags: c_uint, fi: *mut vas_fault_info) -> c_int;
    pub fn vas_mm_rss(mm: *mut vas_mm_user, which: c_int) -> c_long;
    pub fn vas_mm_fork(mm: *mut vas_mm_user, out: *mut *mut vas_mm_user) -> c_int;
    pub fn vas_page_alloc(machine: *mut vas_machine) -> *mut vas_page;
    pub fn vas_page_get(page: *mut vas_page);
    pub fn vas_page_put(page: *mut vas_page);
    pub fn vas_page_address(page: *mut vas_page) -> *mut c_void;
    pub fn vas_page_mapcount(page: *const vas_page) -> c_int;
    pub fn vas_vm_insert_page(vma: *mut vas_vma_mixedmap, addr: c_ulong, page: *mut vas_page) -> c_int;
    pub fn vas_zap_page_range_single(vma: *mut vas_vma_ref, addr: c_ulong, size: c_ulong);

    // mman.h
    pub fn vas_mmap(
        mm: *mut vas_mm_user,
        addr: c_ulong,
        len: c_ulong,
        prot: c_int,
        flags: c_int,
        file: *mut vas_file,
        off: c_ulong,
        addrp: *mut c_ulong,
    ) -> c_int;
    pub fn vas_munmap(mm: *mut vas_mm_user, addr: c_ulong, len: c_ulong) -> c_int;
    pub fn vas_mprotect(mm: *mut vas_mm_user, addr: c_ulong, len: c_ulong, prot: c_int) -> c_int;
    pub fn vas_mremap(
        mm: *mut vas_mm_user,
        addr: c_ulong,
        old_len: c_ulong,
        new_len: c_ulong,
        flags: c_int,
        new_addr: c_ulong,
        addrp: *mut c_ulong,
    ) -> c_int;
    pub fn vas_madvise(mm: *mut vas_mm_user, addr: c_ulong, len: c_ulong, advice: c_int) -> c_int;
    pub fn vas_mlock(mm: *mut vas_mm_user, addr: c_ulong, len: c_ulong) -> c_int;
    pub fn vas_munlock(mm: *mut vas_mm_user, addr: c_ulong, len: c_ulong) -> c_int;
    pub fn vas_mseal(mm: *mut vas_mm_user, addr: c_ulong, len: c_ulong, flags: c_ulong) -> c_int;

    // proc.h
    pub fn vas_proc_maps_print(mm: *mut vas_mm_user, out: *mut FILE) -> c_int;
    pub fn vas_vma_mem_stats(vma: *mut vas_vma_ref, out: *mut vas_vma_mem);

    // libc, for vas_proc_maps_print()
    pub fn open_memstream(ptr: *mut *mut c_char, sizeloc: *mut usize) -> *mut FILE;
    pub fn fclose(stream: *mut FILE) -> c_int;
    pub fn free(ptr: *mut c_void);
}
