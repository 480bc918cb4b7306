// SPDX-License-Identifier: MIT
/*
 * rt.c - the RCU-safe range tree (the VMA tree of an address space).
 *
 * A B+tree of 256-byte nodes. Leaves hold up to RT_LEAF_SLOTS triples
 * (start, end, entry), so gaps between ranges cost nothing. Internal nodes
 * hold up to RT_INT_SLOTS children and one fewer separators ("pivots").
 * docs/tree.md has the full design; the short version:
 *
 *  - Readers walk from the root with acquire loads only.
 *  - A store never changes a node a reader can see, except for three
 *    single-word writes that are atomic by themselves: the child pointer
 *    (or root pointer) that publishes a store, an entry pointer replaced in
 *    place (exact overwrite), and a leaf's count grown in place (append
 *    into a free slot, the slot written first).
 *  - Every other store builds private copies of the nodes it changes, from
 *    the leaves up to the lowest node whose replacement is a single node
 *    covering the same key interval, and publishes them with one release
 *    store into that node's unchanged parent (or the root pointer). The
 *    replaced nodes are chained and freed by one vas_call_rcu().
 *
 * Separators: pivot[i] of an internal node lies between the last range of
 * child i and the first range of child i+1 (end <= pivot <= start). So
 * child i holds the ranges inside [pivot[i-1], pivot[i]), and an address
 * routes to the child whose interval contains it. A store never needs to
 * change a separator above the node it publishes: everything it writes
 * lies within the interval of the span of nodes it replaces.
 *
 * Fill: a non-root node holds at least RT_LEAF_MIN / RT_INT_MIN items,
 * except the first and the last node of each level, which may hold one
 * (ascending and descending builds then pack their nodes full). A root
 * internal node holds at least two children.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "base/alloc.h"
#include "base/bug.h"
#include "base/rcu.h"
#include "tree/rt.h"

#define RT_LEAF_MIN 5
#define RT_INT_MIN 8
#define RT_MAX_HEIGHT 24
#define RT_MAX_ITEMS 64
#define RT_MAX_GROUPS 4

_Static_assert(sizeof(struct rt_node) == RT_NODE_SIZE, "rt_node size");
_Static_assert(RT_NODE_SIZE == VAS_NODE_SIZE, "nodes come from the node pool");

/*
 * The nodes one store replaced, freed together after a grace period.
 *
 * The RCU callback of a store's batch only marks it done; the tree keeps
 * its batches in a FIFO and the writer frees the nodes of done batches
 * itself, at its next reservation (rt_gc_harvest), so that they go back to
 * the writer's own node cache while still in its CPU's cache, instead of
 * being freed on liburcu's thread on another CPU and coming back cold
 * (BENCHMARKS.md, "replaced nodes are freed by the writer"). A batch of
 * a destroyed tree is orphaned: its callback frees it. A batch larger than
 * RT_GC_KEEP_MAX nodes (a big erase) is freed by its callback as before,
 * so that an address space that goes idle after it does not keep it.
 */
enum rt_gc_state {
	RT_GC_PENDING,		/* waiting for its grace period */
	RT_GC_DONE,		/* grace period over: the writer frees it */
	RT_GC_ORPHAN,		/* tree gone: the callback frees it */
};

struct rt_free_batch {
	struct vas_rcu_head rcu;
	struct rt_node *list;		/* chained through free_next */
	struct rt_free_batch *gc_next;	/* (W) the tree's FIFO */
	int state;			/* enum rt_gc_state, atomic */
};

_Static_assert(sizeof(struct rt_free_batch) <= RT_NODE_SIZE,
	       "batch headers are node-sized blocks");

/* A store that replaces more nodes than this has them freed by RCU. */
#define RT_GC_KEEP_MAX 64

/* ---- readers ----------------------------------------------------------- */

/*
 * rt_route() - The child of internal node @n whose interval holds @addr:
 * the number of separators <= @addr. Unused separators are ULONG_MAX and
 * real ones are below it, so only addr == ULONG_MAX needs the count.
 */
static inline unsigned int rt_route(const struct rt_node *n,
				    unsigned long addr)
{
	const unsigned long *p = n->i.pivot;
	unsigned int i;

	i = (p[0] <= addr) + (p[1] <= addr) + (p[2] <= addr) +
	    (p[3] <= addr) + (p[4] <= addr) + (p[5] <= addr) +
	    (p[6] <= addr) + (p[7] <= addr) + (p[8] <= addr) +
	    (p[9] <= addr) + (p[10] <= addr) + (p[11] <= addr) +
	    (p[12] <= addr) + (p[13] <= addr);
	if (unlikely(addr == ULONG_MAX))
		i = n->nr - 1;
	return i;
}

/* rt_leaf_find() - First slot below @nr of leaf @n with end > @addr. */
static inline unsigned int rt_leaf_find(const struct rt_node *n,
					unsigned int nr, unsigned long addr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (n->l.end[i] > addr)
			break;
	return i;
}

static inline const struct rt_node *rt_root(const struct rt_tree *t)
{
	return rcu_dereference(t->root);
}

void *rt_lookup(const struct rt_tree *t, unsigned long addr,
		unsigned long *start, unsigned long *end)
{
	const struct rt_node *n = rt_root(t);
	unsigned int nr, i;

	if (!n)
		return NULL;
	while (!n->leaf)
		n = rt_child(n, rt_route(n, addr));
	nr = rt_nr(n);
	i = rt_leaf_find(n, nr, addr);
	if (i >= nr || n->l.start[i] > addr)
		return NULL;
	if (start)
		*start = n->l.start[i];
	if (end)
		*end = n->l.end[i];
	return rt_entry(n, i);
}

/*
 * rt_find_slot() - Leaf and slot of the first range with end > @addr, and
 * the leaf's parent and slot in it (NULL and 0 for a root leaf).
 * When the leaf that @addr routes to holds no such range, the answer is
 * the first range of the next leaf: its right sibling if it has one (all
 * of whose ranges start at or above the separator between them, which is
 * above @addr), else found by routing again from the leaf's right bound;
 * each retry routes a strictly higher address.
 * Return: false if there is none.
 */
static __attribute__((always_inline)) inline bool
rt_find_slot(const struct rt_tree *t, unsigned long addr,
			 const struct rt_node **leafp, unsigned int *slotp,
			 const struct rt_node **parentp, unsigned int *pslotp)
{
	for (;;) {
		const struct rt_node *n = rt_root(t), *p = NULL;
		unsigned long hi = 0;
		bool has_hi = false;
		unsigned int nr, i, pi = 0;

		if (!n)
			return false;
		while (!n->leaf) {
			i = rt_route(n, addr);
			if (i + 1 < n->nr) {
				hi = n->i.pivot[i];
				has_hi = true;
			}
			p = n;
			pi = i;
			n = rt_child(n, i);
		}
		nr = rt_nr(n);
		i = rt_leaf_find(n, nr, addr);
		if (i >= nr) {
			if (p && pi + 1 < p->nr) {
				/* published leaves are never empty */
				n = rt_child(p, ++pi);
				i = 0;
			} else {
				if (!has_hi || hi <= addr)
					return false;
				addr = hi;
				continue;
			}
		}
		*leafp = n;
		*slotp = i;
		*parentp = p;
		*pslotp = pi;
		return true;
	}
}

void *rt_find(const struct rt_tree *t, unsigned long addr,
	      unsigned long *start, unsigned long *end)
{
	const struct rt_node *n, *p;
	unsigned int i, pi;

	if (!rt_find_slot(t, addr, &n, &i, &p, &pi))
		return NULL;
	if (start)
		*start = n->l.start[i];
	if (end)
		*end = n->l.end[i];
	return rt_entry(n, i);
}

void *rt_prev(const struct rt_tree *t, unsigned long addr,
	      unsigned long *start, unsigned long *end)
{
	unsigned long key = addr;

	for (;;) {
		const struct rt_node *n = rt_root(t);
		unsigned long lo = 0;
		bool has_lo = false;
		unsigned int nr, i;

		if (!n)
			return NULL;
		while (!n->leaf) {
			i = rt_route(n, key);
			if (i > 0) {
				lo = n->i.pivot[i - 1];
				has_lo = true;
			}
			n = rt_child(n, i);
		}
		nr = rt_nr(n);
		/* Slots [0, i) end at or below addr. */
		i = rt_leaf_find(n, nr, addr);
		if (i > 0) {
			i--;
			if (start)
				*start = n->l.start[i];
			if (end)
				*end = n->l.end[i];
			return rt_entry(n, i);
		}
		if (!has_lo || lo == 0 || lo - 1 >= key)
			return NULL;
		key = lo - 1;
	}
}

void *rt_next(const struct rt_tree *t, unsigned long addr,
	      unsigned long *start, unsigned long *end)
{
	unsigned long s, e;
	void *entry = rt_find(t, addr, &s, &e);

	while (entry && s < addr)
		entry = rt_find(t, e, &s, &e);
	if (entry) {
		if (start)
			*start = s;
		if (end)
			*end = e;
	}
	return entry;
}

void rt_iter_init(struct rt_iter *it, const struct rt_tree *t,
		  unsigned long a, unsigned long b)
{
	*it = (struct rt_iter){ .tree = t, .pos = a, .limit = b };
}

/*
 * The iterator remembers the leaf and slot after the entry it returned,
 * the leaf's parent and its slot there, and the tree's store count then.
 * While no store has happened, it steps inside the leaf, then to the
 * leaf's right sibling through the parent; only past the parent's last
 * child, or after a store, does it route again from the root, from @pos
 * (the end of the entry it returned last), so every entry it returns ends
 * above the previous one.
 *
 * A writer that stores between two steps is safe because the store count
 * changed: the remembered nodes, which may be freed, are not touched
 * again. A reader inside one RCU read-side section that races with a store
 * after it read the count may step on through replaced nodes: they are not
 * freed before the section ends, never change once replaced, and a
 * parent's separators never change, so it sees each address in a state the
 * tree has had and never goes back (the sibling it steps to holds only
 * ranges above the separator, which is at or above every range of the
 * leaf it leaves).
 */
void *rt_iter_next_slow(struct rt_iter *it, unsigned long *start,
			unsigned long *end)
{
	const struct rt_tree *t = it->tree;
	const struct rt_node *n = it->__leaf, *p = it->__parent;
	unsigned int i = it->__slot, pi = it->__pslot;
	unsigned long seq, s, e;
	void *entry;

	if (it->pos >= it->limit)
		return NULL;
	seq = READ_ONCE(t->__seq);
	if (likely(n && seq == it->__seq)) {
		if (i >= rt_nr(n)) {
			if (!p || pi + 1 >= p->nr)
				goto walk;
			n = rt_child(p, ++pi);	/* never empty */
			i = 0;
		}
	} else {
walk:
		if (!rt_find_slot(t, it->pos, &n, &i, &p, &pi))
			goto end;
	}
	s = n->l.start[i];
	e = n->l.end[i];
	entry = rt_entry(n, i);
	if (s >= it->limit)
		goto end;
	it->pos = e;
	it->__leaf = n;
	it->__parent = p;
	it->__slot = i + 1;
	it->__pslot = pi;
	it->__seq = seq;
	if (start)
		*start = s;
	if (end)
		*end = e;
	return entry;
end:
	it->pos = it->limit;
	it->__leaf = NULL;
	return NULL;
}

/* The leaf at the left (@right false) or right end of @t's leaf level. */
static const struct rt_node *rt_edge_leaf(const struct rt_tree *t, bool right)
{
	const struct rt_node *n = rt_root(t);

	while (n && !n->leaf)
		n = rt_child(n, right ? n->nr - 1 : 0);
	return n;
}

static __attribute__((always_inline)) inline void *
rt_iter_prev_inl(const struct rt_iter *it, unsigned long *start,
		 unsigned long *end)
{
	const struct rt_node *n = it->__leaf, *p = it->__parent;
	unsigned int i = it->__slot - 1;	/* the entry returned */

	VAS_BUG_ON(!n || !it->__slot || it->__seq != it->tree->__seq);
	if (i == 0 && p && it->__pslot > 0) {
		n = rt_child(p, it->__pslot - 1);	/* never empty */
		i = rt_nr(n);
	}
	if (i > 0) {
		if (start)
			*start = n->l.start[i - 1];
		if (end)
			*end = n->l.end[i - 1];
		return rt_entry(n, i - 1);
	}
	if (rt_edge_leaf(it->tree, false) == n)
		return NULL;
	return rt_prev(it->tree, n->l.start[0], start, end);
}

static __attribute__((always_inline)) inline void *
rt_iter_next_inl(const struct rt_iter *it, unsigned long *start,
		 unsigned long *end)
{
	const struct rt_node *n = it->__leaf, *p = it->__parent;
	unsigned int i = it->__slot, nr;	/* the entry after */

	VAS_BUG_ON(!n || !it->__slot || it->__seq != it->tree->__seq);
	nr = rt_nr(n);
	if (i >= nr && p && it->__pslot + 1 < p->nr) {
		n = rt_child(p, it->__pslot + 1);	/* never empty */
		i = 0;
		nr = rt_nr(n);
	}
	if (i < nr) {
		if (start)
			*start = n->l.start[i];
		if (end)
			*end = n->l.end[i];
		return rt_entry(n, i);
	}
	if (rt_edge_leaf(it->tree, true) == n)
		return NULL;
	return rt_find(it->tree, n->l.end[i - 1], start, end);
}

void *rt_iter_prev_entry(const struct rt_iter *it, unsigned long *start,
			 unsigned long *end)
{
	return rt_iter_prev_inl(it, start, end);
}

void *rt_iter_next_entry(const struct rt_iter *it, unsigned long *start,
			 unsigned long *end)
{
	return rt_iter_next_inl(it, start, end);
}

bool rt_iter_prev_end(const struct rt_iter *it, unsigned long *end)
{
	return rt_iter_prev_inl(it, NULL, end) != NULL;
}

bool rt_iter_next_start(const struct rt_iter *it, unsigned long *start)
{
	return rt_iter_next_inl(it, start, NULL) != NULL;
}

/*
 * The remembered leaf serves when the first range ending above @a is
 * provably in it or in its right sibling: a slot of the leaf after one
 * that ends at or below @a; its first slot, if the leaf on its left (or
 * none: a root leaf) ends at or below @a; the sibling's first slot, if
 * every range of the leaf ends at or below @a. When nothing ends above @a
 * the position is the end of the last leaf (slot nr), found by following
 * the last children: a later seek may start from there too. Anything else
 * routes from the root, as rt_iter_next_slow() does.
 */
void *rt_iter_seek(struct rt_iter *it, unsigned long a, unsigned long b)
{
	const struct rt_tree *t = it->tree;
	const struct rt_node *n = it->__leaf, *p = it->__parent, *l;
	unsigned int i, nr, pi = it->__pslot;
	unsigned long seq = READ_ONCE(t->__seq);

	it->pos = a;
	it->limit = b;
	if (!n || seq != it->__seq)
		goto walk;
	nr = rt_nr(n);
	i = rt_leaf_find(n, nr, a);
	if (i == 0 && p) {
		if (!pi)
			goto walk;
		l = rt_child(p, pi - 1);
		if (l->l.end[rt_nr(l) - 1] > a)
			goto walk;
	} else if (i == nr) {
		if (!p)
			goto none;	/* a root leaf: nothing ends above a */
		if (pi + 1 >= p->nr) {
			if (rt_edge_leaf(t, true) == n)
				goto none;	/* the last leaf */
			goto walk;
		}
		n = rt_child(p, ++pi);
		i = 0;
		if (n->l.end[0] <= a)
			goto walk;
	}
	goto found;
walk:
	if (!rt_find_slot(t, a, &n, &i, &p, &pi)) {
		/* the end of the last leaf, and its parent */
		p = NULL;
		pi = 0;
		n = rt_root(t);
		if (!n) {
			it->pos = b;
			it->__leaf = NULL;
			return NULL;
		}
		while (!n->leaf) {
			p = n;
			pi = n->nr - 1;
			n = rt_child(n, pi);
		}
		goto none;
	}
found:
	it->__leaf = n;
	it->__parent = p;
	it->__slot = i;
	it->__pslot = pi;
	it->__seq = seq;
	if (n->l.start[i] >= b)
		return NULL;
	return rt_entry(n, i);
none:
	/* nothing to return: the steps end at once, the place is kept */
	it->pos = b;
	it->__leaf = n;
	it->__parent = p;
	it->__slot = rt_nr(n);
	it->__pslot = pi;
	it->__seq = seq;
	return NULL;
}

/* ---- writer: planning --------------------------------------------------- */

enum rt_pack {
	RT_PACK_EVEN,		/* interior: split evenly */
	RT_PACK_LEFT,		/* last node of its level: fill from the left */
	RT_PACK_RIGHT,		/* first node of its level: fill from the right */
};

enum rt_fast {
	RT_FAST_NONE,
	RT_FAST_NOOP,		/* erase over nothing */
	RT_FAST_OVERWRITE,	/* same range, new entry: in place */
	RT_FAST_APPEND,		/* after the last range of a leaf with room */
};

/*
 * One store, planned then committed. Levels count from the leaves (0).
 * ln[k]/rn[k] are the first and last node of the span of level k that the
 * store replaces; ls[k]/rs[k] their slots in ln[k+1]/rn[k+1]. Every node
 * of level k between ln[k] and rn[k] is replaced too. pre_l[k]/pre_r[k]
 * are the span ends before a neighbour was absorbed at level k; abs_l[k]/
 * abs_r[k] the absorbed neighbours.
 */
struct rt_wr {
	struct rt_tree *t;
	unsigned long start, end;
	void *entry;
	unsigned int height;
	enum rt_fast fast;

	struct rt_node *ln[RT_MAX_HEIGHT], *rn[RT_MAX_HEIGHT];
	unsigned int ls[RT_MAX_HEIGHT], rs[RT_MAX_HEIGHT];

	/* Leaf level: ln[0] keeps slots [0, la) (+ la trimmed if lstraddle),
	 * rn[0] keeps slots [rfrom, nr) (rfrom trimmed to start at end). */
	unsigned int la, rfrom;
	bool lstraddle;

	struct rt_node *pre_l[RT_MAX_HEIGHT], *pre_r[RT_MAX_HEIGHT];
	struct rt_node *abs_l[RT_MAX_HEIGHT], *abs_r[RT_MAX_HEIGHT];
	unsigned long absl_sep[RT_MAX_HEIGHT], absr_sep[RT_MAX_HEIGHT];
	unsigned int pfx[RT_MAX_HEIGHT], sfx[RT_MAX_HEIGHT];
	unsigned int nitems[RT_MAX_HEIGHT], ngroups[RT_MAX_HEIGHT];
	enum rt_pack pack[RT_MAX_HEIGHT];
	unsigned int top;		/* last level built */
	bool collapse;			/* root level holds one item */
	unsigned int need;		/* nodes the commit takes */

	/*
	 * t->__plan only: planned by rt_preallocate*() for the store of
	 * [start, end) of an entry of this kind (NULL or not), in the tree
	 * as it was at store count plan_seq.
	 */
	bool planned;
	unsigned long plan_seq;

	/* commit */
	struct rt_node *newn[RT_MAX_HEIGHT][RT_MAX_GROUPS];
	unsigned long newsep[RT_MAX_HEIGHT][RT_MAX_GROUPS];
	struct rt_node *dead;
	unsigned long dead_nodes, dead_entries, made;
};

/* Items of one level while it is rebuilt. */
struct rt_items {
	unsigned int n;
	unsigned long start[RT_MAX_ITEMS], end[RT_MAX_ITEMS];
	void *entry[RT_MAX_ITEMS];
	struct rt_node *child[RT_MAX_ITEMS];
	unsigned long sep[RT_MAX_ITEMS];	/* separator before item i */
};

static void rt_wr_descend(struct rt_wr *w, unsigned long key,
			  struct rt_node **path, unsigned int *slot)
{
	struct rt_node *n = w->t->root;
	unsigned int k = w->height - 1;

	path[k] = n;
	while (k > 0) {
		unsigned int i = rt_route(n, key);

		n = n->i.child[i];
		slot[--k] = i;
		path[k] = n;
	}
}

/*
 * rt_wr_walk() - Route start and end - 1 to their leaves and pick a fast
 * path if one applies. Context: writer.
 */
static void rt_wr_walk(struct rt_wr *w)
{
	struct rt_node *l, *r;
	unsigned int a;

	w->height = w->t->height;
	w->fast = RT_FAST_NONE;
	if (!w->height)
		return;
	VAS_BUG_ON(w->height > RT_MAX_HEIGHT);
	rt_wr_descend(w, w->start, w->ln, w->ls);
	rt_wr_descend(w, w->end - 1, w->rn, w->rs);
	l = w->ln[0];
	r = w->rn[0];
	a = rt_leaf_find(l, l->nr, w->start);
	w->la = a;
	w->lstraddle = a < l->nr && l->l.start[a] < w->start;
	w->rfrom = rt_leaf_find(r, r->nr, w->end);
	if (l != r)
		return;
	if (!w->entry) {
		if (a == l->nr || l->l.start[a] >= w->end)
			w->fast = RT_FAST_NOOP;
	} else if (a < l->nr && l->l.start[a] == w->start &&
		   l->l.end[a] == w->end) {
		w->fast = RT_FAST_OVERWRITE;
	} else if (a == l->nr && l->nr < RT_LEAF_SLOTS) {
		w->fast = RT_FAST_APPEND;
	}
}

/* Lowest level j >= k where the left span end is not a first child. */
static int rt_wr_lbound(const struct rt_wr *w, unsigned int k)
{
	for (unsigned int j = k; j + 1 < w->height; j++)
		if (w->ls[j] > 0)
			return (int)j;
	return -1;
}

/* Lowest level j >= k where the right span end is not a last child. */
static int rt_wr_rbound(const struct rt_wr *w, unsigned int k)
{
	for (unsigned int j = k; j + 1 < w->height; j++)
		if (w->rs[j] + 1 < w->rn[j + 1]->nr)
			return (int)j;
	return -1;
}

/* Extend the span of level @k by the node left of it (cousin if needed). */
static struct rt_node *rt_wr_absorb_left(struct rt_wr *w, unsigned int k,
					 unsigned int j)
{
	w->absl_sep[k] = w->ln[j + 1]->i.pivot[w->ls[j] - 1];
	w->ls[j]--;
	w->ln[j] = w->ln[j + 1]->i.child[w->ls[j]];
	for (unsigned int l = j; l > k; l--) {
		w->ls[l - 1] = w->ln[l]->nr - 1;
		w->ln[l - 1] = w->ln[l]->i.child[w->ls[l - 1]];
	}
	return w->ln[k];
}

/* Extend the span of level @k by the node right of it. */
static struct rt_node *rt_wr_absorb_right(struct rt_wr *w, unsigned int k,
					  unsigned int j)
{
	w->absr_sep[k] = w->rn[j + 1]->i.pivot[w->rs[j]];
	w->rs[j]++;
	w->rn[j] = w->rn[j + 1]->i.child[w->rs[j]];
	for (unsigned int l = j; l > k; l--) {
		w->rs[l - 1] = 0;
		w->rn[l - 1] = w->rn[l]->i.child[0];
	}
	return w->rn[k];
}

/*
 * rt_wr_plan() - Decide, level by level from the leaves, how many items
 * the rebuilt span holds, which neighbour it absorbs when it would be
 * under-filled, how many nodes it becomes, and where the result is
 * published. Only counts are needed, so rt_preallocate() runs the same
 * plan and reserves exactly w->need nodes. Context: writer.
 */
static void rt_wr_plan(struct rt_wr *w)
{
	w->need = 0;
	w->collapse = false;
	if (!w->height) {
		w->top = 0;
		w->need = w->entry ? 1 : 0;
		return;
	}
	for (unsigned int k = 0;; k++) {
		struct rt_node *pl = w->ln[k], *pr = w->rn[k];
		bool root = k + 1 == w->height;
		unsigned int T, cap, min, g;
		int jl, jr;

		w->pre_l[k] = pl;
		w->pre_r[k] = pr;
		w->abs_l[k] = NULL;
		w->abs_r[k] = NULL;
		if (k == 0) {
			T = w->la + w->lstraddle + (w->entry != NULL) +
			    (pr->nr - w->rfrom);
			cap = RT_LEAF_SLOTS;
			min = RT_LEAF_MIN;
		} else {
			w->pfx[k] = w->ls[k - 1];
			w->sfx[k] = w->rs[k - 1] + 1;
			T = w->pfx[k] + w->ngroups[k - 1] + (pr->nr - w->sfx[k]);
			cap = RT_INT_SLOTS;
			min = RT_INT_MIN;
		}
		jl = rt_wr_lbound(w, k);
		jr = rt_wr_rbound(w, k);
		if (T > 0 && T < min && jl >= 0 && jr >= 0) {
			struct rt_node *nb;

			/* Prefer a sibling: fewer ancestors to copy. */
			if (jl == (int)k || jr != (int)k) {
				nb = rt_wr_absorb_left(w, k, (unsigned int)jl);
				w->abs_l[k] = nb;
			} else {
				nb = rt_wr_absorb_right(w, k, (unsigned int)jr);
				w->abs_r[k] = nb;
			}
			T += nb->nr;
			jl = rt_wr_lbound(w, k);
			jr = rt_wr_rbound(w, k);
		}
		/*
		 * Over-full in the interior: share with a sibling that has
		 * room rather than add a node (B*-tree style); the node count
		 * is the same, the parent does not grow, leaves stay fuller
		 * under churn.
		 */
		if (T > cap && T < 2 * cap && jl >= 0 && jr >= 0 &&
		    !w->abs_l[k] && !w->abs_r[k]) {
			struct rt_node *nb = NULL;

			if (jl == (int)k &&
			    T + w->ln[k + 1]->i.child[w->ls[k] - 1]->nr <=
			    2 * cap) {
				nb = rt_wr_absorb_left(w, k, k);
				w->abs_l[k] = nb;
			} else if (jr == (int)k &&
				   T + w->rn[k + 1]->i.child[w->rs[k] + 1]->nr <=
				   2 * cap) {
				nb = rt_wr_absorb_right(w, k, k);
				w->abs_r[k] = nb;
			}
			if (nb) {
				T += nb->nr;
				jl = rt_wr_lbound(w, k);
				jr = rt_wr_rbound(w, k);
			}
		}
		w->pack[k] = jr < 0 ? RT_PACK_LEFT :
			     jl < 0 ? RT_PACK_RIGHT : RT_PACK_EVEN;
		g = T ? (T + cap - 1) / cap : 0;
		VAS_BUG_ON(g > RT_MAX_GROUPS);
		w->nitems[k] = T;
		w->ngroups[k] = g;
		if (root) {
			w->top = k;
			if (k > 0 && T == 1) {
				w->collapse = true;
				w->ngroups[k] = 0;
			} else {
				w->need += g + (g > 1);
			}
			return;
		}
		w->need += g;
		if (w->ln[k] == w->rn[k] && g == 1) {
			w->top = k;
			return;
		}
	}
}

/* ---- writer: committing ------------------------------------------------- */

static struct rt_node *rt_pa_pop(struct rt_prealloc *pa)
{
	struct rt_node *n = pa->nodes;

	VAS_BUG_ON(!n || !pa->nr);
	pa->nodes = n->free_next;
	pa->nr--;
	n->free_next = NULL;
	return n;
}

static void rt_pa_push(struct rt_prealloc *pa, struct rt_node *n)
{
	n->free_next = pa->nodes;
	pa->nodes = n;
	pa->nr++;
}

static void rt_wr_kill(struct rt_wr *w, struct rt_node *n)
{
	n->free_next = w->dead;
	w->dead = n;
	w->dead_nodes++;
	if (n->leaf)
		w->dead_entries += n->nr;
}

static inline void rt_push_entry(struct rt_items *it, unsigned long s,
				 unsigned long e, void *entry)
{
	unsigned int n = it->n++;

	it->start[n] = s;
	it->end[n] = e;
	it->entry[n] = entry;
}

static inline void rt_push_child(struct rt_items *it, struct rt_node *c,
				 unsigned long sep)
{
	unsigned int n = it->n++;

	it->child[n] = c;
	it->sep[n] = sep;
}

static void rt_push_leaf(struct rt_items *it, const struct rt_node *n,
			 unsigned int from, unsigned int to)
{
	for (unsigned int i = from; i < to; i++)
		rt_push_entry(it, n->l.start[i], n->l.end[i], n->l.entry[i]);
}

/* Children [from, to) of @n; @sep is the separator before child @from. */
static void rt_push_children(struct rt_items *it, const struct rt_node *n,
			     unsigned int from, unsigned int to,
			     unsigned long sep)
{
	for (unsigned int i = from; i < to; i++)
		rt_push_child(it, n->i.child[i], i == from ? sep :
			      n->i.pivot[i - 1]);
}

/* rt_wr_items() - Gather the items of level @k that the new span holds. */
static void rt_wr_items(struct rt_wr *w, unsigned int k, struct rt_items *it)
{
	struct rt_node *pl = w->pre_l[k], *pr = w->pre_r[k];
	unsigned long bsep = 0;

	it->n = 0;
	if (k == 0) {
		unsigned int i = w->rfrom;

		if (w->abs_l[0])
			rt_push_leaf(it, w->abs_l[0], 0, w->abs_l[0]->nr);
		rt_push_leaf(it, pl, 0, w->la);
		if (w->lstraddle)
			rt_push_entry(it, pl->l.start[w->la], w->start,
				      pl->l.entry[w->la]);
		if (w->entry)
			rt_push_entry(it, w->start, w->end, w->entry);
		if (i < pr->nr && pr->l.start[i] < w->end) {
			rt_push_entry(it, w->end, pr->l.end[i],
				      pr->l.entry[i]);
			i++;
		}
		rt_push_leaf(it, pr, i, pr->nr);
		if (w->abs_r[0])
			rt_push_leaf(it, w->abs_r[0], 0, w->abs_r[0]->nr);
		return;
	}
	if (w->abs_l[k]) {
		rt_push_children(it, w->abs_l[k], 0, w->abs_l[k]->nr, 0);
		bsep = w->absl_sep[k];
	}
	rt_push_children(it, pl, 0, w->pfx[k], bsep);
	if (w->pfx[k])
		bsep = pl->i.pivot[w->pfx[k] - 1];
	for (unsigned int g = 0; g < w->ngroups[k - 1]; g++)
		rt_push_child(it, w->newn[k - 1][g],
			      g ? w->newsep[k - 1][g] : bsep);
	if (w->sfx[k] < pr->nr)
		rt_push_children(it, pr, w->sfx[k], pr->nr,
				 pr->i.pivot[w->sfx[k] - 1]);
	if (w->abs_r[k])
		rt_push_children(it, w->abs_r[k], 0, w->abs_r[k]->nr,
				 w->absr_sep[k]);
}

static void rt_fill_leaf(struct rt_node *n, const struct rt_items *it,
			 unsigned int from, unsigned int cnt)
{
	n->leaf = 1;
	n->nr = cnt;
	memcpy(n->l.start, &it->start[from], cnt * sizeof(unsigned long));
	memcpy(n->l.end, &it->end[from], cnt * sizeof(unsigned long));
	memcpy(n->l.entry, &it->entry[from], cnt * sizeof(void *));
}

static void rt_fill_internal(struct rt_node *n, const struct rt_items *it,
			     unsigned int from, unsigned int cnt)
{
	unsigned int i;

	n->leaf = 0;
	n->nr = cnt;
	for (i = 0; i < cnt; i++)
		n->i.child[i] = it->child[from + i];
	for (i = 0; i + 1 < cnt; i++)
		n->i.pivot[i] = it->sep[from + i + 1];
	for (; i < RT_INT_SLOTS - 1; i++)
		n->i.pivot[i] = ULONG_MAX;
}

/* rt_wr_group() - Cut @it into the planned nodes of level @k. */
static void rt_wr_group(struct rt_wr *w, unsigned int k, struct rt_prealloc *pa,
			const struct rt_items *it)
{
	unsigned int T = it->n, g = w->ngroups[k];
	unsigned int cap = k ? RT_INT_SLOTS : RT_LEAF_SLOTS;
	unsigned int from = 0;

	for (unsigned int j = 0; j < g; j++) {
		struct rt_node *n = rt_pa_pop(pa);
		unsigned int cnt;

		switch (w->pack[k]) {
		case RT_PACK_LEFT:
			cnt = j + 1 < g ? cap : T - from;
			break;
		case RT_PACK_RIGHT:
			cnt = j == 0 ? T - (g - 1) * cap : cap;
			break;
		default:
			cnt = T / g + (j < T % g);
			break;
		}
		if (k == 0)
			rt_fill_leaf(n, it, from, cnt);
		else
			rt_fill_internal(n, it, from, cnt);
		w->newn[k][j] = n;
		w->newsep[k][j] = k ? it->sep[from] : it->start[from];
		w->made++;
		from += cnt;
	}
	/* A collapsing root level keeps its single item unwrapped. */
	VAS_BUG_ON(from != T && !(w->collapse && k == w->top));
}

/*
 * rt_wr_retire() - Chain every node of the old span below @n (a node of
 * level @k inside the span) for freeing: @n, and those of its children
 * that lie inside the span of level k - 1. Those run from the left end of
 * that span (a child of pre_l[k]) to its right end (a child of pre_r[k]);
 * an absorbed neighbour gave its children away whole.
 */
static void rt_wr_retire(struct rt_wr *w, unsigned int k, struct rt_node *n)
{
	unsigned int lo = 0, hi;

	/*
	 * k < height <= RT_MAX_HEIGHT (checked by rt_wr_walk); cppcheck cannot
	 * see that VAS_BUG_ON does not return.
	 */
	VAS_BUG_ON(k >= RT_MAX_HEIGHT);
	// cppcheck-suppress arrayIndexOutOfBoundsCond
	if (k > 0 && n != w->abs_l[k] && n != w->abs_r[k]) {
		hi = n->nr - 1;
		// cppcheck-suppress arrayIndexOutOfBoundsCond
		if (n == w->pre_l[k])
			lo = w->ls[k - 1];
		if (n == w->pre_r[k])
			hi = w->rs[k - 1];
		for (unsigned int i = lo; i <= hi; i++)
			rt_wr_retire(w, k - 1, n->i.child[i]);
	}
	rt_wr_kill(w, n);
}

static void rt_free_list(struct rt_node *n);

/* A batch of a destroyed tree after its grace period: free it all. */
static void rt_free_batch_cb(struct vas_rcu_head *head)
{
	struct rt_free_batch *b = container_of(head, struct rt_free_batch, rcu);

	rt_free_list(b->list);
	vas_node_free(b);
}

static void rt_free_list(struct rt_node *n)
{
	while (n) {
		struct rt_node *next = n->free_next;

		vas_node_free(n);
		n = next;
	}
}

/* A store's batch after its grace period: done, or freed if orphaned. */
static void rt_gc_done_cb(struct vas_rcu_head *head)
{
	struct rt_free_batch *b = container_of(head, struct rt_free_batch, rcu);

	if (__atomic_exchange_n(&b->state, RT_GC_DONE, __ATOMIC_ACQ_REL) ==
	    RT_GC_ORPHAN)
		rt_free_batch_cb(head);
}

/*
 * rt_gc_harvest() - Free the nodes of the batches at the head of @t's
 * FIFO whose grace period is over; keep one header as the spare.
 * Context: writer.
 */
static void rt_gc_harvest(struct rt_tree *t)
{
	struct rt_free_batch *b;

	while ((b = t->__gc_head) &&
	       __atomic_load_n(&b->state, __ATOMIC_ACQUIRE) == RT_GC_DONE) {
		t->__gc_head = b->gc_next;
		if (!t->__gc_head)
			t->__gc_tail = NULL;
		rt_free_list(b->list);
		if (!t->__batch)
			t->__batch = b;
		else
			vas_node_free(b);
	}
}

/* Hand the dead nodes to RCU with the tree's spare batch header. */
static void rt_wr_free_dead(struct rt_wr *w)
{
	struct rt_tree *t = w->t;
	struct rt_free_batch *b = t->__batch;

	if (!w->dead)
		return;
	VAS_BUG_ON(!b);
	t->__batch = NULL;
	b->list = w->dead;
	if (w->dead_nodes > RT_GC_KEEP_MAX) {
		/* a big erase: not worth holding for the writer's cache */
		vas_call_rcu(&b->rcu, rt_free_batch_cb);
		return;
	}
	b->gc_next = NULL;
	__atomic_store_n(&b->state, RT_GC_PENDING, __ATOMIC_RELAXED);
	if (t->__gc_tail)
		t->__gc_tail->gc_next = b;
	else
		t->__gc_head = b;
	t->__gc_tail = b;
	vas_call_rcu(&b->rcu, rt_gc_done_cb);
}

/* rt_wr_commit() - Build the planned nodes and publish them. */
static void rt_wr_commit(struct rt_wr *w, struct rt_prealloc *pa)
{
	struct rt_tree *t = w->t;
	struct rt_items it;
	struct rt_node *root;
	unsigned int k, height;

	w->dead = NULL;
	w->dead_nodes = w->dead_entries = w->made = 0;
	for (k = 0; k <= w->top; k++) {
		rt_wr_items(w, k, &it);
		VAS_BUG_ON(it.n != w->nitems[k]);
		rt_wr_group(w, k, pa, &it);
	}
	k = w->top;
	if (k + 1 < w->height) {
		/* Point of no return: one pointer store publishes it all. */
		rcu_assign_pointer(w->ln[k + 1]->i.child[w->ls[k]],
				   w->newn[k][0]);
		rt_wr_retire(w, k, w->ln[k]);
		goto out;
	}

	/* The root is replaced. */
	height = k + 1;
	if (w->collapse) {
		root = it.child[0];
		height = k;
	} else if (w->ngroups[k] == 0) {
		root = NULL;
		height = 0;
	} else if (w->ngroups[k] == 1) {
		root = w->newn[k][0];
	} else {
		it.n = 0;
		for (unsigned int g = 0; g < w->ngroups[k]; g++)
			rt_push_child(&it, w->newn[k][g], w->newsep[k][g]);
		root = rt_pa_pop(pa);
		rt_fill_internal(root, &it, 0, it.n);
		w->made++;
		height++;
	}
	/* An internal root with one child gives way to the child. */
	while (root && !root->leaf && root->nr == 1) {
		unsigned int lvl = height - 1;
		struct rt_node *child = root->i.child[0];

		if (lvl <= w->top && w->ngroups[lvl] == 1 &&
		    w->newn[lvl][0] == root) {
			rt_pa_push(pa, root);
			w->made--;
		} else {
			rt_wr_kill(w, root);
		}
		root = child;
		height--;
	}
	rcu_assign_pointer(t->root, root);
	rt_wr_retire(w, w->height - 1, w->ln[w->height - 1]);
	t->height = height;
out:
	t->nr_entries = t->nr_entries + w->nitems[0] - w->dead_entries;
	t->nr_nodes = t->nr_nodes + w->made - w->dead_nodes;
	rt_wr_free_dead(w);
}

/* ---- writer: entry points ----------------------------------------------- */

void rt_init(struct rt_tree *t)
{
	*t = (struct rt_tree){ .root = NULL };
}

static void rt_wr_init(struct rt_wr *w, struct rt_tree *t, unsigned long start,
		       unsigned long end, void *entry)
{
	w->t = t;
	w->start = start;
	w->end = end;
	w->entry = entry;
	rt_wr_walk(w);
}

/*
 * Nodes and batch header a store of [start, end) with @entry may take.
 * The walk and the plan are kept in t->__plan: the rt_store() that follows
 * with no store in between uses them instead of doing them again.
 */
static unsigned int rt_need(struct rt_tree *t, unsigned long start,
			    unsigned long end, void *entry, bool *batch)
{
	struct rt_wr *w = t->__plan;

	rt_wr_init(w, t, start, end, entry);
	w->planned = true;
	w->plan_seq = t->__seq;
	if (w->fast != RT_FAST_NONE)
		return 0;
	rt_wr_plan(w);
	if (w->height)
		*batch = true;
	return w->need;
}

/*
 * Reserve for a store of [start, end): of a non-NULL entry if @store, of
 * NULL (an erase) if @erase; both when the entry is not known.
 */
static int rt_reserve(struct rt_tree *t, struct rt_prealloc *pa,
		      unsigned long start, unsigned long end, bool store,
		      bool erase)
{
	struct rt_node *got = NULL;
	unsigned int need = 0, need_erase = 0, nr = 0;
	bool batch = false;

	if (VAS_WARN_ON(start >= end))
		return 0;
	rt_gc_harvest(t);
	if (!t->__plan) {
		/* once per tree: kept until rt_destroy() */
		t->__plan = vas_alloc(sizeof(*t->__plan), VAS_FP_TREE_NODE);
		if (!t->__plan)
			return -ENOMEM;
		t->__plan->planned = false;
	}
	if (store)
		need = rt_need(t, start, end, (void *)1, &batch);
	if (erase)
		need_erase = rt_need(t, start, end, NULL, &batch);
	if (need_erase > need)
		need = need_erase;
	if (batch && !t->__batch) {
		/* a pooled node-sized block: headers, too, are freed by
		 * the RCU callback thread */
		t->__batch = vas_node_alloc(VAS_FP_TREE_NODE);
		if (!t->__batch)
			return -ENOMEM;
	}
	while (pa->nr + nr < need) {
		struct rt_node *n = vas_node_alloc(VAS_FP_TREE_NODE);

		if (!n) {
			while (got) {
				n = got->free_next;
				vas_node_free(got);
				got = n;
			}
			return -ENOMEM;
		}
		n->free_next = got;
		got = n;
		nr++;
	}
	while (got) {
		struct rt_node *n = got->free_next;

		rt_pa_push(pa, got);
		got = n;
	}
	return 0;
}

int rt_preallocate(struct rt_tree *t, struct rt_prealloc *pa,
		   unsigned long start, unsigned long end)
{
	return rt_reserve(t, pa, start, end, true, true);
}

int rt_preallocate_entry(struct rt_tree *t, struct rt_prealloc *pa,
			 unsigned long start, unsigned long end, bool erase)
{
	return rt_reserve(t, pa, start, end, !erase, erase);
}

void rt_prealloc_release(struct rt_prealloc *pa)
{
	while (pa->nodes) {
		struct rt_node *n = pa->nodes;

		pa->nodes = n->free_next;
		vas_node_free(n);
	}
	pa->nr = 0;
}

void rt_store(struct rt_tree *t, struct rt_prealloc *pa, unsigned long start,
	      unsigned long end, void *entry)
{
	struct rt_wr local, *w = t->__plan;
	struct rt_node *n;
	unsigned int i;
	bool planned;

	if (VAS_WARN_ON(start >= end))
		return;
	planned = w && w->planned && w->plan_seq == t->__seq &&
		  w->start == start && w->end == end && !w->entry == !entry;
	if (planned) {
		w->entry = entry;
	} else {
		if (!w)
			w = &local;
		rt_wr_init(w, t, start, end, entry);
	}
	if (t->__plan)
		t->__plan->planned = false;
	n = w->fast != RT_FAST_NONE ? w->ln[0] : NULL;
	switch (w->fast) {
	case RT_FAST_NOOP:
		return;
	case RT_FAST_OVERWRITE:
		__atomic_store_n(&n->l.entry[w->la], entry, __ATOMIC_RELEASE);
		goto out;
	case RT_FAST_APPEND:
		i = n->nr;
		n->l.start[i] = start;
		n->l.end[i] = end;
		n->l.entry[i] = entry;
		/* The slot is written before readers can count it. */
		__atomic_store_n(&n->nr, i + 1, __ATOMIC_RELEASE);
		t->nr_entries++;
		goto out;
	default:
		break;
	}
	if (!planned)
		rt_wr_plan(w);
	VAS_BUG_ON(pa->nr < w->need);
	if (!w->height) {
		if (!entry)
			return;
		n = rt_pa_pop(pa);
		n->leaf = 1;
		n->nr = 1;
		n->l.start[0] = start;
		n->l.end[0] = end;
		n->l.entry[0] = entry;
		rcu_assign_pointer(t->root, n);
		t->height = 1;
		t->nr_entries = 1;
		t->nr_nodes = 1;
		goto out;
	}
	rt_wr_commit(w, pa);
out:
	WRITE_ONCE(t->__seq, t->__seq + 1);
}

static void rt_destroy_node(struct rt_node *n, struct rt_node **list)
{
	if (!n->leaf)
		for (unsigned int i = 0; i < n->nr; i++)
			rt_destroy_node(n->i.child[i], list);
	n->free_next = *list;
	*list = n;
}

void rt_destroy(struct rt_tree *t)
{
	struct rt_free_batch *b = t->__batch, *g;
	struct rt_node *list = NULL;

	/* batches still waiting: their callbacks free them from now on */
	while ((g = t->__gc_head)) {
		t->__gc_head = g->gc_next;
		if (__atomic_exchange_n(&g->state, RT_GC_ORPHAN,
					__ATOMIC_ACQ_REL) == RT_GC_DONE) {
			rt_free_list(g->list);
			vas_node_free(g);
		}
	}
	t->__gc_tail = NULL;

	vas_free(t->__plan);
	t->__plan = NULL;
	t->__batch = NULL;
	if (t->root)
		rt_destroy_node(t->root, &list);
	rcu_assign_pointer(t->root, NULL);
	t->height = 0;
	t->nr_entries = 0;
	t->nr_nodes = 0;
	WRITE_ONCE(t->__seq, t->__seq + 1);
	if (!list) {
		vas_node_free(b);
		return;
	}
	if (!b)
		b = vas_node_alloc(VAS_FP_TREE_NODE);
	if (b) {
		b->list = list;
		vas_call_rcu(&b->rcu, rt_free_batch_cb);
		return;
	}
	/* No memory for a batch header: wait for the readers instead. */
	vas_synchronize_rcu();
	while (list) {
		struct rt_node *n = list->free_next;

		vas_node_free(list);
		list = n;
	}
}

/* ---- bulk copy and truncation (fork) ------------------------------------ */

/* Free @n and everything below it at once; count nodes and ranges. */
static void rt_free_subtree(struct rt_node *n, unsigned long *nodes,
			    unsigned long *entries)
{
	if (n->leaf)
		*entries += n->nr;
	else
		for (unsigned int i = 0; i < n->nr; i++)
			rt_free_subtree(n->i.child[i], nodes, entries);
	(*nodes)++;
	vas_node_free(n);
}

/* A copy of the subtree under @n, or NULL with nothing left allocated. */
static struct rt_node *rt_dup_node(const struct rt_node *n)
{
	struct rt_node *c = vas_node_alloc(VAS_FP_TREE_NODE);
	unsigned long nodes = 0, entries = 0;

	if (!c)
		return NULL;
	memcpy(c, n, sizeof(*c));
	c->free_next = NULL;
	if (n->leaf)
		return c;
	for (unsigned int i = 0; i < n->nr; i++) {
		c->i.child[i] = rt_dup_node(n->i.child[i]);
		if (!c->i.child[i]) {
			while (i--)
				rt_free_subtree(c->i.child[i], &nodes, &entries);
			vas_node_free(c);
			return NULL;
		}
	}
	return c;
}

int rt_dup(struct rt_tree *dst, const struct rt_tree *src)
{
	struct rt_node *root = NULL;

	VAS_BUG_ON(dst->root);
	if (src->root) {
		root = rt_dup_node(src->root);
		if (!root)
			return -ENOMEM;
	}
	dst->height = src->height;
	dst->nr_entries = src->nr_entries;
	dst->nr_nodes = src->nr_nodes;
	rcu_assign_pointer(dst->root, root);
	WRITE_ONCE(dst->__seq, dst->__seq + 1);
	return 0;
}

void rt_iter_replace(struct rt_iter *it, void *entry)
{
	struct rt_node *n = (struct rt_node *)it->__leaf;

	VAS_BUG_ON(!n || !it->__slot || !entry ||
		   READ_ONCE(it->tree->__seq) != it->__seq);
	__atomic_store_n(&n->l.entry[it->__slot - 1], entry, __ATOMIC_RELEASE);
}

/*
 * Cut the tree at @from along the path @from routes to: the nodes of the
 * path keep what lies left of it and become the last nodes of their
 * levels (which may hold a single item); everything right of the path is
 * freed; a path node left empty goes too, and a root left with one child
 * gives way to it.
 */
void rt_truncate(struct rt_tree *t, unsigned long from)
{
	struct rt_node *path[RT_MAX_HEIGHT], *n = t->root;
	unsigned int slot[RT_MAX_HEIGHT], keep, k;
	unsigned long nodes = 0, entries = 0;

	if (!n)
		return;
	VAS_BUG_ON(t->height > RT_MAX_HEIGHT);
	for (k = t->height - 1; k > 0; k--) {
		path[k] = n;
		slot[k] = rt_route(n, from);
		n = n->i.child[slot[k]];
	}
	path[0] = n;
	/* the leaf keeps the ranges that end at or below @from */
	keep = rt_leaf_find(n, n->nr, from);
	entries += n->nr - keep;
	for (k = 0;; k++) {
		n = path[k];
		if (k > 0) {
			/* children right of the path go whole */
			for (unsigned int i = slot[k] + 1; i < n->nr; i++)
				rt_free_subtree(n->i.child[i], &nodes,
						&entries);
			for (unsigned int i = keep ? keep - 1 : 0;
			     i < RT_INT_SLOTS - 1; i++)
				n->i.pivot[i] = ULONG_MAX;
		}
		if (keep) {
			n->nr = keep;
		} else {
			nodes++;
			vas_node_free(n);
		}
		if (k + 1 == t->height)
			break;
		/* the parent keeps the children left of this one, and it */
		keep = slot[k + 1] + (keep ? 1 : 0);
	}
	n = keep ? path[t->height - 1] : NULL;
	t->nr_entries -= entries;
	t->nr_nodes -= nodes;
	while (n && !n->leaf && n->nr == 1) {
		struct rt_node *child = n->i.child[0];

		vas_node_free(n);
		t->nr_nodes--;
		t->height--;
		n = child;
	}
	if (!n)
		t->height = 0;
	rcu_assign_pointer(t->root, n);
	WRITE_ONCE(t->__seq, t->__seq + 1);
}

size_t rt_node_bytes(const struct rt_tree *t)
{
	return t->nr_nodes * RT_NODE_SIZE;
}

/* ---- validation --------------------------------------------------------- */

struct rt_vstate {
	const struct rt_tree *t;
	unsigned long entries, nodes, prev_end;
	bool have_prev;
	int errors;
};

__printf(2, 3) static void rt_verr(struct rt_vstate *vs, const char *fmt, ...);

static void rt_verr(struct rt_vstate *vs, const char *fmt, ...)
{
	va_list ap;

	if (vs->errors++ >= 10)
		return;
	fprintf(stderr, "rt_validate(%p): ", (const void *)vs->t);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/*
 * rt_validate_node() - Check @n, at @depth below the root, whose ranges
 * must lie in [lo, hi) (each bound only if has_lo/has_hi); first/last say
 * whether it is the first/last node of its level.
 */
static void rt_validate_node(struct rt_vstate *vs, const struct rt_node *n,
			     unsigned int depth, bool has_lo, unsigned long lo,
			     bool has_hi, unsigned long hi, bool first,
			     bool last)
{
	const struct rt_tree *t = vs->t;
	bool root = depth == 0, edge = first || last;
	unsigned int nr = n->nr, i;

	vs->nodes++;
	if (depth >= RT_MAX_HEIGHT || depth >= t->height) {
		rt_verr(vs, "node %p at depth %u, height %u", (const void *)n,
			depth, t->height);
		return;
	}
	if ((bool)n->leaf != (depth + 1 == t->height)) {
		rt_verr(vs, "node %p leaf=%u at depth %u of height %u",
			(const void *)n, n->leaf, depth, t->height);
		return;
	}
	if (n->leaf) {
		if (nr < 1 || nr > RT_LEAF_SLOTS ||
		    (!root && !edge && nr < RT_LEAF_MIN)) {
			rt_verr(vs, "leaf %p holds %u ranges", (const void *)n,
				nr);
			if (nr > RT_LEAF_SLOTS)
				return;
		}
		for (i = 0; i < nr; i++) {
			unsigned long s = n->l.start[i], e = n->l.end[i];

			vs->entries++;
			if (s >= e)
				rt_verr(vs, "leaf %p slot %u: empty range "
					"[%#lx, %#lx)", (const void *)n, i, s,
					e);
			if (!n->l.entry[i])
				rt_verr(vs, "leaf %p slot %u: NULL entry",
					(const void *)n, i);
			if (vs->have_prev && s < vs->prev_end)
				rt_verr(vs, "leaf %p slot %u: [%#lx, %#lx) "
					"overlaps or precedes the range ending "
					"at %#lx", (const void *)n, i, s, e,
					vs->prev_end);
			if ((has_lo && s < lo) || (has_hi && e > hi))
				rt_verr(vs, "leaf %p slot %u: [%#lx, %#lx) "
					"outside [%#lx, %#lx)", (const void *)n,
					i, s, e, has_lo ? lo : 0,
					has_hi ? hi : ULONG_MAX);
			vs->have_prev = true;
			vs->prev_end = e;
		}
		return;
	}
	if (nr < (root ? 2u : 1u) || nr > RT_INT_SLOTS ||
	    (!root && !edge && nr < RT_INT_MIN)) {
		rt_verr(vs, "internal node %p holds %u children",
			(const void *)n, nr);
		if (nr > RT_INT_SLOTS || nr == 0)
			return;
	}
	for (i = 0; i < RT_INT_SLOTS - 1; i++) {
		unsigned long p = n->i.pivot[i];

		if (i + 1 >= nr) {
			if (p != ULONG_MAX)
				rt_verr(vs, "node %p: unused pivot %u = %#lx",
					(const void *)n, i, p);
			continue;
		}
		if ((i > 0 && p <= n->i.pivot[i - 1]) ||
		    (i == 0 && has_lo && p <= lo) || (has_hi && p >= hi) ||
		    p == ULONG_MAX)
			rt_verr(vs, "node %p: pivot %u = %#lx out of order",
				(const void *)n, i, p);
	}
	for (i = 0; i < nr; i++) {
		const struct rt_node *c = n->i.child[i];

		if (!c) {
			rt_verr(vs, "node %p: NULL child %u", (const void *)n,
				i);
			continue;
		}
		rt_validate_node(vs, c, depth + 1,
				 i > 0 || has_lo, i > 0 ? n->i.pivot[i - 1] : lo,
				 i + 1 < nr || has_hi,
				 i + 1 < nr ? n->i.pivot[i] : hi,
				 first && i == 0, last && i + 1 == nr);
	}
}

int rt_validate(const struct rt_tree *t)
{
	struct rt_vstate vs = { .t = t };

	if (!t->root) {
		if (t->height || t->nr_entries || t->nr_nodes)
			rt_verr(&vs, "empty tree with height %u, %lu entries, "
				"%lu nodes", t->height, t->nr_entries,
				t->nr_nodes);
	} else {
		if (!t->height)
			rt_verr(&vs, "root %p but height 0",
				(const void *)t->root);
		else
			rt_validate_node(&vs, t->root, 0, false, 0, false, 0,
					 true, true);
		if (vs.entries != t->nr_entries)
			rt_verr(&vs, "counted %lu entries, tree says %lu",
				vs.entries, t->nr_entries);
		if (vs.nodes != t->nr_nodes)
			rt_verr(&vs, "counted %lu nodes, tree says %lu",
				vs.nodes, t->nr_nodes);
	}
	return vs.errors ? -EUCLEAN : 0;
}
