#!/usr/bin/env bash
# Size and ownership rules of the layers (issue "One-way layers", house style):
#  1. no source file over 800 lines;
#  2. no function over 120 lines unless it opens with its formula block (a
#     comment of 3 or more lines right above the definition or right after
#     its opening brace);
#  3. `min_cell` (the disclosure threshold) appears in no estimator: the
#     estimation threshold is its own setting (min_treated);
#  4. every public function (declared in a header of the layers) has a caller
#     outside its own definition and outside tests/.
set -u
cd "$(dirname "$0")/.."
layers="core data estimators report study cli datasets"
bad=0
fail() { echo "$*"; bad=$((bad + 1)); }

for f in $(ls $(for d in $layers; do echo "$d/*.c"; done) 2>/dev/null); do
  n=$(wc -l < "$f")
  [ "$n" -gt 800 ] && fail "$f: $n lines (at most 800: split it by job)"
  awk -v F="$f" '
    function flush() { }
    { line[NR] = $0 }
    /^[A-Za-z_][A-Za-z0-9_ \*]*\(/ && $0 !~ /;[[:space:]]*$/ { sig = NR }
    /^\{/ && sig { start = NR; open_sig = sig; sig = 0 }
    /^\}/ && start {
      len = NR - start + 1
      if (len > 120) {
        ok = 0
        # comment block ending right above the signature
        if (line[open_sig - 1] ~ /\*\/[[:space:]]*$/) {
          c = 0
          for (i = open_sig - 1; i > 0 && c < 200; i--) { c++; if (line[i] ~ /^[[:space:]]*\/\*/) break }
          if (c >= 3) ok = 1
        }
        # or right after the opening brace
        if (line[start + 1] ~ /^[[:space:]]*\/\*/) {
          c = 0
          for (i = start + 1; i <= NR && c < 200; i++) { c++; if (line[i] ~ /\*\//) break }
          if (c >= 3) ok = 1
        }
        if (!ok) {
          name = line[open_sig]; sub(/\(.*/, "", name); sub(/.*[ \*]/, "", name)
          printf "%s:%d: function %s is %d lines (at most 120, or open it with its formula block)\n", F, open_sig, name, len
        }
      }
      start = 0
    }' "$f" | while IFS= read -r l; do echo "$l"; done > /tmp/code_rules.$$ 
  if [ -s /tmp/code_rules.$$ ]; then cat /tmp/code_rules.$$; bad=$((bad + $(wc -l < /tmp/code_rules.$$))); fi
  rm -f /tmp/code_rules.$$
done

if grep -n 'min_cell' estimators/*.[ch] 2>/dev/null; then
  fail "estimators/: min_cell is the disclosure threshold; the estimation threshold is min_treated"
fi

# Public functions: names declared in headers of the layers, as "type nt_name(".
# A name mentioned only once in the production .c files (its definition) has no caller.
src=$(ls $(for d in $layers; do echo "$d/*.c"; done) 2>/dev/null)
counts=$(cat $src | sed -E 's#/\*.*\*/##g' | grep -vE '^[[:space:]]*(/\*|\*)' | grep -oE '\bnt_[a-z0-9_]+\b' | sort | uniq -c)
for h in $(ls $(for d in $layers; do echo "$d/*.h"; done) 2>/dev/null); do
  for fn in $(grep -hoE '^[A-Za-z_][A-Za-z0-9_ \*]*[ \*](nt_[a-z0-9_]+)\(' "$h" | grep -oE 'nt_[a-z0-9_]+\($' | tr -d '('); do
    c=$(printf '%s\n' "$counts" | awk -v f="$fn" '$2 == f { print $1 }')
    # A static inline function is defined in its header: its callers may be in
    # .c files or in other inline functions of the headers; with the definition it needs 2 mentions.
    if grep -qE "^static inline .*[ *]$fn\(" "$h"; then
      c=$(( ${c:-0} + $(cat $(ls $(for d in $layers; do echo "$d/*.h"; done)) | sed -E 's#/\*.*\*/##g' \
                        | grep -oE "\b$fn\b" | wc -l) ))
    fi
    [ "${c:-0}" -lt 2 ] && fail "$h: $fn has no caller outside tests (delete it, or give it its caller)"
  done
done

if [ $bad -gt 0 ]; then echo "code rules: $bad problem(s)"; exit 1; fi
echo "code rules: sizes, function lengths, min_cell and callers hold"
