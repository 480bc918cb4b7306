// The twin: the other thread gets the plain address, not the VmaRef.
use vas::{uapi::*, Machine};

fn main() {
    let machine = Machine::new().unwrap();
    let mm = machine.mm_create().unwrap();
    let a = mm.mmap(0, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, None, 0).unwrap();
    let guard = mm.mmap_read_lock();
    let start = guard.vma_lookup(a).unwrap().start();
    std::thread::scope(|s| {
        s.spawn(|| assert_eq!(start, a));
    });
}
