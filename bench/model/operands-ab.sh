#!/usr/bin/env bash
# Issue 18, session 11: products through off-heap copies (-Dcohort.operands=copy, the engine before
# the JNI shim) beside products on pinned Java arrays (the default where the shim is built),
# interleaved in one sitting (property-ab.sh operands copy pinned):
#   bench/model/operands-ab.sh [small|tiny|qwen2.5-0.5b ...]     (default: small qwen2.5-0.5b)
# Env: PAIRS (3), THREADS (2).
exec "$(dirname "${BASH_SOURCE[0]}")/property-ab.sh" operands copy pinned "$@"
