#!/usr/bin/env bash
# Prepares a fresh Debian 12 machine (root, no Docker) for ServerlessCdc, and is quick when all is present:
#   apt packages:  PostgreSQL 15 server, kcat, python3-kafka (Confluent.Kafka's librdkafka comes from NuGet), chromium
#                  (the dashboard's browser tests drive it through Playwright; no browser download), docker-compose
#                  (tests check docker-compose.yml with `docker-compose config`, which needs no Docker engine)
#   npm:           kafkajs for the broker's client-compatibility tests (tests/clients/node_modules)
#   dotnet restore of ServerlessCdc.sln
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
say() { printf 'setup: %s\n' "$*"; }

apt_packages=(postgresql-15 postgresql-client-15 kcat python3-kafka chromium docker-compose)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    say "missing apt packages: ${missing[*]} (run this script as root once, or: sudo apt-get install ${missing[*]})"
    exit 1
  fi
  say "installing apt packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  # Debian's postgresql package would create and start a system cluster; we never use it.
  mkdir -p /etc/postgresql-common
  grep -qs '^create_main_cluster' /etc/postgresql-common/createcluster.conf 2>/dev/null ||
    echo 'create_main_cluster = false' >> /etc/postgresql-common/createcluster.conf
  apt-get install -y -q --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}" >/dev/null
else
  say "apt packages present: ${apt_packages[*]}"
fi

if [[ -f tests/clients/package.json ]]; then
  if [[ ! -d tests/clients/node_modules/kafkajs ]]; then
    say "installing npm packages for tests/clients (kafkajs)"
    (cd tests/clients && npm install --no-audit --no-fund --silent >/dev/null)
  else
    say "npm packages present (tests/clients/node_modules)"
  fi
fi

say "dotnet restore ServerlessCdc.sln"
dotnet restore ServerlessCdc.sln --nologo -v quiet
