// The twin: the VMA's flags are read, which a VmaRef may do.
use vas::mm::virt::flags;
use vas::{uapi::*, Machine};

fn main() {
    let machine = Machine::new().unwrap();
    let mm = machine.mm_create().unwrap();
    let a = mm.mmap(0, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, None, 0).unwrap();
    let guard = mm.mmap_read_lock();
    assert_eq!(guard.vma_lookup(a).unwrap().flags() & flags::DONTCOPY, 0);
}
