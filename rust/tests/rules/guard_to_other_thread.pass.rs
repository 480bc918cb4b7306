// The twin: the other thread takes and releases its own guard.
use vas::Machine;

fn main() {
    let machine = Machine::new().unwrap();
    let mm = machine.mm_create().unwrap();
    std::thread::scope(|s| {
        s.spawn(|| drop(mm.mmap_read_lock()));
    });
}
