// A VmaRef used after its MmapReadGuard is dropped (the mmap lock released).
// expect: E0505 & cannot move out of `guard` because it is borrowed
use vas::{uapi::*, Machine};

fn main() {
    let machine = Machine::new().unwrap();
    let mm = machine.mm_create().unwrap();
    let a = mm.mmap(0, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, None, 0).unwrap();
    let guard = mm.mmap_read_lock();
    let vma = guard.vma_lookup(a).unwrap();
    drop(guard);
    assert_eq!(vma.start(), a);
}
