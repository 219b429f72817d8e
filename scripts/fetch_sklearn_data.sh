#!/usr/bin/env bash
# Puts scikit-learn's bundled data sets (breast_cancer.csv, digits.csv.gz, iris.csv) in
# DEST/data for the training examples, without installing the Python stack: copied from
# Debian's python3-sklearn if it is installed, else extracted from its package
# (apt-get download + dpkg -x; an `apt-get update` first when root and the lists are missing).
# Usage: scripts/fetch_sklearn_data.sh DEST        (used by scripts/run_examples.sh and CTest)
# Exit status: 0 with the files in DEST/data, 77 when they cannot be had (it says how to get them).
set -euo pipefail
dest=${1:?usage: fetch_sklearn_data.sh DEST}
debian=/usr/lib/python3/dist-packages/sklearn/datasets/data
files=(breast_cancer.csv digits.csv.gz iris.csv)

# has DIR: are all the files in DIR?
has() {
  local f
  for f in "${files[@]}"; do [[ -f "$1/$f" ]] || return 1; done
}

if has "$dest/data"; then
  echo "sklearn data: $dest/data"
  exit 0
fi
mkdir -p "$dest/data"
if has "$debian"; then
  for f in "${files[@]}"; do cp "$debian/$f" "$dest/data/"; done
  echo "sklearn data: $dest/data (copied from the installed python3-sklearn)"
  exit 0
fi

cd "$dest"
rm -rf python3-sklearn_*.deb pkg
download() { apt-get download -o APT::Sandbox::User="$(id -un)" python3-sklearn >/dev/null; }
if ! download; then
  if [[ $(id -u) -eq 0 ]] && apt-get update >/dev/null && download; then
    :
  else
    cat >&2 <<MSG
cannot download Debian's python3-sklearn, which ships the training examples' data. Either run
as root (this script then runs apt-get update and apt-get download), or get it by hand:
  apt-get install python3-sklearn         # the files land in $debian
or, without its dependencies:
  apt-get download python3-sklearn && dpkg -x python3-sklearn_*.deb pkg
  then pass pkg$debian to the examples.
MSG
    exit 77
  fi
fi
dpkg -x python3-sklearn_*.deb pkg
for f in "${files[@]}"; do cp "pkg$debian/$f" data/; done
rm -rf pkg python3-sklearn_*.deb
echo "sklearn data: $dest/data (extracted from the python3-sklearn package)"
