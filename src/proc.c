// SPDX-License-Identifier: MIT
/*
 * proc.c - the /proc/PID/maps and /proc/PID/smaps text of an address space
 * (Linux fs/proc/task_mmu.c: show_map_vma, show_smap, show_smap_vma_flags).
 *
 * The format is reproduced to the character: see include/vas/proc.h for
 * what vas prints differently from a real process. Departures from the
 * kernel's structure: the text goes to a stdio stream instead of a
 * seq_file, and the whole walk holds the mmap read lock once (the kernel
 * may drop it between seq_file buffers).
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <vas/file.h>
#include <vas/proc.h>
#include <vas/vma.h>
#include "page/file.h"
#include "pte/pte.h"
#include "mm/mm.h"
#include "vma/access.h"

/* x86-64 4 KiB pages; huge pages (hugetlb) are not modelled. */
#define PROC_PAGE_SIZE 4096UL
#define PROC_PAGE_SHIFT 12
#define PROC_HPAGE_PMD_SIZE (1UL << 21)

/* ---- VmFlags codes ------------------------------------------------------ */

/*
 * The codes of Linux 6.18 show_smap_vma_flags() for x86-64 with
 * CONFIG_MEM_SOFT_DIRTY, CONFIG_X86_USER_SHADOW_STACK,
 * CONFIG_ARCH_HAS_PKEYS and CONFIG_HAVE_ARCH_USERFAULTFD_MINOR, indexed by
 * bit. NULL: a bit the kernel does not name, printed "??". "": a bit named
 * elsewhere (the protection key, shown by ProtectionKey), not printed.
 */
static const char *const vm_flag_codes[64] = {
	[0] = "rd",	/* VM_READ */
	[1] = "wr",	/* VM_WRITE */
	[2] = "ex",	/* VM_EXEC */
	[3] = "sh",	/* VM_SHARED */
	[4] = "mr",	/* VM_MAYREAD */
	[5] = "mw",	/* VM_MAYWRITE */
	[6] = "me",	/* VM_MAYEXEC */
	[7] = "ms",	/* VM_MAYSHARE */
	[8] = "gd",	/* VM_GROWSDOWN */
	[9] = "um",	/* VM_UFFD_MISSING */
	[10] = "pf",	/* VM_PFNMAP */
	[11] = "gu",	/* VM_MAYBE_GUARD */
	[12] = "uw",	/* VM_UFFD_WP */
	[13] = "lo",	/* VM_LOCKED */
	[14] = "io",	/* VM_IO */
	[15] = "sr",	/* VM_SEQ_READ */
	[16] = "rr",	/* VM_RAND_READ */
	[17] = "dc",	/* VM_DONTCOPY */
	[18] = "de",	/* VM_DONTEXPAND */
	[19] = "lf",	/* VM_LOCKONFAULT */
	[20] = "ac",	/* VM_ACCOUNT */
	[21] = "nr",	/* VM_NORESERVE */
	[22] = "ht",	/* VM_HUGETLB */
	[23] = "sf",	/* VM_SYNC */
	[24] = "ar",	/* VM_ARCH_1 (x86: VM_PAT) */
	[25] = "wf",	/* VM_WIPEONFORK */
	[26] = "dd",	/* VM_DONTDUMP */
	[27] = "sd",	/* VM_SOFTDIRTY */
	[28] = "mm",	/* VM_MIXEDMAP */
	[29] = "hg",	/* VM_HUGEPAGE */
	[30] = "nh",	/* VM_NOHUGEPAGE */
	[31] = "mg",	/* VM_MERGEABLE */
	[32] = "",	/* VM_PKEY_BIT0 */
	[33] = "",	/* VM_PKEY_BIT1 */
	[34] = "",	/* VM_PKEY_BIT2 */
	[35] = "",	/* VM_PKEY_BIT3 */
	[37] = "ss",	/* VM_SHADOW_STACK */
	[40] = "dp",	/* VM_DROPPABLE */
	[41] = "ui",	/* VM_UFFD_MINOR */
	[42] = "sl",	/* VM_SEALED */
};

_Static_assert(VAS_VM_READ == 1 && VAS_VM_WRITE == 2 && VAS_VM_EXEC == 4, "rwx");
_Static_assert(VAS_VM_GROWSDOWN == 1UL << 8, "gd");
_Static_assert(VAS_VM_UFFD_MISSING == 1UL << 9, "um");
_Static_assert(VAS_VM_PFNMAP == 1UL << 10, "pf");
_Static_assert(VAS_VM_UFFD_WP == 1UL << 12, "uw");
_Static_assert(VAS_VM_LOCKONFAULT == 1UL << 19, "lf");
_Static_assert(VAS_VM_SOFTDIRTY == 1UL << 27, "sd");
_Static_assert(VAS_VM_MERGEABLE == 1UL << 31, "mg");
_Static_assert(VAS_VM_PKEY_BIT3 == 1UL << 35, "pkey");
_Static_assert(VAS_VM_SHADOW_STACK == 1UL << 37, "ss");
_Static_assert(VAS_VM_DROPPABLE == 1UL << 40, "dp");
_Static_assert(VAS_VM_UFFD_MINOR == 1UL << 41, "ui");
_Static_assert(VAS_VM_SEALED == 1UL << 42, "sl");
_Static_assert(sizeof(unsigned long) * CHAR_BIT == 64, "64-bit flags");

/* The code of bit @bit: NULL for none at all, else two letters or "??". */
static const char *vm_flag_code(unsigned int bit)
{
	const char *code = vm_flag_codes[bit];

	if (!code)
		return "??";
	return code[0] ? code : NULL;
}

size_t vas_vm_flags_codes(unsigned long vm_flags, char *buf, size_t size)
{
	size_t len = 0;
	unsigned int bit;

	for (bit = 0; bit < 64; bit++) {
		const char *code;
		size_t i;

		if (!(vm_flags & (1UL << bit)))
			continue;
		code = vm_flag_code(bit);
		if (!code)
			continue;
		/* " xx" after the first code, "xx" for it. */
		for (i = len ? 0 : 1; i < 3; i++) {
			char c = i ? code[i - 1] : ' ';

			if (len + 1 < size)
				buf[len] = c;
			len++;
		}
	}
	if (size)
		buf[len < size ? len : size - 1] = '\0';
	return len;
}

/* ---- smaps figures ------------------------------------------------------ */

/*
 * smaps_gather_stats() - Count the pages @vma maps into @mss
 * (smap_gather_stats): a walk of its page tables (pte/zap.c).
 * Context: mmap lock held for read.
 */
static void smaps_gather_stats(struct vas_mm_user *u,
			       struct vm_area_struct *vma,
			       struct mem_size_stats *mss)
	VAS_REQUIRES_SHARED(u)
{
	(void)u;
	memset(mss, 0, sizeof(*mss));
	smaps_account_vma(vma, mss);
}

void vas_vma_mem_stats(struct vas_vma_ref *ref, struct vas_vma_mem *out)
{
	struct vm_area_struct *vma = vma_of_ref(ref);
	struct mem_size_stats mss = {0};

	vma_assert_stable(vma);
	smaps_account_vma(vma, &mss);
	out->rss_kb = (unsigned long)(mss.resident >> 10);
	out->anon_kb = (unsigned long)(mss.anonymous >> 10);
	out->locked_kb = (unsigned long)(mss.pss_locked >> (PSS_SHIFT + 10));
}

/*
 * THPeligible (thp_vma_allowable_orders for smaps) in the THP "madvise"
 * mode with only PMD-sized anonymous huge pages enabled: an anonymous VMA
 * with VM_HUGEPAGE and without VM_NOHUGEPAGE that holds an aligned 2 MiB
 * block. File and shmem VMAs are not eligible (shmem_enabled "never", no
 * READ_ONLY_THP_FOR_FS).
 */
static bool smaps_thp_eligible(const struct vm_area_struct *vma)
{
	unsigned long haddr;

	if (vma->vm_file || vma->vm_ops)
		return false;
	if (!(vma->vm_flags & VAS_VM_HUGEPAGE) ||
	    (vma->vm_flags & VAS_VM_NOHUGEPAGE))
		return false;
	if (vma->vm_end - vma->vm_start < PROC_HPAGE_PMD_SIZE)
		return false;
	haddr = (vma->vm_end - PROC_HPAGE_PMD_SIZE) & ~(PROC_HPAGE_PMD_SIZE - 1);
	return haddr >= vma->vm_start;
}

/* ---- the text buffer ------------------------------------------------------ */

/* Column at which the name starts, less one (seq_setwidth in show_map_vma). */
#define MAPS_NAME_PAD (25 + 8 * 6 - 1)
/* A maps line is cut short at this length (a long name), newline included. */
#define MAPS_LINE_MAX (4096 + 128)
/* Room one VMA's text can take: its maps line and the smaps figures. */
#define PROC_VMA_ROOM (MAPS_LINE_MAX + 2048)

/*
 * The text is built in a buffer on the stack, without printf, and written
 * out with one fwrite per PROC_BUF_SIZE - PROC_VMA_ROOM bytes or so:
 * printf-style formatting and an fwrite per line cost more than the rest
 * of the walk (bench_syscalls, "maps text" and "smaps text";
 * BENCHMARKS.md).
 */
#define PROC_BUF_SIZE (16 * 1024)

struct procbuf {
	char *p;		/* where the next character goes */
	char *end_ok;		/* flush before a VMA once p is past this */
	FILE *out;
	char b[PROC_BUF_SIZE];
};

static void pb_init(struct procbuf *pb, FILE *out)
{
	pb->p = pb->b;
	pb->end_ok = pb->b + PROC_BUF_SIZE - PROC_VMA_ROOM;
	pb->out = out;
}

static void pb_flush(struct procbuf *pb)
{
	if (pb->p > pb->b)
		fwrite(pb->b, 1, (size_t)(pb->p - pb->b), pb->out);
	pb->p = pb->b;
}

/* Before a VMA's text: room for all of it. */
static void pb_room(struct procbuf *pb)
{
	if (pb->p > pb->end_ok)
		pb_flush(pb);
}

/*
 * The formatting helpers take the write position and return the new one:
 * a local pointer the compiler keeps in a register (stores through a
 * struct's char pointer would make it reload the pointer after each one).
 */
static inline char *put_mem(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

#define put_lit(p, s) put_mem(p, s, sizeof(s) - 1)

/*
 * The 8 lower-case hex digits of @x as 8 characters, first digit in the
 * lowest byte (to be stored little-endian): each nibble is spread into a
 * byte, then '0' or 'a' - 10 is added to all eight at once.
 */
static inline uint64_t hex8(uint32_t x)
{
	uint64_t v = x, ten;

	v = (v | (v << 16)) & 0x0000ffff0000ffffULL;
	v = (v | (v << 8)) & 0x00ff00ff00ff00ffULL;
	v = (v | (v << 4)) & 0x0f0f0f0f0f0f0f0fULL;
	ten = ((v + 0x0606060606060606ULL) >> 4) & 0x0101010101010101ULL;
	v += 0x3030303030303030ULL + ten * ('a' - '0' - 10);
	return __builtin_bswap64(v);
}

/*
 * Lower-case hex of @v, at least @min (1 to 8) digits ("%0*llx"). Stores
 * whole 8-byte words: up to 7 bytes past the digits are scratch that the
 * next characters overwrite (the buffer keeps room for them).
 */
static inline char *put_hex(char *p, unsigned long long v, int min)
{
	int n = v ? (64 - __builtin_clzll(v) + 3) / 4 : 1;
	uint64_t w;

	if (!v) {
		memcpy(p, "00000000", 8);
		return p + min;
	}
	if (n < min)
		n = min;
	if (n <= 8) {
		w = hex8((uint32_t)v) >> (8 * (8 - n));
		memcpy(p, &w, 8);
	} else {
		w = hex8((uint32_t)(v >> 32)) >> (8 * (16 - n));
		memcpy(p, &w, 8);
		w = hex8((uint32_t)v);
		memcpy(p + n - 8, &w, 8);
	}
	return p + n;
}

/*
 * Decimal @v right-aligned in @width columns ("%*llu"); @width is a
 * constant where this is inlined, so the copy is of a fixed size.
 */
static inline char *put_dec_w(char *p, unsigned long long v, int width)
{
	char tmp[24] = "                        ";
	int n = 0;

	do {
		tmp[23 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (n <= width)
		return put_mem(p, tmp + 24 - width, (size_t)width);
	return put_mem(p, tmp + 24 - n, (size_t)n);
}

/*
 * A name as seq_path() prints it (a newline becomes "\012"), the line
 * that started at @line bounded by MAPS_LINE_MAX.
 */
static char *put_name(char *p, const char *line, const char *name, bool path)
{
	const char *limit = line + MAPS_LINE_MAX - 8;

	for (; *name && p < limit; name++) {
		if (path && *name == '\n')
			p = put_lit(p, "\\012");
		else
			*p++ = *name;
	}
	return p;
}

/* ---- the maps line ------------------------------------------------------ */

/* show_map_vma(): the header line of @vma, newline included. */
static void maps_show_vma(struct vas_mm_user *u, struct vm_area_struct *vma,
			  struct procbuf *pb) VAS_REQUIRES_SHARED(u)
{
	unsigned long flags = vma->vm_flags;
	unsigned long major = 0, minor = 0, ino = 0;
	unsigned long long pgoff = 0;
	const char *name = NULL, *line = pb->p;
	bool path = false;
	char *p = pb->p;

	(void)u;
	if (vma->vm_file) {
		pgoff = (unsigned long long)vma->vm_pgoff << PROC_PAGE_SHIFT;
		if (vas__file_host_stat(vma->vm_file, &major, &minor, &ino))
			major = minor = ino = 0;
		if (vas__file_is_shmem(vma->vm_file))
			name = "/dev/zero (deleted)";
		else
			name = vas_file_name(vma->vm_file);
		path = true;
	} else if (vma->vm_ops && vma->vm_ops->name) {
		name = vma->vm_ops->name(vma_ref(vma));
	}
	else if (vma->vm_mm->start_brk && vma->vm_start <= vma->vm_mm->brk &&
		 vma->vm_end >= vma->vm_mm->start_brk)
		name = "[heap]";
	/* [stack]: vas sets up no initial stack. */

	/* "%08lx-%08lx %c%c%c%c %08llx %02lx:%02lx %lu " */
	p = put_hex(p, vma->vm_start, 8);
	*p++ = '-';
	p = put_hex(p, vma->vm_end, 8);
	/* " rwx" by the three low flag bits, then 's' or 'p' and a space */
	memcpy(p, &" --- r-- -w- rw- --x r-x -wx rwx"[4 * (flags & 7)], 4);
	p[4] = flags & VAS_VM_MAYSHARE ? 's' : 'p';
	p[5] = ' ';
	p = put_hex(p + 6, pgoff, 8);
	*p++ = ' ';
	p = put_hex(p, major, 2);
	*p++ = ':';
	p = put_hex(p, minor, 2);
	*p++ = ' ';
	p = put_dec_w(p, ino, 0);
	*p++ = ' ';
	if (name) {
		/* seq_pad(m, ' '): spaces up to the column, then one more. */
		if (p - line < MAPS_NAME_PAD) {
			memset(p, ' ', (size_t)(MAPS_NAME_PAD - (p - line)));
			p = (char *)line + MAPS_NAME_PAD;
		}
		*p++ = ' ';
		p = put_name(p, line, name, path);
	}
	*p++ = '\n';
	pb->p = p;
}

/* ---- smaps --------------------------------------------------------------- */

/*
 * SEQ_PUT_DEC: @label ("NAME:" padded to 16 columns), then bytes in kB
 * right-aligned in 8 columns, " kB".
 */
static inline char *smaps_put_kb(char *p, const char *label,
				 unsigned long long bytes)
{
	p = put_mem(p, label, 16);
	p = put_dec_w(p, bytes >> 10, 8);
	return put_lit(p, " kB\n");
}

/* show_smap(): the maps line of @vma and its figures. */
static void smaps_show_vma(struct vas_mm_user *u, struct vm_area_struct *vma,
			   struct procbuf *pb) VAS_REQUIRES_SHARED(u)
{
	struct mem_size_stats mss;
	unsigned long f;
	char *p;

	smaps_gather_stats(u, vma, &mss);
	maps_show_vma(u, vma, pb);

	p = pb->p;
	p = smaps_put_kb(p, "Size:           ", vma->vm_end - vma->vm_start);
	p = smaps_put_kb(p, "KernelPageSize: ", PROC_PAGE_SIZE);
	p = smaps_put_kb(p, "MMUPageSize:    ", PROC_PAGE_SIZE);
	p = smaps_put_kb(p, "Rss:            ", mss.resident);
	p = smaps_put_kb(p, "Pss:            ", mss.pss >> PSS_SHIFT);
	p = smaps_put_kb(p, "Pss_Dirty:      ", mss.pss_dirty >> PSS_SHIFT);
	p = smaps_put_kb(p, "Shared_Clean:   ", mss.shared_clean);
	p = smaps_put_kb(p, "Shared_Dirty:   ", mss.shared_dirty);
	p = smaps_put_kb(p, "Private_Clean:  ", mss.private_clean);
	p = smaps_put_kb(p, "Private_Dirty:  ", mss.private_dirty);
	p = smaps_put_kb(p, "Referenced:     ", mss.referenced);
	p = smaps_put_kb(p, "Anonymous:      ", mss.anonymous);
	p = smaps_put_kb(p, "KSM:            ", mss.ksm);
	p = smaps_put_kb(p, "LazyFree:       ", mss.lazyfree);
	p = smaps_put_kb(p, "AnonHugePages:  ", mss.anonymous_thp);
	p = smaps_put_kb(p, "ShmemPmdMapped: ", mss.shmem_thp);
	p = smaps_put_kb(p, "FilePmdMapped:  ", mss.file_thp);
	p = smaps_put_kb(p, "Shared_Hugetlb: ", mss.shared_hugetlb);
	/* The kernel gives this one 7 columns: its label is one longer. */
	p = put_lit(p, "Private_Hugetlb: ");
	p = put_dec_w(p, mss.private_hugetlb >> 10, 7);
	p = put_lit(p, " kB\n");
	p = smaps_put_kb(p, "Swap:           ", mss.swap);
	p = smaps_put_kb(p, "SwapPss:        ", mss.swap_pss >> PSS_SHIFT);
	p = smaps_put_kb(p, "Locked:         ", mss.pss_locked >> PSS_SHIFT);
	p = put_lit(p, "THPeligible:    ");
	p = put_dec_w(p, smaps_thp_eligible(vma) ? 1u : 0u, 8);
	*p++ = '\n';
	/* No ProtectionKey line: arch_pkeys_enabled() is false (proc.h). */

	p = put_lit(p, "VmFlags: ");
	for (f = vma->vm_flags; f; f &= f - 1) {
		const char *code = vm_flag_code((unsigned int)__builtin_ctzl(f));

		if (code) {
			p = put_mem(p, code, 2);
			*p++ = ' ';
		}
	}
	*p++ = '\n';
	pb->p = p;
}

/* ---- the walk ------------------------------------------------------------ */

static int proc_print(struct vas_mm_user *u, FILE *out, bool smaps)
	VAS_EXCLUDES(u)
{
	struct vas_vma_iter it;
	struct vas_vma_ref *ref;
	struct procbuf buf, *pb = &buf;

	pb_init(pb, out);
	vas_mmap_read_lock(u);
	vas_vma_iter_init(&it, u, 0, ULONG_MAX);
	while ((ref = vas_vma_iter_next(&it, u))) {
		pb_room(pb);
		if (smaps)
			smaps_show_vma(u, vma_of_ref(ref), pb);
		else
			maps_show_vma(u, vma_of_ref(ref), pb);
	}
	vas_mmap_read_unlock(u);
	pb_flush(pb);
	return ferror(out) ? -EIO : 0;
}

int vas_proc_maps_print(struct vas_mm_user *mm, FILE *out)
{
	return proc_print(mm, out, false);
}

int vas_proc_smaps_print(struct vas_mm_user *mm, FILE *out)
{
	return proc_print(mm, out, true);
}
