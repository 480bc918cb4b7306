// SPDX-License-Identifier: MIT
//! The binder-like driver in Rust, run once: a process maps its buffer,
//! the driver installs two pages on demand, the process reads them, the
//! shrinker reclaims them. `tests/binder.rs` tests the driver, with the
//! race of `examples/binder/test_binder.c`.
//!
//! cargo run --example binder
mod driver;

use driver::{pattern_decode, BinderDev};
use vas::page::PAGE_SIZE;
use vas::uapi::*;
use vas::Machine;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let machine = Machine::new()?;
    let mm = machine.mm_create()?;
    let dev = BinderDev::new(&machine);
    let (file, proc) = dev.open(&mm)?;
    let base = mm.mmap(0, 16 * PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_NORESERVE, Some(&file), 0)?;
    println!("buffer of proc {} at {:#x}", proc.id(), base);
    print!("{}", mm.maps()?);

    proc.use_range(0, 2)?;
    let mut buf = vec![0u8; PAGE_SIZE];
    for i in 0..2 {
        mm.read(base + i * PAGE_SIZE, &mut buf)?;
        println!("page {}: {:?}", i, pattern_decode(&buf).map(|(p, idx, gen)| format!("proc {} page {} gen {}", p, idx, gen)));
    }
    println!("page 2: {}", mm.read(base + 2 * PAGE_SIZE, &mut buf).unwrap_err());

    proc.stop_using_range(0, 2);
    println!("shrinker freed {} pages", dev.shrink(8));
    println!("page 0 after: {}", mm.read(base, &mut buf).unwrap_err());
    println!("{:?}", dev.stats());

    mm.munmap(base, 16 * PAGE_SIZE)?;
    drop(file);
    drop(proc);
    drop(mm);
    assert_eq!(dev.stats().procs, 0);
    drop(dev);
    machine.destroy()?;
    Ok(())
}
