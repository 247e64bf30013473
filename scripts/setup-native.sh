#!/usr/bin/env bash
# Makes sure the native prerequisites are present: libstdc++ for TorchSharp 0.107, and Open MPI
# (mpirun and libmpi.so.40) for data-parallel training.
# libtorch 2.10 (inside libtorch-cpu-linux-x64) links against libstdc++ with GLIBCXX_3.4.32
# (GCC 13+). Debian 12 ships GCC 12's libstdc++, so on Debian 12 we take libstdc++6 alone from
# Debian 13 (trixie), pinned at priority 100, and name on the command line exactly the packages it
# needs from there (trixie_closure): `-t trixie` would let apt take from trixie every package it touches.
set -euo pipefail

need=GLIBCXX_3.4.32

find_libstdcxx() {
  for f in /usr/lib/x86_64-linux-gnu/libstdc++.so.6 /usr/lib64/libstdc++.so.6 /usr/lib/libstdc++.so.6 /usr/lib/aarch64-linux-gnu/libstdc++.so.6; do
    [ -e "$f" ] && { readlink -f "$f"; return 0; }
  done
  ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 /{print $NF; exit}'
}

has_symbol_version() {
  local lib
  lib=$(find_libstdcxx)
  [ -n "$lib" ] && grep -aq "$need" "$lib"
}

# From the distribution: Open MPI (Debian 12: 4.1.4; the trainer calls libmpi.so.40 through P/Invoke)
# for data-parallel training, vipsthumbnail, the image bench's reference, and for the system python3
# the Jupyter clients the kernel's tests drive it with: jupyter_client with pyzmq, nbclient, nbformat,
# nbconvert and papermill. Debian 12 has papermill only in trixie: it is pure Python and its
# dependencies come from Debian 12, so it alone is taken from there.
has_mpi() { command -v mpirun >/dev/null && ldconfig -p 2>/dev/null | grep -q 'libmpi\.so\.40 '; }
# find_spec locates the modules without importing them: ./kohaku runs this on every call.
has_jupyter_clients() { /usr/bin/python3 -c 'import importlib.util as u, sys; sys.exit(any(u.find_spec(m) is None for m in ("jupyter_client", "zmq", "nbclient", "nbformat", "nbconvert", "papermill")))' 2>/dev/null; }
install_packages() {
  has_mpi && command -v vipsthumbnail >/dev/null && has_jupyter_clients && return 0
  . /etc/os-release 2>/dev/null || true
  if [ "${ID:-}" = debian ] || [ "${ID_LIKE:-}" = debian ]; then
    local sudo="" papermill=python3-papermill
    [ "$(id -u)" = 0 ] || sudo=sudo
    echo "setup: installing Open MPI (openmpi-bin, libopenmpi3), libvips-tools and the Jupyter clients (jupyter_client, pyzmq, nbclient, nbconvert, papermill)" >&2
    $sudo apt-get update -qq
    apt-cache madison python3-papermill 2>/dev/null | grep -qv trixie || papermill=python3-papermill/trixie
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends openmpi-bin libopenmpi3 libvips-tools \
      python3-jupyter-client python3-zmq python3-nbclient python3-nbformat jupyter-nbconvert jupyter-core "$papermill" >&2
  else
    echo "setup: Open MPI (mpirun, libmpi.so.40), vipsthumbnail or the Jupyter clients not found; one-process training works, mpirun -np N needs Open MPI, the image bench's reference needs libvips-tools, the Jupyter kernel's tests need jupyter_client, pyzmq, nbclient, nbconvert and papermill" >&2
  fi
}

# The packages libstdc++6 from trixie strictly needs, as PKG/trixie arguments for apt-get install:
# libc6 2.41 and the GCC 14 runtime it links against, every installed package built from glibc
# (each requires libc6 at exactly its own version), base-files (libc6 2.41 Breaks older ones), then,
# round by round, what apt would otherwise remove: of those, the ones no other removed package
# depends on (the cause, not its dependants; libc6-dev 2.41 Breaks Debian 12's dpkg-dev, but
# build-essential and g++ stay at their Debian 12 versions). On a fresh Debian 12 that is libstdc++6,
# libgcc-s1, gcc-14-base, libc6, libc-bin and base-files (scripts/setup-footprint-check.sh).
trixie_closure() {
  local pkgs out removed leaves p q deps round
  pkgs="libstdc++6/trixie libgcc-s1/trixie gcc-14-base/trixie base-files/trixie"
  pkgs="$pkgs $(dpkg-query -W -f '${Package} ${source:Package} ${db:Status-Abbrev}\n' | awk '$2 == "glibc" && $3 == "ii" { printf "%s/trixie ", $1 }')"
  for round in $(seq 1 20); do
    out=$(apt-get install -s -qq --no-install-recommends $pkgs 2>&1) || { printf '%s\n' "$out" >&2; return 1; }
    removed=$(printf '%s\n' "$out" | awk '/^Remv / { print $2 }')
    if [ -z "$removed" ]; then echo $pkgs; return 0; fi
    leaves=""
    for p in $removed; do
      deps=" $(dpkg-query -W -f '${Depends} ${Pre-Depends}' "$p" 2>/dev/null | tr ',|' '  ' | sed 's/([^)]*)//g; s/:any//g') "
      for q in $removed; do
        [ "$q" != "$p" ] && case "$deps" in *" $q "*) continue 2 ;; esac
      done
      leaves="$leaves $p/trixie"
    done
    pkgs="$pkgs$leaves"
  done
  return 1
}

if has_symbol_version; then
  install_packages
  exit 0
fi

. /etc/os-release 2>/dev/null || true
if [ "${ID:-}" = debian ] && [ "${VERSION_ID:-}" = 12 ]; then
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "setup: installing libstdc++6 from Debian 13 needs root (no sudo found)" >&2; exit 1; }
    sudo=sudo
  fi
  echo "setup: libstdc++ lacks $need; installing libstdc++6 from Debian 13 (trixie), pinned at priority 100" >&2
  $sudo tee /etc/apt/sources.list.d/kohaku-trixie.sources >/dev/null <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  $sudo tee /etc/apt/preferences.d/kohaku-trixie >/dev/null <<'PIN'
Package: *
Pin: release n=trixie
Pin-Priority: 100
PIN
  $sudo apt-get update -qq
  packages=$(trixie_closure) || { echo "setup: apt finds no way to take libstdc++6 from trixie on this system (above)" >&2; exit 1; }
  echo "setup: from trixie: $(echo "$packages" | sed 's|/trixie||g')" >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $packages >&2
  has_symbol_version || { echo "setup: libstdc++6 from trixie installed but $need is still missing" >&2; exit 1; }
  echo "setup: libstdc++ now provides $need" >&2
  install_packages
  exit 0
fi

cat >&2 <<MSG
setup: TorchSharp 0.107 needs libstdc++ with $need (GCC 13 or newer), and this system's
libstdc++ ($(find_libstdcxx)) does not have it. Install a newer libstdc++6 from your distribution
(for example Debian 13, Ubuntu 24.04 or Fedora 39 and later ship one), then run this again.
MSG
exit 1
