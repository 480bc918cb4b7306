// A VmaNew kept past its mmap hook, to set flags later.
// expect: E0521 & borrowed data escapes
use std::cell::Cell;
use vas::file::{File, MiscDevice, FMODE_READ};
use vas::mm::virt::VmaNew;
use vas::{uapi::*, Machine};

thread_local! {
    static SAVED: Cell<Option<&'static VmaNew>> = Cell::new(None);
}

struct Dev;
impl MiscDevice for Dev {
    fn mmap(&self, _file: &File, vma: &VmaNew) -> vas::Result {
        SAVED.with(|s| s.set(Some(vma)));
        Ok(())
    }
}

fn main() {
    let machine = Machine::new().unwrap();
    let mm = machine.mm_create().unwrap();
    let file = File::create(&machine, Dev, FMODE_READ, "dev").unwrap();
    mm.mmap(0, PAGE_SIZE, PROT_READ, MAP_SHARED, Some(&file), 0).unwrap();
    SAVED.with(|s| s.get().unwrap().set_dontcopy());
}
