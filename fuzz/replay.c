// SPDX-License-Identifier: MIT
/*
 * replay.c - a main() for a libFuzzer target outside libFuzzer: runs the
 * target once on each file named, and on each file of each folder named
 * (in name order). The ordinary builds use it to run the seed corpus and
 * the inputs that once found a bug (fuzz/regress/) as a test.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int nrun;

static int run_file(const char *path)
{
	static uint8_t buf[1 << 20];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		perror(path);
		return 1;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	nrun++;
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_dir(const char *path)
{
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int err = 0;
	DIR *d = opendir(path);

	if (!d) {
		perror(path);
		return 1;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			names = realloc(names, cap * sizeof(*names));
			if (!names)
				abort();
		}
		names[n] = malloc(strlen(path) + strlen(e->d_name) + 2);
		if (!names[n])
			abort();
		sprintf(names[n], "%s/%s", path, e->d_name);
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp);
	for (size_t i = 0; i < n; i++) {
		err |= run_file(names[i]);
		free(names[i]);
	}
	free(names);
	return err;
}

int main(int argc, char **argv)
{
	int err = 0;

	for (int i = 1; i < argc; i++) {
		struct stat sb;

		if (stat(argv[i], &sb)) {
			perror(argv[i]);
			err = 1;
		} else if (S_ISDIR(sb.st_mode)) {
			err |= run_dir(argv[i]);
		} else {
			err |= run_file(argv[i]);
		}
	}
	printf("%d inputs run\n", nrun);
	return err || nrun == 0;
}
