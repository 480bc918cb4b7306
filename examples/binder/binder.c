// SPDX-License-Identifier: MIT
/*
 * binder.c - a binder-like driver on the public vas API: a read-only
 * buffer mapping per process, pages installed on demand with
 * vas_vm_insert_page(), and a shrinker that zaps and frees unused pages.
 *
 * The two paths that touch another process's address space (install and
 * reclaim) are modelled on the Rust Binder driver:
 *
 *   install (may block)               reclaim (never waits)
 *   -------------------               ---------------------
 *   lock proc->install_lock           trylock proc->install_lock
 *   vas_mm_get_not_zero()             vas_mm_get_not_zero()
 *   vas_lock_vma_under_rcu(), else    vas_mmap_read_trylock()
 *     vas_mmap_read_lock() +            (skip the page on failure)
 *     vas_vma_lookup()                vas_vma_lookup()
 *   ownership check                   ownership check
 *   vas_vma_as_mixedmap() +           vas_zap_page_range_single()
 *     vas_vm_insert_page()
 *   vas_vma_end_read(guard), or       vas_mmap_read_unlock()
 *     vas_mmap_read_unlock()
 *   vas_mm_put()                      vas_mm_put_async()
 *
 * The ownership check is the fix "check ownership before using vma": the
 * address the proc recorded at mmap time may meanwhile be covered by
 * another VMA (the process unmapped the buffer and mapped something else
 * there, or mapped another binder file there), and a page must never go
 * into a VMA that is not this proc's.
 *
 * Size: binder uses only the first 4 MiB of a larger mapping (the buffer
 * size is min(size, SZ_4M)). A vas mmap hook cannot shrink the VMA, so
 * this driver does the same as binder: it accepts the mapping and never
 * installs a page past the first 4 MiB; accesses there raise SIGBUS.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "binder.h"

#define container_of(ptr, type, member)                                       \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

#define PATTERN_MAGIC 0xB1ULL
#define PATTERN_MIX 0x9E3779B97F4A7C15ULL
#define PAGE_WORDS (BINDER_PAGE_SIZE / sizeof(uint64_t))

/* A node of a circular doubly linked list. */
struct binder_lru_node {
	struct binder_lru_node *prev, *next;
};

/*
 * Locking key:
 *  (c) constant after creation
 *  (a) atomic
 *  (p) proc->lock
 *  (L) dev->lru_lock
 *  (i) proc->install_lock held to install or take away the page
 * Two letters: either suffices to read, both are needed to write.
 */
struct binder_page_slot {
	struct binder_lru_node lru;	/* (L) linked while on_lru */
	struct binder_proc *proc;	/* (c) */
	unsigned long idx;		/* (c) page index in the buffer */
	struct vas_page *page;		/* (p,i) the driver's reference */
	unsigned int gen;		/* (p) generations installed so far */
	unsigned int users;		/* (p) pins by buffers in use */
	bool on_lru;			/* (p,L) page && !users */
};

struct binder_proc {
	struct binder_dev *dev;		/* (c) */
	struct vas_mm *mm;		/* (c) a count, grabbed at open */
	struct vas_file *file;		/* (c) */
	unsigned int id;		/* (c) */
	int refs;			/* (a) the file's, plus binder_proc_get()s */
	/* Serialises installing and reclaiming pages of this proc. */
	pthread_mutex_t install_lock;
	pthread_mutex_t lock;
	bool dead;			/* (p) the file was released */
	bool mapped;			/* (p) set once, by the mmap hook */
	unsigned long map_start;	/* (p) the VMA's start at mmap time */
	unsigned long buf_size;		/* (p) min(VMA size, 4 MiB) */
	unsigned long nr_pages;		/* (p) buf_size / page */
	struct binder_page_slot *slots;	/* (p) set once with mapped */
};

struct binder_dev {
	struct vas_machine *machine;	/* (c) */
	pthread_mutex_t lru_lock;
	struct binder_lru_node lru;	/* (L) oldest first */
	unsigned long lru_count;	/* (L) */
	unsigned int next_id;		/* (a) */
	bool skip_vma_check;		/* (a) pre-fix behaviour, tests only */
	void (*hook)(struct binder_proc *, enum binder_hook_point,
		     struct vas_vma_ref *, unsigned long, void *);	/* (c) */
	void *hook_arg;			/* (c) */
	struct binder_stats stats;	/* (a) each field */
};

#define STAT_INC(dev, field)                                                  \
	__atomic_add_fetch(&(dev)->stats.field, 1, __ATOMIC_RELAXED)
#define STAT_DEC(dev, field)                                                  \
	__atomic_sub_fetch(&(dev)->stats.field, 1, __ATOMIC_RELAXED)

/* ---- the LRU ------------------------------------------------------------- */

static void lru_link_tail(struct binder_lru_node *head,
			  struct binder_lru_node *node)
{
	node->prev = head->prev;
	node->next = head;
	head->prev->next = node;
	head->prev = node;
}

static void lru_unlink(struct binder_lru_node *node)
{
	node->prev->next = node->next;
	node->next->prev = node->prev;
	node->prev = node->next = NULL;
}

/* Context: proc->lock held; takes dev->lru_lock. */
static void slot_lru_add(struct binder_page_slot *slot)
{
	struct binder_dev *dev = slot->proc->dev;

	pthread_mutex_lock(&dev->lru_lock);
	lru_link_tail(&dev->lru, &slot->lru);
	slot->on_lru = true;
	dev->lru_count++;
	pthread_mutex_unlock(&dev->lru_lock);
}

/* Context: proc->lock held; takes dev->lru_lock. */
static void slot_lru_del(struct binder_page_slot *slot)
{
	struct binder_dev *dev = slot->proc->dev;

	if (!slot->on_lru)
		return;
	pthread_mutex_lock(&dev->lru_lock);
	lru_unlink(&slot->lru);
	slot->on_lru = false;
	dev->lru_count--;
	pthread_mutex_unlock(&dev->lru_lock);
}

/* A buffer pins the page of @slot. Context: proc->lock held; slot->page. */
static void slot_pin(struct binder_page_slot *slot)
{
	slot->users++;
	slot_lru_del(slot);
}

/* ---- pages --------------------------------------------------------------- */

uint64_t binder_pattern_word(unsigned int proc_id, unsigned long idx,
			     unsigned int gen, unsigned int k)
{
	uint64_t head = PATTERN_MAGIC << 56 | (uint64_t)(proc_id & 0xffff) << 40 |
			(uint64_t)(idx & 0xfff) << 28 | (gen & 0xfffffffu);

	return head ^ (uint64_t)k * PATTERN_MIX;
}

bool binder_pattern_decode(const void *buf, unsigned int *proc_id,
			   unsigned long *idx, unsigned int *gen)
{
	const unsigned char *bytes = buf;
	uint64_t w, head;
	unsigned int k;

	memcpy(&head, bytes, sizeof(head));
	if (head >> 56 != PATTERN_MAGIC)
		return false;
	for (k = 1; k < PAGE_WORDS; k++) {
		memcpy(&w, bytes + k * sizeof(w), sizeof(w));
		if (w != (head ^ (uint64_t)k * PATTERN_MIX))
			return false;
	}
	*proc_id = (unsigned int)(head >> 40 & 0xffff);
	*idx = (unsigned long)(head >> 28 & 0xfff);
	*gen = (unsigned int)(head & 0xfffffff);
	return true;
}

static void binder_fill_page(struct vas_page *page, unsigned int proc_id,
			     unsigned long idx, unsigned int gen)
{
	uint64_t *w = vas_page_address(page);
	unsigned int k;

	for (k = 0; k < PAGE_WORDS; k++)
		w[k] = binder_pattern_word(proc_id, idx, gen, k);
}

/* Drop the driver's reference on @page (its own; a mapping keeps its own). */
static void binder_free_page(struct binder_dev *dev, struct vas_page *page)
{
	if (vas_page_mapcount(page))
		STAT_INC(dev, dropped_mapped);
	vas_page_put(page);
	STAT_INC(dev, pages_freed);
}

/* ---- proc lifetime ------------------------------------------------------- */

void binder_proc_get(struct binder_proc *proc)
{
	__atomic_add_fetch(&proc->refs, 1, __ATOMIC_RELAXED);
}

/* Take a reference unless the proc is being freed. Context: dev->lru_lock. */
static bool binder_proc_tryget(struct binder_proc *proc)
{
	int refs = __atomic_load_n(&proc->refs, __ATOMIC_RELAXED);

	do {
		if (!refs)
			return false;
	} while (!__atomic_compare_exchange_n(&proc->refs, &refs, refs + 1,
					      false, __ATOMIC_ACQUIRE,
					      __ATOMIC_RELAXED));
	return true;
}

/*
 * Free @proc. Nobody else holds it: its file is released (so no VMA maps
 * it) and no installer or shrinker runs for it. The shrinker may still
 * find its slots on the LRU, but fails binder_proc_tryget() on them.
 */
static void binder_proc_free(struct binder_proc *proc)
{
	struct binder_dev *dev = proc->dev;
	unsigned long i;

	pthread_mutex_lock(&dev->lru_lock);
	for (i = 0; i < proc->nr_pages; i++) {
		if (proc->slots[i].on_lru) {
			lru_unlink(&proc->slots[i].lru);
			proc->slots[i].on_lru = false;
			dev->lru_count--;
		}
	}
	pthread_mutex_unlock(&dev->lru_lock);
	for (i = 0; i < proc->nr_pages; i++)
		if (proc->slots[i].page)
			binder_free_page(dev, proc->slots[i].page);
	vas_mm_drop(proc->mm);
	pthread_mutex_destroy(&proc->install_lock);
	pthread_mutex_destroy(&proc->lock);
	free(proc->slots);
	free(proc);
	STAT_DEC(dev, procs);
}

void binder_proc_put(struct binder_proc *proc)
{
	if (!__atomic_sub_fetch(&proc->refs, 1, __ATOMIC_ACQ_REL))
		binder_proc_free(proc);
}

/* ---- the VMA: mmap hook, vm_ops, ownership -------------------------------- */

static void binder_vma_open(struct vas_vma_ref *vma)
{
	struct binder_proc *proc = vas_vma_private(vma);

	STAT_INC(proc->dev, vma_opens);
}

/*
 * The VMA, or a piece of it, went away. At teardown the address space has
 * no user left: the closing view offers no address space to lock.
 */
static void binder_vma_close(const struct vas_vma_closing *vma)
{
	struct binder_proc *proc = vas_vma_closing_private(vma);

	STAT_INC(proc->dev, vma_closes);
}

static const char *binder_vma_name(struct vas_vma_ref *vma)
{
	(void)vma;
	return "[binder]";
}

static const struct vas_vm_ops binder_vm_ops = {
	.size = sizeof(struct vas_vm_ops),
	.open = binder_vma_open,
	.close = binder_vma_close,
	.name = binder_vma_name,
};

/*
 * binder_mmap() - The file's mmap hook.
 *
 * Context: mmap lock held for write; the VMA is not yet visible.
 * Return: 0; -EINVAL (another address space than the opener's), -EPERM
 * (a writable mapping), -EBUSY (already mapped once), -ENOMEM.
 */
static int binder_mmap(struct vas_file *file, struct vas_vma_new *vma)
{
	struct binder_proc *proc = vas_file_private(file);
	struct vas_vma_ref *ref = vas_vma_new_ref(vma);
	unsigned long start = vas_vma_start(ref);
	unsigned long size = vas_vma_end(ref) - start;
	struct binder_page_slot *slots;
	unsigned long i, nr_pages;

	if (vas_mm_from_user(vas_vma_mm(ref)) != proc->mm)
		return -EINVAL;
	/* Userspace never writes the buffer: not now, not via mprotect. */
	if (vas_vma_new_try_clear_maywrite(vma))
		return -EPERM;
	if (size > BINDER_MAX_BUFFER)
		size = BINDER_MAX_BUFFER;
	nr_pages = size / BINDER_PAGE_SIZE;
	slots = calloc(nr_pages, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (i = 0; i < nr_pages; i++) {
		slots[i].proc = proc;
		slots[i].idx = i;
	}
	pthread_mutex_lock(&proc->lock);
	if (proc->mapped || proc->dead) {
		pthread_mutex_unlock(&proc->lock);
		free(slots);
		return -EBUSY;
	}
	proc->map_start = start;
	proc->buf_size = size;
	proc->nr_pages = nr_pages;
	proc->slots = slots;
	proc->mapped = true;
	pthread_mutex_unlock(&proc->lock);

	vas_vma_new_set_dontcopy(vma);
	vas_vma_new_set_mixedmap(vma);
	vas_vma_new_set_ops(vma, &binder_vm_ops);
	vas_vma_new_set_private(vma, proc);
	return 0;
}

/*
 * binder_vma_check() - @vma at the mixed-map level if it is the VMA this
 * proc's mmap hook set up and @addr is inside the proc's buffer, else NULL.
 *
 * Context: @vma's guard held (the VMA read lock or the mmap read lock);
 * takes proc->lock.
 */
static struct vas_vma_mixedmap *binder_vma_check(struct binder_proc *proc,
						 struct vas_vma_ref *vma,
						 unsigned long addr)
{
	unsigned long start, size;

	if (__atomic_load_n(&proc->dev->skip_vma_check, __ATOMIC_RELAXED))
		return vas_vma_as_mixedmap(vma);
	/*
	 * Our private data and our file: only binder_mmap() for this proc
	 * (or a split of such a VMA) makes a VMA like that.
	 */
	if (vas_vma_private(vma) != proc || vas_vma_file(vma) != proc->file)
		return NULL;
	pthread_mutex_lock(&proc->lock);
	start = proc->map_start;
	size = proc->buf_size;
	pthread_mutex_unlock(&proc->lock);
	/* ... and the range recorded at mmap time (not a split-off part). */
	if (vas_vma_start(vma) != start || addr - start >= size ||
	    addr >= vas_vma_end(vma))
		return NULL;
	return vas_vma_as_mixedmap(vma);
}

static void binder_release(struct vas_file *file)
{
	struct binder_proc *proc = vas_file_private(file);

	pthread_mutex_lock(&proc->lock);
	proc->dead = true;
	pthread_mutex_unlock(&proc->lock);
	binder_proc_put(proc);		/* the file's reference */
}

static const struct vas_file_ops binder_fops = {
	.size = sizeof(struct vas_file_ops),
	.mmap = binder_mmap,
	.release = binder_release,
};

/* ---- installing pages ---------------------------------------------------- */

/* Context: @vma's guard held; install_lock held. */
static int binder_insert_into(struct binder_proc *proc, struct vas_vma_ref *vma,
			      unsigned long addr, struct vas_page *page)
{
	struct binder_dev *dev = proc->dev;
	struct vas_vma_mixedmap *mix = binder_vma_check(proc, vma, addr);
	int err;

	if (!mix) {
		STAT_INC(dev, not_owned);
		return -ESRCH;
	}
	if (dev->hook)
		dev->hook(proc, BINDER_HOOK_INSERT, vma, addr, dev->hook_arg);
	err = vas_vm_insert_page(mix, addr, page);
	if (err)
		STAT_INC(dev, insert_failed);
	else
		STAT_INC(dev, inserted);
	return err;
}

/*
 * Map @page at @addr of the proc's VMA, in the proc's address space.
 * Context: install_lock held; no lock of the address space held. May
 * block; may run the address space's teardown (vas_mm_put()).
 */
static int binder_insert(struct binder_proc *proc, unsigned long addr,
			 struct vas_page *page)
{
	struct binder_dev *dev = proc->dev;
	struct vas_mm_user *mm = vas_mm_get_not_zero(proc->mm);
	struct vas_vma_read_guard *guard;
	struct vas_vma_ref *vma;
	int err;

	if (!mm) {
		STAT_INC(dev, no_mm);
		return -ESRCH;
	}
	if (vas_lock_vma_under_rcu(mm, addr, &guard)) {
		STAT_INC(dev, vma_locked);
		err = binder_insert_into(proc, vas_vma_read_guard_vma(guard),
					 addr, page);
		vas_vma_end_read(guard);
	} else {
		/* No VMA there, or it is being changed: ask under the mmap lock. */
		STAT_INC(dev, mmap_locked);
		vas_mmap_read_lock(mm);
		vma = vas_vma_lookup(mm, addr);
		if (vma) {
			err = binder_insert_into(proc, vma, addr, page);
		} else {
			STAT_INC(dev, no_vma);
			err = -ESRCH;
		}
		vas_mmap_read_unlock(mm);
	}
	vas_mm_put(mm);
	return err;
}

/* Context: proc->lock held. Return: 0, -ESRCH or -EINVAL. */
static int binder_check_index(struct binder_proc *proc, unsigned long idx)
{
	if (proc->dead || !proc->mapped)
		return -ESRCH;
	if (idx >= proc->nr_pages)
		return -EINVAL;
	return 0;
}

/* Install page @idx (slow path: it has no page). */
static int binder_install_page(struct binder_proc *proc, unsigned long idx)
{
	struct binder_dev *dev = proc->dev;
	struct vas_page *page = vas_page_alloc(dev->machine);
	struct binder_page_slot *slot = NULL;
	unsigned long addr = 0;
	unsigned int gen = 0;
	int err;

	if (!page)
		return -ENOMEM;
	STAT_INC(dev, pages_alloc);
	pthread_mutex_lock(&proc->install_lock);
	pthread_mutex_lock(&proc->lock);
	err = binder_check_index(proc, idx);
	if (!err) {
		slot = &proc->slots[idx];
		if (slot->page) {
			/* installed while we allocated */
			slot_pin(slot);
			slot = NULL;
		} else {
			gen = ++slot->gen;
			addr = proc->map_start + idx * BINDER_PAGE_SIZE;
		}
	}
	pthread_mutex_unlock(&proc->lock);
	if (slot) {
		binder_fill_page(page, proc->id, idx, gen);
		err = binder_insert(proc, addr, page);
		if (!err) {
			pthread_mutex_lock(&proc->lock);
			slot->page = page;
			slot_pin(slot);
			pthread_mutex_unlock(&proc->lock);
			page = NULL;
		}
	}
	pthread_mutex_unlock(&proc->install_lock);
	if (page)
		binder_free_page(dev, page);
	return err;
}

static int binder_use_page(struct binder_proc *proc, unsigned long idx)
{
	int err;

	pthread_mutex_lock(&proc->lock);
	err = binder_check_index(proc, idx);
	if (!err && proc->slots[idx].page) {
		slot_pin(&proc->slots[idx]);
		pthread_mutex_unlock(&proc->lock);
		return 0;
	}
	pthread_mutex_unlock(&proc->lock);
	if (err)
		return err;
	return binder_install_page(proc, idx);
}

int binder_use_range(struct binder_proc *proc, unsigned long first,
		     unsigned long count)
{
	unsigned long i;
	int err = 0;

	if (!count || first + count < first)
		return -EINVAL;
	/* the whole range first: nothing is installed for a bad one */
	pthread_mutex_lock(&proc->lock);
	err = binder_check_index(proc, first + count - 1);
	pthread_mutex_unlock(&proc->lock);
	if (err)
		return err;
	for (i = first; i < first + count; i++) {
		err = binder_use_page(proc, i);
		if (err)
			break;
	}
	if (err && i > first)
		binder_stop_using_range(proc, first, i - first);
	return err;
}

void binder_stop_using_range(struct binder_proc *proc, unsigned long first,
			     unsigned long count)
{
	unsigned long i;

	pthread_mutex_lock(&proc->lock);
	for (i = first; i < first + count && i < proc->nr_pages; i++) {
		struct binder_page_slot *slot = &proc->slots[i];

		if (!slot->users || !slot->page)
			continue;	/* not pinned: a caller's bug */
		if (!--slot->users)
			slot_lru_add(slot);
	}
	pthread_mutex_unlock(&proc->lock);
}

/* ---- the shrinker ---------------------------------------------------------- */

/*
 * Reclaim the page of @slot if it is still unused, with trylocks only.
 * Context: holds a reference on the proc; no lock of it.
 * Return: 1 if the page was freed, else 0.
 */
static unsigned long binder_shrink_slot(struct binder_proc *proc,
					struct binder_page_slot *slot)
{
	struct binder_dev *dev = proc->dev;
	struct vas_page *page = NULL;
	struct vas_mm_user *mm;
	struct vas_vma_ref *vma;
	unsigned long addr = 0;

	if (pthread_mutex_trylock(&proc->install_lock)) {
		STAT_INC(dev, shrink_busy);
		return 0;
	}
	mm = vas_mm_get_not_zero(proc->mm);
	if (!mm) {
		STAT_INC(dev, shrink_no_mm);
		goto out_unlock_install;
	}
	if (!vas_mmap_read_trylock(mm)) {
		STAT_INC(dev, shrink_mmap_busy);
		goto out_put_mm;
	}
	pthread_mutex_lock(&proc->lock);
	if (slot->page && !slot->users) {
		page = slot->page;
		slot->page = NULL;
		slot_lru_del(slot);
		addr = proc->map_start + slot->idx * BINDER_PAGE_SIZE;
	}
	pthread_mutex_unlock(&proc->lock);
	if (page) {
		/*
		 * Zap only in our own VMA. If another VMA covers the address
		 * now, ours went away and took its entries with it.
		 */
		vma = vas_vma_lookup(mm, addr);
		if (vma && binder_vma_check(proc, vma, addr)) {
			if (dev->hook)
				dev->hook(proc, BINDER_HOOK_ZAP, vma, addr,
					  dev->hook_arg);
			vas_zap_page_range_single(vma, addr, BINDER_PAGE_SIZE);
			STAT_INC(dev, shrink_zapped);
		}
	}
	vas_mmap_read_unlock(mm);
out_put_mm:
	/* Never the teardown here: the worker runs it if we were last. */
	vas_mm_put_async(mm);
out_unlock_install:
	pthread_mutex_unlock(&proc->install_lock);
	if (!page)
		return 0;
	binder_free_page(dev, page);
	STAT_INC(dev, shrink_freed);
	return 1;
}

unsigned long binder_shrink(struct binder_dev *dev, unsigned long nr_to_scan)
{
	unsigned long freed = 0;

	/* each page at most once per scan, though skipped pages rotate */
	if (nr_to_scan > binder_lru_count(dev))
		nr_to_scan = binder_lru_count(dev);
	for (; nr_to_scan; nr_to_scan--) {
		struct binder_page_slot *slot;
		struct binder_proc *proc;

		pthread_mutex_lock(&dev->lru_lock);
		if (dev->lru.next == &dev->lru) {
			pthread_mutex_unlock(&dev->lru_lock);
			break;
		}
		slot = container_of(dev->lru.next, struct binder_page_slot, lru);
		proc = slot->proc;
		/* rotate: if we skip it, the others come first next time */
		lru_unlink(&slot->lru);
		lru_link_tail(&dev->lru, &slot->lru);
		if (!binder_proc_tryget(proc)) {
			pthread_mutex_unlock(&dev->lru_lock);
			continue;
		}
		pthread_mutex_unlock(&dev->lru_lock);
		freed += binder_shrink_slot(proc, slot);
		binder_proc_put(proc);
	}
	return freed;
}

unsigned long binder_lru_count(struct binder_dev *dev)
{
	unsigned long n;

	pthread_mutex_lock(&dev->lru_lock);
	n = dev->lru_count;
	pthread_mutex_unlock(&dev->lru_lock);
	return n;
}

/* ---- device and proc ----------------------------------------------------- */

int binder_dev_create(struct vas_machine *machine, struct binder_dev **out)
{
	struct binder_dev *dev = calloc(1, sizeof(*dev));

	if (!dev)
		return -ENOMEM;
	dev->machine = machine;
	pthread_mutex_init(&dev->lru_lock, NULL);
	dev->lru.prev = dev->lru.next = &dev->lru;
	*out = dev;
	return 0;
}

int binder_dev_destroy(struct binder_dev *dev)
{
	if (__atomic_load_n(&dev->stats.procs, __ATOMIC_ACQUIRE))
		return -EBUSY;
	pthread_mutex_destroy(&dev->lru_lock);
	free(dev);
	return 0;
}

void binder_dev_stats(struct binder_dev *dev, struct binder_stats *out)
{
	const unsigned long *src = (const unsigned long *)&dev->stats;
	unsigned long *dst = (unsigned long *)out;
	size_t i;

	for (i = 0; i < sizeof(*out) / sizeof(unsigned long); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

void binder_dev_set_hook(struct binder_dev *dev,
			 void (*fn)(struct binder_proc *proc,
				    enum binder_hook_point point,
				    struct vas_vma_ref *vma, unsigned long addr,
				    void *arg),
			 void *arg)
{
	dev->hook = fn;
	dev->hook_arg = arg;
}

void binder_dev_set_skip_vma_check(struct binder_dev *dev, bool skip)
{
	__atomic_store_n(&dev->skip_vma_check, skip, __ATOMIC_RELAXED);
}

int binder_open(struct binder_dev *dev, struct vas_mm_user *mm,
		struct binder_proc **out)
{
	struct binder_proc *proc = calloc(1, sizeof(*proc));
	int err;

	if (!proc)
		return -ENOMEM;
	proc->dev = dev;
	proc->refs = 1;			/* the file's */
	proc->id = __atomic_add_fetch(&dev->next_id, 1, __ATOMIC_RELAXED);
	pthread_mutex_init(&proc->install_lock, NULL);
	pthread_mutex_init(&proc->lock, NULL);
	err = vas_file_create(dev->machine, &binder_fops, proc,
			      VAS_FMODE_READ | VAS_FMODE_WRITE, "/dev/binder",
			      &proc->file);
	if (err) {
		pthread_mutex_destroy(&proc->install_lock);
		pthread_mutex_destroy(&proc->lock);
		free(proc);
		return err;
	}
	proc->mm = vas_mm_from_user(mm);
	vas_mm_grab(proc->mm);
	STAT_INC(dev, procs);
	*out = proc;
	return 0;
}

void binder_close(struct binder_proc *proc)
{
	vas_file_put(proc->file);
}

struct vas_file *binder_proc_file(struct binder_proc *proc)
{
	return proc->file;
}

unsigned int binder_proc_id(const struct binder_proc *proc)
{
	return proc->id;
}

bool binder_proc_buffer(struct binder_proc *proc, unsigned long *start,
			unsigned long *size)
{
	bool mapped;

	pthread_mutex_lock(&proc->lock);
	mapped = proc->mapped;
	*start = proc->map_start;
	*size = proc->buf_size;
	pthread_mutex_unlock(&proc->lock);
	return mapped;
}

unsigned int binder_proc_page_gen(struct binder_proc *proc, unsigned long idx)
{
	unsigned int gen = 0;

	pthread_mutex_lock(&proc->lock);
	if (idx < proc->nr_pages)
		gen = proc->slots[idx].gen;
	pthread_mutex_unlock(&proc->lock);
	return gen;
}

struct vas_page *binder_proc_page_get(struct binder_proc *proc,
				      unsigned long idx)
{
	struct vas_page *page = NULL;

	pthread_mutex_lock(&proc->lock);
	if (idx < proc->nr_pages && proc->slots[idx].page) {
		page = proc->slots[idx].page;
		vas_page_get(page);
	}
	pthread_mutex_unlock(&proc->lock);
	return page;
}
