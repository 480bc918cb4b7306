// SPDX-License-Identifier: MIT
/*
 * mirror.c - an address space of vas reflected into the host's
 * (include/vas/mirror.h; the design is docs/host-memory.md, part 4).
 *
 * A client of the public API: it includes only <vas/...> headers and
 * its own folder's (scripts/check-layers.sh checks both), learns of
 * changes only through an MMU notifier, and makes its own host calls
 * (mmap of the machine's memory file, the PROT_NONE reservation,
 * sigaction): scripts/check-os-calls.sh lets src/mirror call the OS,
 * because the mirror is what an embedder would write on top of libvas,
 * and its host mappings are its purpose, not a service of src/host.
 *
 * The fault path and the invalidations agree through a sequence count,
 * as KVM's mmu_invalidate_seq and Linux's mmu_interval_notifier do:
 *
 *   fault (any thread)                      invalidate (vas, locks held)
 *   ------------------                      ----------------------------
 *   lock; wait until !in_progress;          lock; seq++; in_progress++;
 *   s = seq; unlock                         host range -> PROT_NONE
 *   get_user_pages (vas faults it in)       (or write-protected); unlock
 *   lock; if seq != s: unlock, retry        ... vas changes its entries ...
 *   mmap the frames; unlock                 lock; in_progress--; wake; unlock
 *   put the pages
 *
 * A page is mapped in the host only while no invalidation ran since the
 * fault read the count, so it is a frame vas maps there now; vas frees a
 * frame it takes away only after invalidate_range_start() returned, when
 * the host mapping is already gone.
 *
 * Lock order: vas's locks (held when the notifier calls) -> mi->lock.
 * The mirror never calls vas while holding mi->lock, so the order has no
 * cycle. The lock is a plain pthread mutex, outside vas's lock ranks
 * (src/base/lockdep.h is internal); this comment is its rank: innermost.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <vas/mirror.h>
#include <vas/mmu_notifier.h>
#include <vas/physmem.h>
#include <vas/uapi.h>
#include <vas/vma.h>

#include "mirror_test.h"

#define MIRROR_PAGE 4096UL
/* The most pages one fault maps (the faulting page and neighbours vas has
 * mapped already, on contiguous frames). */
#define MIRROR_BATCH 64
/* Mirrors that vas_mirror_handle_signal() can find at once. */
#define MIRROR_SLOTS 64

/* Per-page state: the host rights the mirror gave the page (0: none). */
#define MS_READ 0x1u
#define MS_WRITE 0x2u
#define MS_EXEC 0x4u

/* How a fault accessed the page (mirror_do_fault()). */
#define MF_WRITE 0x1u
#define MF_EXEC 0x2u
#define MF_UNKNOWN 0x4u		/* read, or write if mapped read-only */

/*
 * Locking key:
 *  (c) constant after creation     (L) mi->lock
 *  (a) atomic (relaxed counters)
 */
struct vas_mirror {
	struct vas_mm_user *mm;		/* (c) the user the mirror holds */
	unsigned long start, len;	/* (c) guest range */
	uintptr_t base;			/* (c) host address of @start */
	int memfd;			/* (c) the machine's memory file */
	struct vas_mmu_notifier *mn;	/* (c) after creation */
	unsigned int slot;		/* (c) registry slot */

	pthread_mutex_t lock;
	pthread_cond_t idle;		/* in_progress dropped to 0 */
	unsigned long seq;		/* (L) invalidations begun */
	unsigned int in_progress;	/* (L) started, not ended */
	bool dead;			/* (L) the address space went away */
	/*
	 * (L) one byte per page: MS_* rights of the host mapping there.
	 * Anonymous memory, MAP_NORESERVE: len / 4096 bytes, touched only
	 * where pages were mapped.
	 */
	unsigned char *state;
	size_t state_bytes;		/* (c) */

	struct vas_mirror_stats st;	/* (a) */
};

/* ---- failure injection (mirror_test.h) ------------------------------ */

static _Thread_local unsigned long fail_countdown;
static _Thread_local unsigned long fail_fired;

void mirror_fail_nth(unsigned long n)
{
	fail_countdown = n;
}

unsigned long mirror_fail_fired(void)
{
	return fail_fired;
}

static _Thread_local void (*between_fn)(void *);
static _Thread_local void *between_arg;

void mirror_test_between(void (*fn)(void *arg), void *arg)
{
	between_fn = fn;
	between_arg = arg;
}

/* Whether the next fallible step must fail (injection). */
static bool mirror_should_fail(void)
{
	if (fail_countdown == 0 || --fail_countdown != 0)
		return false;
	fail_fired++;
	return true;
}

/* ---- host calls ------------------------------------------------------- */

/* Reserve or reset [@addr, @addr + @len) to an anonymous PROT_NONE
 * mapping (MAP_FIXED over what is there). Return: 0 or -errno. */
static int host_map_none(uintptr_t addr, size_t len)
{
	void *p = mmap((void *)addr, len, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED,
		       -1, 0);

	return p == MAP_FAILED ? -errno : 0;
}

/* ---- the registry of live mirrors (for the signal handler) ------------ */
/*
 * Lock-free for the handler: a slot publishes the host range and the
 * mirror. A handler that finds its address in a slot's range counts itself
 * in the slot's users, then re-reads the mirror; destroy clears the slot,
 * then waits for its users to leave (seq_cst on both sides: either the
 * handler sees NULL or destroy sees the user). A handler for an address in
 * no mirror touches no slot's count, so only faults in the mirror being
 * destroyed (which its caller promises are over) can make destroy wait.
 */
struct mirror_slot {
	uintptr_t lo, hi;		/* host range; 0, 0 when free */
	struct vas_mirror *mi;
	unsigned int users;
};
static struct mirror_slot mirror_slots[MIRROR_SLOTS];
static pthread_mutex_t mirror_slots_lock = PTHREAD_MUTEX_INITIALIZER;

static int mirror_register(struct vas_mirror *mi)
{
	int ret = -ENOMEM;

	pthread_mutex_lock(&mirror_slots_lock);
	for (unsigned int i = 0; i < MIRROR_SLOTS; i++) {
		struct mirror_slot *s = &mirror_slots[i];

		if (__atomic_load_n(&s->mi, __ATOMIC_RELAXED))
			continue;
		mi->slot = i;
		__atomic_store_n(&s->mi, mi, __ATOMIC_SEQ_CST);
		__atomic_store_n(&s->hi, mi->base + mi->len, __ATOMIC_SEQ_CST);
		__atomic_store_n(&s->lo, mi->base, __ATOMIC_SEQ_CST);
		ret = 0;
		break;
	}
	pthread_mutex_unlock(&mirror_slots_lock);
	return ret;
}

static void mirror_unregister(struct vas_mirror *mi)
{
	struct mirror_slot *s = &mirror_slots[mi->slot];

	pthread_mutex_lock(&mirror_slots_lock);
	__atomic_store_n(&s->lo, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&s->hi, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&s->mi, NULL, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&s->users, __ATOMIC_SEQ_CST))
		sched_yield();
	pthread_mutex_unlock(&mirror_slots_lock);
}

/* ---- host mappings, under mi->lock ------------------------------------ */

static void stat_add(unsigned long *c, unsigned long n)
{
	__atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

/*
 * mirror_flush_locked() - The whole host range back to one PROT_NONE
 * mapping, every page state cleared. Used when the host refuses a mapping
 * (vm.max_map_count) and when the address space goes away. If even this
 * fails, no host mapping can be trusted any more and the process aborts:
 * leaving a stale frame reachable is not an option.
 * Context: mi->lock held.
 */
static void mirror_flush_locked(struct vas_mirror *mi)
{
	if (host_map_none(mi->base, mi->len))
		abort();
	/* Anonymous private memory: MADV_DONTNEED gives zero pages back. */
	if (madvise(mi->state, mi->state_bytes, MADV_DONTNEED))
		memset(mi->state, 0, mi->len / MIRROR_PAGE);
	stat_add(&mi->st.flushes, 1);
	__atomic_store_n(&mi->st.host_mappings, 1, __ATOMIC_RELAXED);
}

/*
 * mirror_unmap_locked() - Pages [@first, @last) of the mirror back to
 * PROT_NONE: one host call over the span between the first and the last
 * page the mirror mapped there; nothing if it mapped none.
 * Context: mi->lock held.
 */
static void mirror_unmap_locked(struct vas_mirror *mi, unsigned long first,
				unsigned long last)
{
	unsigned long lo = first, hi = last;

	while (lo < hi && !mi->state[lo])
		lo++;
	while (hi > lo && !mi->state[hi - 1])
		hi--;
	if (lo == hi)
		return;
	if (host_map_none(mi->base + lo * MIRROR_PAGE, (hi - lo) * MIRROR_PAGE)) {
		/* The split needs a host mapping it cannot have: drop all. */
		mirror_flush_locked(mi);
		return;
	}
	memset(mi->state + lo, 0, hi - lo);
	stat_add(&mi->st.host_mappings, 2);
}

/*
 * mirror_wrprotect_locked() - Take the write right away from the host
 * mappings of pages [@first, @last): each run of pages mapped writable
 * with the same rights gets one mprotect(). A failure (no host mapping
 * left for the split) puts the run back to PROT_NONE instead.
 * Context: mi->lock held.
 */
static void mirror_wrprotect_locked(struct vas_mirror *mi,
				    unsigned long first, unsigned long last)
{
	unsigned long i = first;

	while (i < last) {
		unsigned char s = mi->state[i];
		unsigned long j = i + 1;
		int prot;

		if (!(s & MS_WRITE)) {
			i++;
			continue;
		}
		while (j < last && mi->state[j] == s)
			j++;
		prot = PROT_READ | ((s & MS_EXEC) ? PROT_EXEC : 0);
		if (mprotect((void *)(mi->base + i * MIRROR_PAGE),
			     (j - i) * MIRROR_PAGE, prot)) {
			mirror_unmap_locked(mi, i, j);
		} else {
			memset(mi->state + i, s & ~MS_WRITE, j - i);
			stat_add(&mi->st.host_mappings, 2);
		}
		i = j;
	}
}

/* ---- the MMU notifier ------------------------------------------------- */

/* The pages of the mirror that [@start, @end) covers, or false if none. */
static bool mirror_clip(const struct vas_mirror *mi, unsigned long start,
			unsigned long end, unsigned long *first,
			unsigned long *last)
{
	unsigned long mend = mi->start + mi->len;

	if (end <= mi->start || start >= mend)
		return false;
	if (start < mi->start)
		start = mi->start;
	if (end > mend)
		end = mend;
	*first = (start - mi->start) / MIRROR_PAGE;
	*last = (end - mi->start + MIRROR_PAGE - 1) / MIRROR_PAGE;
	return true;
}

static void mirror_invalidate_start(struct vas_mmu_notifier *mn,
				    const struct vas_mmu_notifier_range *range)
{
	struct vas_mirror *mi = vas_mmu_notifier_private(mn);
	unsigned long first, last;
	bool hit = mirror_clip(mi, range->start, range->end, &first, &last);

	pthread_mutex_lock(&mi->lock);
	/* Every range counts: a fault compares the count, not the range. */
	mi->seq++;
	mi->in_progress++;
	if (hit) {
		stat_add(&mi->st.invalidations, 1);
		if (range->event == VAS_MMU_NOTIFY_PROTECTION_PAGE)
			mirror_wrprotect_locked(mi, first, last);
		else
			mirror_unmap_locked(mi, first, last);
	}
	pthread_mutex_unlock(&mi->lock);
}

static void mirror_invalidate_end(struct vas_mmu_notifier *mn,
				  const struct vas_mmu_notifier_range *range)
{
	struct vas_mirror *mi = vas_mmu_notifier_private(mn);

	(void)range;
	pthread_mutex_lock(&mi->lock);
	if (--mi->in_progress == 0)
		pthread_cond_broadcast(&mi->idle);
	pthread_mutex_unlock(&mi->lock);
}

static void mirror_release(struct vas_mmu_notifier *mn, struct vas_mm *mm)
{
	struct vas_mirror *mi = vas_mmu_notifier_private(mn);

	(void)mm;
	pthread_mutex_lock(&mi->lock);
	mi->seq++;
	mi->dead = true;
	mirror_flush_locked(mi);
	pthread_mutex_unlock(&mi->lock);
}

static const struct vas_mmu_notifier_ops mirror_mn_ops = {
	.size = sizeof(struct vas_mmu_notifier_ops),
	.release = mirror_release,
	.invalidate_range_start = mirror_invalidate_start,
	.invalidate_range_end = mirror_invalidate_end,
};

/* ---- creation and destruction ----------------------------------------- */

int vas_mirror_create(struct vas_mm_user *mm, unsigned long start,
		      unsigned long len, void *base, unsigned int flags,
		      struct vas_mirror **out)
{
	struct vas_mirror *mi;
	void *p;
	int err;

	*out = NULL;
	if (!len || (start | len | (uintptr_t)base) & (MIRROR_PAGE - 1) ||
	    start + len < start || (uintptr_t)base + len < (uintptr_t)base ||
	    (flags & ~VAS_MIRROR_FIXED) || ((flags & VAS_MIRROR_FIXED) && !base))
		return -EINVAL;

	mi = mirror_should_fail() ? NULL : calloc(1, sizeof(*mi));
	if (!mi)
		return -ENOMEM;
	mi->start = start;
	mi->len = len;
	mi->state_bytes = ((len / MIRROR_PAGE) + MIRROR_PAGE - 1) &
			  ~(MIRROR_PAGE - 1);
	p = mirror_should_fail() ? MAP_FAILED :
		mmap(NULL, mi->state_bytes, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		err = -ENOMEM;
		goto out_free;
	}
	mi->state = p;

	/* The reservation. */
	if (mirror_should_fail()) {
		p = MAP_FAILED;
		errno = ENOMEM;
	} else {
		p = mmap(base, len, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
				 ((flags & VAS_MIRROR_FIXED) ?
					  MAP_FIXED_NOREPLACE : 0),
			 -1, 0);
	}
	if (p == MAP_FAILED) {
		err = errno == EEXIST ? -EEXIST : -ENOMEM;
		goto out_state;
	}
	if ((flags & VAS_MIRROR_FIXED) && p != base) {
		/* A kernel before 4.17 takes MAP_FIXED_NOREPLACE as a hint. */
		munmap(p, len);
		err = -EEXIST;
		goto out_state;
	}
	mi->base = (uintptr_t)p;
	mi->memfd = vas_machine_memfd(vas_mm_machine(vas_mm_from_user(mm)));
	pthread_mutex_init(&mi->lock, NULL);
	pthread_cond_init(&mi->idle, NULL);
	mi->st.host_mappings = 1;

	err = mirror_register(mi);
	if (err)
		goto out_unmap;
	mi->mm = vas_mm_get(mm);
	err = vas_mmu_notifier_register(mm, &mirror_mn_ops, mi, &mi->mn);
	if (err)
		goto out_put;
	*out = mi;
	return 0;

out_put:
	vas_mm_put(mi->mm);
	mirror_unregister(mi);
out_unmap:
	pthread_cond_destroy(&mi->idle);
	pthread_mutex_destroy(&mi->lock);
	munmap((void *)mi->base, len);
out_state:
	munmap(mi->state, mi->state_bytes);
out_free:
	free(mi);
	return err;
}

void vas_mirror_destroy(struct vas_mirror *mi)
{
	if (!mi)
		return;
	/* No callback runs after this; none can be waiting on mi->lock. */
	vas_mmu_notifier_unregister(mi->mn);
	mirror_unregister(mi);
	munmap((void *)mi->base, mi->len);
	munmap(mi->state, mi->state_bytes);
	vas_mm_put(mi->mm);
	pthread_cond_destroy(&mi->idle);
	pthread_mutex_destroy(&mi->lock);
	free(mi);
}

void *vas_mirror_base(const struct vas_mirror *mi)
{
	return (void *)mi->base;
}

void *vas_mirror_host_addr(const struct vas_mirror *mi, unsigned long addr)
{
	if (addr < mi->start || addr - mi->start >= mi->len)
		return NULL;
	return (void *)(mi->base + (addr - mi->start));
}

void vas_mirror_stats(const struct vas_mirror *mi,
		      struct vas_mirror_stats *out)
{
	out->faults = __atomic_load_n(&mi->st.faults, __ATOMIC_RELAXED);
	out->refused = __atomic_load_n(&mi->st.refused, __ATOMIC_RELAXED);
	out->maps = __atomic_load_n(&mi->st.maps, __ATOMIC_RELAXED);
	out->pages_mapped = __atomic_load_n(&mi->st.pages_mapped,
					    __ATOMIC_RELAXED);
	out->invalidations = __atomic_load_n(&mi->st.invalidations,
					     __ATOMIC_RELAXED);
	out->flushes = __atomic_load_n(&mi->st.flushes, __ATOMIC_RELAXED);
	out->host_mappings = __atomic_load_n(&mi->st.host_mappings,
					     __ATOMIC_RELAXED);
}

/* ---- the fault path --------------------------------------------------- */

/*
 * The flags of the VMA at @addr and where it ends, under the mmap read
 * lock. Return: false if no VMA contains @addr.
 */
static bool mirror_vma_flags(struct vas_mm_user *mm, unsigned long addr,
			     unsigned long *flags, unsigned long *end)
{
	struct vas_vma_ref *vma;

	vas_mmap_read_lock(mm);
	vma = vas_vma_lookup(mm, addr);
	if (vma) {
		*flags = vas_vma_flags(vma);
		*end = vas_vma_end(vma);
	}
	vas_mmap_read_unlock(mm);
	return vma != NULL;
}

static int mirror_refuse(struct vas_mirror *mi, unsigned long addr, int signo,
			 struct vas_fault_info *fi)
{
	stat_add(&mi->st.refused, 1);
	if (fi) {
		fi->signo = signo;
		fi->addr = addr;
	}
	return -EFAULT;
}

static void mirror_put_pages(struct vas_page **pages, long n)
{
	for (long i = 0; i < n; i++)
		vas_page_put(pages[i]);
}

/*
 * mirror_do_fault() - The fault entry (vas_mirror_fault()), for an access
 * of kind @how (MF_*) at @host_addr.
 */
static int mirror_do_fault(struct vas_mirror *mi, void *host_addr,
			   unsigned int how, struct vas_fault_info *fi)
{
	uintptr_t h = (uintptr_t)host_addr;
	struct vas_page *pages[MIRROR_BATCH];
	unsigned long addr, idx, seq, vflags = 0, vend = 0;
	int tries = 0;

	if (h < mi->base || h - mi->base >= mi->len)
		return -ERANGE;
	idx = (h - mi->base) / MIRROR_PAGE;
	addr = mi->start + idx * MIRROR_PAGE;

	for (;;) {
		unsigned int gup = 0, want;
		long n, more = 0, run;
		bool has_vma;
		off_t off0;
		int prot, err = 0;
		void *p;

		/* 1. read_begin: no invalidation in progress. */
		pthread_mutex_lock(&mi->lock);
		while (mi->in_progress)
			pthread_cond_wait(&mi->idle, &mi->lock);
		seq = mi->seq;
		if (mi->dead) {
			pthread_mutex_unlock(&mi->lock);
			return mirror_refuse(mi, addr, VAS_SIGSEGV, fi);
		}
		want = how;
		if (how & MF_UNKNOWN) {
			/* No access kind from the host: a fault on a page
			 * mapped read-only must have been a write. */
			want = (mi->state[idx] & MS_READ) &&
					       !(mi->state[idx] & MS_WRITE) ?
				       MF_WRITE :
				       0;
		}
		pthread_mutex_unlock(&mi->lock);
		if (want & MF_WRITE)
			gup = VAS_FOLL_WRITE;

		/* 2. the rights, from the VMA. */
		has_vma = mirror_vma_flags(mi->mm, addr, &vflags, &vend);
		if (has_vma && (vflags & (VAS_VM_IO | VAS_VM_PFNMAP)))
			return mirror_refuse(mi, addr, VAS_SIGBUS, fi);
		if ((want & MF_EXEC) && has_vma && !(vflags & VAS_VM_EXEC))
			return mirror_refuse(mi, addr, VAS_SIGSEGV, fi);

		if (between_fn) {
			void (*fn)(void *) = between_fn;

			between_fn = NULL;
			fn(between_arg);
		}

		/* 3. vas faults the page in, as the guest's access would. */
		n = has_vma ? vas_get_user_pages(mi->mm, addr, 1, gup, pages, fi)
			    : -EFAULT;
		if (n == -EFAULT) {
			/*
			 * get_user_pages neither grows a stack nor tells the
			 * signal: the fault entry does both. A page it made
			 * present is taken on the next round. A page the
			 * fault entry grants and get_user_pages keeps
			 * refusing (an exec-only VMA: no VM_READ) is
			 * refused with SIGBUS after a few rounds.
			 */
			err = tries++ < 3 ?
				vas_fault(mi->mm, addr,
					  (want & MF_WRITE) ? VAS_FAULT_WRITE : 0,
					  fi) :
				-EAGAIN;
			if (err == -EAGAIN)
				return mirror_refuse(mi, addr, VAS_SIGBUS, fi);
			if (err == -EFAULT) {
				stat_add(&mi->st.refused, 1);
				return -EFAULT;
			}
			if (err)
				return err;
			continue;
		}
		if (n < 0)
			return (int)n;
		/*
		 * The rights again, now that the page's tables exist: an
		 * mprotect from here on invalidates (the sequence count),
		 * but one between step 2 and now may have found no tables
		 * to report (vas, as Linux, tells notifiers only where
		 * tables exist), and the exec right comes from the VMA.
		 */
		{
			unsigned long f2 = 0, e2 = 0;

			if (!mirror_vma_flags(mi->mm, addr, &f2, &e2) ||
			    f2 != vflags || e2 != vend) {
				mirror_put_pages(pages, 1);
				continue;
			}
		}

		/* Neighbours vas maps already, for one host call. */
		if (has_vma) {
			unsigned long lim = (vend - addr) / MIRROR_PAGE;
			unsigned long mlim = mi->len / MIRROR_PAGE - idx;

			if (lim > mlim)
				lim = mlim;
			if (lim > MIRROR_BATCH)
				lim = MIRROR_BATCH;
			if (lim > 1) {
				more = vas_get_user_pages(mi->mm,
							  addr + MIRROR_PAGE,
							  lim - 1,
							  gup | VAS_FOLL_NOFAULT,
							  pages + 1, NULL);
				if (more < 0)
					more = 0;
			}
		}
		off0 = vas_page_offset(pages[0]);
		for (run = 1; run < 1 + more; run++)
			if (vas_page_offset(pages[run]) !=
			    off0 + (off_t)(run * MIRROR_PAGE))
				break;

		prot = PROT_READ | ((want & MF_WRITE) ? PROT_WRITE : 0) |
		       ((vflags & VAS_VM_EXEC) ? PROT_EXEC : 0);

		/* 4. under the lock, if nothing changed since step 1. */
		pthread_mutex_lock(&mi->lock);
		if (mi->seq != seq || mi->in_progress) {
			pthread_mutex_unlock(&mi->lock);
			mirror_put_pages(pages, 1 + more);
			continue;
		}
		/* Do not take rights from neighbours mapped already. */
		for (long i = 1; i < run; i++) {
			if (mi->state[idx + i]) {
				run = i;
				break;
			}
		}
		for (int attempt = 0; attempt < 2; attempt++) {
			if (mirror_should_fail()) {
				p = MAP_FAILED;
				errno = ENOMEM;
			} else {
				/* MAP_POPULATE: the retried access and
				 * the run's next ones take no host fault */
				p = mmap((void *)(mi->base + idx * MIRROR_PAGE),
					 run * MIRROR_PAGE, prot,
					 MAP_SHARED | MAP_FIXED | MAP_POPULATE,
					 mi->memfd, off0);
			}
			if (p != MAP_FAILED) {
				err = 0;
				break;
			}
			err = -errno;
			if (err != -ENOMEM || attempt)
				break;
			/* vm.max_map_count reached: start over. */
			mirror_flush_locked(mi);
		}
		if (!err) {
			memset(mi->state + idx,
			       MS_READ | ((prot & PROT_WRITE) ? MS_WRITE : 0) |
				       ((prot & PROT_EXEC) ? MS_EXEC : 0),
			       run);
			stat_add(&mi->st.maps, 1);
			stat_add(&mi->st.pages_mapped, run);
			stat_add(&mi->st.host_mappings, 2);
			stat_add(&mi->st.faults, 1);
		}
		pthread_mutex_unlock(&mi->lock);
		mirror_put_pages(pages, 1 + more);
		return err;
	}
}

int vas_mirror_fault(struct vas_mirror *mi, void *host_addr,
		     unsigned int flags, struct vas_fault_info *fi)
{
	return mirror_do_fault(mi, host_addr,
			       (flags & VAS_FAULT_WRITE) ? MF_WRITE : 0, fi);
}

/* ---- signals ----------------------------------------------------------- */

/* The access kind of the fault in @ucontext, as far as the host tells. */
static unsigned int mirror_access_kind(void *ucontext)
{
#if defined(__x86_64__)
	const ucontext_t *uc = ucontext;
	/* The page-fault error code: bit 1 write, bit 4 instruction fetch. */
	unsigned long err = (unsigned long)uc->uc_mcontext.gregs[REG_ERR];

	return ((err & 0x2) ? MF_WRITE : 0) | ((err & 0x10) ? MF_EXEC : 0);
#else
	(void)ucontext;
	return MF_UNKNOWN;
#endif
}

bool vas_mirror_handle_signal(siginfo_t *si, void *ucontext,
			      struct vas_fault_info *fi)
{
	uintptr_t a = (uintptr_t)si->si_addr;

	/* A fault's SIGSEGV, not one sent by kill() (si_code <= 0). */
	if (si->si_signo != SIGSEGV || si->si_code <= 0)
		return false;
	for (unsigned int i = 0; i < MIRROR_SLOTS; i++) {
		struct mirror_slot *s = &mirror_slots[i];
		struct vas_mirror *mi;
		int err = -ERANGE;

		if (a < __atomic_load_n(&s->lo, __ATOMIC_SEQ_CST) ||
		    a >= __atomic_load_n(&s->hi, __ATOMIC_SEQ_CST))
			continue;
		__atomic_fetch_add(&s->users, 1, __ATOMIC_SEQ_CST);
		mi = __atomic_load_n(&s->mi, __ATOMIC_SEQ_CST);
		if (mi)
			err = mirror_do_fault(mi, si->si_addr,
					      mirror_access_kind(ucontext), fi);
		__atomic_fetch_sub(&s->users, 1, __ATOMIC_SEQ_CST);
		if (err == -ERANGE)
			continue;
		if (err && err != -EFAULT && fi)	/* out of memory */
			*fi = (struct vas_fault_info){ VAS_SIGBUS,
						       a & ~(MIRROR_PAGE - 1) };
		return err == 0;
	}
	return false;
}

static struct sigaction mirror_prev_action;
static int mirror_handler_installed;

static void mirror_sigsegv(int sig, siginfo_t *si, void *ucontext)
{
	int saved_errno = errno;

	if (vas_mirror_handle_signal(si, ucontext, NULL)) {
		errno = saved_errno;
		return;
	}
	errno = saved_errno;
	if (mirror_prev_action.sa_flags & SA_SIGINFO) {
		mirror_prev_action.sa_sigaction(sig, si, ucontext);
	} else if (mirror_prev_action.sa_handler == SIG_DFL ||
		   mirror_prev_action.sa_handler == SIG_IGN) {
		/*
		 * Let the retried access take the default action (a fault's
		 * SIGSEGV is not ignorable: the kernel resets it too).
		 */
		signal(SIGSEGV, SIG_DFL);
	} else {
		mirror_prev_action.sa_handler(sig);
	}
}

int vas_mirror_install_handler(void)
{
	struct sigaction sa;

	if (__atomic_load_n(&mirror_handler_installed, __ATOMIC_ACQUIRE))
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = mirror_sigsegv;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, &mirror_prev_action))
		return -errno;
	__atomic_store_n(&mirror_handler_installed, 1, __ATOMIC_RELEASE);
	return 0;
}
