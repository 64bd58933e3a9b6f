#!/usr/bin/env bash
# Runs every test: sets the machine up (scripts/setup.sh), builds, and runs each test project against the
# real PostgreSQL server and real Kafka clients. Ends with one line: "tests: N passed, N failed, N skipped".
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
scripts/setup.sh || exit 1
dotnet build ServerlessCdc.sln -c Release --no-restore --nologo -v quiet -clp:ErrorsOnly || exit 1

log=$(mktemp)
dotnet test ServerlessCdc.sln -c Release --no-build --nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# VSTest prints one "Passed!/Failed!  - Failed: a, Passed: b, Skipped: c, Total: d" line per project.
read -r failed passed skipped < <(grep -E '^(Passed|Failed)!' "$log" |
  sed -E 's/.*Failed: *([0-9]+), Passed: *([0-9]+), Skipped: *([0-9]+).*/\1 \2 \3/' |
  awk '{f+=$1; p+=$2; s+=$3} END {print f+0, p+0, s+0}')
rm -f "$log"
if [[ $status -ne 0 && $failed -eq 0 ]]; then failed=1; fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"
