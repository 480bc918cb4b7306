// The twin: a user is taken from the count first.
use vas::Machine;

fn main() {
    let machine = Machine::new().unwrap();
    let mm = machine.mm_create().unwrap();
    let count = mm.mmgrab();
    let user = count.mmget_not_zero().unwrap();
    let guard = user.mmap_read_lock();
    assert_eq!(guard.map_count(), 0);
}
