#!/usr/bin/env bash
# Runs ONNX's backend node tests through NablaONNX (see docs/ONNX.md):
#   1. the Debian set (libonnx-testdata, ONNX 1.12), installed with apt when missing;
#   2. the newer set written by the onnx wheel's case generators into .build/onnx-node-tests
#      (pip install onnx numpy; skipped with a SKIP line when that is impossible).
# Ends with `ONNX node tests: P passed, F failed, U unsupported` for the newer set when present, else the Debian set.
# SWIFT (default swift) and SWIFT_BUILD_FLAGS (e.g. "--scratch-path .build-onnx") are honoured.
set -uo pipefail
cd "$(dirname "$0")/.."
SWIFT="${SWIFT:-swift}"
FLAGS="${SWIFT_BUILD_FLAGS:-}"
PYTHON="${PYTHON:-python3}"
OUT=.build/onnx-node-tests

if [ ! -d /usr/share/libonnx-testdata/data/node ]; then
    if [ "$(id -u)" = 0 ]; then apt-get install -y libonnx-testdata >/dev/null || echo "SKIP: apt-get install libonnx-testdata failed"
    else sudo apt-get install -y libonnx-testdata >/dev/null || echo "SKIP: apt-get install libonnx-testdata failed"; fi
fi

NEWER=""
if ! "$PYTHON" -c 'import onnx, numpy' 2>/dev/null; then
    "$PYTHON" -m pip install --quiet onnx numpy 2>/dev/null \
        || "$PYTHON" -m pip install --quiet --break-system-packages onnx numpy 2>/dev/null \
        || echo "SKIP: newer ONNX node tests (pip install onnx numpy failed)"
fi
if "$PYTHON" -c 'import onnx, numpy' 2>/dev/null; then
    if [ ! -d "$OUT/node" ]; then
        "$PYTHON" ../shared/tools/onnx-node-tests.py "$OUT" >/dev/null || echo "SKIP: generating $OUT failed"
    fi
    [ -d "$OUT/node" ] && NEWER="$PWD/$OUT"
fi

BUILD_LOG=$(mktemp)
$SWIFT build $FLAGS --build-tests >"$BUILD_LOG" 2>&1 || { cat "$BUILD_LOG"; rm -f "$BUILD_LOG"; exit 1; }
rm -f "$BUILD_LOG"
LOG=$(mktemp)
NABLA_ONNX_NODE_TESTS="$NEWER" $SWIFT test $FLAGS --skip-build --filter ONNXConformanceTests 2>&1 | tee "$LOG" \
    | grep -E '^(==|FAIL|pass rate|ONNX node tests:|SKIP)|  [A-Za-z(].*: [0-9]+ passed|error:'
STATUS=${PIPESTATUS[0]}
# The last summary printed belongs to the newer set when it ran, else to the Debian set.
grep '^ONNX node tests:' "$LOG" | tail -1
rm -f "$LOG"
exit "$STATUS"
