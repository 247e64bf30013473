#!/usr/bin/env bash
# Shows on a fresh Debian 12 root what scripts/setup-native.sh moves: it may take from Debian 13 only
# libstdc++6 and what libstdc++6 strictly needs: libc6 2.41 with libc-bin, the GCC 14 runtime
# (libgcc-s1, gcc-14-base) and base-files (libc6 2.41 Breaks Debian 12's). Every other package keeps
# its Debian 12 version. Needs root, debootstrap and deb.debian.org (a few minutes, ~450 MB).
#   bash scripts/setup-footprint-check.sh [ROOT_DIR]
set -euo pipefail
root_dir="${1:-/tmp/kohaku-bookworm-root}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
expected="base-files gcc-14-base libc-bin libc6 libgcc-s1 libstdc++6"
# Besides: python3-papermill, which Debian 12 lacks; pure Python on Debian 12's dependencies.
extra="python3-papermill"

if [ ! -x "$root_dir/usr/bin/apt-get" ]; then
  echo "footprint: debootstrap bookworm (minbase) into $root_dir" >&2
  debootstrap --variant=minbase bookworm "$root_dir" http://deb.debian.org/debian >/dev/null
fi
# A procfs of its own for the maintainer scripts, never a bind of the host's (a copy of the root
# would then copy the host's /proc), and unmounted whatever happens.
mount -t proc proc "$root_dir/proc"
trap 'umount "$root_dir/proc"' EXIT
cp /etc/resolv.conf "$root_dir/etc/resolv.conf"
cp "$here/setup-native.sh" "$root_dir/setup-native.sh"

versions() { chroot "$root_dir" dpkg-query -W -f '${Package} ${Version}\n' | sort; }
before="$(versions)"
chroot "$root_dir" bash /setup-native.sh
after="$(versions)"

moved=$(join <(echo "$before") <(echo "$after") | awk '$2 != $3 { print $1 " " $2 " -> " $3 }')
echo "footprint: packages whose version changed:" >&2
echo "$moved" | sed 's/^/  /' >&2
names=$(echo "$moved" | awk '{ print $1 }' | sort | paste -sd' ')
# Any installed version Debian 12 does not have came from Debian 13 (packages the setup added included).
from_trixie=$(chroot "$root_dir" bash -c 'dpkg-query -W -f "\${Package} \${Version}\n" | while read -r p v; do
  apt-cache madison "$p" | awk -v v="$v" "\$3 == v" | grep -q bookworm || echo "$p"; done' | sort | paste -sd' ')
# gcc-14-base is new (Debian 12 has gcc-12-base); the other five were there and move.
if [ "$from_trixie" != "$(echo $expected $extra | tr ' ' '\n' | sort | paste -sd' ')" ] || [ -n "$(comm -23 <(echo "$names" | tr ' ' '\n') <(echo "$expected" | tr ' ' '\n'))" ]; then
  echo "footprint: FAILED: expected exactly [$expected] from Debian 13; Debian 13 versions [$from_trixie], moved [$names]" >&2
  exit 1
fi
echo "footprint: OK: from Debian 13 exactly $from_trixie; the other $(( $(echo "$after" | wc -l) - 7 )) packages are Debian 12's" >&2
