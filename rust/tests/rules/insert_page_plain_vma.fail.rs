// vm_insert_page on a plain VmaRef: only a VmaMixedMap has it.
// expect: E0599 & no method named `vm_insert_page`
use vas::file::{File, MiscDevice, FMODE_READ};
use vas::mm::virt::VmaNew;
use vas::page::Page;
use vas::{uapi::*, Machine};

struct Dev;
impl MiscDevice for Dev {
    fn mmap(&self, _file: &File, vma: &VmaNew) -> vas::Result {
        vma.set_mixedmap();
        Ok(())
    }
}

fn main() {
    let machine = Machine::new().unwrap();
    let mm = machine.mm_create().unwrap();
    let file = File::create(&machine, Dev, FMODE_READ, "dev").unwrap();
    let a = mm.mmap(0, PAGE_SIZE, PROT_READ, MAP_SHARED, Some(&file), 0).unwrap();
    let page = Page::alloc_page(&machine).unwrap();
    let guard = mm.mmap_read_lock();
    let vma = guard.vma_lookup(a).unwrap();
    vma.vm_insert_page(a, &page).unwrap();
}
