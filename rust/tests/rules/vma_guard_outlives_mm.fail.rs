// A VmaReadGuard that outlives the MmWithUser it borrows.
// expect: E0597 & `user` does not live long enough
use vas::{uapi::*, Machine};

fn main() {
    let machine = Machine::new().unwrap();
    let mm = machine.mm_create().unwrap();
    let a = mm.mmap(0, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, None, 0).unwrap();
    let guard;
    {
        let user = mm.mmgrab().mmget_not_zero().unwrap();
        guard = user.lock_vma_under_rcu(a);
    }
    assert!(guard.map_or(true, |vma| vma.start() == a));
}
