// SPDX-License-Identifier: MIT
/*
 * driver.c - a small driver on vas, and a program that uses it. The
 * walk-through is docs/tutorial.md, part 2.
 *
 * The driver, "pagebuf", shares up to PB_PAGES pages of its own with one
 * process, read-only:
 *
 *  - its mmap hook (struct vas_file_ops) checks the request, makes the VMA
 *    VM_MIXEDMAP (pages go in with vas_vm_insert_page), VM_DONTCOPY (fork
 *    leaves it out) and read-only for good (VM_MAYWRITE cleared), and
 *    inserts page 0, the header;
 *  - pb_publish() puts a page of data into the process's mapping later,
 *    from outside the process, as a driver does when data arrives;
 *  - pb_shrink() is its shrinker: under memory pressure it takes pages
 *    back (unmaps and frees them) without ever waiting for a lock;
 *  - its vm_ops count the VMAs that map it and give back the pages of
 *    whatever is unmapped.
 *
 * Public API only (include/vas). main() drives it through every case and
 * checks each result; it exits 1 at the first unexpected one.
 *
 * Usage: vas_driver
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vas/vas.h>

#define P VAS_PAGE_SIZE
#define PB_PAGES 8UL

/* A failed check ends the program with status 1, naming the line. */
#define CHECK(cond)                                                           \
	do {                                                                  \
		if (!(cond)) {                                                \
			fprintf(stderr, "%s:%d: check failed: %s\n",          \
				__FILE__, __LINE__, #cond);                   \
			exit(1);                                              \
		}                                                             \
	} while (0)
#define CHECK_ERR(call, want)                                                 \
	do {                                                                  \
		int err_ = (call);                                            \
		if (err_ != (want)) {                                         \
			fprintf(stderr, "%s:%d: %s: %s, expected %s\n",       \
				__FILE__, __LINE__, #call,                    \
				err_ ? vas_strerror(err_) : "0",              \
				(want) ? vas_strerror(want) : "0");           \
			exit(1);                                              \
		}                                                             \
	} while (0)
#define CHECK_OK(call) CHECK_ERR(call, 0)

/* ==== the driver =========================================================== */

/*
 * Locking key:
 *  (c) constant after pb_create()
 *  (l) pb->lock
 * Lock order: the process's mmap lock or one of its VMA locks, then
 * pb->lock, then the page-table locks vas takes inside vas_vm_insert_page()
 * and vas_zap_page_range_single().
 */
struct pagebuf {
	struct vas_machine *machine;	/* (c) */
	struct vas_file *file;		/* (c) identity only: no reference */
	pthread_mutex_t lock;
	struct vas_mm *mm;		/* (l) a count, from the mmap on */
	unsigned long start;		/* (l) where the buffer was mapped */
	bool mapped;			/* (l) the mmap hook succeeded */
	int vmas;			/* (l) hooks + opens - closes */
	struct vas_page *pages[PB_PAGES]; /* (l) the driver's references */
	/* what happened, for the program to check */
	unsigned long published_vma_lock, published_mmap_lock; /* (l) */
	unsigned long shrink_skipped;	/* (l) */
	/* a test hook: called by pb_shrink() once it holds a user */
	void (*shrink_hook)(void *arg);	/* (c) */
	void *hook_arg;			/* (c) */
};

/*
 * Does @vma map page @index of @pb at @addr? The address the driver
 * recorded at mmap time may by now hold something else (the process
 * unmapped the buffer and mapped other memory there): a page must go only
 * into the driver's own mapping, at its own offset.
 * Context: @vma's guard held (mmap lock or the VMA's read lock).
 */
static bool pb_owns(struct pagebuf *pb, struct vas_vma_ref *vma,
		    unsigned long addr, unsigned long index)
{
	return vma && vas_vma_file(vma) == pb->file &&
	       vas_vma_pgoff(vma) + (addr - vas_vma_start(vma)) / P == index;
}

/* The header page: "pagebuf" and the number of pages. */
static struct vas_page *pb_header(struct vas_machine *machine)
{
	struct vas_page *page = vas_page_alloc(machine);

	if (page)
		snprintf(vas_page_address(page), P, "pagebuf %lu", PB_PAGES);
	return page;
}

/* ---- vm_ops: every VMA that maps the buffer ------------------------------ */

/*
 * A new VMA object maps part of the buffer: a piece cut off by a split,
 * or mremap's copy. (fork makes no copy: VM_DONTCOPY.)
 * Context: the mmap lock held for write.
 */
static void pb_vma_open(struct vas_vma_ref *vma)
{
	struct pagebuf *pb = vas_vma_private(vma);

	pthread_mutex_lock(&pb->lock);
	pb->vmas++;
	pthread_mutex_unlock(&pb->lock);
}

/*
 * A VMA, or the piece of one given by its range, goes away. Its pages are
 * already unmapped: the driver drops its own references to them. Runs
 * with the mmap lock held for write, or at teardown after the last user
 * is gone: so @vma is a struct vas_vma_closing, which offers no address
 * space to lock.
 */
static void pb_vma_close(const struct vas_vma_closing *vma)
{
	struct pagebuf *pb = vas_vma_closing_private(vma);
	unsigned long first = vas_vma_closing_pgoff(vma);
	unsigned long n = (vas_vma_closing_end(vma) -
			   vas_vma_closing_start(vma)) / P;
	struct vas_page *drop[PB_PAGES];
	unsigned long i, k = 0;

	pthread_mutex_lock(&pb->lock);
	pb->vmas--;
	for (i = first; i < first + n && i < PB_PAGES; i++) {
		if (pb->pages[i])
			drop[k++] = pb->pages[i];
		pb->pages[i] = NULL;
	}
	pthread_mutex_unlock(&pb->lock);
	while (k)
		vas_page_put(drop[--k]);
}

static const struct vas_vm_ops pb_vm_ops = {
	.size = sizeof(struct vas_vm_ops),
	.open = pb_vma_open,
	.close = pb_vma_close,
};

/* ---- the file: the mmap hook and release -------------------------------- */

/*
 * The mmap hook: @vma is new and visible to no one yet, so its flags may
 * still change (struct vas_vma_new). Context: the mmap lock held for
 * write. Return: 0, or the errno the mmap call returns.
 */
static int pb_mmap(struct vas_file *file, struct vas_vma_new *vma)
{
	struct pagebuf *pb = vas_file_private(file);
	struct vas_vma_ref *ref = vas_vma_new_ref(vma);
	unsigned long start = vas_vma_start(ref);
	struct vas_vma_mixedmap *mixed;
	struct vas_page *header;
	int err;

	if (vas_vma_pgoff(ref) != 0 ||
	    vas_vma_end(ref) - start > PB_PAGES * P)
		return -EINVAL;
	/* read-only for the process, now and after any mprotect */
	if (vas_vma_new_try_clear_maywrite(vma))
		return -EPERM;		/* PROT_WRITE was asked for */
	header = pb_header(pb->machine);
	if (!header)
		return -ENOMEM;

	pthread_mutex_lock(&pb->lock);
	if (pb->mapped) {		/* one mapping per device */
		err = -EBUSY;
		goto out;
	}
	mixed = vas_vma_new_set_mixedmap(vma);
	vas_vma_new_set_dontcopy(vma);
	vas_vma_new_set_ops(vma, &pb_vm_ops);
	vas_vma_new_set_private(vma, pb);
	/* The mapping takes its own reference; the driver keeps its own. */
	err = vas_vm_insert_page(mixed, start, header);
	if (err)
		goto out;
	pb->pages[0] = header;
	header = NULL;
	pb->mapped = true;
	pb->start = start;
	pb->vmas = 1;
	/*
	 * Keep a count of the address space, not a user: a count keeps the
	 * object, never the address space, so the driver does not keep a
	 * dead process's memory alive.
	 */
	pb->mm = vas_mm_from_user(vas_vma_mm(ref));
	vas_mm_grab(pb->mm);
out:
	pthread_mutex_unlock(&pb->lock);
	vas_page_put(header);		/* NULL once inserted */
	return err;
}

/* The last reference to the file is gone: every VMA has closed. */
static void pb_release(struct vas_file *file)
{
	struct pagebuf *pb = vas_file_private(file);
	unsigned long i;

	for (i = 0; i < PB_PAGES; i++)
		vas_page_put(pb->pages[i]);
	if (pb->mm)
		vas_mm_drop(pb->mm);
	pthread_mutex_destroy(&pb->lock);
	free(pb);
}

static const struct vas_file_ops pb_fops = {
	.size = sizeof(struct vas_file_ops),
	.mmap = pb_mmap,
	.release = pb_release,
};

/* Create a device and its file; the caller owns the file's reference. */
static int pb_create(struct vas_machine *machine, struct pagebuf **pbp,
		     struct vas_file **filep)
{
	struct pagebuf *pb = calloc(1, sizeof(*pb));
	int err;

	if (!pb)
		return -ENOMEM;
	pb->machine = machine;
	pthread_mutex_init(&pb->lock, NULL);
	err = vas_file_create(machine, &pb_fops, pb,
			      VAS_FMODE_READ | VAS_FMODE_WRITE, "pagebuf",
			      filep);
	if (err) {
		pthread_mutex_destroy(&pb->lock);
		free(pb);
		return err;
	}
	pb->file = *filep;
	*pbp = pb;
	return 0;
}

/* ---- publishing a page ---------------------------------------------------- */

/*
 * Insert @page as page @index at @addr. Context: @vma's guard held.
 * Return: 0 (the slot holds the driver's reference), -ESRCH (not the
 * driver's mapping), -EBUSY (a page is there), or vas_vm_insert_page()'s
 * errno.
 */
static int pb_insert(struct pagebuf *pb, struct vas_vma_ref *vma,
		     unsigned long addr, unsigned long index,
		     struct vas_page *page)
{
	int err;

	if (!pb_owns(pb, vma, addr, index))
		return -ESRCH;
	pthread_mutex_lock(&pb->lock);
	if (pb->pages[index]) {
		err = -EBUSY;
	} else {
		/* VM_MIXEDMAP is ours, so the mixed-map view exists */
		err = vas_vm_insert_page(vas_vma_as_mixedmap(vma), addr, page);
		if (!err)
			pb->pages[index] = page;
	}
	pthread_mutex_unlock(&pb->lock);
	return err;
}

/*
 * pb_publish() - Fill page @index with @byte and map it into the process.
 * Context: no lock of the process held; may block and allocate.
 * Return: 0, -EINVAL (no such page), -ENXIO (never mapped), -ESRCH (the
 * process is gone, or that page is no longer mapped by the driver),
 * -EBUSY (already there), -ENOMEM.
 */
static int pb_publish(struct pagebuf *pb, unsigned long index, int byte)
{
	struct vas_vma_read_guard *guard;
	struct vas_mm_user *mm;
	struct vas_page *page;
	unsigned long addr;
	struct vas_mm *mmc;
	int err;

	if (index == 0 || index >= PB_PAGES)
		return -EINVAL;
	page = vas_page_alloc(pb->machine);	/* before any lock */
	if (!page)
		return -ENOMEM;
	memset(vas_page_address(page), byte, P);

	pthread_mutex_lock(&pb->lock);
	mmc = pb->mapped ? pb->mm : NULL;
	addr = pb->start + index * P;
	/* a user, if the process still has its address space */
	mm = mmc ? vas_mm_get_not_zero(mmc) : NULL;
	pthread_mutex_unlock(&pb->lock);
	if (!mm) {
		vas_page_put(page);
		return mmc ? -ESRCH : -ENXIO;
	}

	if (vas_lock_vma_under_rcu(mm, addr, &guard)) {
		/* the VMA's read lock: no mmap lock taken */
		err = pb_insert(pb, vas_vma_read_guard_vma(guard), addr, index,
				page);
		vas_vma_end_read(guard);
		pthread_mutex_lock(&pb->lock);
		pb->published_vma_lock++;
		pthread_mutex_unlock(&pb->lock);
	} else {
		/* nothing there, or the VMA is being changed: as a fault does */
		VAS_MMAP_READ_BEGIN(mm);
		err = pb_insert(pb, vas_vma_lookup(mm, addr), addr, index, page);
		VAS_MMAP_READ_END(mm);
		pthread_mutex_lock(&pb->lock);
		pb->published_mmap_lock++;
		pthread_mutex_unlock(&pb->lock);
	}
	vas_mm_put(mm);
	if (err)
		vas_page_put(page);
	return err;
}

/* ---- the shrinker --------------------------------------------------------- */

/*
 * pb_shrink() - Take back up to @nr pages (not the header): unmap them
 * from the process and free them.
 *
 * Reclaim calls a shrinker at awkward moments: with locks held, while the
 * process itself holds its mmap lock, from a thread that must not wait.
 * So this never blocks on a lock of the process: the mmap lock is only
 * tried (a busy address space is skipped, to be tried next time), and the
 * user it took is dropped with vas_mm_put_async(), which never tears the
 * address space down in the caller: if the process exited meanwhile, that
 * user was the last, and the teardown (with its vm_ops->close calls) runs
 * on the machine's worker.
 *
 * Context: any; takes pb->lock briefly. Return: the pages freed.
 */
static unsigned long pb_shrink(struct pagebuf *pb, unsigned long nr)
{
	struct vas_page *freed[PB_PAGES];
	struct vas_mm_user *mm;
	unsigned long i, n = 0;

	pthread_mutex_lock(&pb->lock);
	mm = pb->mapped ? vas_mm_get_not_zero(pb->mm) : NULL;
	pthread_mutex_unlock(&pb->lock);
	if (!mm)	/* never mapped, or gone: its close freed the pages */
		return 0;
	if (pb->shrink_hook)
		pb->shrink_hook(pb->hook_arg);
	if (!vas_mmap_read_trylock(mm)) {
		pthread_mutex_lock(&pb->lock);
		pb->shrink_skipped++;
		pthread_mutex_unlock(&pb->lock);
		vas_mm_put_async(mm);
		return 0;
	}
	pthread_mutex_lock(&pb->lock);
	for (i = 1; i < PB_PAGES && n < nr; i++) {
		unsigned long addr = pb->start + i * P;
		struct vas_vma_ref *vma;

		if (!pb->pages[i])
			continue;
		vma = vas_vma_lookup(mm, addr);
		/* unmap it, only from the driver's own mapping */
		if (pb_owns(pb, vma, addr, i))
			vas_zap_page_range_single(vma, addr, P);
		freed[n++] = pb->pages[i];
		pb->pages[i] = NULL;
	}
	pthread_mutex_unlock(&pb->lock);
	vas_mmap_read_unlock(mm);
	vas_mm_put_async(mm);
	/* the driver's references: no mapping holds one any more */
	for (i = 0; i < n; i++)
		vas_page_put(freed[i]);
	return n;
}

/* ==== the program ========================================================== */

static unsigned long buf;	/* where the process mapped the buffer */

/* The first byte of page @index of the buffer, or the signal raised. */
static int peek(struct vas_mm_user *mm, unsigned long index)
{
	struct vas_fault_info fi;
	unsigned char b;

	if (vas_read(mm, buf + index * P, &b, 1, &fi))
		return -fi.signo;
	return b;
}

/* The VMA at @addr, as the process sees it: its flags. */
static unsigned long vma_flags(struct vas_mm_user *mm, unsigned long addr)
{
	struct vas_vma_read_guard *guard;
	unsigned long flags = 0;

	if (vas_lock_vma_under_rcu(mm, addr, &guard)) {
		flags = vas_vma_flags(vas_vma_read_guard_vma(guard));
		vas_vma_end_read(guard);
	}
	return flags;
}

static int vmas(struct pagebuf *pb)
{
	int n;

	pthread_mutex_lock(&pb->lock);
	n = pb->vmas;
	pthread_mutex_unlock(&pb->lock);
	return n;
}

static void *shrink_thread(void *arg)
{
	return (void *)(uintptr_t)pb_shrink(arg, PB_PAGES);
}

/* The shrinker pauses holding a user until the process has exited. */
static sem_t holding, exited;
static void hold_until_exit(void *arg)
{
	(void)arg;
	sem_post(&holding);
	sem_wait(&exited);
}

int main(void)
{
	struct vas_machine *machine;
	struct vas_mm_user *mm, *child;
	struct vas_file *file;
	struct pagebuf *pb;
	unsigned long addr, flags;
	pthread_t t;
	void *ret;
	char head[16];

	CHECK_OK(vas_machine_create(NULL, &machine));
	CHECK_OK(vas_mm_create(machine, &mm));
	CHECK_OK(pb_create(machine, &pb, &file));

	/* 1. mmap: the hook decides */
	CHECK_ERR(vas_mmap(mm, 0, PB_PAGES * P, VAS_PROT_READ | VAS_PROT_WRITE,
			   VAS_MAP_SHARED, file, 0, &addr), -EPERM);
	CHECK_ERR(vas_mmap(mm, 0, (PB_PAGES + 1) * P, VAS_PROT_READ,
			   VAS_MAP_SHARED, file, 0, &addr), -EINVAL);
	CHECK_OK(vas_mmap(mm, 0, PB_PAGES * P, VAS_PROT_READ, VAS_MAP_SHARED,
			  file, 0, &buf));
	CHECK_ERR(vas_mmap(mm, 0, P, VAS_PROT_READ, VAS_MAP_SHARED, file, 0,
			   &addr), -EBUSY);
	CHECK_ERR(vas_mprotect(mm, buf, P, VAS_PROT_READ | VAS_PROT_WRITE),
		  -EACCES);
	flags = vma_flags(mm, buf);
	CHECK((flags & (VAS_VM_MIXEDMAP | VAS_VM_DONTCOPY)) ==
	      (VAS_VM_MIXEDMAP | VAS_VM_DONTCOPY));
	CHECK(!(flags & (VAS_VM_WRITE | VAS_VM_MAYWRITE)));
	CHECK_OK(vas_read(mm, buf, head, sizeof(head), NULL));
	CHECK(strcmp(head, "pagebuf 8") == 0);
	CHECK(vmas(pb) == 1);
	printf("mapped: %lu pages at %#lx, header \"%s\"\n", PB_PAGES, buf,
	       head);

	/* 2. pages arrive */
	CHECK(peek(mm, 3) == -VAS_SIGBUS);		/* not there yet */
	CHECK_OK(pb_publish(pb, 3, 'C'));
	CHECK_OK(pb_publish(pb, 5, 'E'));
	CHECK_ERR(pb_publish(pb, 3, 'c'), -EBUSY);
	CHECK(peek(mm, 3) == 'C' && peek(mm, 5) == 'E');
	CHECK(vas_page_mapcount(pb->pages[3]) == 1);
	printf("published pages 3 and 5 (%lu tries under a VMA lock, %lu under "
	       "the mmap lock)\n", pb->published_vma_lock,
	       pb->published_mmap_lock);

	/* 3. the shrinker never waits: the process holds its mmap lock */
	VAS_MMAP_WRITE_BEGIN(mm);
	CHECK(pthread_create(&t, NULL, shrink_thread, pb) == 0);
	CHECK(pthread_join(t, &ret) == 0);
	VAS_MMAP_WRITE_END(mm);
	CHECK(ret == NULL && pb->shrink_skipped == 1);
	CHECK(peek(mm, 3) == 'C');

	/* 4. and when it gets the lock, pages go */
	CHECK(pb_shrink(pb, 1) == 1);
	CHECK(peek(mm, 3) == -VAS_SIGBUS && peek(mm, 5) == 'E');
	CHECK(pb_shrink(pb, PB_PAGES) == 1);
	CHECK(peek(mm, 5) == -VAS_SIGBUS && peek(mm, 0) == 'p');
	CHECK_OK(pb_publish(pb, 3, 'c'));		/* again */
	CHECK(peek(mm, 3) == 'c');
	printf("shrinker: skipped while the mmap lock was held, then took "
	       "pages 3 and 5 back\n");

	/* 5. fork: the child gets no copy of the buffer */
	CHECK_OK(vas_mm_fork(mm, &child));
	CHECK(peek(child, 0) == -VAS_SIGSEGV);
	CHECK(peek(mm, 0) == 'p');
	vas_mm_put(child);

	/* 6. a hole: two VMAs map the buffer, the hole's page is given back */
	CHECK_OK(pb_publish(pb, 6, 'G'));
	CHECK_OK(vas_munmap(mm, buf + 6 * P, P));
	CHECK(vmas(pb) == 2 && pb->pages[6] == NULL);
	CHECK_ERR(pb_publish(pb, 6, 'g'), -ESRCH);	/* nothing there */
	CHECK_OK(pb_publish(pb, 7, 'H'));		/* above the hole */
	CHECK(peek(mm, 7) == 'H');
	/* page 6 had no VMA: the only publish that fell back to the mmap lock */
	CHECK(pb->published_mmap_lock == 1);
	printf("munmap of page 6: %d VMAs map the buffer; page 7 still "
	       "publishes\n", vmas(pb));
	printf("\nmaps:\n");
	CHECK_OK(vas_proc_maps_print(mm, stdout));

	/*
	 * 7. The process exits while the shrinker holds a user of it: the
	 * shrinker's user is the last, and its vas_mm_put_async() hands the
	 * teardown to the machine's worker.
	 */
	CHECK(sem_init(&holding, 0, 0) == 0 && sem_init(&exited, 0, 0) == 0);
	pb->shrink_hook = hold_until_exit;
	CHECK(pthread_create(&t, NULL, shrink_thread, pb) == 0);
	CHECK(sem_wait(&holding) == 0);
	vas_mm_put(mm);				/* not the last user */
	CHECK(vmas(pb) == 2);
	CHECK(sem_post(&exited) == 0);
	CHECK(pthread_join(t, &ret) == 0);
	CHECK(ret == (void *)2);		/* pages 3 and 7 */
	vas_machine_flush(machine);		/* the worker's teardown */
	CHECK(vas_stat_read(machine, VAS_STAT_MM_TEARDOWN_ASYNC) == 1);
	CHECK(vmas(pb) == 0 && pb->pages[0] == NULL);
	pb->shrink_hook = NULL;
	CHECK(pb_shrink(pb, PB_PAGES) == 0);		/* nothing left */
	CHECK_ERR(pb_publish(pb, 3, 'x'), -ESRCH);
	printf("\nexit: the shrinker held the last user; the worker tore the "
	       "address space down and closed the buffer\n");

	vas_file_put(file);			/* release: the device goes */
	CHECK_OK(vas_machine_destroy(machine));
	sem_destroy(&holding);
	sem_destroy(&exited);
	printf("ok\n");
	return 0;
}
