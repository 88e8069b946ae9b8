#!/usr/bin/env bash
# System packages the tests need beyond the .NET SDK: Chromium, in which a test opens the HTML report
# and checks that every chart was drawn. Everything else (NuGet packages, the dotnet-repl local tool)
# is restored by the build and the tests themselves.
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi
