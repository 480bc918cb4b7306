// SPDX-License-Identifier: MIT
/*
 * page.c - the frame pool: a host memory file (memfd) cut into 4 KiB
 * frames and mapped once as the direct map, a struct page for each, a
 * global free list under a mutex, small per-thread caches in front of it,
 * and the zero page.
 *
 * Where a free frame is:
 *
 *   [0]              the zero page (never free)
 *   [1, bump)        handed out at least once: each is in use (refcount
 *                    > 0), on the global free list, or in one thread's
 *                    cache (PG_free set for the last two)
 *   [bump, size_nr)  never handed out, inside the file: host memory
 *                    untouched (zero), struct page untouched (zero); taken
 *                    in batches by moving bump
 *   [size_nr, nr)    past the file's end (nr: the limit): the direct map
 *                    covers them, but they are never handed out before
 *                    the file grows over them (frames_grow())
 *
 * The file grows when bump reaches its end: to twice its size, by at
 * least FRAMES_GROW_MIN and at most FRAMES_GROW_MAX, never past the limit.
 * Growing is one ftruncate() under the pool lock and costs no host memory
 * (a shmem page is allocated when first written), so the steps only bound
 * how far the file's size runs ahead of the frames in use: few growths
 * for a large pool (eight from 2 MiB to the default 256 MiB), and the
 * size never more than 64 MiB or twice the high-water mark ahead.
 *
 * Thread caches (the pattern of vas_node_alloc in base/alloc.c, per pool):
 * a thread keeps up to tcache_max free frames of one pool in initial-exec
 * TLS, allocates from and frees to them without a lock, and trades batches
 * of `batch` frames with the global list under the pool lock. A cache names
 * its pool by a unique id; when the thread turns to another pool (or
 * exits), the cache goes back to its pool if that pool still exists
 * (looked up in the list of pools), and is forgotten if it does not. So a
 * machine can be destroyed while idle threads still cache its frames. A
 * cache holds at most 1/128 of its pool, so few frames are ever stranded in
 * the cache of a thread that stopped allocating.
 *
 * The frames in use are counted per thread shard (base/stats.h shards), so
 * the hot paths write no shared line: free = nr - 1 - in_use.
 *
 * Lock order: pools_lock (LOCK_RANK_FRAME_POOLS) -> pool lock
 * (LOCK_RANK_FRAME_POOL); nothing else is taken under them (the ranks
 * after them, the mmap lock's wait queue and the node pool, are never
 * taken with them held).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include "base/alloc.h"
#include "base/bug.h"
#include "base/lock.h"
#include "base/lockdep.h"
#include "base/stats.h"
#include "host/host.h"
#include "page/page.h"
#include <vas/physmem.h>

#define FRAMES_DEFAULT_BYTES (256UL << 20)
#define FRAMES_MAX_BYTES (1UL << 46)
#define TCACHE_MAX 64
#define FRAMES_GROW_MIN (2UL << 20)	/* the first size, and the least step */
#define FRAMES_GROW_MAX (64UL << 20)	/* the largest step */

struct frames_shard {
	long in_use;			/* (a) allocs - frees by this shard */
} __attribute__((aligned(64)));

/*
 * Locking key: (c) constant after creation, (a) atomic,
 * (L) the pool lock, (G) pools_lock.
 */
struct frames {
	char *base;			/* (c) frame 0's host memory: the
					 * direct map, mem.map */
	struct host_memfile mem;	/* (c) the memory file */
	struct page *pages;		/* (c) nr descriptors, host memory */
	unsigned long nr;		/* (c) frames: the limit */
	size_t pages_bytes;		/* (c) */
	uint64_t id;			/* (c) unique among pools, never 0 */
	struct vas_stats *stats;	/* (c) the machine's */
	unsigned int tcache_max;	/* (c) 0: no thread caches */
	unsigned int batch;		/* (c) frames per trade, >= 1 */
	struct page *zero_page;		/* (c) */
	unsigned long file_folio_max;	/* (c) bytes: the machine's tunable */
	struct frames *next;		/* (G) */

	/* Host files that own a page cache, by inode (page/file.c). */
	struct vas_mutex inode_lock;
	struct vas_file *inodes;	/* (inode_lock) */

	struct vas_mutex lock __attribute__((aligned(64)));
	struct page *free_list;		/* (L) linked by free_next */
	unsigned long nr_free_list;	/* (L) */
	unsigned long bump;		/* (L) first never-used frame */
	unsigned long size_nr;		/* (L, a) frames the file holds */
	unsigned long out_peak;		/* (L, a) most frames ever taken out
					 * of the global list at once */
	unsigned long grows;		/* (L, a) */
	unsigned long grow_failures;	/* (L, a) */

	struct frames_shard shard[VAS_STAT_SHARDS];
};

_Static_assert(sizeof(struct page) == 48, "docs/memory.md: 48 bytes a frame");

static struct vas_mutex pools_lock =
	VAS_MUTEX_INITIALIZER(LOCK_RANK_FRAME_POOLS);
static struct frames *pools;		/* (G) every live pool */
static uint64_t next_pool_id = 1;	/* (G) */

struct frame_tcache {
	uint64_t owner_id;		/* 0: bound to no pool */
	struct frames *owner;		/* valid only while owner_id is live */
	struct page *head;		/* linked by free_next */
	unsigned int nr;
	bool armed;			/* the thread-exit destructor is set */
};

static __vas_tls struct frame_tcache tcache;
static pthread_key_t tcache_key;
static pthread_once_t tcache_once = PTHREAD_ONCE_INIT;

/* ---- counting ------------------------------------------------------------ */

static void count_in_use(struct frames *f, long n)
{
	int s = vas_stat_shard_id;

	if (unlikely(s == 0))
		s = vas_stat_shard_pick();
	__atomic_fetch_add(&f->shard[s - 1].in_use, n, __ATOMIC_RELAXED);
}

static long in_use(const struct frames *f)
{
	long sum = 0;

	for (int s = 0; s < VAS_STAT_SHARDS; s++)
		sum += __atomic_load_n(&f->shard[s].in_use, __ATOMIC_RELAXED);
	return sum;
}

/* ---- thread caches --------------------------------------------------------- */

/* Put the chain @head..@tail (@n frames) on @f's global list. (L) */
static void free_list_splice(struct frames *f, struct page *head,
			     struct page *tail, unsigned long n)
{
	tail->free_next = f->free_list;
	f->free_list = head;
	f->nr_free_list += n;
}

/* Give this thread's cached frames back to their pool, if it still lives. */
static void tcache_flush(void)
{
	struct frame_tcache *tc = &tcache;
	struct page *tail;
	struct frames *f;

	if (tc->nr) {
		vas_mutex_lock(&pools_lock);
		for (f = pools; f; f = f->next)
			if (f->id == tc->owner_id)
				break;
		if (f) {
			VAS_BUG_ON(f != tc->owner);
			for (tail = tc->head; tail->free_next;)
				tail = tail->free_next;
			vas_mutex_lock(&f->lock);
			free_list_splice(f, tc->head, tail, tc->nr);
			vas_mutex_unlock(&f->lock);
		}
		vas_mutex_unlock(&pools_lock);
	}
	tc->head = NULL;
	tc->nr = 0;
	tc->owner = NULL;
	tc->owner_id = 0;
}

/*
 * Thread exit. A later key destructor (another library's) may still free
 * frames: disarming lets tcache_bind() set the key again, and glibc then
 * runs this destructor once more.
 */
static void tcache_exit(void *arg)
{
	(void)arg;
	tcache_flush();
	tcache.armed = false;
}

static void tcache_key_init(void)
{
	if (pthread_key_create(&tcache_key, tcache_exit))
		vas_die("pthread_key_create", EAGAIN);
}

/* Make this thread's cache one of @f's. */
static void tcache_bind(struct frames *f)
{
	struct frame_tcache *tc = &tcache;

	if (likely(tc->owner_id == f->id))
		return;
	tcache_flush();
	if (!tc->armed) {
		pthread_once(&tcache_once, tcache_key_init);
		pthread_setspecific(tcache_key, (void *)1);
		tc->armed = true;
	}
	tc->owner = f;
	tc->owner_id = f->id;
}

void frames_drain_local(void)
{
	tcache_flush();
}

/* ---- growth ---------------------------------------------------------------- */

/* The file's next size, in frames, from @cur frames (0: the first). */
static unsigned long grow_target(const struct frames *f, unsigned long cur)
{
	size_t bytes = cur << PAGE_SHIFT, step;

	step = min_t(size_t, max_t(size_t, bytes, FRAMES_GROW_MIN),
		     FRAMES_GROW_MAX);
	bytes = (bytes + step) & ~(FRAMES_GROW_MIN - 1);
	return min_t(unsigned long, bytes >> PAGE_SHIFT, f->nr);
}

/*
 * Grow the file by one step (the file is full: bump == size_nr < nr).
 * A failure (the host's, or injected at VAS_FP_FRAMES_GROW) leaves the
 * pool as it was: the allocation that asked fails as at the limit.
 * Return: whether the file grew. (L)
 */
static bool frames_grow(struct frames *f)
{
	unsigned long want = grow_target(f, f->size_nr);

	if (!vas_alloc_check(VAS_FP_FRAMES_GROW) ||
	    host_memfile_grow(&f->mem, want << PAGE_SHIFT)) {
		__atomic_store_n(&f->grow_failures, f->grow_failures + 1,
				 __ATOMIC_RELAXED);
		return false;
	}
	__atomic_store_n(&f->size_nr, want, __ATOMIC_RELAXED);
	__atomic_store_n(&f->grows, f->grows + 1, __ATOMIC_RELAXED);
	return true;
}

/* ---- allocation ------------------------------------------------------------ */

/* A frame leaves bump: its descriptor is set up on first use. */
static void init_fresh(struct frames *f, struct page *page)
{
	__atomic_store_n(&page->pool, f, __ATOMIC_RELAXED);	/* pfn_to_page */
	page->_mapcount = -1;
	page->flags = (1u << PG_free) | (1u << PG_zero);
}

/*
 * Take up to @want frames from the global list, then from bump, into a
 * chain. Return: the chain (NULL if the pool is exhausted), *@n its length.
 */
static struct page *pool_take(struct frames *f, unsigned int want,
			      unsigned int *n)
{
	struct page *head = NULL, *page;
	unsigned long first = 0, fresh = 0;
	unsigned int got = 0;

	vas_mutex_lock(&f->lock);
	while (got < want && f->free_list) {
		page = f->free_list;
		f->free_list = page->free_next;
		page->free_next = head;
		head = page;
		got++;
	}
	f->nr_free_list -= got;
	/* Frames past the file's end only after it grew over them. */
	if (got == 0 && f->bump == f->size_nr && f->size_nr < f->nr)
		(void)frames_grow(f);
	if (got < want && f->bump < f->size_nr) {
		first = f->bump;
		fresh = min_t(unsigned long, want - got,
			      f->size_nr - f->bump);
		f->bump += fresh;
	}
	if (f->bump - f->nr_free_list > f->out_peak)
		__atomic_store_n(&f->out_peak, f->bump - f->nr_free_list,
				 __ATOMIC_RELAXED);
	vas_mutex_unlock(&f->lock);

	/*
	 * The fresh frames are ours alone now. Chained lowest first, so that
	 * frames taken one after another have ascending offsets in the
	 * memory file: a run of pages faulted in order is then one run of
	 * the file, which a host mapping of it (the mirror) maps in one call.
	 */
	for (unsigned long i = fresh; i-- > 0;) {
		page = &f->pages[first + i];
		init_fresh(f, page);
		page->free_next = head;
		head = page;
	}
	*n = got + (unsigned int)fresh;
	return head;
}

#ifdef VAS_DEBUG
/* A free frame holds PAGE_POISON (recycled) or zeros (fresh) only. */
static void check_poison(struct page *page)
{
	const unsigned char *p = page_address(page);

	for (size_t i = 0; i < PAGE_SIZE; i++)
		if (p[i] != PAGE_POISON) {
			fprintf(stderr, "vas: frame %lu written after it was "
				"freed (byte %zu is 0x%02x)\n",
				page_to_pfn(page), i, p[i]);
			VAS_BUG();
		}
}
#endif

/* Hand @page out: descriptor reset, contents zeroed unless NOZERO. */
/*
 * clear_page(): zero one frame. x86-64 uses the string store (as Linux's
 * clear_page_erms): on CPUs with fast string operations it writes whole
 * lines without reading them first, where a memset of a frame that is not
 * in the cache pays a read for every line.
 */
static inline void clear_page(void *addr)
{
#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
	void *dst = addr;
	unsigned long n = PAGE_SIZE;

	__asm__ volatile("rep stosb"
			 : "+D"(dst), "+c"(n)
			 : "a"(0)
			 : "memory");
#else
	memset(addr, 0, PAGE_SIZE);
#endif
}

static void prep_new_page(struct page *page, unsigned int gfp)
{
	uint32_t flags = __atomic_load_n(&page->flags, __ATOMIC_RELAXED);

	VAS_BUG_ON(!(flags & (1u << PG_free)));
	VAS_BUG_ON(page_ref_count(page) != 0 || page_mapped(page));
#ifdef VAS_DEBUG
	if (!(flags & (1u << PG_zero)))
		check_poison(page);
#endif
	if (!(flags & (1u << PG_zero)) &&
	    (!(gfp & __GFP_NOZERO) || (gfp & __GFP_ZERO)))
		clear_page(page_address(page));
	page->mapping = NULL;
	page->index = 0;
	page->private = 0;
	__atomic_store_n(&page->flags, 0u, __ATOMIC_RELAXED);
	__atomic_store_n(&page->_refcount, 1, __ATOMIC_RELAXED);
}

struct page *alloc_page(struct frames *f, unsigned int gfp)
{
	struct frame_tcache *tc = &tcache;
	struct page *page, *rest;
	unsigned int n;

	if (!vas_alloc_check(VAS_FP_FRAME))
		return NULL;
	if (likely(tc->owner_id == f->id && tc->head)) {
		page = tc->head;
		tc->head = page->free_next;
		tc->nr--;
		goto found;
	}
	if (!f->tcache_max) {
		page = pool_take(f, 1, &n);
		if (!page)
			goto oom;
		goto found;
	}
	tcache_bind(f);
	page = pool_take(f, f->batch, &n);
	if (!page)
		goto oom;
	rest = page->free_next;
	if (rest) {	/* the cache is empty: the rest fills it */
		tc->head = rest;
		tc->nr = n - 1;
	}
found:
	prep_new_page(page, gfp);
	count_in_use(f, 1);
	stats_add(f->stats, VAS_STAT_PGALLOC, 1);
	return page;
oom:
	stats_add(f->stats, VAS_STAT_OOM, 1);
	return NULL;
}

/* ---- freeing ------------------------------------------------------------ */

void __free_page_frame(struct page *page)
{
	struct frames *f = page->pool;
	struct frame_tcache *tc = &tcache;
	uint32_t flags = __atomic_load_n(&page->flags, __ATOMIC_RELAXED);
	struct page *head, *tail;
	unsigned int n;

	VAS_BUG_ON(flags & (1u << PG_reserved));	/* the zero page */
	VAS_BUG_ON(flags & (1u << PG_free));		/* double free */
	VAS_BUG_ON(flags & (1u << PG_locked));
	VAS_BUG_ON(page_mapped(page));
	page->mapping = NULL;
	page->index = 0;
#ifdef VAS_DEBUG
	memset(page_address(page), PAGE_POISON, PAGE_SIZE);
#endif
	__atomic_store_n(&page->flags, 1u << PG_free, __ATOMIC_RELAXED);
	count_in_use(f, -1);
	stats_add(f->stats, VAS_STAT_PGFREE, 1);

	if (!f->tcache_max) {
		vas_mutex_lock(&f->lock);
		free_list_splice(f, page, page, 1);
		vas_mutex_unlock(&f->lock);
		return;
	}
	tcache_bind(f);
	page->free_next = tc->head;
	tc->head = page;
	if (++tc->nr <= f->tcache_max)
		return;
	/* Over the limit: the top `batch` frames go to the global list. */
	head = tc->head;
	tail = head;
	for (n = 1; n < f->batch; n++)
		tail = tail->free_next;
	tc->head = tail->free_next;
	tc->nr -= n;
	vas_mutex_lock(&f->lock);
	free_list_splice(f, head, tail, n);
	vas_mutex_unlock(&f->lock);
}

/* ---- addresses ---------------------------------------------------------- */

unsigned long page_to_pfn(const struct page *page)
{
	return (unsigned long)(page - page->pool->pages);
}

bool pfn_valid(const struct frames *f, unsigned long pfn)
{
	return pfn < f->nr;
}

struct page *pfn_to_page(const struct frames *f, unsigned long pfn)
{
	struct page *page;

	if (!pfn_valid(f, pfn))
		return NULL;
	page = &f->pages[pfn];
	/* A frame never handed out gets its pool here (same value always). */
	if (unlikely(!__atomic_load_n(&page->pool, __ATOMIC_RELAXED)))
		__atomic_store_n(&page->pool, (struct frames *)f,
				 __ATOMIC_RELAXED);
	return page;
}

struct vas_stats *frames_vstats(const struct frames *f)
{
	return f->stats;
}

unsigned long frames_file_folio_max(const struct frames *f)
{
	return f->file_folio_max;
}

struct vas_mutex *frames_inode_lock(struct frames *f)
{
	return &f->inode_lock;
}

struct vas_file **frames_inodes(struct frames *f)
{
	return &f->inodes;
}

void *page_address(const struct page *page)
{
	return page->pool->base + (page_to_pfn(page) << PAGE_SHIFT);
}

struct page *frames_zero_page(const struct frames *f)
{
	return f->zero_page;
}

int frames_memfd(const struct frames *f)
{
	return f->mem.fd;
}

bool frames_exec_ok(const struct frames *f)
{
	return f->mem.exec_ok;
}

void frames_mem_info(const struct frames *f, struct vas_mem_info *out)
{
	long used = in_use(f) + 1;	/* the zero page */

	out->limit = f->nr << PAGE_SHIFT;
	out->size = __atomic_load_n(&f->size_nr, __ATOMIC_RELAXED)
		    << PAGE_SHIFT;
	out->used = used > 0 ? (size_t)used << PAGE_SHIFT : 0;
	out->peak = __atomic_load_n(&f->out_peak, __ATOMIC_RELAXED)
		    << PAGE_SHIFT;
	out->grows = __atomic_load_n(&f->grows, __ATOMIC_RELAXED);
	out->grow_failures =
		__atomic_load_n(&f->grow_failures, __ATOMIC_RELAXED);
}

off_t vas_page_offset(const struct vas_page *page)
{
	return (off_t)page_to_pfn((const struct page *)page) << PAGE_SHIFT;
}

/* ---- the page lock --------------------------------------------------------- */

bool trylock_page(struct page *page)
{
	if (page_test_set_flag(page, PG_locked))
		return false;
	lockdep_acquire(page, LOCK_RANK_PAGE, LOCK_MODE_WRITE, true, false);
	return true;
}

void lock_page(struct page *page)
{
	const uint32_t locked = 1u << PG_locked, waiters = 1u << PG_waiters;
	uint32_t old;

	lockdep_acquire(page, LOCK_RANK_PAGE, LOCK_MODE_WRITE, false, false);
	old = __atomic_load_n(&page->flags, __ATOMIC_RELAXED);
	for (;;) {
		if (!(old & locked)) {
			if (__atomic_compare_exchange_n(&page->flags, &old,
							old | locked, false,
							__ATOMIC_ACQUIRE,
							__ATOMIC_RELAXED))
				return;
			continue;
		}
		if (!(old & waiters) &&
		    !__atomic_compare_exchange_n(&page->flags, &old,
						 old | waiters, false,
						 __ATOMIC_RELAXED,
						 __ATOMIC_RELAXED))
			continue;
		host_futex_wait(&page->flags, old | waiters);
		old = __atomic_load_n(&page->flags, __ATOMIC_RELAXED);
	}
}

void unlock_page(struct page *page)
{
	uint32_t old;

	lockdep_release(page);
	old = __atomic_fetch_and(&page->flags,
				 ~((1u << PG_locked) | (1u << PG_waiters)),
				 __ATOMIC_RELEASE);
	VAS_BUG_ON(!(old & (1u << PG_locked)));
	if (old & (1u << PG_waiters))
		host_futex_wake_all(&page->flags);
}

/* ---- the pool ------------------------------------------------------------ */

int frames_create(size_t *bytesp, unsigned long file_folio_max,
		  struct vas_stats *stats, struct frames **out)
{
	size_t bytes = *bytesp;
	struct frames *f;
	struct page *zp;
	int err;

	if (!bytes)
		bytes = FRAMES_DEFAULT_BYTES;
	if (!PAGE_ALIGNED(bytes) || bytes < 2 * PAGE_SIZE ||
	    bytes > FRAMES_MAX_BYTES)
		return -EINVAL;
	f = vas_alloc_aligned(sizeof(*f), 64, VAS_FP_MACHINE);
	if (!f)
		return -ENOMEM;
	memset(f, 0, sizeof(*f));
	f->nr = bytes >> PAGE_SHIFT;
	f->pages_bytes = (f->nr * sizeof(struct page) + PAGE_SIZE - 1) &
			 PAGE_MASK;
	f->mem.fd = -1;
	f->pages = host_mem_reserve(f->pages_bytes);
	if (!f->pages) {
		err = -ENOMEM;
		goto fail;
	}
	/* The file's first size: a growth, with its failure injection. */
	f->size_nr = grow_target(f, 0);
	if (!vas_alloc_check(VAS_FP_FRAMES_GROW)) {
		err = -ENOMEM;
		goto fail;
	}
	err = host_memfile_create(bytes, f->size_nr << PAGE_SHIFT, &f->mem);
	if (err)
		goto fail;
	f->base = f->mem.map;
	f->grows = 1;
	f->stats = stats;
	f->file_folio_max = file_folio_max;
	vas_mutex_init(&f->inode_lock, LOCK_RANK_INODES);
	f->tcache_max = (unsigned int)min_t(unsigned long, TCACHE_MAX,
					    f->nr / 128);
	f->batch = max_t(unsigned int, 1, f->tcache_max / 2);
	vas_mutex_init(&f->lock, LOCK_RANK_FRAME_POOL);

	/* Frame 0: the zero page, read-only in the host from now on. */
	zp = &f->pages[0];
	zp->pool = f;
	zp->_mapcount = -1;
	zp->_refcount = 1;
	zp->flags = (1u << PG_reserved) | (1u << PG_zero) |
		    (1u << PG_uptodate);
	f->zero_page = zp;
	f->bump = 1;
	f->out_peak = 1;
	(void)host_mem_protect_ro(f->base, PAGE_SIZE);

	vas_mutex_lock(&pools_lock);
	f->id = next_pool_id++;
	f->next = pools;
	pools = f;
	vas_mutex_unlock(&pools_lock);

	*bytesp = bytes;
	*out = f;
	return 0;
fail:
	host_mem_release(f->pages, f->pages_bytes);
	vas_free(f);
	return err;
}

void frames_destroy(struct frames *f)
{
	struct frames **pp;
	long used;

	if (!f)
		return;
	if (tcache.owner_id == f->id)
		tcache_flush();
	vas_mutex_lock(&pools_lock);
	for (pp = &pools; *pp != f; pp = &(*pp)->next)
		VAS_BUG_ON(!*pp);
	*pp = f->next;
	vas_mutex_unlock(&pools_lock);

	used = in_use(f);
	if (VAS_WARN_ON(used != 0))
		fprintf(stderr, "vas: %ld frames still in use at machine "
			"destruction\n", used);
	vas_mutex_destroy(&f->lock);
	host_mem_release(f->pages, f->pages_bytes);
	host_memfile_destroy(&f->mem, f->nr << PAGE_SHIFT);
	vas_mutex_destroy(&f->inode_lock);
	vas_free(f);
}

/* The figures, from the counters. (L) */
static void stats_locked(const struct frames *f, struct frames_stats *st)
{
	long used = in_use(f);
	unsigned long free_nr = 0, listed;

	if (used >= 0 && (unsigned long)used < f->nr)
		free_nr = f->nr - 1 - (unsigned long)used;
	st->total = f->nr;
	st->free = free_nr;
	st->untouched = f->nr - f->bump;
	listed = f->nr_free_list + st->untouched;
	st->cached = free_nr > listed ? free_nr - listed : 0;
}

void frames_stats(struct frames *f, struct frames_stats *st)
{

	vas_mutex_lock(&f->lock);
	stats_locked(f, st);
	vas_mutex_unlock(&f->lock);
}

static unsigned int page_flags(const struct page *page)
{
	return __atomic_load_n(&page->flags, __ATOMIC_RELAXED);
}

#define BAD(...)                                                              \
	do {                                                                  \
		fprintf(stderr, "vas: frames_validate: " __VA_ARGS__);        \
		fputc('\n', stderr);                                          \
		bad++;                                                        \
	} while (0)

int frames_validate(struct frames *f)
{
	const struct page *zp = f->zero_page;
	const unsigned char *z = (const unsigned char *)f->base;
	unsigned long listed = 0, nr_free = 0, pfn;
	struct frames_stats st;
	struct host_stat hst;
	struct page *page;
	long used;
	int bad = 0;

	vas_mutex_lock(&f->lock);
	stats_locked(f, &st);
	used = in_use(f);
	if (used < 0 || (unsigned long)used > f->nr - 1)
		BAD("%ld frames counted in use of %lu", used, f->nr);

	/* The zero page. */
	if (zp != &f->pages[0] || !PageReserved(zp) ||
	    !page_test_flag(zp, PG_zero) || page_ref_count(zp) < 1 ||
	    page_mapped(zp) || zp->pool != f)
		BAD("zero page descriptor: flags %#x ref %d map %d",
		    page_flags(zp), page_ref_count(zp), page_mapcount(zp));
	for (size_t i = 0; i < PAGE_SIZE; i++)
		if (z[i]) {
			BAD("zero page byte %zu is 0x%02x", i, z[i]);
			break;
		}

	/* The memory file: as big as counted, over every frame handed out. */
	if (f->size_nr < f->bump || f->size_nr > f->nr)
		BAD("file of %lu frames, %lu handed out, limit %lu",
		    f->size_nr, f->bump, f->nr);
	if (host_fstat(f->mem.fd, &hst))
		BAD("the memory file cannot be stat'ed");
	else if ((size_t)hst.size != f->size_nr << PAGE_SHIFT)
		BAD("the memory file holds %lld bytes, counted %lu frames",
		    (long long)hst.size, f->size_nr);

	/* The global free list. */
	for (page = f->free_list; page; page = page->free_next) {
		if (page < f->pages + 1 || page >= f->pages + f->bump) {
			BAD("free list: %p is not a used frame", (void *)page);
			break;
		}
		if (!page_test_flag(page, PG_free))
			BAD("free list: frame %lu without PG_free",
			    (unsigned long)(page - f->pages));
		if (++listed > f->bump) {
			BAD("free list: cycle");
			break;
		}
	}
	if (listed != f->nr_free_list)
		BAD("free list holds %lu frames, counted %lu", listed,
		    f->nr_free_list);

	/* Every frame handed out so far. */
	for (pfn = 1; pfn < f->bump; pfn++) {
		int ref, map;

		page = &f->pages[pfn];
		ref = page_ref_count(page);
		map = page_mapcount(page);
		if (page->pool != f || PageReserved(page))
			BAD("frame %lu: pool %p, flags %#x", pfn,
			    (void *)page->pool, page_flags(page));
		if (page_test_flag(page, PG_free)) {
			nr_free++;
			if (ref != 0 || map != 0 || page->mapping ||
			    PageLocked(page))
				BAD("free frame %lu: ref %d map %d mapping "
				    "%p flags %#x", pfn, ref, map,
				    page->mapping, page_flags(page));
		} else if (ref <= 0 || map < 0 || map > ref) {
			BAD("frame %lu in use: ref %d map %d", pfn, ref, map);
		}
	}
	/* The frames never handed out: untouched descriptors (but the pool
	 * pointer pfn_to_page() may have set). */
	for (pfn = f->bump; pfn < f->nr; pfn++) {
		struct frames *pool;

		page = &f->pages[pfn];
		pool = __atomic_load_n(&page->pool, __ATOMIC_RELAXED);
		if (page_flags(page) || page_ref_count(page) ||
		    (pool && pool != f)) {
			BAD("untouched frame %lu has a descriptor", pfn);
			break;
		}
	}
	if (nr_free + st.untouched != st.free)
		BAD("%lu frames free (%lu listed, %lu cached, %lu untouched), "
		    "but %ld in use of %lu", nr_free + st.untouched, listed,
		    nr_free - listed, st.untouched, used, f->nr);
	vas_mutex_unlock(&f->lock);
	return bad ? -EUCLEAN : 0;
}
