#!/usr/bin/env bash
# Installs what Ragline needs on Debian/Ubuntu (idempotent): librdkafka for the Kafka client and its
# embedded mock broker, OpenBLAS for the MiniLM encoder, kcat for poking at topics, and the MiniLM model
# files (scripts/install-model.sh). Needs a Swift 6.2+ toolchain on PATH (the dependencies declare swift-tools-version 6.2; CI uses 6.3).
set -euo pipefail

need_packages=()
for package in librdkafka-dev libopenblas-dev pkg-config kcat python3-pip; do
    dpkg -s "$package" >/dev/null 2>&1 || need_packages+=("$package")
done
if [ "${#need_packages[@]}" -gt 0 ]; then
    echo "setup: installing ${need_packages[*]}"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_packages[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
    if [ -x /opt/swift/usr/bin/swift ]; then
        export PATH="/opt/swift/usr/bin:$PATH"
    else
        echo "setup: no Swift toolchain found. Install Swift 6.2 or newer (https://www.swift.org/install/linux/) and re-run." >&2
        exit 1
    fi
fi
bash "$(dirname "${BASH_SOURCE[0]}")/install-model.sh"
echo "setup: librdkafka $(pkg-config --modversion rdkafka), OpenBLAS $(pkg-config --modversion openblas), $(swift --version 2>/dev/null | head -n 1)"
