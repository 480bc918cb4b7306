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

struct rt_node;
struct rt_free_batch;

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
 * rt_destroy() - Free every node of @t; entries are not touched.
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
 * writer between stores. A reader racing with stores sees each address in
 * some state that the tree has had; the walk never repeats or goes back.
 */
struct rt_iter {
	const struct rt_tree *tree;
	unsigned long pos;	/* next address to look at */
	unsigned long limit;	/* b */
	/* private: */
	const struct rt_node *__leaf;
	unsigned int __slot;
	unsigned long __seq;	/* tree->__seq when __leaf was found */
};

void rt_iter_init(struct rt_iter *it, const struct rt_tree *t,
		  unsigned long a, unsigned long b);
/* Return: the next entry intersecting [a, b), or NULL at the end. */
void *rt_iter_next(struct rt_iter *it, unsigned long *start,
		   unsigned long *end);

/**
 * rt_preallocate() - Reserve the nodes that storing [@start, @end) into @t
 * can need, in the tree's present shape, adding them to @pa.
 * Context: writer. May allocate (site VAS_FP_TREE_NODE).
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
 * rt_validate() - Check every invariant of @t (key order, no overlap, node
 * fill, heights, counts). Context: writer, or no concurrent writer.
 * Return: 0, or -EUCLEAN after printing what is wrong to stderr.
 */
int rt_validate(const struct rt_tree *t);

/** rt_node_bytes() - Bytes of nodes the tree holds. Context: writer. */
size_t rt_node_bytes(const struct rt_tree *t);

#endif /* VAS_TREE_RT_H */
