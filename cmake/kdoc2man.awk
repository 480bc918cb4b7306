# SPDX-License-Identifier: MIT
#
# kdoc2man.awk - section 3 man pages from the kernel-doc comments of the
# public headers. POSIX awk (mawk, gawk --posix, busybox awk give the same
# pages); run by kdoc2man.sh:
#
#   awk -v outdir=DIR -v version=V -v date=YYYY-MM-DD -v description=TEXT \
#       -f kdoc2man.awk include/vas/*.h
#
# Writes DIR/man3/NAME.3 for every function declared VAS_API and every
# macro whose body calls a vas_ function, DIR/man3type/NAME.3type for every
# struct defined with a comment, and DIR/man3/vas.3, the overview. Prints
# "kdoc2man: warning: ..." for a function without any comment.
#
# How comments are tied to declarations (the headers' own conventions):
#  - a comment directly followed (no blank line) by declarations documents
#    that run of declarations: "/** a() / b() - ..." over two prototypes,
#    "/* Context for each: ... */" over a group of accessors;
#  - a "/* ---- title ---- */" line starts a section; a plain comment right
#    after it, or one followed by a blank line, is a note of the section,
#    shown on the page of each function below it in the section (a note
#    that names vas_*() functions only on theirs);
#  - the first plain comment of a header describes the header (vas.3).
# Kernel-doc: "name() - summary", "@param: text" lines, "Context:",
# "Return:", "Lifetime:" paragraphs; tab-indented lines are code.

function trim(s) {
	sub(/^[ \t]+/, "", s)
	sub(/[ \t]+$/, "", s)
	return s
}

# Expand tabs to 8-column stops.
function untab(s,    out, i, ch) {
	out = ""
	for (i = 1; i <= length(s); i++) {
		ch = substr(s, i, 1)
		if (ch == "\t") {
			do out = out " "; while (length(out) % 8)
		} else {
			out = out ch
		}
	}
	return out
}

# Escape text for roff: backslashes, and a line that starts with a control
# character.
function esc(s,    out, i) {
	out = ""
	while ((i = index(s, "\\")) > 0) {
		out = out substr(s, 1, i - 1) "\\e"
		s = substr(s, i + 1)
	}
	return out s
}
function rline(s) {
	if (s ~ /^[.']/)
		s = "\\&" s
	return s
}

# Running text: escaped, @param in italics, vas_name() in bold.
function inline(s,    out, tok) {
	s = esc(s)
	out = ""
	while (match(s, /@[A-Za-z_][A-Za-z0-9_]*|vas_[A-Za-z0-9_]+\(\)/)) {
		tok = substr(s, RSTART, RLENGTH)
		out = out substr(s, 1, RSTART - 1)
		s = substr(s, RSTART + RLENGTH)
		if (substr(tok, 1, 1) == "@")
			out = out "\\fI" substr(tok, 2) "\\fP"
		else
			out = out "\\fB\\%" substr(tok, 1, length(tok) - 2) "\\fP()"
	}
	return out s
}

# The first sentence of s, without its full stop or colon.
function first_sentence(s) {
	s = trim(s)
	if (match(s, /[.:] [A-Z]/))
		s = substr(s, 1, RSTART - 1)
	sub(/[.:]$/, "", s)
	return s
}

# ---- reading the headers ------------------------------------------------------

function new_file(    base) {
	base = FILENAME
	sub(/.*\//, "", base)
	hdr = "vas/" base
	nfiles++
	F_name[nfiles] = hdr
	F_comment[hdr] = 0
	in_comment = 0
	in_decl = 0
	in_define = 0
	last = "other"
	title = ""
	notes = ""
	pending = 0
}

function comment_line(s, first) {
	if (first) {
		sub(/^[ \t]*\/\*\*?/, "", s)
		sub(/^ /, "", s)
	} else if (s ~ /^[ \t]*\*/) {
		sub(/^[ \t]*\*/, "", s)
		sub(/^ /, "", s)
	}
	return s
}

function comment_start(line,    end) {
	c_doc = (line ~ /^[ \t]*\/\*\*/ && line !~ /^[ \t]*\/\*\*\//)
	c_text = ""
	c_lines = 0
	comment_add(line, 1)
}

function comment_add(line, first,    end, s) {
	end = index(line, "*/")
	s = line
	if (end > 0)
		s = substr(line, 1, end - 1)
	s = comment_line(s, first)
	if (!(end > 0 && s ~ /^[ \t]*$/ && !first)) {
		c_text = c_lines ? c_text "\n" s : s
		c_lines++
	}
	if (end > 0) {
		in_comment = 0
		comment_end()
	} else {
		in_comment = 1
	}
}

function comment_end(    c, t) {
	t = trim(c_text)
	if (t ~ /SPDX-License-Identifier/)
		return
	if (!c_doc && c_lines == 1 && t ~ /^-+ .* -+$/) {
		sub(/^-+ /, "", t)
		sub(/ -+$/, "", t)
		title = t
		notes = ""
		last = "heading"
		return
	}
	c = ++ncomments
	C_text[c] = c_text
	C_doc[c] = c_doc
	if (!c_doc && !F_comment[hdr]) {
		F_comment[hdr] = c
		last = "other"
		return
	}
	if (last == "heading" && !c_doc)
		notes = notes " " c
	C_noted[c] = (last == "heading" && !c_doc)
	pending = c
	last = "comment"
}

# A comment followed by a blank line is a note of the section (if it was
# not already one); one followed by a preprocessor line or a forward
# declaration documents neither.
function unattached() {
	if (last == "comment" && !C_noted[pending]) {
		notes = notes " " pending
		C_noted[pending] = 1
	}
}

function blank_line() {
	unattached()
	last = "blank"
}

function other_line() {
	last = "other"
}

# Brace depth of a declaration line, outside comments.
function braces(line,    s, i, n) {
	s = line
	if (d_incomment) {
		i = index(s, "*/")
		if (!i)
			return 0
		s = substr(s, i + 2)
		d_incomment = 0
	}
	while (match(s, /\/\*/)) {
		i = index(substr(s, RSTART + 2), "*/")
		if (!i) {
			d_incomment = 1
			s = substr(s, 1, RSTART - 1)
			break
		}
		s = substr(s, 1, RSTART - 1) " " substr(s, RSTART + 2 + i + 1)
	}
	sub(/\/\/.*/, "", s)
	d_code = s
	n = gsub(/\{/, "{", s)
	n -= gsub(/\}/, "}", s)
	return n
}

function decl_add(line) {
	d_text = d_text "\n" line
	d_depth += braces(line)
}

# A declaration ends with ';' at depth 0, or with the '}' that closes a
# body (a static inline function).
function decl_done() {
	if (d_depth > 0)
		d_opened = 1
	return d_depth <= 0 && (d_code ~ /;[ \t]*$/ ||
				(d_opened && d_code ~ /}[ \t]*$/))
}

function decl_end(kind,    i, flat, name, s, r) {
	in_decl = 0
	flat = d_text
	gsub(/[ \t\n]+/, " ", flat)
	name = ""
	if (kind == "macro") {
		s = flat
		sub(/^ *# *define +/, "", s)
		match(s, /^[A-Za-z_][A-Za-z0-9_]*/)
		name = substr(s, RSTART, RLENGTH)
	} else if (flat ~ /VAS_API/ && index(flat, "(")) {
		kind = "func"
		s = substr(flat, 1, index(flat, "(") - 1)
		if (match(s, /[A-Za-z_][A-Za-z0-9_]* *$/))
			name = trim(substr(s, RSTART, RLENGTH))
	} else if (match(flat, /^ *(struct|enum) +[A-Za-z_][A-Za-z0-9_]* *\{/)) {
		s = substr(flat, RSTART, RLENGTH)
		kind = (s ~ /^ *struct/) ? "struct" : "enum"
		sub(/^ *(struct|enum) +/, "", s)
		sub(/ *\{$/, "", s)
		name = s
	} else {
		other_line()	# forward declarations and the like
		return
	}
	i = ++nitems
	I_kind[i] = kind
	I_name[i] = name
	I_text[i] = d_text
	I_file[i] = hdr
	I_title[i] = title
	I_notes[i] = notes
	if (last == "comment") {
		r = ++nruns
		R_comment[r] = pending
		R_first[r] = i
	} else if (last != "decl") {
		r = ++nruns
		R_comment[r] = 0
		R_first[r] = i
	} else {
		r = nruns
	}
	R_last[r] = i
	I_run[i] = r
	last = "decl"
}

FNR == 1 { new_file() }

{
	line = $0
	if (in_comment) {
		comment_add(line, 0)
		next
	}
	if (in_define) {
		d_text = d_text "\n" line
		if (line !~ /\\[ \t]*$/) {
			in_define = 0
			decl_end("macro")
		}
		next
	}
	if (in_decl) {
		decl_add(line)
		if (decl_done())
			decl_end("c")
		next
	}
	if (line ~ /^[ \t]*$/) {
		blank_line()
		next
	}
	if (line ~ /^[ \t]*\/\*/) {
		comment_start(line)
		next
	}
	if (line ~ /^[ \t]*#[ \t]*define[ \t]/) {
		d_text = line
		if (line ~ /\\[ \t]*$/)
			in_define = 1
		else
			decl_end("macro")
		next
	}
	if (line ~ /^[ \t]*#/ || line ~ /^extern "C"/ || line ~ /^[ \t]*}/) {
		other_line()
		next
	}
	in_decl = 1
	d_text = line
	d_depth = 0
	d_opened = 0
	d_incomment = 0
	d_depth = braces(line)
	if (decl_done())
		decl_end("c")
}

# ---- parsing one comment ------------------------------------------------------
# parse(c, isdoc) fills P_names, P_summary, the parameters P_pn/P_pt[1..np]
# and the blocks B_type ("text", "code", "label"), B_label, B_text[1..nb].

function label_re() {
	return "(Context|Return|Returns|Lifetime|Locking)(, *(context|return|returns|lifetime|locking))*:"
}

function starts_label(s) {
	return s ~ ("^" label_re())
}

function add_block(type, text, label) {
	nb++
	B_type[nb] = type
	B_text[nb] = text
	B_label[nb] = label
}

# Split running text at its "Context:"-style labels into text and label
# blocks.
function add_text(s,    lab, rest, pos, body) {
	s = trim(s)
	if (s == "")
		return
	lab = ""
	for (;;) {
		if (lab == "" && match(s, "^" label_re())) {
			lab = substr(s, 1, RLENGTH - 1)
			s = trim(substr(s, RLENGTH + 1))
			continue
		}
		if (match(s, "[.;] +" label_re())) {
			body = substr(s, 1, RSTART)
			rest = substr(s, RSTART + 1)
		} else {
			body = s
			rest = ""
		}
		if (lab != "")
			add_block("label", trim(body), lab)
		else
			add_block("text", trim(body), "")
		if (rest == "")
			break
		s = trim(rest)
		lab = ""
	}
}

function flush_para() {
	if (para != "")
		add_text(para)
	para = ""
	if (code != "")
		add_block("code", code, "")
	code = ""
}

# The summary (kernel-doc's first paragraph) may carry "Context: ..." on the
# same line; that part goes to the body.
function end_summary(    k) {
	if (state != "summary")
		return
	state = "body"
	add_text(P_summary)
	P_summary = ""
	if (nb && B_type[1] == "text") {
		P_summary = B_text[1]
		for (k = 1; k < nb; k++) {
			B_type[k] = B_type[k + 1]
			B_text[k] = B_text[k + 1]
			B_label[k] = B_label[k + 1]
		}
		nb--
	}
}

function parse(c, isdoc,    n, L, k, ln, first, pos, start) {
	P_names = ""
	P_summary = ""
	np = 0
	nb = 0
	para = ""
	code = ""
	n = split(C_text[c], L, "\n")
	state = "body"
	for (start = 1; start < n && L[start] ~ /^[ \t]*$/; start++)
		;
	if (isdoc) {
		first = trim(L[start])
		pos = index(first, " - ")
		if (pos > 0 && substr(first, 1, pos - 1) ~ /\(\)/) {
			P_names = substr(first, 1, pos - 1)
			P_summary = substr(first, pos + 3)
			state = "summary"
			start++
		}
	}
	for (k = start; k <= n; k++) {
		ln = L[k]
		if (ln ~ /^[ \t]*$/) {
			end_summary()
			flush_para()
			state = "body"
			continue
		}
		if (ln ~ /^@[A-Za-z_][A-Za-z0-9_.]*:/) {
			end_summary()
			flush_para()
			np++
			pos = index(ln, ":")
			P_pn[np] = substr(ln, 2, pos - 2)
			P_pt[np] = trim(substr(ln, pos + 1))
			state = "param"
			continue
		}
		if (starts_label(trim(ln))) {
			end_summary()
			if (state == "param")
				state = "body"
		}
		if (state == "summary") {
			P_summary = P_summary " " trim(ln)
			continue
		}
		if (state == "param") {
			P_pt[np] = P_pt[np] " " trim(ln)
			continue
		}
		if (ln ~ /^[ \t]/) {
			if (para != "") {
				add_text(para)
				para = ""
			}
			code = (code == "") ? ln : code "\n" ln
		} else {
			if (code != "") {
				add_block("code", code, "")
				code = ""
			}
			para = (para == "") ? ln : para " " trim(ln)
		}
	}
	end_summary()
	flush_para()
	P_summary = trim(P_summary)
}

# ---- writing roff -------------------------------------------------------------

function put(s) {
	print s > page
}

function emit_code(text,    n, L, k, min, ind, s) {
	n = split(text, L, "\n")
	min = -1
	for (k = 1; k <= n; k++) {
		L[k] = untab(L[k])
		if (L[k] ~ /^ *$/)
			continue
		match(L[k], /^ */)
		if (min < 0 || RLENGTH < min)
			min = RLENGTH
	}
	put(".PP")
	put(".in +4n")
	put(".EX")
	for (k = 1; k <= n; k++) {
		s = substr(L[k], min + 1)
		put(s ~ /^ *$/ ? "\\&" : rline(esc(s)))
	}
	put(".EE")
	put(".in")
}

function emit_blocks(    k) {
	for (k = 1; k <= nb; k++) {
		if (B_type[k] == "code") {
			emit_code(B_text[k])
		} else if (B_type[k] == "label") {
			put(".PP")
			put("\\fB" esc(B_label[k]) ":\\fP " inline(B_text[k]))
		} else {
			put(".PP")
			put(rline(inline(B_text[k])))
		}
	}
}

function emit_params(    k) {
	for (k = 1; k <= np; k++) {
		put(".TP")
		put(".I " P_pn[k])
		put(rline(inline(P_pt[k])))
	}
}

# The declaration of item i as the synopsis shows it: without VAS_API (the
# continuation lines moved left to stay aligned); a macro by its first line.
function synopsis_text(i,    n, L, k, s, ind, res) {
	n = split(I_text[i], L, "\n")
	if (I_kind[i] == "macro") {
		s = untab(L[1])
		if (n > 1)
			sub(/[ \t]*\\[ \t]*$/, "", s)
		return s
	}
	res = ""
	for (k = 1; k <= n; k++) {
		s = untab(L[k])
		if (I_kind[i] == "func") {
			if (k == 1) {
				sub(/VAS_API /, "", s)
			} else {
				match(s, /^ */)
				if (RLENGTH > 8)
					s = substr(s, 9)
			}
		}
		sub(/ +$/, "", s)
		res = (k == 1) ? s : res "\n" s
	}
	return res
}

function emit_synopsis(list,    n, A, k, L, m, j) {
	put(".SH SYNOPSIS")
	put(".nf")
	put(".B #include <vas/vas.h>")
	n = split(list, A, " ")
	for (k = 1; k <= n; k++) {
		put(".PP")
		m = split(synopsis_text(A[k]), L, "\n")
		for (j = 1; j <= m; j++)
			put(L[j] == "" ? "\\&" : rline(esc(L[j])))
	}
	put(".fi")
}

function emit_head(name, sect, names, summary) {
	gsub(/@/, "", summary)
	put(".\\\" Generated by cmake/kdoc2man.awk from <" I_file[cur] ">; do not edit.")
	put(".TH " name " " sect " \"" date "\" \"vas " version "\" \"vas Library Functions\"")
	put(".SH NAME")
	put(esc(names) " \\- " esc(summary))
	put(".SH LIBRARY")
	put("vas library")
	put(".RI ( libvas \", \" \\-lvas ;")
	put("debug build:")
	put(".IR libvas\\-debug \", \" \\-lvas\\-debug )")
}

# SEE ALSO: the pages of list first, then the other pages of the header, then
# vas(3).
function emit_see_also(i, list,    n, A, k, j, seen, refs, nr) {
	put(".SH SEE ALSO")
	put(".ad l")
	nr = 0
	n = split(list, A, " ")
	for (k = 1; k <= n; k++)
		if (A[k] != "" && !(A[k] in seen) && A[k] != I_name[i] ":" SECT[i]) {
			seen[A[k]] = 1
			refs[++nr] = A[k]
		}
	for (j = 1; j <= nitems; j++) {
		if (I_file[j] != I_file[i] || !HAS_PAGE[j] || j == i)
			continue
		if (I_name[j] ~ /^vas__/ && I_run[j] != I_run[i])
			continue
		k = I_name[j] ":" SECT[j]
		if (!(k in seen)) {
			seen[k] = 1
			refs[++nr] = k
		}
	}
	refs[++nr] = "vas:3"
	for (k = 1; k <= nr; k++) {
		split(refs[k], A, ":")
		put(".BR \\%" A[1] " (" A[2] ")" (k < nr ? "," : ""))
	}
}

# Does note c apply to the functions of run r? Yes unless it names vas_*()
# functions and none of them is in r.
function note_applies(c, r,    s, named, hit, tok, j) {
	s = C_text[c]
	named = 0
	hit = 0
	while (match(s, /vas_[A-Za-z0-9_]+\(\)/)) {
		tok = substr(s, RSTART, RLENGTH - 2)
		s = substr(s, RSTART + RLENGTH)
		named = 1
		for (j = R_first[r]; j <= R_last[r]; j++)
			if (I_name[j] == tok)
				hit = 1
	}
	return !named || hit
}

function emit_notes(i, r, c,    n, A, k) {
	n = split(I_notes[i], A, " ")
	for (k = 1; k <= n; k++) {
		if (A[k] == "" || A[k] == c || !note_applies(A[k], r))
			continue
		parse(A[k], 0)
		emit_blocks()
		NOTED[i] = 1
	}
}

# The summary of run r's comment for the NAME line, else the section title.
function run_summary(i, r,    c) {
	c = R_comment[r]
	if (c && C_doc[c]) {
		parse(c, 1)
		if (P_summary != "")
			return first_sentence(P_summary)
	}
	if (c) {
		parse(c, 0)
		if (nb && B_type[1] == "text" && B_text[1] !~ /^Context/)
			return first_sentence(B_text[1])
	}
	if (I_title[i] != "")
		return I_title[i]
	return "part of <" I_file[i] ">"
}

function run_items(r, kinds,    j, list) {
	list = ""
	for (j = R_first[r]; j <= R_last[r]; j++)
		if (index(" " kinds " ", " " I_kind[j] " "))
			list = list " " j
	return list
}

function run_names(r, kind,    j, s) {
	s = ""
	for (j = R_first[r]; j <= R_last[r]; j++)
		if (I_kind[j] == kind)
			s = (s == "") ? I_name[j] : s ", " I_name[j]
	return s
}

# Macros whose body calls function f.
function macros_of(f,    j, s, refs) {
	refs = ""
	for (j = 1; j <= nitems; j++)
		if (I_kind[j] == "macro" && HAS_PAGE[j]) {
			s = I_text[j]
			if (match(s, "(^|[^A-Za-z0-9_])" f "([^A-Za-z0-9_]|$)"))
				refs = refs " " I_name[j] ":3"
		}
	return refs
}

function page_path(i) {
	return outdir "/man" SECT[i] "/" I_name[i] "." SECT[i]
}

function function_page(i,    r, c, k, see) {
	r = I_run[i]
	c = R_comment[r]
	cur = i
	page = page_path(i)
	emit_head(I_name[i], 3, run_names(r, "func"), run_summary(i, r))
	emit_synopsis(run_items(r, "func struct"))
	put(".SH DESCRIPTION")
	NOTED[i] = 0
	if (c) {
		parse(c, C_doc[c])
		if (P_summary != "") {
			put(".PP")
			put(rline(inline(P_summary)))
		}
		emit_params()
		emit_blocks()
	}
	emit_notes(i, r, c)
	if (!c && !NOTED[i]) {
		put(".PP")
		put("No comment in <" I_file[i] ">.")
		print "kdoc2man: warning: " I_name[i] " (" I_file[i] ") has no comment" > "/dev/stderr"
	}
	see = macros_of(I_name[i])
	for (k = R_first[r]; k <= R_last[r]; k++)
		if (HAS_PAGE[k])
			see = see " " I_name[k] ":" SECT[k]
	emit_see_also(i, see)
	close(page)
}

function struct_page(i,    r, c, k, see) {
	r = I_run[i]
	c = R_comment[r]
	cur = i
	page = page_path(i)
	emit_head(I_name[i], "3type", I_name[i], run_summary(i, r))
	emit_synopsis(i)
	put(".SH DESCRIPTION")
	parse(c, C_doc[c])
	if (P_summary != "") {
		put(".PP")
		put(rline(inline(P_summary)))
	}
	emit_params()
	emit_blocks()
	see = ""
	for (k = R_first[r]; k <= R_last[r]; k++)
		if (HAS_PAGE[k])
			see = see " " I_name[k] ":" SECT[k]
	emit_see_also(i, see)
	close(page)
}

# A macro page: its own comment, else that of the first vas_ function it
# calls.
function macro_page(i,    r, c, f, j, see, s) {
	r = I_run[i]
	c = R_comment[r]
	f = MACRO_CALLS[i]
	see = ""
	if (!c && f) {
		r = I_run[f]
		c = R_comment[r]
		see = " " I_name[f] ":3"
	}
	cur = i
	page = page_path(i)
	emit_head(I_name[i], 3, run_names(I_run[i], "macro"), run_summary(i, r))
	emit_synopsis(run_items(I_run[i], "macro"))
	put(".SH DESCRIPTION")
	if (c) {
		parse(c, C_doc[c])
		if (P_summary != "") {
			put(".PP")
			put(rline(inline(P_summary)))
		}
		emit_params()
		emit_blocks()
	}
	emit_see_also(i, see)
	close(page)
}

function overview_page(    f, k, hdr_, j, c, nr, refs, A) {
	page = outdir "/man3/vas.3"
	put(".\\\" Generated by cmake/kdoc2man.awk from the public headers; do not edit.")
	put(".TH vas 3 \"" date "\" \"vas " version "\" \"vas Library Functions\"")
	put(".SH NAME")
	put("vas \\- " esc(description))
	put(".SH LIBRARY")
	put("vas library")
	put(".RI ( libvas \", \" \\-lvas ;")
	put("debug build:")
	put(".IR libvas\\-debug \", \" \\-lvas\\-debug )")
	put(".SH SYNOPSIS")
	put(".nf")
	put(".B #include <vas/vas.h>")
	put(".PP")
	put(".B cc prog.c $(pkg\\-config \\-\\-cflags \\-\\-libs vas)")
	put(".B find_package(vas)  # vas::vas, vas::vas_static, vas::vas_debug")
	put(".fi")
	put(".SH DESCRIPTION")
	put("Each public header of vas, what it says of itself, and its pages.")
	for (f = 1; f <= nfiles; f++) {
		hdr_ = F_name[f]
		put(".SS <" hdr_ ">")
		c = F_comment[hdr_]
		if (c) {
			parse(c, 0)
			emit_blocks()
		}
		nr = 0
		for (j = 1; j <= nitems; j++)
			if (I_file[j] == hdr_ && HAS_PAGE[j] && I_name[j] !~ /^vas__/)
				refs[++nr] = I_name[j] ":" SECT[j]
		if (nr) {
			put(".PP")
			put(".ad l")
			put("Pages:")
			for (k = 1; k <= nr; k++) {
				split(refs[k], A, ":")
				put(".BR \\%" A[1] " (" A[2] ")" (k < nr ? "," : ""))
			}
		}
	}
	put(".SH SEE ALSO")
	put(".BR pkg\\-config (1),")
	put(".BR mmap (2),")
	put(".BR mprotect (2),")
	put(".BR mremap (2),")
	put(".BR madvise (2),")
	put(".BR mlock (2),")
	put(".BR fork (2),")
	put(".BR proc (5)")
	close(page)
}

END {
	# Which items get a page, and in which section.
	for (i = 1; i <= nitems; i++) {
		if (I_kind[i] == "func") {
			HAS_PAGE[i] = 1
			SECT[i] = 3
		} else if (I_kind[i] == "struct" && I_name[i] !~ /^vas__/ && R_comment[I_run[i]]) {
			HAS_PAGE[i] = 1
			SECT[i] = "3type"
		}
	}
	for (i = 1; i <= nitems; i++) {
		if (I_kind[i] != "macro")
			continue
		s = I_text[i]
		s = substr(s, index(s, I_name[i]) + length(I_name[i]))
		while (match(s, /vas_[A-Za-z0-9_]+/)) {
			f = substr(s, RSTART, RLENGTH)
			s = substr(s, RSTART + RLENGTH)
			for (j = 1; j <= nitems; j++)
				if (I_kind[j] == "func" && I_name[j] == f)
					break
			if (j <= nitems) {
				HAS_PAGE[i] = 1
				SECT[i] = 3
				MACRO_CALLS[i] = j
				break
			}
		}
	}
	for (i = 1; i <= nitems; i++) {
		if (!HAS_PAGE[i])
			continue
		if (I_kind[i] == "func")
			function_page(i)
		else if (I_kind[i] == "struct")
			struct_page(i)
		else
			macro_page(i)
		pages++
	}
	overview_page()
	printf "kdoc2man: %d pages from %d headers\n", pages + 1, nfiles
}
