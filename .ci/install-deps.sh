#!/usr/bin/env bash
# System packages the tests need beyond the .NET SDK: Chromium, in which a test opens the HTML report
# and checks that every chart was drawn, and the PostgreSQL server binaries (initdb, pg_ctl), with which
# the run store's tests start a throwaway server of their own. Everything else (NuGet packages, the
# dotnet-repl local tool) is restored by the build and the tests themselves.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
updated=
update() { [ -n "$updated" ] || { apt-get update -qq; updated=1; }; }
if ! command -v chromium >/dev/null 2>&1; then
  update
  apt-get install -y -qq chromium >/dev/null
fi
# Debian and Ubuntu keep initdb out of PATH, under /usr/lib/postgresql/VERSION/bin.
if ! command -v initdb >/dev/null 2>&1 && ! ls -d /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  update
  apt-get install -y -qq postgresql >/dev/null
fi
