#!/bin/sh
# SPDX-License-Identifier: MIT
#
# test_man.sh MAN_DIR LIBVAS_SO SOURCE_DIR
#
# The man pages the build generated from include/vas/*.h (cmake/man.cmake):
#  1. every vas_* symbol libvas.so exports has MAN_DIR/man3/SYMBOL.3, whose
#     NAME names it and whose SYNOPSIS declares it;
#  2. every page has NAME, SYNOPSIS, DESCRIPTION and SEE ALSO, and every
#     page its SEE ALSO names exists;
#  3. every page renders without a single warning: `man --warnings=w -l`
#     (all of groff's warnings), else groff -ww, else mandoc -T lint; and
#     lexgrog (what mandb and whatis use) reads its NAME line;
#  4. the generator, run again on the headers with each awk installed
#     (mawk, gawk, gawk --posix, busybox awk), warns of no undocumented
#     function and writes the same pages as the build;
#  5. on tests/man/fixture/vas/fixture.h, the generator ties comments to
#     declarations as cmake/kdoc2man.awk describes.
# Prints "ok"/"not ok" lines and "N passed, N failed"; exit 1 on failure.
set -u

if [ $# -ne 3 ]; then
	echo "usage: $0 MAN_DIR LIBVAS_SO SOURCE_DIR" >&2
	exit 2
fi
man_dir=$1 so=$2 src=$3

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
notok() { fail=$((fail + 1)); echo "not ok - $*"; }

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT

# section FILE NAME: the lines of section NAME of the roff source FILE.
section() {
	awk -v want="$2" '/^\.SH / { sub(/^\.SH +/, ""); gsub(/"/, ""); on = ($0 == want); next }
		on' "$1"
}

# ---- 1 and 2: pages, sections, names, declarations, cross references ---------
ls "$man_dir"/man3/*.3 "$man_dir"/man3type/*.3type >"$tmp/pages" 2>/dev/null
npages=$(wc -l <"$tmp/pages")
nm -D --defined-only "$so" | awk 'NF >= 3 { sub(/@.*/, "", $3); print $3 }' |
	grep '^vas_' | sort -u >"$tmp/syms"
nsyms=$(wc -l <"$tmp/syms")
# One awk over every page prints "missing WHAT" for each problem: a symbol
# without its page, a page that does not name or declare its symbol, a
# section a page lacks, a vas page that SEE ALSO names and that is not there.
# shellcheck disable=SC2046
awk -v syms="$tmp/syms" -v dir="$man_dir" '
	function base(f) { sub(/.*\//, "", f); return f }
	FNR == 1 { page = base(FILENAME); pages[page] = 1; sect = "" }
	/^\.SH / { sect = $0; sub(/^\.SH +/, "", sect); gsub(/"/, "", sect)
		   has[page, sect] = 1; next }
	sect == "NAME" { name[page] = name[page] " " $0 }
	sect == "SYNOPSIS" { syn[page] = syn[page] "\n" $0 }
	sect == "SEE ALSO" && /^\.BR \\%(vas|VAS)/ {
		ref = $2; sub(/^\\%/, "", ref); s = $3; gsub(/[(),]/, "", s)
		refs[++nrefs] = page " " ref "." s
	}
	END {
		while ((getline sym < syms) > 0) {
			p = sym ".3"
			if (!(p in pages)) { print "missing page " p; continue }
			if (name[p] !~ ("[ ,]" sym "(,| \\\\-)"))
				print "missing " sym " in NAME of " p
			if (syn[p] !~ ("(^|[\n *])" sym "\\("))
				print "missing declaration of " sym " in SYNOPSIS of " p
		}
		n = split("NAME|SYNOPSIS|DESCRIPTION|SEE ALSO", S, "|")
		for (p in pages)
			for (k = 1; k <= n; k++)
				if (!has[p, S[k]])
					print "missing " S[k] " in " p
		for (k = 1; k <= nrefs; k++) {
			split(refs[k], R, " ")
			if (!(R[2] in pages)) print "missing " R[2] " (SEE ALSO of " R[1] ")"
		}
	}' $(cat "$tmp/pages") >"$tmp/problems"
if [ "$nsyms" -lt 50 ]; then
	notok "libvas.so exports only $nsyms vas_* symbols"
elif grep -q '^missing page\|^missing .* in NAME\|^missing declaration' "$tmp/problems"; then
	notok "pages: $(grep '^missing page\|^missing .* in NAME\|^missing declaration' "$tmp/problems" | tr '\n' ';')"
else
	ok "each of the $nsyms exported vas_* symbols has its page, named and declared there"
fi
if grep -q '^missing \(NAME\|SYNOPSIS\|DESCRIPTION\|SEE ALSO\) in' "$tmp/problems"; then
	notok "sections: $(grep '^missing \(NAME\|SYNOPSIS\|DESCRIPTION\|SEE ALSO\) in' "$tmp/problems" | tr '\n' ';')"
else
	ok "all $npages pages have NAME, SYNOPSIS, DESCRIPTION, SEE ALSO"
fi
if grep -q '(SEE ALSO of' "$tmp/problems"; then
	notok "SEE ALSO names missing pages: $(grep '(SEE ALSO of' "$tmp/problems" | tr '\n' ';')"
else
	ok "every vas page that a SEE ALSO names exists"
fi

# ---- 3. rendering without warnings -----------------------------------------------
if command -v groff >/dev/null 2>&1; then
	# What man -l runs (preconv, tbl, the an macros), every warning on.
	render="groff -k -t -mandoc -Tutf8 -ww -z"
	render_with() { groff -k -t -mandoc -Tutf8 -ww -z "$@"; }
elif command -v mandoc >/dev/null 2>&1; then
	render="mandoc -T lint"
	render_with() { mandoc -T lint -W warning "$@"; }
else
	render=
fi
if [ -n "$render" ]; then
	# One run over all pages; each warning names its file.
	# shellcheck disable=SC2046
	if render_with $(cat "$tmp/pages") >"$tmp/warn" 2>&1 && [ ! -s "$tmp/warn" ]; then
		ok "all $npages pages render without warnings ($render)"
	else
		notok "$render warns: $(head -n 10 "$tmp/warn")"
	fi
	if command -v man >/dev/null 2>&1; then
		# man itself on two pages (it takes half a second a page).
		if out=$(MANWIDTH=80 man --warnings=w -l "$man_dir/man3/vas.3" \
			"$man_dir/man3/vas_mmap.3" 2>"$tmp/warn") &&
		   [ ! -s "$tmp/warn" ] &&
		   echo "$out" | grep -q "^ *vas_mmap - mmap(2)$"; then
			ok "man --warnings=w -l renders vas(3) and vas_mmap(3) silently"
		else
			notok "man -l vas(3), vas_mmap(3): $(head -n 5 "$tmp/warn")"
		fi
	fi
else
	notok "no man, groff or mandoc to render the pages (scripts/deps.sh installs man-db)"
fi
if command -v lexgrog >/dev/null 2>&1; then
	# shellcheck disable=SC2046
	lexgrog $(cat "$tmp/pages") >"$tmp/lexgrog" 2>&1
	bad=$(grep -v ': "' "$tmp/lexgrog")
	if [ -z "$bad" ]; then
		ok "lexgrog reads the NAME line of every page"
	else
		notok "lexgrog cannot read NAME of:$bad"
	fi
fi

# ---- 4. the generator again, with each awk ---------------------------------------
version=$(sed -n 's/^\.TH vas 3 "\([^"]*\)" "vas \([^"]*\)".*/\1 \2/p' "$man_dir/man3/vas.3")
date=${version% *} version=${version#* }
description=$(sed -n '/^\.SH NAME/{n;s/^vas \\- //p;}' "$man_dir/man3/vas.3")
nawk=0
for awk in mawk gawk "gawk --posix" "busybox awk" original-awk; do
	set -- $awk
	command -v "$1" >/dev/null 2>&1 || continue
	[ "$1" != busybox ] || busybox awk 'BEGIN {}' 2>/dev/null || continue
	nawk=$((nawk + 1))
	out=$tmp/regen
	rm -rf "$out"
	if AWK="$awk" sh "$src/cmake/kdoc2man.sh" "$out" "$version" "$date" \
		"$description" "$src"/include/vas/*.h >"$tmp/log" 2>&1; then
		if grep -q warning "$tmp/log"; then
			notok "$awk: the generator warns: $(grep warning "$tmp/log")"
		else
			ok "$awk: the generator finds a comment for every function"
		fi
		if diff -r "$man_dir/man3" "$out/man3" >"$tmp/diff" &&
		   diff -r "$man_dir/man3type" "$out/man3type" >>"$tmp/diff"; then
			ok "$awk: the same pages as the build"
		else
			notok "$awk: other pages than the build: $(head -n 20 "$tmp/diff")"
		fi
	else
		notok "$awk: the generator failed: $(cat "$tmp/log")"
	fi
done
[ "$nawk" -gt 0 ] || notok "no awk found"

# ---- 5. the fixture ----------------------------------------------------------------
fix=$tmp/fixture
if sh "$src/cmake/kdoc2man.sh" "$fix" 9.9 2000-01-01 "test" \
	"$src/tests/man/fixture/vas/fixture.h" >"$tmp/log" 2>&1; then
	ok "generator runs on the fixture"
else
	notok "generator on the fixture: $(cat "$tmp/log")"
fi
# expect DESCRIPTION FILE SECTION PATTERN: grep -E PATTERN in SECTION of FILE.
expect() {
	if [ -f "$fix/$2" ] && section "$fix/$2" "$3" | grep -Eq -- "$4"; then
		ok "fixture: $1"
	else
		notok "fixture: $1 (no /$4/ in $3 of $2)"
	fi
}
expect_not() {
	if [ -f "$fix/$2" ] && ! section "$fix/$2" "$3" | grep -Eq -- "$4"; then
		ok "fixture: $1"
	else
		notok "fixture: $1 (/$4/ in $3 of $2, or no page)"
	fi
}
expect "one comment over two prototypes names both" man3/vas_fx_b.3 NAME \
	'^vas_fx_a, vas_fx_b \\- Open or close a fixture$'
expect "a group's page declares the whole group" man3/vas_fx_a.3 SYNOPSIS \
	'^int vas_fx_b\(int x\) VAS_MUST_CHECK;$'
expect "VAS_API is left out and continuation lines stay aligned" \
	man3/vas_fx_long.3 SYNOPSIS '^                unsigned long second\);$'
expect "parameters become a tagged list" man3/vas_fx_long.3 DESCRIPTION \
	'^\.I first$'
expect "a parameter's continuation line joins it" man3/vas_fx_long.3 DESCRIPTION \
	'^the first argument, which is long\.$'
expect "a Context: inside the summary line goes to the body" \
	man3/vas_fx_short.3 DESCRIPTION '^\\fBContext:\\fP any\.$'
expect_not "and leaves the NAME line" man3/vas_fx_short.3 NAME 'Context'
expect "Return: starts its own paragraph" man3/vas_fx_long.3 DESCRIPTION \
	'^\\fBReturn:\\fP 0 or -EINVAL\.$'
expect "@name is set in italics" man3/vas_fx_long.3 DESCRIPTION '\\fIsecond\\fP'
expect "a tab-indented comment line is code" man3/vas_fx_long.3 DESCRIPTION \
	'^\.EX$'
expect "a section note reaches the functions below it" man3/vas_fx_long.3 \
	DESCRIPTION 'Every fixture call is a test'
expect "an undocumented function gets its group's plain comment" \
	man3/vas_fx_get_y.3 DESCRIPTION 'Context for each: the fixture is held'
expect "and the section title as summary" man3/vas_fx_get_y.3 NAME \
	'vas_fx_get_x, vas_fx_get_y \\- accessors$'
expect "a note that names functions reaches only those" man3/vas_fx_get_z.3 \
	DESCRIPTION 'Only for .*vas_fx_get_z'
expect_not "and not the others" man3/vas_fx_get_w.3 DESCRIPTION 'Only for'
expect "a plain comment right after a heading is a note of the section" \
	man3/vas_fx_get_w.3 DESCRIPTION 'Context for each: the fixture is held'
expect_not "a note stays in its section" man3/vas_fx_bare.3 DESCRIPTION \
	'Context for each'
expect_not "a comment followed by #if is nobody's" man3/vas_fx_a.3 DESCRIPTION \
	'Not a note'
expect "a struct with a comment gets a 3type page" man3type/vas_fx_state.3type \
	SYNOPSIS '^struct vas_fx_state \{$'
expect "a macro that calls a function gets a page" man3/VAS_FX_SCOPED.3 \
	SYNOPSIS '^#define VAS_FX_SCOPED\(x\)$'
expect "with the comment of that function" man3/VAS_FX_SCOPED.3 DESCRIPTION \
	'Scoped fixtures'
expect "SEE ALSO names the header's other pages" man3/vas_fx_a.3 "SEE ALSO" \
	'^\.BR \\%vas_fx_state \(3type\),$'
expect "the overview lists the header" man3/vas.3 DESCRIPTION \
	'^\.SS <vas/fixture.h>$'
if grep -q 'warning: vas_fx_bare (vas/fixture.h) has no comment' "$tmp/log"; then
	ok "fixture: a function without any comment is reported"
else
	notok "fixture: no warning for vas_fx_bare: $(cat "$tmp/log")"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
