#!/bin/sh
# SPDX-License-Identifier: MIT
#
# test_symbols.sh CMAKE BUILD_DIR LIBVAS_SO LIBVAS_A LIBVAS_DEBUG_SO CC CXX [CFLAGS...]
#
# What an embedder sees of the built library:
#  1. libvas.so exports (nm -D --defined-only) only vas_* symbols, each in
#     the version node VAS_0.1 of cmake/libvas.map (vas_x@@VAS_0.1), and has
#     the soname libvas.so.<major>;
#     libvas-debug.so (LIBVAS_DEBUG_SO, "" if the build has none) exports
#     the same symbols (versions included), has the soname libvas-debug.so.<major>, carries the
#     VAS_DEBUG checks and needs no sanitizer runtime;
#  2. libvas.a defines no global symbol but vas_* (the internals were made
#     local: ld -r + objcopy --localize-hidden), and still has them locally;
#  3. cmake --install into a temporary prefix installs the headers,
#     libvas.so*, libvas.a and lib.../pkgconfig/vas.pc (and libvas-debug.so*,
#     vas-debug.pc), the .pc files naming that prefix;
#  4. a program built with `pkg-config --cflags --libs vas` against that
#     prefix (-Wall -Wextra -Werror) links to the installed libvas.so and
#     runs, its references bound to version VAS_0.1; the same program
#     links statically against the installed libvas.a; and, if CXX is given, compiles and runs as C++ too.
# CFLAGS are added to every compile and link (the build's -fsanitize=...).
# Prints "ok"/"not ok" lines and "N passed, N failed"; exit 1 on failure.
set -u

if [ $# -lt 7 ]; then
	echo "usage: $0 CMAKE BUILD_DIR LIBVAS_SO LIBVAS_A LIBVAS_DEBUG_SO CC CXX [CFLAGS...]" >&2
	exit 2
fi
cmake=$1 build=$2 so=$3 a=$4 dso=$5 cc=$6 cxx=$7
shift 7
extra="$*"

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
notok() { fail=$((fail + 1)); echo "not ok - $*"; }
check() {	# check DESCRIPTION COMMAND...
	what=$1
	shift
	if "$@"; then ok "$what"; else notok "$what"; fi
}

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT

# ---- 1. libvas.so exports only vas_* ------------------------------------
if nm -D --defined-only "$so" >"$tmp/so.nm" 2>"$tmp/err"; then
	# "ADDR TYPE NAME[@VERSION]"; lines of fewer fields are not symbols,
	# and the absolute symbol named after a version node is its
	# definition, not a symbol.
	awk 'NF >= 3 && $2 != "A" { sub(/@.*/, "", $3); print $3 }' "$tmp/so.nm" |
		sort -u >"$tmp/so.syms"
	awk 'NF >= 3 && $2 != "A" { print $3 }' "$tmp/so.nm" |
		sort -u >"$tmp/so.vsyms"
	grep -v '@@VAS_0\.1$' "$tmp/so.vsyms" >"$tmp/so.unversioned"
	if [ -s "$tmp/so.unversioned" ]; then
		notok "every libvas.so export is in version VAS_0.1 (not: $(head -n 5 "$tmp/so.unversioned" | tr '\n' ' '))"
	else
		ok "every libvas.so export is in version VAS_0.1 ($(wc -l <"$tmp/so.vsyms") symbols)"
	fi
	check "libvas.so defines the version node VAS_0.1" \
		grep -Eq '^0+ A VAS_0\.1$' "$tmp/so.nm"
	grep -v '^vas_' "$tmp/so.syms" >"$tmp/so.bad"
	if [ -s "$tmp/so.bad" ]; then
		notok "libvas.so exports only vas_* (others: $(tr '\n' ' ' <"$tmp/so.bad"))"
	else
		ok "libvas.so exports only vas_* ($(wc -l <"$tmp/so.syms") symbols)"
	fi
	missing=
	for sym in vas_version vas_strerror vas_machine_create vas_mm_create \
		   vas_mmap_read_lock vas_vma_lookup vas_lock_vma_under_rcu \
		   vas_stats_print vas__mmap_scope_left_open vas__mm_put_cleanup; do
		grep -qx "$sym" "$tmp/so.syms" || missing="$missing $sym"
	done
	if [ -z "$missing" ]; then
		ok "libvas.so exports the public API"
	else
		notok "libvas.so lacks:$missing"
	fi
else
	notok "nm -D $so: $(cat "$tmp/err")"
fi
soname=$(objdump -p "$so" 2>/dev/null | awk '$1 == "SONAME" { print $2 }')
case $soname in
libvas.so.[0-9]*) ok "libvas.so soname $soname" ;;
*) notok "libvas.so soname is '$soname', want libvas.so.<major>" ;;
esac

# ---- 1b. libvas-debug.so: the same exports, the debug checks, no sanitizer -
if [ -n "$dso" ]; then
	if nm -D --defined-only "$dso" >"$tmp/dso.nm" 2>"$tmp/err"; then
		awk 'NF >= 3 && $2 != "A" { print $3 }' "$tmp/dso.nm" |
			sort -u >"$tmp/dso.syms"
		if cmp -s "$tmp/so.vsyms" "$tmp/dso.syms"; then
			ok "libvas-debug.so exports exactly the symbols of libvas.so"
		else
			notok "libvas-debug.so exports differ: $(diff "$tmp/so.vsyms" "$tmp/dso.syms" | grep '^[<>]' | tr '\n' ' ')"
		fi
	else
		notok "nm -D $dso: $(cat "$tmp/err")"
	fi
	dsoname=$(objdump -p "$dso" 2>/dev/null | awk '$1 == "SONAME" { print $2 }')
	case $dsoname in
	libvas-debug.so.[0-9]*) ok "libvas-debug.so soname $dsoname" ;;
	*) notok "libvas-debug.so soname is '$dsoname', want libvas-debug.so.<major>" ;;
	esac
	# The held-lock records report through lockdep_report(), which only a
	# VAS_DEBUG build contains.
	check "libvas-debug.so has the VAS_DEBUG lock checks" \
		grep -q 'vas: lockdep: ' "$dso"
	if nm -D --undefined-only "$dso" | grep -q '__[a-z]*san_'; then
		notok "libvas-debug.so needs a sanitizer runtime: $(nm -D --undefined-only "$dso" | grep -m 3 '__[a-z]*san_' | tr '\n' ' ')"
	else
		ok "libvas-debug.so needs no sanitizer runtime"
	fi
fi

# ---- 2. libvas.a: global symbols are vas_* only --------------------------
if nm --defined-only "$a" >"$tmp/a.nm" 2>"$tmp/err"; then
	awk 'NF == 3 && $2 ~ /^[A-Z]$/ { print $3 }' "$tmp/a.nm" |
		sort -u >"$tmp/a.global"
	grep -v '^vas_' "$tmp/a.global" >"$tmp/a.bad"
	if [ -s "$tmp/a.bad" ]; then
		notok "libvas.a defines only vas_* globally (others: $(tr '\n' ' ' <"$tmp/a.bad"))"
	else
		ok "libvas.a defines only vas_* globally ($(wc -l <"$tmp/a.global") symbols)"
	fi
	# The internals are there, only local (localized, not missing).
	check "libvas.a keeps mmap_read_lock as a local symbol" \
		grep -Eq '^[0-9a-f]+ [a-z] mmap_read_lock$' "$tmp/a.nm"
else
	notok "nm $a: $(cat "$tmp/err")"
fi

# ---- 3. install into a temporary prefix ----------------------------------
prefix=$tmp/prefix
if "$cmake" --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1; then
	ok "cmake --install --prefix <tmp>"
else
	notok "cmake --install --prefix <tmp>:"
	cat "$tmp/install.log"
fi
for h in vas.h defs.h mm.h vma.h stats.h; do
	check "installed include/vas/$h" test -f "$prefix/include/vas/$h"
done
pc=$(find "$prefix" -path '*/pkgconfig/vas.pc' | head -n 1)
if [ -n "$pc" ]; then
	ok "installed ${pc#"$prefix"/}"
	libdir=$(dirname "$(dirname "$pc")")
else
	notok "installed lib.../pkgconfig/vas.pc"
	libdir=$prefix/lib
fi
check "installed libvas.so (link)" test -L "$libdir/libvas.so"
check "installed libvas.so.<major>" test -e "$libdir/$soname"
check "libvas.so resolves to a real file" test -f "$libdir/libvas.so"
check "installed libvas.a" test -f "$libdir/libvas.a"
check "installed vas.pc names the prefix" grep -qx "prefix=$prefix" "$libdir/pkgconfig/vas.pc"
if [ -n "$dso" ]; then
	check "installed libvas-debug.so.<major>" test -e "$libdir/$dsoname"
	check "installed vas-debug.pc names the prefix" \
		grep -qx "prefix=$prefix" "$libdir/pkgconfig/vas-debug.pc"
fi

# ---- 4. build against the installed copy through pkg-config --------------
cat >"$tmp/smoke.c" <<'SMOKE'
/* Builds as C and as C++; the public headers only. */
#include <stdio.h>
#include <vas/vas.h>

static int count(struct vas_mm_user *mm)
{
	int n;

	VAS_MMAP_READ_BEGIN(mm);
	n = vas_vma_lookup(mm, 1UL << 20) ? -1 : vas_mm_map_count(mm);
	VAS_MMAP_READ_END(mm);
	return n;
}

int main(void)
{
	struct vas_machine *m = NULL;
	struct vas_mm_user *mm = NULL;
	int n;

	if (vas_version() != VAS_VERSION_HEX)
		return 1;
	if (vas_machine_create(NULL, &m) || vas_mm_create(m, &mm))
		return 2;
	{
		struct vas_mm_user *u VAS_MM_USER_SCOPED = vas_mm_get(mm);

		struct vas_vma_read_guard *g;

		n = count(u);
		if (vas_lock_vma_under_rcu(u, 1UL << 20, &g)) {
			vas_vma_end_read(g);
			return 3;
		}
	}
	vas_mm_put(mm);
	if (n != 0 || vas_stat_read(m, VAS_STAT_VMA_LOCK_ABORT) != 1)
		return 4;
	if (vas_machine_destroy(m))
		return 5;
	puts("smoke ok");
	return 0;
}
SMOKE

pkgconf() {
	PKG_CONFIG_PATH=$libdir/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH} \
		pkg-config "$@" vas
}
if cflags=$(pkgconf --cflags) && libs=$(pkgconf --libs) &&
   static_libs=$(pkgconf --static --libs-only-l) && [ -n "$libs" ]; then
	ok "pkg-config vas: cflags '$cflags', libs '$libs'"
else
	notok "pkg-config vas failed"
fi
case " $cflags " in
*" -I$prefix/include "*) ok "pkg-config --cflags points into the prefix" ;;
*) notok "pkg-config --cflags '$cflags' lacks -I$prefix/include" ;;
esac

# build LANG COMPILER OUT LINK...: compile smoke.c and link it.
build_smoke() {
	lang=$1 comp=$2 out=$3
	shift 3
	if [ "$lang" = c ]; then std=-std=gnu11; else std=-std=gnu++17; fi
	# shellcheck disable=SC2086
	"$comp" -x "$lang" $std -Wall -Wextra -Werror $extra $cflags \
		-c "$tmp/smoke.c" -o "$out.o" >"$tmp/cc.log" 2>&1 &&
	"$comp" $extra "$out.o" -o "$out" "$@" >>"$tmp/cc.log" 2>&1
}
run_smoke() {	# run_smoke EXE DESCRIPTION
	if out=$(env -u LD_LIBRARY_PATH "$1" 2>&1) && [ "$out" = "smoke ok" ]; then
		ok "$2 runs"
	else
		notok "$2 runs: $out"
	fi
}

# C, shared, through pkg-config.
# shellcheck disable=SC2086
if build_smoke c "$cc" "$tmp/smoke_shared" $libs -Wl,-rpath,"$libdir"; then
	ok "C program builds with pkg-config --cflags --libs vas"
	if ldd "$tmp/smoke_shared" 2>/dev/null | grep -q "=> $libdir/libvas.so"; then
		ok "it loads the installed libvas.so"
	else
		notok "it does not load $libdir/libvas.so: $(ldd "$tmp/smoke_shared" | grep vas)"
	fi
	# A program built against VAS_0.1 asks for that version of each symbol.
	if objdump -T "$tmp/smoke_shared" >"$tmp/smoke.T" 2>&1 &&
	   grep -Eq 'VAS_0\.1\)? +vas_machine_create$' "$tmp/smoke.T" &&
	   ! grep -E ' vas_[a-z_]+$' "$tmp/smoke.T" | grep -qv 'VAS_0\.1'; then
		ok "its vas_* references are bound to version VAS_0.1"
	else
		notok "its vas_* references are not all bound to VAS_0.1: $(grep vas_ "$tmp/smoke.T" | head -n 3)"
	fi
	run_smoke "$tmp/smoke_shared" "C program (shared)"
else
	notok "C program builds with pkg-config --cflags --libs vas:"
	cat "$tmp/cc.log"
fi

# C, static: the installed libvas.a plus its private dependencies.
static_deps=
for l in $static_libs; do
	[ "$l" = -lvas ] || static_deps="$static_deps $l"
done
# shellcheck disable=SC2086
if build_smoke c "$cc" "$tmp/smoke_static" "$libdir/libvas.a" $static_deps; then
	ok "C program links the installed libvas.a ($static_deps)"
	if ldd "$tmp/smoke_static" 2>/dev/null | grep -q libvas; then
		notok "the static program still needs libvas.so"
	else
		ok "the static program needs no libvas.so"
	fi
	run_smoke "$tmp/smoke_static" "C program (static)"
else
	notok "C program links the installed libvas.a:"
	cat "$tmp/cc.log"
fi

# C++: the headers are extern "C" and compile cleanly as C++.
if [ -n "$cxx" ] && command -v "$cxx" >/dev/null 2>&1; then
	# shellcheck disable=SC2086
	if build_smoke c++ "$cxx" "$tmp/smoke_cxx" $libs -Wl,-rpath,"$libdir"; then
		ok "C++ program builds with pkg-config ($cxx)"
		run_smoke "$tmp/smoke_cxx" "C++ program"
	else
		notok "C++ program builds with pkg-config ($cxx):"
		cat "$tmp/cc.log"
	fi
else
	ok "C++ check skipped: no C++ compiler # SKIP"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
