#!/bin/sh
# SPDX-License-Identifier: MIT
#
# test_install.sh CMAKE GENERATOR CC SOURCE_DIR
#
# vas as a distribution would build and install it, and as outside programs
# use it. A fresh build of SOURCE_DIR (no tests, no benchmarks) with
# CMAKE_INSTALL_PREFIX=/usr and the multiarch library directory
# lib/<triplet> (lib/x86_64-linux-gnu on Debian amd64), then:
#  1. DESTDIR=<stage> cmake --install (a package's staging): vas.pc and
#     vas-debug.pc name /usr, /usr/lib/<triplet> and /usr/include;
#  2. cmake --install --prefix <tmp>: the files a user gets (libraries,
#     headers, CMake package, pkg-config files, man pages, docs, LICENSE,
#     examples, scripts, vasctl);
#  3. the installed vasctl runs a script from the prefix, and from a copy of
#     the prefix elsewhere (RUNPATH $ORIGIN/../lib/<triplet>);
#  4. pkg-config consumers: a program built with `pkg-config --cflags
#     --libs vas` and one with vas-debug run, load the installed library;
#  5. a find_package consumer (tests/install/consumer): vas::vas,
#     vas::vas_static and vas::vas_debug build and run; only the debug one
#     aborts on a VMA used after its guard; a wrong version is refused;
#  6. man finds the installed pages.
# Prints "ok"/"not ok" lines and "N passed, N failed"; exit 1 on failure.
set -u

if [ $# -ne 4 ]; then
	echo "usage: $0 CMAKE GENERATOR CC SOURCE_DIR" >&2
	exit 2
fi
cmake=$1 gen=$2 cc=$3 src=$4

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
notok() { fail=$((fail + 1)); echo "not ok - $*"; }
check() {	# check DESCRIPTION COMMAND...
	what=$1
	shift
	if "$@"; then ok "$what"; else notok "$what"; fi
}
finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
unset LD_LIBRARY_PATH PKG_CONFIG_PATH CMAKE_PREFIX_PATH DESTDIR

triplet=$("$cc" -print-multiarch 2>/dev/null)
[ -n "$triplet" ] || triplet=$(uname -m)-linux-gnu
libdir_rel=lib/$triplet
echo "# library directory: $libdir_rel"

# ---- build and install -------------------------------------------------------
build=$tmp/build stage=$tmp/stage prefix=$tmp/prefix
if "$cmake" -S "$src" -B "$build" -G "$gen" -DCMAKE_BUILD_TYPE=Release \
	-DCMAKE_C_COMPILER="$cc" -DCMAKE_INSTALL_PREFIX=/usr \
	-DCMAKE_INSTALL_LIBDIR="$libdir_rel" -DVAS_BUILD_TESTS=OFF \
	-DVAS_BUILD_BENCH=OFF -DVAS_WERROR=ON >"$tmp/log" 2>&1 &&
   "$cmake" --build "$build" -j 2 >>"$tmp/log" 2>&1; then
	ok "configure and build with CMAKE_INSTALL_LIBDIR=$libdir_rel"
else
	notok "configure and build with CMAKE_INSTALL_LIBDIR=$libdir_rel:"
	tail -40 "$tmp/log"
	finish
fi

# ---- 1. staged as a package: the .pc files name the real prefix --------------
if DESTDIR=$stage "$cmake" --install "$build" >"$tmp/log" 2>&1; then
	ok "DESTDIR=<stage> cmake --install (prefix /usr)"
else
	notok "DESTDIR=<stage> cmake --install:"
	cat "$tmp/log"
fi
for name in vas vas-debug; do
	pcdir=$stage/usr/$libdir_rel/pkgconfig
	if [ ! -f "$pcdir/$name.pc" ]; then
		notok "staged usr/$libdir_rel/pkgconfig/$name.pc"
		continue
	fi
	v() { PKG_CONFIG_PATH=$pcdir pkg-config --variable="$1" "$name"; }
	got="$(v prefix) $(v libdir) $(v includedir)"
	want="/usr /usr/$libdir_rel /usr/include"
	if [ "$got" = "$want" ]; then
		ok "staged $name.pc: prefix, libdir, includedir = $want"
	else
		notok "staged $name.pc: prefix, libdir, includedir = '$got', want '$want'"
	fi
done

# ---- 2. installed into a prefix ------------------------------------------------
if "$cmake" --install "$build" --prefix "$prefix" >"$tmp/log" 2>&1; then
	ok "cmake --install --prefix <tmp>"
else
	notok "cmake --install --prefix <tmp>:"
	cat "$tmp/log"
	finish
fi
libdir=$prefix/$libdir_rel
doc=$prefix/share/doc/vas
missing=
for f in bin/vasctl include/vas/vas.h include/vas/vma.h \
	 "$libdir_rel/libvas.so" "$libdir_rel/libvas.so.0" "$libdir_rel/libvas.a" \
	 "$libdir_rel/libvas-debug.so" "$libdir_rel/libvas-debug.so.0" \
	 "$libdir_rel/pkgconfig/vas.pc" "$libdir_rel/pkgconfig/vas-debug.pc" \
	 "$libdir_rel/cmake/vas/vasConfig.cmake" \
	 "$libdir_rel/cmake/vas/vasConfigVersion.cmake" \
	 "$libdir_rel/cmake/vas/vasTargets.cmake" \
	 share/man/man3/vas.3 share/man/man3/vas_mmap.3 \
	 share/man/man3/VAS_MMAP_READ_BEGIN.3 \
	 share/man/man3type/vas_vm_ops.3type \
	 share/doc/vas/LICENSE share/doc/vas/README.md \
	 share/doc/vas/docs/locking.md share/doc/vas/examples/binder/binder.c \
	 share/doc/vas/scripts/tour.vas; do
	[ -e "$prefix/$f" ] || missing="$missing $f"
done
if [ -z "$missing" ]; then
	ok "installed libraries, headers, package files, man pages, docs, vasctl"
else
	notok "not installed:$missing"
fi
if [ -e "$prefix/lib/libvas.so" ] || [ -e "$prefix/lib/pkgconfig" ]; then
	notok "something went to lib/ instead of $libdir_rel"
else
	ok "nothing in lib/ itself"
fi

# ---- 3. vasctl from the prefix, and from a moved copy ------------------------
runpath=$(readelf -d "$prefix/bin/vasctl" 2>/dev/null |
	  sed -n 's/.*(RUNPATH).*\[\(.*\)\]/\1/p')
if [ "$runpath" = "\$ORIGIN/../$libdir_rel" ]; then
	ok "vasctl RUNPATH is \$ORIGIN/../$libdir_rel"
else
	notok "vasctl RUNPATH is '$runpath', want \$ORIGIN/../$libdir_rel"
fi
# loaded EXE LIB: the file the dynamic loader picks for LIB, resolved.
loaded() {
	ldd "$1" | awk -v lib="$2" '$1 == lib && $2 == "=>" && $3 ~ /^\// { print $3 }' |
		xargs -r readlink -f
}
vasctl_runs() {	# vasctl_runs PREFIX DESCRIPTION
	if "$1/bin/vasctl" run "$1/share/doc/vas/scripts/tour.vas" \
		>"$tmp/out" 2>"$tmp/err" &&
	   cmp -s "$tmp/out" "$src/tests/conformance/tour.expected"; then
		ok "$2: vasctl run tour.vas prints tour.expected"
	else
		notok "$2: vasctl run tour.vas: $(head -c 600 "$tmp/err")"
	fi
	got=$(loaded "$1/bin/vasctl" libvas.so.0)
	if [ "$got" = "$(readlink -f "$1/$libdir_rel/libvas.so.0")" ]; then
		ok "$2: vasctl loads the prefix's libvas.so.0"
	else
		notok "$2: vasctl loads '$got'"
	fi
}
vasctl_runs "$prefix" "prefix"
cp -a "$prefix" "$tmp/moved"
vasctl_runs "$tmp/moved" "moved prefix"
rm -rf "$tmp/moved"

# ---- 4. pkg-config consumers -----------------------------------------------------
consumer=$src/tests/install/consumer/consumer.c
# runs EXE LIB WANT_MISUSE: runs, loads LIB from the prefix, and the misuse
# run aborts with a lockdep report (WANT_MISUSE=abort) or goes on (=go).
runs() {
	exe=$1 lib=$2 want=$3 what=$(basename "$1")
	if out=$("$exe" 2>&1) && [ "$out" = "consumer ok" ]; then
		ok "$what runs"
	else
		notok "$what runs: $out"
	fi
	if [ -z "$lib" ]; then
		if ldd "$exe" | grep -q libvas; then
			notok "$what needs no libvas*.so: $(ldd "$exe" | grep libvas)"
		else
			ok "$what needs no libvas*.so"
		fi
	elif [ "$(loaded "$exe" "$lib")" = "$(readlink -f "$libdir/$lib")" ]; then
		ok "$what loads $libdir_rel/$lib"
	else
		notok "$what loads $(ldd "$exe" | grep libvas), want $lib"
	fi
	"$exe" misuse >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$want" = abort ]; then
		# 134: killed by SIGABRT, as the shell reports it.
		if [ "$rc" -eq 134 ] && grep -q '^vas: lockdep: ' "$tmp/err"; then
			ok "$what: VMA used after its guard: abort, '$(head -n 1 "$tmp/err")'"
		else
			notok "$what: VMA used after its guard: exit $rc, $(head -c 300 "$tmp/err")"
		fi
	elif [ "$rc" -eq 0 ] && grep -q '^misuse unnoticed (same)$' "$tmp/out"; then
		ok "$what: VMA used after its guard goes unchecked (release library)"
	else
		notok "$what: misuse run: exit $rc, $(head -c 300 "$tmp/err")"
	fi
}
export PKG_CONFIG_PATH=$libdir/pkgconfig
for name in vas vas-debug; do
	cflags=$(pkg-config --cflags "$name") libs=$(pkg-config --libs "$name")
	case " $cflags " in
	*" -I$prefix/include "*) ok "pkg-config --cflags $name: $cflags" ;;
	*) notok "pkg-config --cflags $name: '$cflags', want -I$prefix/include" ;;
	esac
	case " $libs " in
	*" -L$libdir -l$name "*) ok "pkg-config --libs $name: $libs" ;;
	*) notok "pkg-config --libs $name: '$libs', want -L$libdir -l$name" ;;
	esac
	exe=$tmp/pc_$name
	# shellcheck disable=SC2086
	if "$cc" -Wall -Wextra -Werror $cflags "$consumer" -o "$exe" $libs \
		-Wl,-rpath,"$libdir" >"$tmp/log" 2>&1; then
		ok "builds with pkg-config $name"
		if [ "$name" = vas ]; then
			runs "$exe" libvas.so.0 go
		else
			runs "$exe" libvas-debug.so.0 abort
		fi
	else
		notok "builds with pkg-config $name:"
		cat "$tmp/log"
	fi
done
unset PKG_CONFIG_PATH

# ---- 5. find_package consumer ---------------------------------------------------
cbuild=$tmp/consumer
if "$cmake" -S "$src/tests/install/consumer" -B "$cbuild" -G "$gen" \
	-DCMAKE_C_COMPILER="$cc" -DCMAKE_PREFIX_PATH="$prefix" \
	>"$tmp/log" 2>&1 && "$cmake" --build "$cbuild" >>"$tmp/log" 2>&1; then
	ok "find_package(vas 0.1) consumer configures and builds"
	runs "$cbuild/consumer_shared" libvas.so.0 go
	runs "$cbuild/consumer_static" "" go
	runs "$cbuild/consumer_debug" libvas-debug.so.0 abort
else
	notok "find_package(vas) consumer:"
	cat "$tmp/log"
fi
if "$cmake" -S "$src/tests/install/consumer" -B "$tmp/consumer2" -G "$gen" \
	-DCMAKE_C_COMPILER="$cc" -DCMAKE_PREFIX_PATH="$prefix" \
	-DVAS_CONSUMER_WANTS=0.2 >"$tmp/log" 2>&1; then
	notok "find_package(vas 0.2) accepted vas 0.1"
elif grep -q 'version: 0.1.0' "$tmp/log"; then
	ok "find_package(vas 0.2) refuses vas 0.1.0"
else
	notok "find_package(vas 0.2) failed otherwise:"
	cat "$tmp/log"
fi

# ---- 6. man pages ---------------------------------------------------------------
if page=$(MANPATH=$prefix/share/man man -w 3 vas_mmap 2>&1) &&
   [ "$page" = "$prefix/share/man/man3/vas_mmap.3" ]; then
	ok "man finds vas_mmap(3) in the prefix"
else
	notok "man -w 3 vas_mmap: $page"
fi
if page=$(MANPATH=$prefix/share/man man -w 3type vas_vma_iter 2>&1) &&
   [ "$page" = "$prefix/share/man/man3type/vas_vma_iter.3type" ]; then
	ok "man finds vas_vma_iter(3type) in the prefix"
else
	notok "man -w 3type vas_vma_iter: $page"
fi

finish
