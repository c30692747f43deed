#!/usr/bin/env bash
# Part of `npm test` (and of its unprivileged half): the hostile suite — every attack of test/engine/attacks-*.test.ts
# and the containment tests — again at each Landlock ABI from 3 up to below the kernel's (the main run covers the
# kernel's own), pinned with SIMPLE_CP_SANDBOX_LANDLOCK_ABI. An older kernel's Landlock is reproduced this way: the
# sandbox uses only that ABI's rights and scopes, and must contain the same attacks with what it adds in their place
# (docs/principles.md, "Below Landlock ABI 6").
set -euo pipefail
cd "$(dirname "$0")/.."
kernel="$(node -e "import('./dist/landlock/index.js').then((l) => console.log(l.detectLandlockAbi().abi))")"
files=(test/engine/attacks-*.test.ts test/engine/containment.test.ts)
for abi in $(seq 3 $((kernel - 1))); do
  echo "test-abis: the hostile suite at Landlock ABI $abi (kernel: $kernel), as uid $(id -u)"
  SIMPLE_CP_SANDBOX_LANDLOCK_ABI="$abi" npx vitest run "${files[@]}"
done
