/* SPDX-License-Identifier: MIT */
/*
 * rt.h - the RCU-safe range tree that holds an address space's VMAs.
 *
 * The tree maps non-overlapping half-open ranges [start, end) of unsigned
 * long to non-NULL entries (VMA pointers). It plays the part of the maple
 * tree behind mm->mm_mt in Linux.
 *
 * Concurrency (docs/tree.md has the pairwise table):
 *  - Readers (rt_lookup, rt_find, rt_prev, rt_next, rt_iter_*) take no lock;
 *    they run inside an RCU read-side section (vas_rcu_read_lock), or hold
 *    the writer's lock.
 *  - Writers (rt_preallocate, rt_store, rt_destroy) are serialised by the
 *    caller (the mmap write lock); the tree has no lock of its own.
 *  - A store is atomic to readers: for every address, a reader sees either
 *    the state before the store or the state after it, never a torn range
 *    and never freed memory. Nodes a store replaces are freed after an RCU
 *    grace period.
 *  - A store cannot fail: rt_preallocate() reserves the worst case first.
 *
 * Entries are opaque to the tree; it never dereferences them.
 */
#ifndef VAS_TREE_RT_H
#define VAS_TREE_RT_H

#include <stddef.h>
#include <stdint.h>
#include "base/compiler.h"

struct rt_free_batch;
struct rt_wr;

#define RT_NODE_SIZE 256
#define RT_LEAF_SLOTS 10
#define RT_INT_SLOTS 15

/*
 * A node of the tree. Private to rt.c, except that the iterator's inline
 * step below reads leaves; nothing else may look inside.
 *
 * Locking key:
 *  (c) constant once the node is published
 *  (W) written only by the writer
 *  (R) RCU readers read it without a lock (atomic loads)
 *  (I) written in place after publication, by one atomic store (rt.c)
 *
 * Leaf slots at index >= nr may be written by the writer while the node is
 * published (append); readers never look past the nr they loaded.
 */
struct rt_node {
	uint32_t nr;			/* (c,R) items; leaves (I): grows only */
	uint8_t leaf;			/* (c) 1 for leaves */
	uint8_t __pad[3];
	struct rt_node *free_next;	/* (W) spare / dead-node chain */
	union {
		struct {
			unsigned long end[RT_LEAF_SLOTS];	/* (c) */
			unsigned long start[RT_LEAF_SLOTS];	/* (c) */
			void *entry[RT_LEAF_SLOTS];		/* (c,I) */
		} l;
		struct {
			/* (c) unused ones are ULONG_MAX */
			unsigned long pivot[RT_INT_SLOTS - 1];
			struct rt_node *child[RT_INT_SLOTS];	/* (c,I) */
		} i;
	};
};

/* Readers' loads of the fields that change in place. */
static inline unsigned int rt_nr(const struct rt_node *n)
{
	return __atomic_load_n(&n->nr, __ATOMIC_ACQUIRE);
}

static inline const struct rt_node *rt_child(const struct rt_node *n,
					     unsigned int i)
{
	return __atomic_load_n(&n->i.child[i], __ATOMIC_ACQUIRE);
}

static inline void *rt_entry(const struct rt_node *n, unsigned int i)
{
	return __atomic_load_n(&n->l.entry[i], __ATOMIC_ACQUIRE);
}

/*
 * Locking key:
 *  (W) written only by the (externally serialised) writer
 *  (R) RCU readers may read without a lock
 */
struct rt_tree {
	/*
	 * Readers load root on every lookup; the fields stores write every
	 * time live on the next cache line, so lookups of a tree that is not
	 * being restructured do not miss on them (bench_vma_lock).
	 */
	struct rt_node *root;		/* (W,R) NULL when empty */
	unsigned int height;		/* (W) 0 when empty */
	unsigned long nr_entries	/* (W) ranges stored */
		__attribute__((aligned(64)));
	unsigned long nr_nodes;		/* (W) nodes allocated, live */
	/* private: */
	unsigned long __seq;		/* (W,R) bumped by every store */
	struct rt_free_batch *__batch;	/* (W) spare RCU free-batch header */
	/* (W) batches of replaced nodes waiting for their grace period */
	struct rt_free_batch *__gc_head, *__gc_tail;
	struct rt_wr *__plan;		/* (W) the store last planned (rt.c) */
};

/* Nodes reserved by rt_preallocate() for one rt_store(). */
struct rt_prealloc {
	struct rt_node *nodes;		/* singly linked spares */
	unsigned int nr;		/* how many */
};

#define RT_PREALLOC_INIT { NULL, 0 }

/** rt_init() - Initialise an empty tree. Context: before publication. */
void rt_init(struct rt_tree *t);

/**
 * rt_destroy() - Free every node of @t, and its plan; entries are not
 * touched. The tree is empty and usable afterwards.
 * Context: writer; no reader may still be able to reach the tree except
 * through an RCU read-side section (nodes are freed after a grace period).
 */
void rt_destroy(struct rt_tree *t);

/**
 * rt_lookup() - The entry whose range contains @addr.
 * @start, @end: if not NULL, receive the range of the entry found.
 * Context: inside an RCU read-side section, or the writer.
 * Return: the entry, or NULL if @addr is in no range.
 */
void *rt_lookup(const struct rt_tree *t, unsigned long addr,
		unsigned long *start, unsigned long *end);

/**
 * rt_find() - The first entry whose range ends above @addr (the one that
 * contains @addr, else the next one above it): Linux's find_vma().
 * Context and return: as rt_lookup().
 */
void *rt_find(const struct rt_tree *t, unsigned long addr,
	      unsigned long *start, unsigned long *end);

/**
 * rt_prev() - The last entry whose range ends at or below @addr (the
 * entry before the one that contains or follows @addr): Linux's vma_prev().
 * Context and return: as rt_lookup().
 */
void *rt_prev(const struct rt_tree *t, unsigned long addr,
	      unsigned long *start, unsigned long *end);

/**
 * rt_next() - The first entry whose range starts at or above @addr.
 * Context and return: as rt_lookup().
 */
void *rt_next(const struct rt_tree *t, unsigned long addr,
	      unsigned long *start, unsigned long *end);

/*
 * Iteration over the entries that intersect [a, b), in address order.
 * Context: inside one RCU read-side section for the whole walk, or the
 * writer (stores between steps are allowed: the next step routes again),
 * or a reader that excludes the writer (the mmap lock, read or write) and
 * may drop that exclusion between steps. A reader racing with stores sees
 * each address in some state that the tree has had; the walk never
 * repeats or goes back. Steps walk the leaves in order (a root-to-leaf
 * walk only after a store, or once per parent's worth of leaves).
 */
struct rt_iter {
	const struct rt_tree *tree;
	unsigned long pos;	/* next address to look at */
	unsigned long limit;	/* b */
	/* private: */
	const struct rt_node *__leaf;	/* leaf of the next slot, or NULL */
	const struct rt_node *__parent;	/* its parent; NULL for a root leaf */
	unsigned int __slot;		/* next slot of __leaf */
	unsigned int __pslot;		/* __leaf's slot in __parent */
	unsigned long __seq;	/* tree->__seq when __leaf was found */
};

void rt_iter_init(struct rt_iter *it, const struct rt_tree *t,
		  unsigned long a, unsigned long b);
/* rt_iter_next() when the next entry is not in the remembered leaf. */
void *rt_iter_next_slow(struct rt_iter *it, unsigned long *start,
			unsigned long *end);

/*
 * rt_iter_step() - The inline part of rt_iter_next(), on an iterator's
 * fields (@leaf, @slot, @seq, @pos, @limit): the next slot of the same
 * leaf, if no store has happened since @seq was read.
 * Return: its entry, @pos and @slot moved past it; or NULL, nothing
 * changed, when rt_iter_next_slow() must decide.
 */
static inline void *rt_iter_step(const struct rt_tree *t,
				 const struct rt_node *leaf, unsigned int *slot,
				 unsigned long seq, unsigned long *pos,
				 unsigned long limit, unsigned long *start,
				 unsigned long *end)
{
	unsigned int i = *slot;
	unsigned long s, e;

	if (!leaf || *pos >= limit || READ_ONCE(t->__seq) != seq ||
	    i >= rt_nr(leaf))
		return NULL;
	s = leaf->l.start[i];
	if (s >= limit)
		return NULL;
	e = leaf->l.end[i];
	*pos = e;
	*slot = i + 1;
	if (start)
		*start = s;
	if (end)
		*end = e;
	return rt_entry(leaf, i);
}

/* rt_iter_next() - The next entry intersecting [a, b), or NULL at the end. */
static inline void *rt_iter_next(struct rt_iter *it, unsigned long *start,
				 unsigned long *end)
{
	void *entry = rt_iter_step(it->tree, it->__leaf, &it->__slot,
				   it->__seq, &it->pos, it->limit, start, end);

	return likely(entry) ? entry : rt_iter_next_slow(it, start, end);
}

/*
 * rt_iter_prev_entry() - The entry before the one the iterator's last step
 * returned (Linux's vma_prev from a vma_iterator), found from the
 * iterator's leaf and parent, walking from the root only when it is in
 * neither. @start, @end: if not NULL, receive its range.
 * Context: the writer, with no store since that step.
 * Return: the entry, or NULL if there is none before it.
 */
void *rt_iter_prev_entry(const struct rt_iter *it, unsigned long *start,
			 unsigned long *end);

/*
 * rt_iter_next_entry() - The entry after the one the iterator's last step
 * returned, whatever the iterator's limit (Linux's vma_next).
 * Context: as rt_iter_prev_entry(). Return: the entry, or NULL if none.
 */
void *rt_iter_next_entry(const struct rt_iter *it, unsigned long *start,
			 unsigned long *end);

/*
 * rt_iter_prev_end() - The end of the entry before the one the iterator's
 * last step returned: rt_iter_prev_entry()'s, as a bool.
 * Context: as rt_iter_prev_entry().
 * Return: true and *@end, or false if there is no entry before it.
 */
bool rt_iter_prev_end(const struct rt_iter *it, unsigned long *end);

/*
 * rt_iter_next_start() - The start of the entry after the one the
 * iterator's last step returned, whatever the iterator's limit.
 * Context: as rt_iter_prev_entry(). Return: true and *@start, or false if
 * there is no entry after it.
 */
bool rt_iter_next_start(const struct rt_iter *it, unsigned long *start);

/*
 * rt_iter_seek() - Make @it iterate [@a, @b) (an initialised iterator of
 * the same tree, at any point of its walk): its next step returns the first
 * entry whose range ends above @a, if that entry starts below @b. It starts
 * from the leaf the iterator remembers when the answer is provably there
 * or in the leaf's right sibling and no store has happened since, else it
 * walks from the root (Linux's vma_iter_set + a walk, from the iterator's
 * node when it can). Unlike a walk that ends, a seek keeps its position
 * even when that entry starts at or above @b, or when there is none (the
 * end of the last leaf), so a copy of the iterator taken right after it
 * can serve a later seek nearby.
 * Context: the writer, or a reader that excludes the writer (the mmap
 * lock); between steps as rt_iter_next() allows.
 * Return: the entry the next step will return (not taken yet), or NULL
 * when that step would return NULL (no step is needed).
 */
void *rt_iter_seek(struct rt_iter *it, unsigned long a, unsigned long b);

/**
 * rt_preallocate() - Reserve the nodes that storing [@start, @end) into @t
 * can need, in the tree's present shape, adding them to @pa. The walk and
 * plan it makes are kept for the rt_store() of that range that follows.
 * Context: writer. May allocate (site VAS_FP_TREE_NODE; the first call on
 * a tree also allocates the tree's plan, kept until rt_destroy()).
 * Return: 0, or -ENOMEM with @pa holding what it held before.
 */
int rt_preallocate(struct rt_tree *t, struct rt_prealloc *pa,
		   unsigned long start, unsigned long end) VAS_MUST_CHECK;

/**
 * rt_preallocate_entry() - rt_preallocate() for a store whose kind is
 * known: of NULL (an erase) if @erase, else of a non-NULL entry. Half the
 * work of rt_preallocate(); the store that follows must be of that kind.
 * Context, return: as rt_preallocate().
 */
int rt_preallocate_entry(struct rt_tree *t, struct rt_prealloc *pa,
			 unsigned long start, unsigned long end, bool erase)
	VAS_MUST_CHECK;

/**
 * rt_store() - Map every address of [@start, @end) to @entry, atomically.
 * @entry: the new entry, or NULL to erase the range.
 *
 * Ranges that the store overlaps lose the overlapped part: a range wholly
 * inside disappears, one that straddles an edge keeps its outside part
 * (with the same entry), one that covers the whole of [start, end) is cut
 * in two. Nodes come from @pa, which must have been filled by
 * rt_preallocate() for this range with no store in between.
 *
 * A store of a non-NULL @entry over exactly one existing range (same start
 * and end) replaces the entry in place and takes no node: it needs no
 * preallocation, even right after another store. Callers rely on this to
 * follow one store with such an overwrite (vma_replace_range).
 * Context: writer. Never fails, never allocates.
 */
void rt_store(struct rt_tree *t, struct rt_prealloc *pa, unsigned long start,
	      unsigned long end, void *entry);

/** rt_prealloc_release() - Free the nodes left in @pa. Context: writer. */
void rt_prealloc_release(struct rt_prealloc *pa);

/**
 * rt_dup() - Make empty @dst a copy of @src, node by node (Linux's
 * __mt_dup): same shape, same ranges, same entries. Much cheaper than one
 * store per range; the caller then replaces the entries (rt_iter_replace())
 * and erases the ranges it does not want.
 * Context: the writer of both trees; @dst is empty.
 * Return: 0, or -ENOMEM with @dst still empty and nothing allocated.
 */
int rt_dup(struct rt_tree *dst, const struct rt_tree *src) VAS_MUST_CHECK;

/**
 * rt_iter_replace() - Replace, in place, the entry that rt_iter_next()
 * last returned with @entry (not NULL). Takes no node and does not count
 * as a store: the iteration goes on from where it was.
 * Context: the writer, with no store since that rt_iter_next().
 */
void rt_iter_replace(struct rt_iter *it, void *entry);

/**
 * rt_truncate() - Remove every range that ends above @from (a range that
 * contains @from goes whole). Never allocates; frees the nodes at once.
 * Context: the writer of a tree that no RCU reader can walk (nodes change
 * in place): one whose readers all hold the writer's lock, such as a
 * child's tree while fork builds it under the child's mmap write lock.
 */
void rt_truncate(struct rt_tree *t, unsigned long from);

/**
 * rt_validate() - Check every invariant of @t (key order, no overlap, node
 * fill, heights, counts). Context: writer, or no concurrent writer.
 * Return: 0, or -EUCLEAN after printing what is wrong to stderr.
 */
int rt_validate(const struct rt_tree *t);

/** rt_node_bytes() - Bytes of nodes the tree holds. Context: writer. */
size_t rt_node_bytes(const struct rt_tree *t);

#endif /* VAS_TREE_RT_H */
