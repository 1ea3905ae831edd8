#!/usr/bin/env bash
# Self-test of check.sh/checker.js on two handwritten fixtures: fixtures/good must pass,
# fixtures/bad must fail with every rule named. Needs Chromium (see check.sh); no cargo.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
check="$here/check.sh"
fail=0
out="$(mktemp)"
trap 'rm -f "$out"' EXIT

"$check" "$here/fixtures/good" >"$out" 2>&1
rc=$?
if [ $rc -eq 0 ] && ! grep -q ': [a-z-]*: "' "$out"; then
    echo "ok   good fixture passes"
else
    echo "FAIL good fixture: exit $rc"; sed 's/^/     /' "$out"; fail=1
fi

"$check" "$here/fixtures/bad" >"$out" 2>&1
rc=$?
if [ $rc -eq 1 ]; then
    echo "ok   bad fixture fails (exit 1)"
else
    echo "FAIL bad fixture: exit $rc, expected 1"; fail=1
fi
expect() { # rule, chart, a text that must be on the rule's line
    if grep -F ": $1: \"$2\":" "$out" | grep -qF -- "$3"; then
        echo "ok   bad fixture: $1 in \"$2\""
    else
        echo "FAIL bad fixture: no $1 in \"$2\" naming $3"; fail=1
    fi
}
expect overlapping-text "Crowded histogram" '"4767.271", "5727.304", "6880.667"'
expect text-outside-svg "Crowded histogram" 'a legend label far too long'
expect empty-chart "Nothing drawn" 'no data marks'
expect empty-table "Events (median path)" '"hour", "event"'
expect bad-number "Events (median path)" 'NaN%'
expect duplicate-tick "Worst depeg per path" '"55%"'
expect missing-ticks "XMS dilution per path" 'no label on the x axis'
expect same-swatch "USDm price fan" 'opacity 0.500'
n="$(grep -c ': [a-z-]*: "' "$out")"
if [ "$n" -eq 8 ]; then
    echo "ok   bad fixture: exactly 8 problems"
else
    echo "FAIL bad fixture: $n problems, expected 8"; fail=1
fi
[ $fail -eq 0 ] || { echo "--- check.sh output on the bad fixture:"; cat "$out"; }

# A missing browser must fail with the install hint: run with a PATH holding only the tools
# check.sh needs besides the browser.
bin="$(mktemp -d)"
for t in bash python3 find sort mktemp rm dirname timeout cat sed grep; do
    p="$(command -v "$t")" && ln -s "$p" "$bin/$t"
done
env -u CHROMIUM PATH="$bin" "$check" "$here/fixtures/good" >"$out" 2>&1
rc=$?
rm -rf "$bin"
if [ $rc -eq 2 ] && grep -q "apt-get install -y chromium" "$out"; then
    echo "ok   a missing Chromium fails with the install hint"
else
    echo "FAIL missing Chromium: exit $rc, expected 2 and the apt-get hint"; cat "$out"; fail=1
fi

if [ $fail -eq 0 ]; then echo "selftest: all passed"; else echo "selftest: FAILED"; fi
exit $fail
