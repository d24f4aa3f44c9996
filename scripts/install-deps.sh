#!/usr/bin/env bash
# Installs the Debian packages Nabla builds against, when missing. Idempotent: does nothing
# (and needs no network) when everything is already there. Runs apt-get as root, or through sudo.
set -euo pipefail

packages=(libopenblas-dev libdnnl-dev zlib1g-dev libpng-dev pkg-config dataset-fashion-mnist libonnx-testdata fortunes)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

echo "Installing Debian packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
    apt_get=(apt-get)
elif command -v sudo >/dev/null 2>&1; then
    apt_get=(sudo apt-get)
else
    echo "error: missing packages ${missing[*]} and not root (no sudo); install them with apt-get" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${apt_get[@]}" update -qq
"${apt_get[@]}" install -y -qq "${missing[@]}"
