// An MmapReadGuard released on another thread than the one that took it.
// expect: E0277 & cannot be sent between threads safely
use vas::Machine;

fn main() {
    let machine = Machine::new().unwrap();
    let mm = machine.mm_create().unwrap();
    std::thread::scope(|s| {
        let guard = mm.mmap_read_lock();
        s.spawn(move || drop(guard));
    });
}
