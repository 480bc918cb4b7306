// The twin: the user reference lives as long as the guard.
use vas::{uapi::*, Machine};

fn main() {
    let machine = Machine::new().unwrap();
    let mm = machine.mm_create().unwrap();
    let a = mm.mmap(0, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, None, 0).unwrap();
    let user = mm.mmgrab().mmget_not_zero().unwrap();
    let guard;
    {
        guard = user.lock_vma_under_rcu(a);
    }
    assert!(guard.map_or(true, |vma| vma.start() == a));
}
