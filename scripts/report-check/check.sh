#!/usr/bin/env bash
# Rule-based check of usdm HTML reports in headless Chromium.
#
#   scripts/report-check/check.sh DIR_OR_FILE...
#
# Every report.html under each DIR (or each .html FILE given) is loaded in headless Chromium
# with checker.js injected; the checker writes its findings into the DOM, which is dumped and
# read back. Prints one line per problem:
#
#   FILE: RULE: "CHART": TEXTS -- DETAIL
#
# and exits 1 if there were any, 2 on a usage or setup error, 0 when all reports are clean.
# Rules: overlapping-text, text-outside-svg, empty-chart, empty-table, bad-number (see
# checker.js). Environment: CHROMIUM (the browser binary), REPORT_CHECK_WINDOW (default
# 1280,1024: the width decides the chart size, but overlaps are measured in chart units).
set -u

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
checker="$here/checker.js"

if [ $# -eq 0 ]; then
    echo "usage: $0 DIR_OR_FILE..." >&2
    exit 2
fi

browser=""
if [ -n "${CHROMIUM:-}" ] && ! command -v "$CHROMIUM" >/dev/null 2>&1; then
    echo "report-check: CHROMIUM=$CHROMIUM is not an executable." >&2
    echo "report-check: install Chromium with: apt-get update && apt-get install -y chromium" >&2
    exit 2
fi
for c in "${CHROMIUM:-}" chromium chromium-browser; do
    [ -n "$c" ] || continue
    if command -v "$c" >/dev/null 2>&1; then
        browser="$(command -v "$c")"
        break
    fi
done
if [ -z "$browser" ]; then
    echo "report-check: no Chromium found (tried \$CHROMIUM, chromium, chromium-browser)." >&2
    echo "report-check: install it with: apt-get update && apt-get install -y chromium" >&2
    echo "report-check: or point CHROMIUM at a Chromium/Chrome binary." >&2
    exit 2
fi
command -v python3 >/dev/null 2>&1 || { echo "report-check: python3 is required" >&2; exit 2; }
[ -f "$checker" ] || { echo "report-check: missing $checker" >&2; exit 2; }

files=()
for arg in "$@"; do
    if [ -d "$arg" ]; then
        while IFS= read -r f; do files+=("$f"); done < <(find "$arg" -type f -name report.html | sort)
    elif [ -f "$arg" ]; then
        files+=("$arg")
    else
        echo "report-check: no such file or directory: $arg" >&2
        exit 2
    fi
done
if [ ${#files[@]} -eq 0 ]; then
    echo "report-check: no report.html under: $*" >&2
    exit 2
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/report-check.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

total=0
n=0
for f in "${files[@]}"; do
    n=$((n + 1))
    page="$tmp/page$n.html"
    # The report with the checker inlined before </body> (or at the end).
    python3 - "$f" "$checker" "$page" <<'PY'
import sys
html = open(sys.argv[1], encoding="utf-8", errors="replace").read()
js = open(sys.argv[2], encoding="utf-8").read().replace("</script", "<\\/script")
tag = "<script>\n" + js + "\n</script>"
i = html.lower().rfind("</body>")
html = html[:i] + tag + html[i:] if i >= 0 else html + tag
open(sys.argv[3], "w", encoding="utf-8").write(html)
PY
    timeout 120 "$browser" --headless --no-sandbox --disable-gpu --no-first-run \
        --disable-extensions --hide-scrollbars --mute-audio \
        --user-data-dir="$tmp/profile" \
        --window-size="${REPORT_CHECK_WINDOW:-1280,1024}" \
        --virtual-time-budget=5000 --dump-dom "file://$page" \
        >"$tmp/dom$n.html" 2>"$tmp/err$n.log"
    rc=$?
    python3 - "$f" "$tmp/dom$n.html" "$rc" "$tmp/err$n.log" "$tmp/count" <<'PY'
import html, json, re, sys
name, dom, rc, err, countfile = sys.argv[1], open(sys.argv[2], encoding="utf-8", errors="replace").read(), sys.argv[3], sys.argv[4], sys.argv[5]
# The last match: the checker's own source (inlined above it) mentions the element too.
m = None
for m in re.finditer(r'<pre id="report-check-result"[^>]*>(\{.*?)</pre>', dom, re.S):
    pass
if not m:
    tail = open(err, errors="replace").read().strip().splitlines()[-3:]
    print(f'{name}: checker-error: "": [] -- no result from the page (chromium exit {rc}): {" | ".join(tail)}')
    problems = [None]
else:
    problems = json.loads(html.unescape(m.group(1)))["problems"]
    for p in problems:
        texts = ", ".join(json.dumps(t, ensure_ascii=False) for t in p["texts"])
        print(f'{name}: {p["rule"]}: "{p["chart"]}": [{texts}] -- {p["detail"]}')
open(countfile, "w").write(str(len(problems)))
PY
    c="$(cat "$tmp/count" 2>/dev/null || echo 1)"
    rm -f "$tmp/count"
    total=$((total + ${c:-1}))
done

if [ "$total" -gt 0 ]; then
    echo "report-check: $total problem(s) in ${#files[@]} report(s)" >&2
    exit 1
fi
echo "report-check: ${#files[@]} report(s) clean" >&2
exit 0
