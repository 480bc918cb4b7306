// SPDX-License-Identifier: MIT
/*
 * file.c - the public calls that open files on a machine (the open(2) of
 * this model): a host file's description, a driver's file. The objects
 * and their page caches are page/'s; this layer knows the machine.
 */
#include <vas/file.h>
#include "mmap/mmap_internal.h"
#include "page/file.h"

int vas_file_open_host(struct vas_machine *machine, int fd, int mode,
		       const char *name, struct vas_file **out)
{
	return file_open_host(machine->frames, machine, fd, mode, name, out);
}

int vas_file_create(struct vas_machine *machine, const struct vas_file_ops *ops,
		    void *priv, int mode, const char *name,
		    struct vas_file **out)
{
	return file_create_driver(machine->frames, machine, ops, priv, mode,
				  name, out);
}
