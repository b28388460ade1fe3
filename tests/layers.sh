#!/usr/bin/env bash
# The one-way layers (docs/architecture.md): every #include "folder/file.h"
# in the tree is checked against the matrix below; any other fails the test.
#   core -> core            data -> core, data        estimators -> core, estimators
#   report -> core, report  datasets -> core, datasets
#   study -> core, data, estimators, report, study    cli -> core, study, datasets, cli
# Tests, scripts and fuzzers may include anything. System headers (<...>) are
# the CMake link rules' business (CMakeLists.txt links each library to what
# its folder may use).
set -u
cd "$(dirname "$0")/.."
declare -A allow=(
  [core]="core" [data]="core data" [estimators]="core estimators" [report]="core report"
  [datasets]="core datasets" [study]="core data estimators report study" [cli]="core study datasets cli")
bad=0 n=0
for dir in "${!allow[@]}"; do
  [ -d "$dir" ] || continue
  while IFS= read -r hit; do
    file=${hit%%:*}; rest=${hit#*:}; line=${rest%%:*}
    target=$(printf '%s' "$rest" | sed -E 's/^[0-9]+:[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]*)".*/\1/')
    n=$((n + 1))
    case "$target" in
      */*) to=${target%%/*} ;;
      *) echo "$file:$line: #include \"$target\" names no folder (write \"$dir/$target\")"; bad=$((bad + 1)); continue ;;
    esac
    ok=0
    for a in ${allow[$dir]}; do [ "$a" = "$to" ] && ok=1; done
    if [ $ok = 0 ]; then
      echo "$file:$line: $dir/ may not include $to/ (\"$target\"); $dir/ may include: ${allow[$dir]}"
      bad=$((bad + 1))
    fi
  done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$dir"/*.c "$dir"/*.h 2>/dev/null)
done
# A folder that is not in the matrix holds code nobody checks.
for d in */; do
  d=${d%/}
  case "$d" in build*|tests|scripts|docs|datasets|core|data|estimators|report|study|cli) ;;
    *) if ls "$d"/*.c "$d"/*.h >/dev/null 2>&1; then echo "$d/: C code in a folder outside the layers"; bad=$((bad + 1)); fi ;;
  esac
done
if [ $bad -gt 0 ]; then echo "layers: $bad include(s) cross a layer (of $n checked)"; exit 1; fi
echo "layers: $n includes checked, all within the matrix"
