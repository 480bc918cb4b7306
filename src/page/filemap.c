// SPDX-License-Identifier: MIT
/*
 * filemap.c - the page cache of files (mm/filemap.c, mm/truncate.c,
 * mm/page-writeback.c in Linux): a radix tree from page offset to page per
 * vas_file, fill with pread, writeback with pwrite, fread, truncation.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include "base/alloc.h"
#include "base/bug.h"
#include "base/err.h"
#include "base/lockdep.h"
#include "host/host.h"
#include "page/file.h"
#include "page/filemap.h"
#include "page/page.h"

/*
 * The index: a radix tree of FM_SLOTS-way nodes, FM_SHIFT bits of the page
 * offset per level, height grown on demand (Linux's xarray before
 * multi-index entries). Leaves (level 0) hold struct page pointers, inner
 * nodes hold child nodes. Empty nodes are freed at once, so every node in
 * the tree has count > 0. Offsets of a file never exceed LLONG_MAX >>
 * PAGE_SHIFT (51 bits), so FM_MAX_HEIGHT levels suffice and no shift
 * overflows.
 */
#define FM_SHIFT 6
#define FM_SLOTS (1u << FM_SHIFT)
#define FM_MASK (FM_SLOTS - 1)
#define FM_MAX_HEIGHT 9
#define FM_MAX_INDEX ((unsigned long)LLONG_MAX >> PAGE_SHIFT)
#define FM_BATCH 16

struct fm_node {
	void *slots[FM_SLOTS];
	unsigned int count;		/* non-NULL slots */
};

static inline struct address_space *mapping_of(struct vas_file *file)
{
	return &file->f_mapping;
}

/*
 * The descriptor writeback writes through: the owner's own, or one a
 * writable description of the same inode lent it (a read-only owner).
 */
static int wb_fd(struct vas_file *file)
{
	int fd = __atomic_load_n(&file->wb_fd, __ATOMIC_ACQUIRE);

	return (file->mode & VAS_FMODE_WRITE) || fd < 0 ? file->host_fd : fd;
}

/* ---- the index lock ------------------------------------------------------ */

/* Hidden from -Wthread-safety: callers drop and retake it inside loops. */
static void i_lock(struct address_space *as) VAS_NO_THREAD_SAFETY_ANALYSIS
{
	vas_mutex_lock(&as->i_lock);
}

static void i_unlock(struct address_space *as) VAS_NO_THREAD_SAFETY_ANALYSIS
{
	vas_mutex_unlock(&as->i_lock);
}

/* ---- host page states (FILEMAP_*, filemap.h); index lock held --------- */

#define BITS_PER_WORD (8 * sizeof(unsigned long))

static bool bits_test(const struct fm_bits *b, unsigned long index)
{
	return index < b->nbits &&
	       (b->w[index / BITS_PER_WORD] >> (index % BITS_PER_WORD)) & 1;
}

static void bits_clear(struct fm_bits *b, unsigned long index)
{
	if (index < b->nbits)
		b->w[index / BITS_PER_WORD] &= ~(1UL << (index % BITS_PER_WORD));
}

/* Set a bit that bits_reserve() made room for. */
static void bits_set(struct fm_bits *b, unsigned long index)
{
	VAS_BUG_ON(index >= b->nbits);
	b->w[index / BITS_PER_WORD] |= 1UL << (index % BITS_PER_WORD);
}

static void bits_clear_from(struct fm_bits *b, unsigned long first)
{
	for (unsigned long i = first; i < b->nbits; i++)
		bits_clear(b, i);
}

/*
 * Make room in @b for the bits below @need. Entered and left with the
 * index lock held; allocates with it dropped, so the caller looks again
 * at what it read before. Return: false if out of memory.
 */
static bool bits_reserve(struct address_space *as, struct fm_bits *b,
			 unsigned long need)
{
	while (need > b->nbits) {
		unsigned long words = (need + BITS_PER_WORD - 1) / BITS_PER_WORD * 2;
		unsigned long *grown;

		i_unlock(as);
		grown = vas_alloc(words * sizeof(*grown), VAS_FP_MISC);
		i_lock(as);
		if (!grown)
			return false;
		if (need <= b->nbits) {
			vas_free(grown);	/* a plain free takes no lock */
			break;
		}
		memset(grown, 0, words * sizeof(*grown));
		if (b->w)
			memcpy(grown, b->w, b->nbits / 8);
		vas_free(b->w);
		b->w = grown;
		b->nbits = words * BITS_PER_WORD;
	}
	return true;
}

/* The hole holding @index, or the first one after it (binary search). */
static unsigned long hole_find(const struct address_space *as,
			       unsigned long index)
{
	unsigned long lo = 0, hi = as->nholes;

	while (lo < hi) {
		unsigned long mid = lo + (hi - lo) / 2;

		if (as->holes[mid].end <= index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool hole_test(const struct address_space *as, unsigned long index)
{
	unsigned long i = hole_find(as, index);

	return i < as->nholes && as->holes[i].start <= index;
}

/* Room for @more holes (as bits_reserve(): the lock may drop). */
static bool holes_reserve(struct address_space *as, unsigned long more)
{
	while (as->nholes + more > as->holes_cap) {
		unsigned long cap = (as->nholes + more) * 2;
		struct fm_hole *grown;

		i_unlock(as);
		grown = vas_alloc(cap * sizeof(*grown), VAS_FP_MISC);
		i_lock(as);
		if (!grown)
			return false;
		if (as->nholes + more <= as->holes_cap) {
			vas_free(grown);
			break;
		}
		if (as->nholes)
			memcpy(grown, as->holes, as->nholes * sizeof(*grown));
		vas_free(as->holes);
		as->holes = grown;
		as->holes_cap = cap;
	}
	return true;
}

/* Add [@start, @end) to the holes; room for one more was reserved. */
static void hole_add(struct address_space *as, unsigned long start,
		     unsigned long end)
{
	unsigned long i = hole_find(as, start ? start - 1 : 0), j = i;

	/* merge every hole that overlaps or touches [start, end) */
	while (j < as->nholes && as->holes[j].start <= end) {
		start = min_t(unsigned long, start, as->holes[j].start);
		end = max_t(unsigned long, end, as->holes[j].end);
		j++;
	}
	if (j == i) {
		VAS_BUG_ON(as->nholes >= as->holes_cap);
		memmove(&as->holes[i + 1], &as->holes[i],
			(as->nholes - i) * sizeof(*as->holes));
		as->nholes++;
	} else if (j > i + 1) {
		memmove(&as->holes[i + 1], &as->holes[j],
			(as->nholes - j) * sizeof(*as->holes));
		as->nholes -= j - i - 1;
	}
	as->holes[i].start = start;
	as->holes[i].end = end;
}

/* Take page @index out of its hole; room for one more was reserved. */
static void hole_remove(struct address_space *as, unsigned long index)
{
	unsigned long i = hole_find(as, index);
	struct fm_hole *h = &as->holes[i];

	if (i >= as->nholes || h->start > index)
		return;
	if (h->start == index) {
		h->start++;
	} else if (h->end == index + 1) {
		h->end--;
	} else {
		VAS_BUG_ON(as->nholes >= as->holes_cap);
		memmove(h + 1, h, (as->nholes - i) * sizeof(*h));
		as->nholes++;
		h[0].end = index;
		h[1].start = index + 1;
	}
	if (h->start == h->end) {
		memmove(h, h + 1, (as->nholes - i - 1) * sizeof(*h));
		as->nholes--;
	}
}

/* Forget the states of the offsets >= @first (truncation). */
static void states_clear_from(struct address_space *as, unsigned long first)
{
	unsigned long i = hole_find(as, first);

	bits_clear_from(&as->evicted, first);
	bits_clear_from(&as->small, first);
	if (i < as->nholes && as->holes[i].start < first)
		as->holes[i++].end = first;
	as->nholes = i;
}

/* ---- the radix tree (all under the index lock) --------------------------- */

static unsigned int fm_slot(unsigned long index, unsigned int level)
{
	return (unsigned int)(index >> (level * FM_SHIFT)) & FM_MASK;
}

static unsigned long fm_maxindex(unsigned int height)
{
	return height ? (1UL << (height * FM_SHIFT)) - 1 : 0;
}

static unsigned int fm_needed_height(unsigned long index)
{
	unsigned int h = 1;

	while (fm_maxindex(h) < index)
		h++;
	return h;
}

static struct page *fm_lookup(struct address_space *as, unsigned long index)
{
	struct fm_node *node = as->root;
	unsigned int level;

	if (!as->height || index > fm_maxindex(as->height))
		return NULL;
	for (level = as->height - 1; level > 0; level--) {
		node = node->slots[fm_slot(index, level)];
		if (!node)
			return NULL;
	}
	return node->slots[fm_slot(index, 0)];
}

/* Nodes fm_insert() must allocate to store @index. */
static unsigned int fm_count_missing(struct address_space *as,
				     unsigned long index)
{
	unsigned int nh, level, n;
	struct fm_node *node;

	if (!as->height)
		return fm_needed_height(index);
	nh = max_t(unsigned int, as->height, fm_needed_height(index));
	n = nh - as->height;
	/* New roots above the old one: slot 0 leads down to the old root. */
	for (level = nh - 1; level >= as->height; level--)
		if (fm_slot(index, level))
			return n + level;
	node = as->root;
	for (level = as->height - 1; level > 0; level--) {
		node = node->slots[fm_slot(index, level)];
		if (!node)
			return n + level;
	}
	return n;
}

struct fm_prealloc {
	struct fm_node *nodes[2 * FM_MAX_HEIGHT];
	unsigned int nr;
};

static struct fm_node *fm_take(struct fm_prealloc *pa)
{
	VAS_BUG_ON(!pa->nr);
	return pa->nodes[--pa->nr];
}

/* Store @page at the free slot @index; @pa holds the missing nodes. */
static void fm_insert(struct address_space *as, unsigned long index,
		      struct page *page, struct fm_prealloc *pa)
{
	struct fm_node *node, *child;
	unsigned int level;

	if (!as->height) {
		as->height = fm_needed_height(index);
		as->root = fm_take(pa);
	}
	while (fm_maxindex(as->height) < index) {
		node = fm_take(pa);
		node->slots[0] = as->root;
		node->count = 1;
		as->root = node;
		as->height++;
	}
	node = as->root;
	for (level = as->height - 1; level > 0; level--) {
		unsigned int s = fm_slot(index, level);

		child = node->slots[s];
		if (!child) {
			child = fm_take(pa);
			node->slots[s] = child;
			node->count++;
		}
		node = child;
	}
	VAS_BUG_ON(node->slots[fm_slot(index, 0)]);
	node->slots[fm_slot(index, 0)] = page;
	node->count++;
	WRITE_ONCE(as->nrpages, as->nrpages + 1);
}

/* Remove the page at @index (present); free the nodes that empty. */
static void fm_delete(struct address_space *as, unsigned long index)
{
	struct fm_node *path[FM_MAX_HEIGHT];
	struct fm_node *node = as->root;
	unsigned int level, i;

	VAS_BUG_ON(!as->height || index > fm_maxindex(as->height));
	for (level = as->height - 1;; level--) {
		path[level] = node;
		if (!level)
			break;
		node = node->slots[fm_slot(index, level)];
		VAS_BUG_ON(!node);
	}
	VAS_BUG_ON(!path[0]->slots[fm_slot(index, 0)]);
	for (i = 0; i < as->height; i++) {
		node = path[i];
		node->slots[fm_slot(index, i)] = NULL;
		if (--node->count)
			break;
		vas_free(node);
		if (i == as->height - 1) {
			as->root = NULL;
			as->height = 0;
			break;
		}
	}
	WRITE_ONCE(as->nrpages, as->nrpages - 1);
}

/* The first page at an offset >= @start below @node (level @level). */
static struct page *fm_find_from(struct fm_node *node, unsigned int level,
				 unsigned long base, unsigned long start,
				 unsigned long *found)
{
	unsigned int shift = level * FM_SHIFT;
	unsigned int s = start > base ? (unsigned int)((start - base) >> shift)
				      : 0;

	for (; s < FM_SLOTS; s++) {
		unsigned long cbase = base + ((unsigned long)s << shift);
		struct page *page;

		if (!node->slots[s])
			continue;
		if (!level) {
			*found = cbase;
			return node->slots[s];
		}
		page = fm_find_from(node->slots[s], level - 1, cbase,
				    max_t(unsigned long, start, cbase), found);
		if (page)
			return page;
	}
	return NULL;
}

static struct page *fm_next(struct address_space *as, unsigned long start,
			    unsigned long *found)
{
	if (!as->height || start > fm_maxindex(as->height))
		return NULL;
	return fm_find_from(as->root, as->height - 1, 0, start, found);
}

/* ---- creation, size ------------------------------------------------------ */

void filemap_init(struct address_space *as, loff_t size)
{
	memset(as, 0, sizeof(*as));
	vas_mutex_init(&as->i_lock, LOCK_RANK_PAGECACHE);
	as->i_size = size;
}

loff_t i_size_read(struct vas_file *desc)
{
	struct vas_file *file = cache_of(desc);
	return READ_ONCE(mapping_of(file)->i_size);
}

unsigned long filemap_nrpages(struct vas_file *desc)
{
	struct vas_file *file = cache_of(desc);
	return READ_ONCE(mapping_of(file)->nrpages);
}

/* Pages of a file of @size bytes: offsets below this exist. */
static unsigned long size_to_pages(loff_t size)
{
	return (unsigned long)(size + (loff_t)PAGE_SIZE - 1) >> PAGE_SHIFT;
}

/* ---- lookup and fill ----------------------------------------------------- */

struct page *filemap_find_page(struct vas_file *desc, unsigned long index)
{
	struct vas_file *file = cache_of(desc);
	struct address_space *as = mapping_of(file);
	struct page *page;

	i_lock(as);
	page = fm_lookup(as, index);
	if (page)
		get_page(page);	/* the index holds one */
	i_unlock(as);
	return page;
}

/*
 * A new page with the contents of @index when the file was @size bytes:
 * the host's bytes up to @size, zeros after. Not yet visible to anyone.
 */
static struct page *filemap_fill(struct vas_file *file, unsigned long index,
				 loff_t size)
{
	loff_t pos = (loff_t)index << PAGE_SHIFT;
	struct page *page;
	ssize_t n = 0;
	char *addr;

	if (file->kind == VAS_FILE_SHMEM)
		page = alloc_page(file->frames, GFP_KERNEL);
	else
		page = alloc_page(file->frames, __GFP_NOZERO);
	if (!page)
		return ERR_PTR(-ENOMEM);
	if (file->kind == VAS_FILE_SHMEM)
		return page;
	addr = page_address(page);
	n = host_pread(file->host_fd, addr,
		      (size_t)min_t(loff_t, (loff_t)PAGE_SIZE, size - pos),
		      pos);
	if (n < 0) {
		put_page(page);
		return ERR_PTR(n);
	}
	memset(addr + n, 0, PAGE_SIZE - (size_t)n);
	return page;
}

static void fm_prealloc_free(struct fm_prealloc *pa)
{
	while (pa->nr)
		vas_free(pa->nodes[--pa->nr]);
}

struct page *filemap_get_page(struct vas_file *desc, unsigned long index,
			      unsigned int flags)
{
	struct vas_file *file = cache_of(desc);
	struct address_space *as = mapping_of(file);
	struct fm_prealloc pa = { .nr = 0 };
	struct page *page, *new = NULL;
	unsigned long seq;
	unsigned int need;
	loff_t size;

	if (file->kind == VAS_FILE_DRIVER)
		return ERR_PTR(-EINVAL);
retry:
	i_lock(as);
	size = as->i_size;
	if (index >= size_to_pages(size) || index > FM_MAX_INDEX) {
		i_unlock(as);
		page = ERR_PTR(-ENXIO);
		goto out;
	}
	page = fm_lookup(as, index);
	if (page || !(flags & FGP_CREAT)) {
		if (page)
			get_page(page);
		i_unlock(as);
		goto out;
	}
	seq = as->trunc_seq;
	i_unlock(as);

	new = filemap_fill(file, index, size);
	if (IS_ERR(new)) {
		page = new;
		new = NULL;
		goto out;
	}
	new->mapping = file;
	new->index = index;
	SetPageUptodate(new);

	for (;;) {
		i_lock(as);
		if (as->trunc_seq != seq) {
			/* Cut (and maybe regrown) meanwhile: read again. */
			i_unlock(as);
			put_page(new);
			new = NULL;
			goto retry;
		}
		page = fm_lookup(as, index);
		if (page) {
			/* Another thread inserted it first. */
			get_page(page);
			i_unlock(as);
			goto out;
		}
		need = fm_count_missing(as, index);
		/*
		 * A page read back into a hole leaves it (which may cut it
		 * in two) and is a folio of its own.
		 */
		if (hole_test(as, index) &&
		    (as->nholes + 1 > as->holes_cap ||
		     index >= as->small.nbits)) {
			bool ok = holes_reserve(as, 1) &&
				  bits_reserve(as, &as->small, index + 1);

			i_unlock(as);	/* it dropped: look again */
			if (ok)
				continue;
			page = ERR_PTR(-ENOMEM);
			goto out;
		}
		if (need <= pa.nr)
			break;
		i_unlock(as);
		while (pa.nr < need) {
			struct fm_node *node = vas_zalloc(sizeof(*node),
							  VAS_FP_MISC);

			if (!node) {
				page = ERR_PTR(-ENOMEM);
				goto out;
			}
			pa.nodes[pa.nr++] = node;
		}
	}
	/* Point of no return: publish the filled page. */
	get_page(new);		/* the caller's; the index keeps the first */
	fm_insert(as, index, new, &pa);
	bits_clear(&as->evicted, index);	/* read back in: cached again */
	if (hole_test(as, index)) {
		hole_remove(as, index);
		bits_set(&as->small, index);
	}
	i_unlock(as);
	page = new;
	new = NULL;
out:
	if (new) {
		new->mapping = NULL;
		put_page(new);
	}
	fm_prealloc_free(&pa);
	return page;
}

bool set_page_dirty(struct page *page)
{
	VAS_BUG_ON(page_ref_count(page) <= 0);
	return !TestSetPageDirty(page);
}

/* ---- writeback ----------------------------------------------------------- */

/*
 * Up to FM_BATCH referenced dirty pages of @as at offsets [*next, last];
 * *next moves past the last one looked at. Return: the number gathered;
 * *done is set when no page at [*next, last] remains.
 */
static unsigned int fm_gather_dirty(struct address_space *as,
				    unsigned long *next, unsigned long last,
				    struct page **batch, bool *done)
{
	unsigned int nr = 0;
	unsigned long idx;
	struct page *page;

	i_lock(as);
	while (nr < FM_BATCH) {
		page = fm_next(as, *next, &idx);
		if (!page || idx > last) {
			*done = true;
			break;
		}
		*next = idx + 1;	/* idx <= FM_MAX_INDEX: no overflow */
		if (!PageDirty(page))
			continue;
		get_page(page);
		batch[nr++] = page;
	}
	i_unlock(as);
	return nr;
}

/* Store one page: under its lock, if it still belongs to @file. */
static int writeback_page(struct vas_file *file, struct page *page)
{
	loff_t pos = (loff_t)page->index << PAGE_SHIFT;
	loff_t size;
	int err = 0;

	lock_page(page);
	if (page->mapping != file)
		goto out;	/* truncated meanwhile */
	size = i_size_read(file);
	if (pos >= size) {
		ClearPageDirty(page);
		goto out;
	}
	if (!TestClearPageDirty(page))
		goto out;
	err = host_pwrite(wb_fd(file), page_address(page),
			 (size_t)min_t(loff_t, (loff_t)PAGE_SIZE, size - pos),
			 pos);
	if (err)
		SetPageDirty(page);
out:
	unlock_page(page);
	return err;
}

int filemap_write_and_wait_range(struct vas_file *desc, loff_t start,
				 loff_t end)
{
	struct vas_file *file = cache_of(desc);
	struct address_space *as = mapping_of(file);
	struct page *batch[FM_BATCH];
	unsigned long next, last;
	unsigned int nr, i;
	bool done = false;
	int err = 0;

	if (file->kind != VAS_FILE_HOST || start < 0 || end < start)
		return 0;
	next = (unsigned long)start >> PAGE_SHIFT;
	last = min_t(unsigned long, (unsigned long)end >> PAGE_SHIFT,
		     FM_MAX_INDEX);
	while (!done) {
		nr = fm_gather_dirty(as, &next, last, batch, &done);
		for (i = 0; i < nr; i++) {
			int e = writeback_page(file, batch[i]);

			if (e && !err)
				err = e;
			put_page(batch[i]);
		}
	}
	return err;
}

/* ---- fread --------------------------------------------------------------- */

ssize_t filemap_fread(struct vas_file *desc, loff_t off, size_t len,
		      void *buf)
{
	struct vas_file *file = cache_of(desc);
	size_t done = 0;

	if (off < 0 || file->kind == VAS_FILE_DRIVER)
		return -EINVAL;
	while (done < len) {
		loff_t pos = off + (loff_t)done;
		loff_t size = i_size_read(file);
		size_t in = (size_t)pos & (PAGE_SIZE - 1);
		size_t n;
		struct page *page;

		if (pos >= size)
			break;
		n = min_t(size_t, len - done, PAGE_SIZE - in);
		n = min_t(size_t, n, (size_t)(size - pos));
		page = filemap_find_page(file, (unsigned long)pos >> PAGE_SHIFT);
		if (page) {
			memcpy((char *)buf + done, (char *)page_address(page) + in,
			       n);
			put_page(page);
		} else if (file->kind == VAS_FILE_SHMEM) {
			memset((char *)buf + done, 0, n);
		} else {
			ssize_t r = host_pread(file->host_fd, (char *)buf + done,
					      n, pos);

			if (r < 0)
				return done ? (ssize_t)done : r;
			/* The host file is shorter than i_size: zeros. */
			memset((char *)buf + done + r, 0, n - (size_t)r);
		}
		done += n;
	}
	return (ssize_t)done;
}

/* ---- truncation ---------------------------------------------------------- */

/* Detach a page taken out of the index and drop the index's reference. */
static void page_cache_release(struct page *page)
{
	lock_page(page);
	ClearPageDirty(page);
	page->mapping = NULL;
	unlock_page(page);
	put_page(page);
}

/* Take every page at offsets in [@first, @last] out of the index and
 * release it. */
static void drop_pages_range(struct vas_file *file, unsigned long first,
			     unsigned long last)
{
	struct address_space *as = mapping_of(file);
	struct page *batch[FM_BATCH];
	unsigned int nr, i;
	unsigned long idx;

	do {
		nr = 0;
		i_lock(as);
		as->trunc_seq++;
		while (nr < FM_BATCH) {
			struct page *page = fm_next(as, first, &idx);

			if (!page || idx > last)
				break;
			fm_delete(as, idx);
			batch[nr++] = page;	/* the index's reference */
			first = idx + 1;
		}
		i_unlock(as);
		for (i = 0; i < nr; i++)
			page_cache_release(batch[i]);
	} while (nr == FM_BATCH);
}

static void drop_pages_from(struct vas_file *file, unsigned long first)
{
	drop_pages_range(file, first, ULONG_MAX);
}

/* Zero the cached page at @index, if any, in place (a punched hole). */
static void zero_page(struct vas_file *file, unsigned long index)
{
	struct page *page = filemap_find_page(file, index);

	if (!page)
		return;
	lock_page(page);
	if (page->mapping == file)
		memset(page_address(page), 0, PAGE_SIZE);
	unlock_page(page);
	put_page(page);
}

int filemap_punch_hole_prepare(struct vas_file *desc)
{
	struct vas_file *file = cache_of(desc);
	struct address_space *as = mapping_of(file);
	bool ok;

	if (file->kind != VAS_FILE_HOST)
		return 0;
	i_lock(as);
	ok = holes_reserve(as, 1);
	i_unlock(as);
	return ok ? 0 : -ENOMEM;
}

int filemap_punch_hole(struct vas_file *desc, unsigned long first,
		       unsigned long nr, unsigned long drop,
		       unsigned long ndrop)
{
	struct vas_file *file = cache_of(desc);
	struct address_space *as = mapping_of(file);
	unsigned long end, i;
	bool ok;
	int err;

	if (file->kind == VAS_FILE_DRIVER)
		return -EOPNOTSUPP;
	if (!nr)
		return 0;
	if (VAS_WARN_ON(ndrop && (drop < first || drop + ndrop > first + nr)))
		return -EINVAL;
	if (file->kind == VAS_FILE_HOST) {
		if (!(desc->mode & VAS_FMODE_WRITE))
			return -EBADF;
		/* room for the new hole, before anything changes */
		i_lock(as);
		ok = holes_reserve(as, 1);
		i_unlock(as);
		if (!ok)
			return -ENOMEM;
		err = host_fallocate_punch(desc->host_fd,
					   (off_t)first << PAGE_SHIFT,
					   (off_t)nr << PAGE_SHIFT);
		if (err)
			return err;
	}
	if (file->kind == VAS_FILE_HOST && ndrop) {
		/*
		 * The dropped folios leave no shadow: absent, read around
		 * again; marked first, so a fill racing with the drop sees
		 * the hole. (An evicted page of a partial folio stays
		 * evicted: it reads back zeros from the host file.) Without
		 * memory for the mark they count as cached, which reads the
		 * same zeros.
		 */
		i_lock(as);
		end = min_t(unsigned long, drop + ndrop,
			    size_to_pages(as->i_size));
		if (drop < end && holes_reserve(as, 1)) {
			for (i = drop; i < end && i < as->evicted.nbits; i++)
				bits_clear(&as->evicted, i);
			for (i = drop; i < end && i < as->small.nbits; i++)
				bits_clear(&as->small, i);
			hole_add(as, drop, end);
		}
		as->trunc_seq++;
		i_unlock(as);
	}
	if (ndrop)
		drop_pages_range(file, drop, drop + ndrop - 1);
	/* the partial folios stay, their part of the hole zeroed */
	for (i = first; i < first + nr; i++) {
		if (i == drop && ndrop) {
			i += ndrop - 1;
			continue;
		}
		zero_page(file, i);
	}
	return 0;
}

/* ---- host cache residency (MADV_PAGEOUT) -------------------------------- */

unsigned int filemap_page_state(struct vas_file *desc, unsigned long index)
{
	struct vas_file *file = cache_of(desc);
	struct address_space *as = mapping_of(file);
	unsigned int state = 0;

	if (file->kind != VAS_FILE_HOST)
		return 0;
	i_lock(as);
	if (bits_test(&as->evicted, index))
		state |= FILEMAP_EVICTED;
	if (hole_test(as, index))
		state |= FILEMAP_ABSENT;
	if (bits_test(&as->small, index))
		state |= FILEMAP_SMALL;
	i_unlock(as);
	return state;
}

bool filemap_evict(struct vas_file *desc, unsigned long index)
{
	struct vas_file *file = cache_of(desc);
	struct address_space *as = mapping_of(file);
	struct page *page;

	if (file->kind != VAS_FILE_HOST)
		return false;
	i_lock(as);
	if (!bits_reserve(as, &as->evicted, index + 1)) {
		i_unlock(as);
		return false;
	}
	page = fm_lookup(as, index);
	/* the index's reference only, clean: reclaimable */
	if (page && (page_ref_count(page) != 1 || PageDirty(page) ||
		     page_mapped(page)))
		page = (void *)-1;
	if (page != (void *)-1) {
		if (page) {
			fm_delete(as, index);
			as->trunc_seq++;
		}
		if (!hole_test(as, index))
			bits_set(&as->evicted, index);
	}
	i_unlock(as);
	if (page == (void *)-1)
		return false;
	if (page)
		page_cache_release(page);
	return true;
}

/* Zero the bytes of the page holding @pos from @pos to the page's end. */
static void zero_page_tail(struct vas_file *file, loff_t pos)
{
	size_t in = (size_t)pos & (PAGE_SIZE - 1);
	struct page *page;

	if (!in)
		return;
	page = filemap_find_page(file, (unsigned long)pos >> PAGE_SHIFT);
	if (!page)
		return;
	lock_page(page);
	if (page->mapping == file)
		memset((char *)page_address(page) + in, 0, PAGE_SIZE - in);
	unlock_page(page);
	put_page(page);
}

void filemap_cut(struct vas_file *desc, loff_t newsize)
{
	struct vas_file *file = cache_of(desc);
	unsigned long first = size_to_pages(newsize);

	if (VAS_WARN_ON(newsize < 0))
		return;
	drop_pages_from(file, first);
	zero_page_tail(file, newsize);
	i_lock(mapping_of(file));
	states_clear_from(mapping_of(file), first);
	i_unlock(mapping_of(file));
}

loff_t filemap_set_isize(struct vas_file *desc, loff_t newsize)
{
	struct vas_file *file = cache_of(desc);
	struct address_space *as = mapping_of(file);
	loff_t old;

	i_lock(as);
	old = as->i_size;
	WRITE_ONCE(as->i_size, newsize);
	as->trunc_seq++;
	i_unlock(as);
	if (newsize > old)
		zero_page_tail(file, old);	/* bytes past the old EOF */
	return old;
}

int filemap_host_truncate(struct vas_file *desc, loff_t size)
{
	return host_ftruncate(desc->host_fd, size);
}

/* ---- release ------------------------------------------------------------- */

void filemap_release(struct vas_file *file)
{
	struct address_space *as = mapping_of(file);
	int err = 0;

	/* An error is lost, as a writeback error at close is in Linux. */
	if (file->kind == VAS_FILE_HOST)
		err = filemap_write_and_wait_range(file, 0, LLONG_MAX);
	(void)err;
	drop_pages_from(file, 0);
	VAS_BUG_ON(as->nrpages || as->root);
	vas_free(as->evicted.w);
	vas_free(as->small.w);
	vas_free(as->holes);
	as->evicted.w = as->small.w = NULL;
	as->holes = NULL;
	vas_mutex_destroy(&as->i_lock);
}

/* ---- folio shapes --------------------------------------------------------- */

/*
 * The folio of a host file's page cache that holds page @idx, with folios
 * of at most the machine's file_folio_max bytes, as Linux 6.18 builds them
 * on ext4 for a file written in pieces of that size: each aligned piece
 * is split greedily into the largest naturally aligned power-of-two
 * folios that fit the bytes written. vas keeps single pages; this only
 * decides how many entries a shared write fault maps at once
 * (finish_fault maps the whole folio), which pages a hole punch unmaps and
 * keeps (a partly punched folio stays whole), which an evicted page comes
 * back with, and what reclaim evicts together. Pages read back into a hole
 * are folios of their own (FILEMAP_SMALL), and so is every page of a folio
 * one of whose pages is one, or is still in a hole.
 */
void file_folio_of(struct vas_file *file, unsigned long idx,
		   unsigned long *first, unsigned long *nr)
{
	unsigned long long size = (unsigned long long)i_size_read(file);
	unsigned long max = frames_file_folio_max(file->frames) >> PAGE_SHIFT;
	unsigned long base = idx & ~(max - 1), p = base;
	unsigned long long bytes;

	*first = idx;
	*nr = 1;
	if (vas__file_is_shmem(file) || max == 1 ||
	    ((unsigned long long)base << PAGE_SHIFT) >= size)
		return;
	for (p = base; p < base + max; p++)
		if (filemap_page_state(file, p) &
		    (FILEMAP_SMALL | FILEMAP_ABSENT))
			return;
	p = base;
	bytes = size - ((unsigned long long)base << PAGE_SHIFT);
	if (bytes > (unsigned long long)max << PAGE_SHIFT)
		bytes = (unsigned long long)max << PAGE_SHIFT;
	while (p <= idx) {
		unsigned long long left = bytes -
			((unsigned long long)(p - base) << PAGE_SHIFT);
		unsigned long n = 1;

		/* the largest power of two of whole pages left, aligned */
		while ((unsigned long long)(n * 2) << PAGE_SHIFT <= left &&
		       !(p & (n * 2 - 1)))
			n *= 2;
		if (idx < p + n) {
			*first = p;
			*nr = n;
			return;
		}
		p += n;
	}
}
