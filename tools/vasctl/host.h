/* SPDX-License-Identifier: MIT */
/*
 * host.h - the facts of a host kernel that change what a script prints,
 * the reference configuration the recordings (tests/conformance/NAME.expected)
 * were made with, and the probe that finds the facts of the running host.
 *
 * The probe (vasctl_host_probe) maps memory, reads /proc and /sys and
 * writes a file in a scratch folder; every decision it takes from what it
 * read is a pure function below (parsing smaps, status and sysfs text,
 * comparing facts, choosing what a script depends on), so the decisions
 * can be tested with made-up inputs for hosts that are not this one.
 *
 * Also here: the kernel runner's stand-in for a host without the zero page
 * (vasctl_unzero), used to check on an ordinary host what a script prints
 * on a host whose kernel maps no zero page.
 */
#ifndef VASCTL_HOST_H
#define VASCTL_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct vasctl_script;

/* A number fact that could not be found. */
#define VASCTL_UNKNOWN UINT64_MAX
/* An RLIMIT without a limit (RLIM_INFINITY). */
#define VASCTL_UNLIMITED (UINT64_MAX - 1)

/* Capability bits of CapEff (linux/capability.h). */
#define VASCTL_CAP_IPC_LOCK 14
#define VASCTL_CAP_SYS_RAWIO 17

/* How a file is written by `file`: pieces of this many bytes (script.md). */
#define VASCTL_FILE_PIECE 16384

/**
 * struct vasctl_host - the facts of a kernel (and of the process running
 * vasctl) that change a script's output. Numbers are VASCTL_UNKNOWN when
 * the probe could not find them; tri-state facts are 1 (yes), 0 (no) or
 * -1 (unknown).
 * @release:        uname -r; the reference names only its series ("6.18").
 * @zero_page:      an anonymous read fault maps the shared zero page (Rss
 *                  of a page only read is 0).
 * @thp:            the bracketed mode of
 *                  /sys/kernel/mm/transparent_hugepage/enabled, "none"
 *                  when the kernel has no THP (MADV_HUGEPAGE is -EINVAL).
 *                  The runners disable THP for their process, so only
 *                  whether THP exists changes an output.
 * @file_folio:     bytes of the page-cache folio that holds the first page
 *                  of a file written in VASCTL_FILE_PIECE pieces on the
 *                  scratch file system (from /proc/kpageflags; needs
 *                  CAP_SYS_ADMIN, else unknown).
 * @file_fault_kb:  Rss in kB after one shared write fault on that page:
 *                  how much Linux's finish_fault maps at once.
 * @mmap_min_addr:  vm.mmap_min_addr: below it a fixed mapping needs
 *                  CAP_SYS_RAWIO.
 * @mmap_min_floor: the address a hint below it is raised to (Linux's
 *                  mmap_min_addr, which a security module may raise above
 *                  vm.mmap_min_addr).
 * @max_map_count:  vm.max_map_count.
 * @cap_ipc_lock:   CAP_IPC_LOCK is effective (mlock past RLIMIT_MEMLOCK).
 * @cap_sys_rawio:  CAP_SYS_RAWIO is effective.
 * @rlimit_stack:   soft RLIMIT_STACK in bytes (stack growth).
 * @rlimit_memlock: soft RLIMIT_MEMLOCK in bytes.
 * @rlimit_as:      soft RLIMIT_AS in bytes.
 * @rlimit_data:    soft RLIMIT_DATA in bytes.
 * @mem_total_kb:   MemTotal of /proc/meminfo: the RAM commit accounting
 *                  counts (a private writable mapping larger than RAM +
 *                  swap is refused with vm.overcommit_memory 0).
 * @swap_total_kb:  SwapTotal of /proc/meminfo.
 * @overcommit_memory, @overcommit_ratio, @overcommit_kbytes,
 * @admin_reserve_kbytes, @user_reserve_kbytes: the vm.* sysctls of commit
 *                  accounting (/proc/sys/vm).
 * @nr_hugepages:   vm.nr_hugepages: huge pages reserved for MAP_HUGETLB
 *                  (the model has none).
 */
struct vasctl_host {
	char release[65];
	int zero_page;
	char thp[16];
	uint64_t file_folio;
	uint64_t file_fault_kb;
	uint64_t mmap_min_addr;
	uint64_t mmap_min_floor;
	uint64_t max_map_count;
	int cap_ipc_lock;
	int cap_sys_rawio;
	uint64_t rlimit_stack;
	uint64_t rlimit_memlock;
	uint64_t rlimit_as;
	uint64_t rlimit_data;
	uint64_t mem_total_kb;
	uint64_t swap_total_kb;
	uint64_t overcommit_memory;
	uint64_t overcommit_ratio;
	uint64_t overcommit_kbytes;
	uint64_t admin_reserve_kbytes;
	uint64_t user_reserve_kbytes;
	uint64_t nr_hugepages;
};

/*
 * vasctl_reference - the reference configuration: the host the recordings
 * were made on (tests/conformance/README.md). `vasctl run` gives the model
 * these facts unless told otherwise.
 */
extern const struct vasctl_host vasctl_reference;

/**
 * vasctl_host_probe() - Find the facts of the running host.
 * @h: filled; facts the probe cannot find are unknown.
 *
 * Maps and unmaps memory in this process, disables THP for it (as the
 * kernel runner does), and writes and removes a file in a scratch folder.
 * Then $VAS_TEST_HOST, if set, overrides facts (vasctl_host_set()).
 * Return: 0, or -1 after printing why the probe could not run at all (or
 * why $VAS_TEST_HOST is wrong).
 */
int vasctl_host_probe(struct vasctl_host *h);

/**
 * vasctl_probe_zero_page() - The zero-page part of vasctl_host_probe():
 * does an anonymous read fault map the zero page here?
 * Return: 1, 0, or -1 if it cannot tell (vasctl_zero_page_of()).
 */
int vasctl_probe_zero_page(void);

/**
 * vasctl_meminfo_kb() - The figure of the line @field ("MemTotal:") of
 * /proc/meminfo text @meminfo, in kB.
 * Return: 0 with *@kb set, or -1 if the line is missing or malformed.
 */
int vasctl_meminfo_kb(const char *meminfo, const char *field, uint64_t *kb);

/**
 * vasctl_host_print() - Print @h as `vasctl host` does: one "name: value"
 * line per fact, numbers in decimal, "unlimited", "unknown", "yes", "no".
 */
void vasctl_host_print(FILE *out, const struct vasctl_host *h);

/**
 * vasctl_host_set() - Set facts of @h from @spec: "name=value" items, as
 * vasctl_host_print() names and spells them, separated by spaces or
 * commas ("zero_page=no file_fault_kb=4").
 *
 * vasctl_host_probe() applies $VAS_TEST_HOST this way after probing, so
 * that the tests can check what vasctl does on a host that is not this
 * one (the skip of a host-vs-recording test, and its message).
 * Return: 0, or -1 for an unknown name or a malformed value (@h may be
 * partly changed).
 */
int vasctl_host_set(struct vasctl_host *h, const char *spec);

/* ---- what a script depends on ---------------------------------------- */

/* Facts every script may depend on: the kernel series, AS and DATA
 * limits, max_map_count. */
#define VASCTL_NEED_ALWAYS 0x01u
/* The script prints maps: zero page and file folios change rss=/anon=. */
#define VASCTL_NEED_RSS 0x02u
/* MADV_HUGEPAGE / MADV_NOHUGEPAGE: does the kernel have THP. */
#define VASCTL_NEED_THP 0x04u
/* mlock, mlock2, MAP_LOCKED: CAP_IPC_LOCK and RLIMIT_MEMLOCK. */
#define VASCTL_NEED_MLOCK 0x08u
/* A plain address below 1 MiB for mmap or mremap: mmap_min_addr, its
 * floor and CAP_SYS_RAWIO. */
#define VASCTL_NEED_LOW 0x10u
/* MAP_GROWSDOWN: stacks grow up to RLIMIT_STACK. */
#define VASCTL_NEED_STACK 0x20u
/* mmap, mremap, mprotect, fork, brk can commit memory: MemTotal,
 * SwapTotal and the vm.overcommit_* sysctls. */
#define VASCTL_NEED_COMMIT 0x40u
/* MAP_HUGETLB: the huge pages reserved (vm.nr_hugepages). */
#define VASCTL_NEED_HUGETLB 0x80u
#define VASCTL_NEED_ALL 0xffu

/**
 * vasctl_script_needs() - Which groups of facts can change what @s prints
 * (a cheap, syntactic over-approximation).
 * Return: VASCTL_NEED_* bits, VASCTL_NEED_ALWAYS always among them.
 */
unsigned int vasctl_script_needs(const struct vasctl_script *s);

/**
 * vasctl_host_compare() - The facts in the groups @needs in which @h
 * differs from @ref, one line each ("  zero_page: no (reference: yes)").
 * @ref:   the reference facts.
 * @h:     the host's facts.
 * @needs: VASCTL_NEED_* groups to compare.
 * @out:   receives the lines, NUL-terminated (cut short if it is too small).
 * @len:   size of @out.
 *
 * An unknown fact of @h differs. A fact that cannot matter given another
 * is skipped: RLIMIT_MEMLOCK with CAP_IPC_LOCK, vm.mmap_min_addr with
 * CAP_SYS_RAWIO, the THP mode when both have THP, the patch level of the
 * kernel release.
 * Return: the number of differing facts.
 */
int vasctl_host_compare(const struct vasctl_host *ref,
			const struct vasctl_host *h, unsigned int needs,
			char *out, size_t len);

/* ---- parsing what the probe reads (pure) ------------------------------ */

/**
 * vasctl_smaps_field_kb() - A field of the VMA of @smaps that contains
 * @addr, in kB.
 * @smaps: the text of /proc/PID/smaps.
 * @addr:  an address inside the VMA.
 * @field: the field name with its colon, e.g. "Rss:".
 * @kb:    receives the value.
 * Return: 0, or -1 if no VMA contains @addr or it lacks @field.
 */
int vasctl_smaps_field_kb(const char *smaps, uint64_t addr, const char *field,
			  uint64_t *kb);

/**
 * vasctl_zero_page_of() - The verdict of the zero-page probe: in @smaps,
 * read after one read of the one page of the VMA at @addr (private,
 * anonymous, alone in its VMA), is that page resident?
 * Return: 1 (Rss 0: the read mapped the zero page), 0 (Rss 4 kB: it
 * allocated a page), -1 (no such VMA, or another figure).
 */
int vasctl_zero_page_of(const char *smaps, uint64_t addr);

/**
 * vasctl_status_capeff() - CapEff of /proc/PID/status text.
 * Return: 0 with *@caps set, or -1 if the line is missing or malformed.
 */
int vasctl_status_capeff(const char *status, uint64_t *caps);

/**
 * vasctl_thp_mode() - The bracketed word of a THP "enabled" file, such as
 * "always [madvise] never", into @out (@len bytes).
 * Return: 0, or -1 if there is none.
 */
int vasctl_thp_mode(const char *text, char *out, size_t len);

/**
 * vasctl_release_series() - "MAJOR.MINOR" of a kernel release string.
 * Return: 0, or -1 if @rel does not start with two numbers.
 */
int vasctl_release_series(const char *rel, char *out, size_t len);

/**
 * vasctl_hint_floor() - The hint floor, from where a mapping asked for at
 * a one-page hint landed. The kernel raises a hint below its floor to the
 * floor, and takes it if that is free.
 * @got:           the address the kernel returned.
 * @mmap_min_addr: vm.mmap_min_addr (VASCTL_UNKNOWN if unknown).
 * Return: the floor, or VASCTL_UNKNOWN if @got says nothing (the floor was
 * taken, so the kernel chose another place).
 */
uint64_t vasctl_hint_floor(uint64_t got, uint64_t mmap_min_addr);

/**
 * vasctl_kpage_folio() - The pages of a folio from /proc/kpageflags words.
 * @flags: the flags of consecutive frames, the folio's first frame first.
 * @n:     their number.
 * Return: the folio's pages (1 for a frame that is not a compound head).
 */
uint64_t vasctl_kpage_folio(const uint64_t *flags, size_t n);

/* ---- a host without the zero page, on a host with it ------------------ */

/**
 * vasctl_unzero() - Give every page of [@lo, @hi) that maps the zero page
 * in this process its own zeroed anonymous page, as the read fault that
 * mapped the zero page would have done on a kernel without it.
 *
 * PAGEMAP_SCAN finds the entries that map the zero page; a write of one 0
 * byte through /proc/self/mem (a forced write fault, as a debugger's)
 * copies each into a page of its own: present in Rss and Anonymous, the
 * VMA given its anon_vma, writable if the VMA is, as Linux's
 * do_anonymous_page does when mm_forbids_zeropage(). Run after every
 * statement, this makes the host print what a kernel without the zero
 * page prints.
 * Return: 0, or a negative errno (PAGEMAP_SCAN is missing before 6.7).
 */
int vasctl_unzero(uint64_t lo, uint64_t hi);

#endif /* VASCTL_HOST_H */
