// The twin: the VmaRef is used while the guard is held.
use vas::{uapi::*, Machine};

fn main() {
    let machine = Machine::new().unwrap();
    let mm = machine.mm_create().unwrap();
    let a = mm.mmap(0, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, None, 0).unwrap();
    let guard = mm.mmap_read_lock();
    let vma = guard.vma_lookup(a).unwrap();
    assert_eq!(vma.start(), a);
    drop(guard);
}
