#!/usr/bin/env bash
# The second half of `npm test`: when run as root and the user `sandboxci` exists (.ci/run creates it), run the
# whole suite again as that unprivileged user, and the hostile suite at every pinned Landlock ABI (test-abis.sh),
# from a copy of the tree it owns (the checkout may sit under a directory it cannot enter). As a non-root user already, or without that user, say so and do nothing.
set -euo pipefail
user="${SANDBOX_TEST_USER:-sandboxci}"
if [ "$(id -u)" -ne 0 ]; then
  echo "test-unprivileged: already running as uid $(id -u); nothing more to do"
  exit 0
fi
if ! id "$user" >/dev/null 2>&1; then
  echo "test-unprivileged: SKIPPED — no user '$user' (create it with: useradd --system --create-home $user)"
  exit 0
fi
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/scps-unpriv.XXXXXX)"
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
cp -a "$root/." "$work/repo"
chown -R "$user:" "$work/repo"
echo "test-unprivileged: running the suite as $user (uid $(id -u "$user")) in $work/repo"
cd "$work/repo"
runuser -u "$user" -- env HOME="$work" PATH="$PATH" npx vitest run
runuser -u "$user" -- env HOME="$work" PATH="$PATH" bash scripts/test-abis.sh
