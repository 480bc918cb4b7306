// SPDX-License-Identifier: MIT
//! The rules the types enforce at compile time, each with the program
//! that breaks it (it must not compile) and its twin, which differs only
//! where the rule is kept (it compiles and runs against libvas).
//!
//! The programs are the files of `tests/rules/`; rustdoc compiles them
//! here, and `tests/rules.rs` compiles them again with the compiler that
//! built the crate to check that each failure has the expected error.
//!
//! What the types do not enforce is checked at run time: see the crate
//! documentation, "Where each C rule is checked".
//!
//! # 1. A `&VmaRef` cannot be used after its `MmapReadGuard` is dropped
//!
//! The C rule (vma.h): a VMA reference is valid until the lock it came from
//! is released. In C, debug builds catch a late use at run time; here
//! [`MmapReadGuard::vma_lookup`](crate::mm::MmapReadGuard::vma_lookup)
//! returns a reference that borrows the guard, so dropping the guard while
//! the reference is live does not compile (E0505).
#![doc = concat!("\n```compile_fail\n", include_str!("../tests/rules/vma_after_mmap_guard.fail.rs"), "```\n")]
#![doc = "The twin:\n"]
#![doc = concat!("\n```\n", include_str!("../tests/rules/vma_after_mmap_guard.pass.rs"), "```\n")]
//!
//! # 2. `vm_insert_page` needs a `VmaMixedMap`
//!
//! The C rule (memory.h): `vas_vm_insert_page` takes a `struct
//! vas_vma_mixedmap`, a VMA with `VM_MIXEDMAP` set; C has the same type
//! split. A plain [`VmaRef`](crate::mm::virt::VmaRef) has no such method
//! (E0599);
//! [`VmaRef::as_mixedmap_vma`](crate::mm::virt::VmaRef::as_mixedmap_vma)
//! checks the flag at run time and gives the level that has it.
#![doc = concat!("\n```compile_fail\n", include_str!("../tests/rules/insert_page_plain_vma.fail.rs"), "```\n")]
#![doc = "The twin:\n"]
#![doc = concat!("\n```\n", include_str!("../tests/rules/insert_page_plain_vma.pass.rs"), "```\n")]
//!
//! # 3. Only a user (`MmWithUser`) can be locked
//!
//! The C rule (mm.h): the mmap lock functions take a `struct vas_mm_user`; a
//! count (`struct vas_mm`) has none, since the address space may already be
//! torn down. [`Mm`](crate::mm::Mm) has no `mmap_read_lock` (E0599);
//! [`Mm::mmget_not_zero`](crate::mm::Mm::mmget_not_zero) is the only way to a
//! user, and fails at run time when none is left.
#![doc = concat!("\n```compile_fail\n", include_str!("../tests/rules/lock_mm_without_user.fail.rs"), "```\n")]
#![doc = "The twin:\n"]
#![doc = concat!("\n```\n", include_str!("../tests/rules/lock_mm_without_user.pass.rs"), "```\n")]
//!
//! # 4. A `VmaReadGuard` cannot outlive the `MmWithUser` it came from
//!
//! The C rule (vma.h): `vas_lock_vma_under_rcu` needs a user of the address
//! space for as long as the guard is held.
//! [`VmaReadGuard<'a>`](crate::mm::VmaReadGuard) borrows the `MmWithUser` for
//! `'a`, so dropping the user reference first does not compile (E0597).
#![doc = concat!("\n```compile_fail\n", include_str!("../tests/rules/vma_guard_outlives_mm.fail.rs"), "```\n")]
#![doc = "The twin:\n"]
#![doc = concat!("\n```\n", include_str!("../tests/rules/vma_guard_outlives_mm.pass.rs"), "```\n")]
//!
//! # 5. A `VmaNew` cannot be kept past its mmap hook
//!
//! The C rule (vma.h): the setters may be called only inside the mmap hook
//! that received the VMA, before anyone else can see it.
//! [`MiscDevice::mmap`](crate::file::MiscDevice::mmap) gets `&VmaNew` with a
//! lifetime chosen by the caller, so storing it anywhere that outlives the
//! call does not compile (E0521).
#![doc = concat!("\n```compile_fail\n", include_str!("../tests/rules/vma_new_escapes_hook.fail.rs"), "```\n")]
#![doc = "The twin:\n"]
#![doc = concat!("\n```\n", include_str!("../tests/rules/vma_new_escapes_hook.pass.rs"), "```\n")]
//!
//! # 6. `VmaNew` setters are not available on a mapped VMA
//!
//! The other half of the same rule: a VMA found under a lock is a
//! [`VmaRef`](crate::mm::virt::VmaRef), which has no setters (E0599). The
//! only `&VmaNew` there is comes from the hook.
#![doc = concat!("\n```compile_fail\n", include_str!("../tests/rules/vma_new_setter_on_vmaref.fail.rs"), "```\n")]
#![doc = "The twin:\n"]
#![doc = concat!("\n```\n", include_str!("../tests/rules/vma_new_setter_on_vmaref.pass.rs"), "```\n")]
//!
//! # 7. A guard is released on the thread that took it
//!
//! The C rule (vma.h, mm.h; checked by vas's debug builds against per-thread
//! records): a lock is released by its holder.
//! [`MmapReadGuard`](crate::mm::MmapReadGuard) and
//! [`VmaReadGuard`](crate::mm::VmaReadGuard) are not `Send` (E0277).
#![doc = concat!("\n```compile_fail\n", include_str!("../tests/rules/guard_to_other_thread.fail.rs"), "```\n")]
#![doc = "The twin:\n"]
#![doc = concat!("\n```\n", include_str!("../tests/rules/guard_to_other_thread.pass.rs"), "```\n")]
//!
//! # 8. A `&VmaRef` stays on the thread that holds its lock
//!
//! The C rule: every accessor needs its caller to hold the VMA's lock (debug
//! builds check the calling thread's records). The VMA types are not `Sync`,
//! so another thread cannot use the reference (E0277).
#![doc = concat!("\n```compile_fail\n", include_str!("../tests/rules/vma_to_other_thread.fail.rs"), "```\n")]
#![doc = "The twin:\n"]
#![doc = concat!("\n```\n", include_str!("../tests/rules/vma_to_other_thread.pass.rs"), "```\n")]
