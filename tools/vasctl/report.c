// SPDX-License-Identifier: MIT
/*
 * report.c - the one place where vasctl results become text.
 */
#include "report.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Linux errno names (asm-generic/errno-base.h and errno.h), by value. */
static const char *const errno_names[] = {
    [1] = "EPERM",
    [2] = "ENOENT",
    [3] = "ESRCH",
    [4] = "EINTR",
    [5] = "EIO",
    [6] = "ENXIO",
    [7] = "E2BIG",
    [8] = "ENOEXEC",
    [9] = "EBADF",
    [10] = "ECHILD",
    [11] = "EAGAIN",
    [12] = "ENOMEM",
    [13] = "EACCES",
    [14] = "EFAULT",
    [15] = "ENOTBLK",
    [16] = "EBUSY",
    [17] = "EEXIST",
    [18] = "EXDEV",
    [19] = "ENODEV",
    [20] = "ENOTDIR",
    [21] = "EISDIR",
    [22] = "EINVAL",
    [23] = "ENFILE",
    [24] = "EMFILE",
    [25] = "ENOTTY",
    [26] = "ETXTBSY",
    [27] = "EFBIG",
    [28] = "ENOSPC",
    [29] = "ESPIPE",
    [30] = "EROFS",
    [31] = "EMLINK",
    [32] = "EPIPE",
    [33] = "EDOM",
    [34] = "ERANGE",
    [35] = "EDEADLK",
    [36] = "ENAMETOOLONG",
    [37] = "ENOLCK",
    [38] = "ENOSYS",
    [39] = "ENOTEMPTY",
    [40] = "ELOOP",
    [42] = "ENOMSG",
    [43] = "EIDRM",
    [44] = "ECHRNG",
    [45] = "EL2NSYNC",
    [46] = "EL3HLT",
    [47] = "EL3RST",
    [48] = "ELNRNG",
    [49] = "EUNATCH",
    [50] = "ENOCSI",
    [51] = "EL2HLT",
    [52] = "EBADE",
    [53] = "EBADR",
    [54] = "EXFULL",
    [55] = "ENOANO",
    [56] = "EBADRQC",
    [57] = "EBADSLT",
    [59] = "EBFONT",
    [60] = "ENOSTR",
    [61] = "ENODATA",
    [62] = "ETIME",
    [63] = "ENOSR",
    [64] = "ENONET",
    [65] = "ENOPKG",
    [66] = "EREMOTE",
    [67] = "ENOLINK",
    [68] = "EADV",
    [69] = "ESRMNT",
    [70] = "ECOMM",
    [71] = "EPROTO",
    [72] = "EMULTIHOP",
    [73] = "EDOTDOT",
    [74] = "EBADMSG",
    [75] = "EOVERFLOW",
    [76] = "ENOTUNIQ",
    [77] = "EBADFD",
    [78] = "EREMCHG",
    [79] = "ELIBACC",
    [80] = "ELIBBAD",
    [81] = "ELIBSCN",
    [82] = "ELIBMAX",
    [83] = "ELIBEXEC",
    [84] = "EILSEQ",
    [85] = "ERESTART",
    [86] = "ESTRPIPE",
    [87] = "EUSERS",
    [88] = "ENOTSOCK",
    [89] = "EDESTADDRREQ",
    [90] = "EMSGSIZE",
    [91] = "EPROTOTYPE",
    [92] = "ENOPROTOOPT",
    [93] = "EPROTONOSUPPORT",
    [94] = "ESOCKTNOSUPPORT",
    [95] = "EOPNOTSUPP",
    [96] = "EPFNOSUPPORT",
    [97] = "EAFNOSUPPORT",
    [98] = "EADDRINUSE",
    [99] = "EADDRNOTAVAIL",
    [100] = "ENETDOWN",
    [101] = "ENETUNREACH",
    [102] = "ENETRESET",
    [103] = "ECONNABORTED",
    [104] = "ECONNRESET",
    [105] = "ENOBUFS",
    [106] = "EISCONN",
    [107] = "ENOTCONN",
    [108] = "ESHUTDOWN",
    [109] = "ETOOMANYREFS",
    [110] = "ETIMEDOUT",
    [111] = "ECONNREFUSED",
    [112] = "EHOSTDOWN",
    [113] = "EHOSTUNREACH",
    [114] = "EALREADY",
    [115] = "EINPROGRESS",
    [116] = "ESTALE",
    [117] = "EUCLEAN",
    [118] = "ENOTNAM",
    [119] = "ENAVAIL",
    [120] = "EISNAM",
    [121] = "EREMOTEIO",
    [122] = "EDQUOT",
    [123] = "ENOMEDIUM",
    [124] = "EMEDIUMTYPE",
    [125] = "ECANCELED",
    [126] = "ENOKEY",
    [127] = "EKEYEXPIRED",
    [128] = "EKEYREVOKED",
    [129] = "EKEYREJECTED",
    [130] = "EOWNERDEAD",
    [131] = "ENOTRECOVERABLE",
    [132] = "ERFKILL",
    [133] = "EHWPOISON",
};

const char *vasctl_errno_name(int err)
{
	const int n = (int)(sizeof(errno_names) / sizeof(errno_names[0]));

	if (err > 0 && err < n)
		return errno_names[err];
	return NULL;
}

void vasctl_format_errno(char *buf, size_t len, int ret)
{
	const char *name = vasctl_errno_name(-ret);

	if (name)
		snprintf(buf, len, "-%s", name);
	else
		snprintf(buf, len, "-E%d", -ret);
}

void vasctl_format_addr(char *buf, size_t len, uint64_t a)
{
	if (a >= VASCTL_W && a - VASCTL_W < VASCTL_WSIZE)
		snprintf(buf, len, "W+0x%" PRIx64, (uint64_t)(a - VASCTL_W));
	else
		snprintf(buf, len, "?");
}

void vasctl_print_maps(FILE *out, bool child, const struct vasctl_maps *m)
{
	size_t i;

	fprintf(out, "%s\n", child ? "@child maps:" : "maps:");
	for (i = 0; i < m->n; i++) {
		const struct vasctl_map *r = &m->v[i];
		char s[32], e[32];

		vasctl_format_addr(s, sizeof(s), r->start);
		vasctl_format_addr(e, sizeof(e), r->end);
		fprintf(out, "  %s-%s %c%c%c%c %08" PRIx64 " %s", s, e,
			r->prot & VASCTL_PROT_READ ? 'r' : '-',
			r->prot & VASCTL_PROT_WRITE ? 'w' : '-',
			r->prot & VASCTL_PROT_EXEC ? 'x' : '-',
			r->shared ? 's' : 'p', r->offset,
			r->name ? r->name : "-");
		if (r->vmflags[0])
			fprintf(out, " %s", r->vmflags);
		fprintf(out,
			" rss=%" PRIu64 " anon=%" PRIu64 " locked=%" PRIu64
			"\n",
			r->rss_kb, r->anon_kb, r->locked_kb);
	}
}

struct vasctl_map *vasctl_maps_add(struct vasctl_maps *m)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		struct vasctl_map *nv = realloc(m->v, cap * sizeof(*nv));

		if (!nv)
			return NULL;
		m->v = nv;
		m->cap = cap;
	}
	memset(&m->v[m->n], 0, sizeof(m->v[m->n]));
	m->v[m->n].file = -1;
	return &m->v[m->n++];
}

void vasctl_maps_free(struct vasctl_maps *m)
{
	free(m->v);
	m->v = NULL;
	m->n = m->cap = 0;
}

uint64_t vasctl_fnv1a(uint64_t h, const void *p, size_t len)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= c[i];
		h *= VASCTL_FNV_PRIME;
	}
	return h;
}

void vasctl_filter_vmflags(char *dst, size_t len, const char *src)
{
	static const char *const skip[] = {"sd", "hg", "nh", "mg"};
	size_t n = 0;

	dst[0] = '\0';
	while (*src) {
		size_t i, tl;
		bool drop = false;

		src += strspn(src, " \t");
		tl = strcspn(src, " \t\n");
		if (tl == 0)
			break;
		for (i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
			if (tl == 2 && !memcmp(src, skip[i], 2))
				drop = true;
		if (!drop && n + tl + 2 < len) {
			if (n)
				dst[n++] = ' ';
			memcpy(dst + n, src, tl);
			n += tl;
			dst[n] = '\0';
		}
		src += tl;
	}
}
