#!/usr/bin/env bash
# Runs ServerlessCdc on this machine: sets it up (scripts/setup.sh), then the Temperature app on the local
# Functions host and the private PostgreSQL cluster at demo speed — a sensor "minute" every second and 10-second average windows,
# so an average read from Postgres shows within a few seconds. Ctrl+C stops it (and the cluster it started).
# Real speed: DEMO=0 ./run.sh (one reading a minute, averages every 10 minutes).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
scripts/setup.sh
if [[ ${DEMO:-1} != 0 ]]; then
  export TemperatureSensorSchedule="${TemperatureSensorSchedule:-* * * * * *}"
  export TemperatureAverageSchedule="${TemperatureAverageSchedule:-1,11,21,31,41,51 * * * * *}"
  export TemperatureWindow="${TemperatureWindow:-00:00:10}"
fi
# The app is an isolated-worker build; the local Functions host runs it as `func start` would.
exec scripts/func start --script-root functions/Temperature
