// Locking an address space through a count (Mm): only a user can lock.
// expect: E0599 & no method named `mmap_read_lock`
use vas::Machine;

fn main() {
    let machine = Machine::new().unwrap();
    let mm = machine.mm_create().unwrap();
    let count = mm.mmgrab();
    let guard = count.mmap_read_lock();
    assert_eq!(guard.map_count(), 0);
}
