#!/usr/bin/env bash
# Builds the JNI shim (cohort_pinned.c) into the classes directory, called by Maven (lm-engine's
# pom, process-classes). Usage: build.sh OUT_DIR JAVA_HOME.
# Without a C compiler, JNI headers or on another platform it builds nothing and says so: the engine
# then copies product operands off-heap (slower, same results). Set COHORT_NATIVE=off to skip it.
set -euo pipefail
out="$1"; java_home="$2"
src="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/cohort_pinned.c"
lib="$out/libcohort_pinned.so"
skip() { echo "[lm-engine] no JNI shim built ($1): products will copy their operands off-heap"; rm -f "$lib"; exit 0; }
[ "${COHORT_NATIVE:-on}" = off ] && skip "COHORT_NATIVE=off"
[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || skip "platform $(uname -s)-$(uname -m), built for Linux-x86_64 only"
cc="${CC:-}"
if [ -z "$cc" ]; then
  for c in cc gcc clang; do if command -v "$c" >/dev/null; then cc="$c"; break; fi; done
fi
[ -n "$cc" ] || skip "no C compiler (cc, gcc or clang; Debian: apt-get install gcc)"
[ -f "$java_home/include/jni.h" ] || skip "no $java_home/include/jni.h (a JDK, not a JRE, is needed)"
if [ -f "$lib" ] && [ "$lib" -nt "$src" ] && [ "$lib" -nt "${BASH_SOURCE[0]}" ]; then exit 0; fi
mkdir -p "$out"
"$cc" -O2 -shared -fPIC -Wall -Wextra -Werror -I"$java_home/include" -I"$java_home/include/linux" -o "$lib" "$src" \
  || skip "$cc failed"
echo "[lm-engine] built $lib with $cc"
