// SPDX-License-Identifier: MIT
/*
 * html.c - the frames of `vasctl run --html` and `vasctl diff --html`, and
 * the page that shows them (docs/vasctl-html.md).
 *
 * The interpreter calls step() after each statement (struct
 * vasctl_observer). step() copies what the statement printed to the real
 * output, and appends one frame to the frames stream:
 *
 *   {"i":INDEX,"line":LINE,"stmt":TEXT,"child":@child?,"out":PRINTED,
 *    "status":STATUS,"procs":[{"name":"parent","vmas":[VMA...]},
 *                             {"name":"child",...}]}
 *   VMA = [START,END,PERMS,OFFSET,NAME,VMFLAGS,RSS,ANON,LOCKED,CELLS,PPC]
 *
 * START and END are "0x..." strings (absolute addresses), PERMS as maps
 * prints them ("rw-p"), NAME the script's file name or null, CELLS the
 * page strip (VASCTL_PAGE_* codes, "" when the runner cannot tell) and PPC
 * the pages each cell stands for.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "html_assets.h"
#include "report.h"

/*
 * Write @len bytes of @p as a JSON string; '<', '>' and '&' as \u00XX, so
 * the string can sit in a <script> element. Bytes from 0x80 pass as they
 * are (the page is UTF-8).
 */
static void json_str(FILE *f, const char *p, size_t len)
{
	size_t i;

	fputc('"', f);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20 || c == '<' || c == '>' || c == '&' ||
			 c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_cstr(FILE *f, const char *s)
{
	if (s)
		json_str(f, s, strlen(s));
	else
		fputs("null", f);
}

/* How notable a page state is, when one cell stands for several pages. */
static int rank(char c)
{
	switch (c) {
	case VASCTL_PAGE_SHARED:
		return 4;
	case VASCTL_PAGE_OWN:
		return 3;
	case VASCTL_PAGE_ZERO:
		return 2;
	case VASCTL_PAGE_UNKNOWN:
		return 1;
	default:
		return 0;
	}
}

/*
 * Observer state.
 * @s, @b:   the script and the runner.
 * @out:     where the printed lines go on.
 * @mem:     the interpreter's output stream (a memstream of @buf, @len).
 * @off:     how much of @buf has been copied to @out.
 * @frames:  the frames stream.
 * @frame:   the frame being made (a memstream), or NULL.
 * @nframes: frames written.
 * @child:   a fork succeeded: there is a child to draw.
 * @pages:   page-state buffer, @npages long.
 */
struct html_obs {
	const struct vasctl_script *s;
	struct vasctl_backend *b;
	FILE *out;
	FILE *mem;
	char *buf;
	size_t len;
	size_t off;
	FILE *frames;
	FILE *frame;
	size_t nframes;
	bool child;
	char *pages;
	size_t npages;
};

/* The page strip of @r, written as a JSON string and pages a cell. */
static int put_strip(struct html_obs *o, const struct vasctl_map *r)
{
	size_t n = (size_t)((r->end - r->start) >> 12), ppc, i, cells;
	FILE *f = o->frame;
	int ret;

	if (!o->b->pages || n == 0 || n > VASCTL_HTML_MAX_PAGES) {
		fputs(",\"\",0", f);
		return 0;
	}
	if (n > o->npages) {
		char *p = realloc(o->pages, n);

		if (!p) {
			fprintf(stderr, "vasctl: out of memory\n");
			return VASCTL_EFATAL;
		}
		o->pages = p;
		o->npages = n;
	}
	ret = o->b->pages(o->b->ctx, r->start, n, o->pages);
	if (ret == -EOPNOTSUPP) {	/* not known: an empty strip */
		fputs(",\"\",0", f);
		return 0;
	}
	if (ret)
		return ret;
	ppc = (n + VASCTL_HTML_CELLS - 1) / VASCTL_HTML_CELLS;
	cells = (n + ppc - 1) / ppc;
	fputs(",\"", f);
	for (i = 0; i < cells; i++) {
		size_t j, end = (i + 1) * ppc < n ? (i + 1) * ppc : n;
		char best = o->pages[i * ppc];

		for (j = i * ppc + 1; j < end; j++)
			if (rank(o->pages[j]) > rank(best))
				best = o->pages[j];
		fputc(best, f);
	}
	fprintf(f, "\",%zu", ppc);
	return 0;
}

/* The mappings of the current address space as a JSON array. */
static int put_vmas(struct html_obs *o)
{
	struct vasctl_maps maps = {0};
	FILE *f = o->frame;
	size_t i;
	int ret;

	ret = o->b->maps(o->b->ctx, &maps);
	if (ret) {
		if (ret != VASCTL_EFATAL) {
			char buf[32];

			vasctl_format_errno(buf, sizeof(buf), ret);
			fprintf(stderr, "vasctl: html: maps failed: %s\n", buf);
		}
		vasctl_maps_free(&maps);
		return VASCTL_EFATAL;
	}
	fputc('[', f);
	for (i = 0; i < maps.n && !ret; i++) {
		const struct vasctl_map *r = &maps.v[i];

		fprintf(f, "%s[\"0x%" PRIx64 "\",\"0x%" PRIx64 "\",\"%c%c%c%c\","
			"%" PRIu64 ",", i ? "," : "", r->start, r->end,
			r->prot & VASCTL_PROT_READ ? 'r' : '-',
			r->prot & VASCTL_PROT_WRITE ? 'w' : '-',
			r->prot & VASCTL_PROT_EXEC ? 'x' : '-',
			r->shared ? 's' : 'p', r->offset);
		json_cstr(f, r->name);
		fputc(',', f);
		json_cstr(f, r->vmflags);
		fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64, r->rss_kb,
			r->anon_kb, r->locked_kb);
		ret = put_strip(o, r);
		fputc(']', f);
	}
	fputc(']', f);
	vasctl_maps_free(&maps);
	return ret;
}

/* One process of a frame: {"name":NAME,"vmas":[...]}. */
static int put_proc(struct html_obs *o, bool child)
{
	int ret = o->b->select(o->b->ctx, child);

	if (ret)
		return VASCTL_EFATAL;
	fprintf(o->frame, "%s{\"name\":\"%s\",\"vmas\":", child ? "," : "",
		child ? "child" : "parent");
	ret = put_vmas(o);
	fputc('}', o->frame);
	return ret;
}

/*
 * The frame is made in a buffer, then written and flushed whole: a runner
 * that dies (diff's child, killed) leaves whole frames behind.
 */
static int step(void *arg, size_t index, int status)
{
	struct html_obs *o = arg;
	const struct vasctl_stmt *st = &o->s->stmts[index];
	const char *text = o->buf + o->off;
	size_t n = o->len - o->off, flen = 0;
	char *fbuf = NULL;
	FILE *f;
	int ret = 0;

	if (n && fwrite(text, 1, n, o->out) != n)
		return 1;
	o->off = o->len;
	f = open_memstream(&fbuf, &flen);
	if (!f) {
		fprintf(stderr, "vasctl: out of memory\n");
		return 1;
	}
	o->frame = f;
	/* "fork = 0": there is a child from now on */
	if (st->op == VASCTL_OP_FORK && status == 0 && n >= 5 &&
	    !memcmp(text + n - 5, " = 0\n", 5))
		o->child = true;
	fprintf(f, "{\"i\":%zu,\"line\":%d,\"stmt\":", index, st->line);
	json_cstr(f, st->text);
	fprintf(f, ",\"child\":%s,\"out\":", st->child ? "true" : "false");
	json_str(f, text, n);
	fprintf(f, ",\"status\":%d,\"procs\":[", status);
	/* a failed runner is not asked again */
	if (status != 1) {
		ret = put_proc(o, false);
		if (!ret && o->child)
			ret = put_proc(o, true);
	}
	fputs("]}", f);
	o->frame = NULL;
	if (fclose(f)) {
		fprintf(stderr, "vasctl: out of memory\n");
		ret = 1;
	}
	if (!ret) {
		fprintf(o->frames, "%s%s", o->nframes ? "," : "", fbuf);
		o->nframes++;
		fflush(o->frames);
	}
	free(fbuf);
	if (ret)
		return 1;
	return ferror(o->frames) ? 1 : 0;
}

int vasctl_html_run(const struct vasctl_script *s, struct vasctl_backend *b,
		    FILE *out, FILE *frames)
{
	struct html_obs o = {.s = s, .b = b, .out = out, .frames = frames};
	struct vasctl_observer obs = {.step = step, .arg = &o};
	int ret;

	o.mem = open_memstream(&o.buf, &o.len);
	if (!o.mem) {
		fprintf(stderr, "vasctl: out of memory\n");
		return 1;
	}
	ret = vasctl_interp_run_observed(s, b, o.mem, &obs);
	if (fclose(o.mem) && !ret) {
		fprintf(stderr, "vasctl: out of memory\n");
		ret = 1;
	}
	/* what was printed after the last frame (nothing, normally) */
	if (o.buf && o.len > o.off)
		fwrite(o.buf + o.off, 1, o.len - o.off, out);
	free(o.buf);
	free(o.pages);
	if (ferror(frames) && !ret) {
		fprintf(stderr, "vasctl: html: out of memory\n");
		ret = 1;
	}
	return ret;
}

/* Text for HTML element content. */
static void html_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else
			fputc(*s, f);
	}
}

int vasctl_html_write(FILE *f, const char *title, const char *src,
		      size_t len, const struct vasctl_html_side *sides,
		      int nsides)
{
	int i;

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	      "<meta charset=\"utf-8\">\n<title>vasctl ", f);
	fputs(nsides == 2 ? "diff: " : "run: ", f);
	html_text(f, title);
	fputs("</title>\n<style>\n", f);
	fwrite(vasctl_html_css, 1, sizeof(vasctl_html_css), f);
	fputs("</style>\n</head>\n<body>\n"
	      "<script id=\"vas-data\" type=\"application/json\">\n{\"mode\":",
	      f);
	fputs(nsides == 2 ? "\"diff\"" : "\"run\"", f);
	fputs(",\"title\":", f);
	json_cstr(f, title);
	fputs(",\"script\":", f);
	json_str(f, src, len);
	fputs(",\"sides\":[", f);
	for (i = 0; i < nsides; i++) {
		fprintf(f, "%s{\"name\":\"%s\",\"status\":%d,\"err\":",
			i ? "," : "", sides[i].name, sides[i].status);
		json_cstr(f, sides[i].err);
		fprintf(f, ",\"frames\":[%s]}", sides[i].frames);
	}
	fputs("]}\n</script>\n<div id=\"app\"><noscript>This page draws "
	      "its pictures with JavaScript.</noscript></div>\n<script>\n",
	      f);
	fwrite(vasctl_html_js, 1, sizeof(vasctl_html_js), f);
	fputs("</script>\n</body>\n</html>\n", f);
	return ferror(f) ? -1 : 0;
}
