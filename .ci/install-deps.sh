#!/usr/bin/env bash
# What the tests need beyond the .NET SDK: Chromium (the report is opened in it to check every chart
# draws) and the repository's local dotnet tools (dotnet-repl, which runs a notebook in the stock kernel).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi
dotnet tool restore
