// A VmaNew setter on a VMA found under the mmap lock: a mapped VMA is a
// VmaRef, and VmaRef has no setters.
// expect: E0599 & no method named `set_dontcopy`
use vas::{uapi::*, Machine};

fn main() {
    let machine = Machine::new().unwrap();
    let mm = machine.mm_create().unwrap();
    let a = mm.mmap(0, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, None, 0).unwrap();
    let guard = mm.mmap_read_lock();
    guard.vma_lookup(a).unwrap().set_dontcopy();
}
