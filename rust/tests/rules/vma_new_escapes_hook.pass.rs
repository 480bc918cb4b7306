// The twin: the flags are set inside the hook.
use vas::file::{File, MiscDevice, FMODE_READ};
use vas::mm::virt::{flags, VmaNew};
use vas::{uapi::*, Machine};

struct Dev;
impl MiscDevice for Dev {
    fn mmap(&self, _file: &File, vma: &VmaNew) -> vas::Result {
        vma.set_dontcopy();
        Ok(())
    }
}

fn main() {
    let machine = Machine::new().unwrap();
    let mm = machine.mm_create().unwrap();
    let file = File::create(&machine, Dev, FMODE_READ, "dev").unwrap();
    let a = mm.mmap(0, PAGE_SIZE, PROT_READ, MAP_SHARED, Some(&file), 0).unwrap();
    let guard = mm.mmap_read_lock();
    assert_ne!(guard.vma_lookup(a).unwrap().flags() & flags::DONTCOPY, 0);
}
