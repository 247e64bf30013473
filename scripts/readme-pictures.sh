#!/usr/bin/env bash
# Makes the README's pictures from a finished main-job run: the charts the notebooks saved under
# work/figures/ are rendered to PNG by headless Chromium (Debian: apt-get install chromium), and the
# sample images are copied as they are.   Usage: scripts/readme-pictures.sh runs/<timestamp>
set -euo pipefail
run="${1:?usage: scripts/readme-pictures.sh runs/<timestamp>}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/docs/pictures"
figures="$run/work/figures"
command -v chromium >/dev/null || { echo "readme-pictures: needs chromium (apt-get install chromium)" >&2; exit 1; }
[ -d "$figures" ] || { echo "readme-pictures: no $figures: run ./kohaku run first" >&2; exit 1; }
mkdir -p "$out"
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
for html in "$figures"/*.html; do
  png="$out/$(basename "${html%.html}").png"
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$profile" --hide-scrollbars \
    --window-size=960,450 --virtual-time-budget=5000 --screenshot="$png" "file://$(realpath "$html")" 2>/dev/null
  echo "$png"
done
for png in "$figures"/*.png; do cp "$png" "$out/"; echo "$out/$(basename "$png")"; done
# Four training crops from the bucket stage, as the trainer sees them.
i=0
for png in $(ls "$run"/work/crops/*.png 2>/dev/null | head -n 4); do
  i=$((i + 1)); cp "$png" "$out/crop-$i.png"; echo "$out/crop-$i.png"
done
