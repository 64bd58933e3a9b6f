#!/usr/bin/env bash
# Runs ServerlessCdc on this machine: sets it up (scripts/setup.sh), then the Temperature app on the local
# Functions host and the private PostgreSQL cluster at demo speed — a sensor "minute" every second and 10-second average windows,
# so an average read from Postgres shows within a few seconds. Ctrl+C stops it (and the cluster it started).
# Real speed: DEMO=0 ./run.sh (one reading a minute, averages every 10 minutes).
# ./run.sh fraud [--rate N ...]: Activity 3 instead — `cdc up`: Postgres, the broker on :9094, the capture on :8083 with
# the seeds' connector, the fraud generator and both agents, with a status line every 2 s; Ctrl+C stops all of it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
scripts/setup.sh
if [[ ${1:-} == fraud ]]; then
  shift
  dotnet build tools/ServerlessCdc.Cli -c Release --nologo -v quiet -clp:ErrorsOnly
  exec dotnet tools/ServerlessCdc.Cli/bin/Release/net10.0/cdc.dll up "$@"
fi
if [[ ${DEMO:-1} != 0 ]]; then
  export TemperatureSensorSchedule="${TemperatureSensorSchedule:-* * * * * *}"
  export TemperatureAverageSchedule="${TemperatureAverageSchedule:-1,11,21,31,41,51 * * * * *}"
  export TemperatureWindow="${TemperatureWindow:-00:00:10}"
fi
# The app is an isolated-worker build; the local Functions host runs it as `func start` would.
exec scripts/func start --script-root functions/Temperature
