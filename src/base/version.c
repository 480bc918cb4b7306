// SPDX-License-Identifier: MIT
/* version.c - the library version and errno names. */
#include <errno.h>
#include <vas/defs.h>

unsigned int vas_version(void)
{
	return VAS_VERSION_HEX;
}

const char *vas_strerror(int err)
{
	switch (err) {
	case 0: return "0";
	case -EPERM: return "-EPERM";
	case -ENOENT: return "-ENOENT";
	case -EINTR: return "-EINTR";
	case -EIO: return "-EIO";
	case -EBADF: return "-EBADF";
	case -EAGAIN: return "-EAGAIN";
	case -ENOMEM: return "-ENOMEM";
	case -EACCES: return "-EACCES";
	case -EFAULT: return "-EFAULT";
	case -EBUSY: return "-EBUSY";
	case -EEXIST: return "-EEXIST";
	case -ENODEV: return "-ENODEV";
	case -EINVAL: return "-EINVAL";
	case -ENFILE: return "-ENFILE";
	case -EMFILE: return "-EMFILE";
	case -ETXTBSY: return "-ETXTBSY";
	case -EFBIG: return "-EFBIG";
	case -ENOSPC: return "-ENOSPC";
	case -ESPIPE: return "-ESPIPE";
	case -EROFS: return "-EROFS";
	case -ERANGE: return "-ERANGE";
	case -ENOSYS: return "-ENOSYS";
	case -EOVERFLOW: return "-EOVERFLOW";
	case -EOPNOTSUPP: return "-EOPNOTSUPP";
	case -EUCLEAN: return "-EUCLEAN";
	case -EHWPOISON: return "-EHWPOISON";
	default: return "-E?";
	}
}
