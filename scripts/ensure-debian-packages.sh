#!/usr/bin/env bash
# Installs the Debian packages that provide the given commands, if any is
# missing. Arguments are command:package pairs, e.g. chromium:chromium.
# Used by the test set-ups and .ci/run so a fresh machine needs no manual step.
set -euo pipefail

missing=()
for pair in "$@"; do
  cmd=${pair%%:*}
  command -v "$cmd" >/dev/null || [ -x "/usr/sbin/$cmd" ] || missing+=("${pair##*:}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "missing Debian packages: run 'apt-get install -y ${missing[*]}' as root" >&2
  exit 1
fi
echo "installing ${missing[*]} from Debian (once)" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
