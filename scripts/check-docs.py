#!/usr/bin/env python3
"""Checks the documentation's links: every relative link in README.md, docs/ and the other
Markdown files of the repository names a file that exists, and every `#anchor` a heading of
the file it points to (GitHub's anchors: lower case, punctuation dropped, spaces as hyphens,
`-1`, `-2` for repeats). Links to the web are not followed (CI has no network); links to
`../shared/` are checked when it is there. Also checks that every guide in docs/ is linked
from the README, so none is orphaned.

    scripts/check-docs.py              # exit 1 and one line per broken link
    scripts/check-docs.py --self-test  # proves each rule fires, on a small tree made for it
"""
import re
import subprocess
import sys
import tempfile
from pathlib import Path

if sys.argv[1:] == ["--self-test"]:
    with tempfile.TemporaryDirectory() as d:
        t = Path(d)
        (t / "scripts").mkdir()
        (t / "docs").mkdir()
        (t / "scripts" / "check-docs.py").write_text(Path(__file__).read_text())
        (t / "README.md").write_text(
            "# Front\n\n[ok](docs/a.md#a-guide) [gone](docs/missing.md) [anchor](docs/a.md#nowhere)\n"
            "`[code](not/a/link.md)`\n\n```\n[fenced](not/a/link.md)\n```\n")
        (t / "docs" / "a.md").write_text("# A guide\n\n[back](../README.md#front)\n")
        (t / "docs" / "b.md").write_text("# Orphan\n")
        r = subprocess.run([sys.executable, str(t / "scripts" / "check-docs.py")],
                           capture_output=True, text=True)
        expected = ["docs/missing.md): no such file", "no heading '#nowhere' in a.md",
                    "docs/b.md is not linked from the front page", "3 broken"]
        missing = [e for e in expected if e not in r.stdout]
        if r.returncode != 1 or missing:
            sys.exit(f"check-docs self-test failed: exit {r.returncode}, missing {missing}:\n{r.stdout}")
        print("check-docs self-test: passed (missing file, missing anchor, orphaned guide; code ignored)")
    sys.exit(0)

root = Path(__file__).resolve().parent.parent
files = [root / "README.md", root / "CONTRIBUTING.md", root / "BENCHMARKS.md"]
files += sorted((root / "docs").glob("*.md"))
files += [root / d / "README.md" for d in ("scenarios", "schemas", "bench", "packages/usdm-client-ts")]
files = [f for f in files if f.exists()]

LINK = re.compile(r"(?<!!)\[([^\]]*)\]\(([^)\s]+)\)")


def prose(text):
    """The text outside fenced code blocks, line by line with line numbers."""
    fence = False
    for n, line in enumerate(text.split("\n"), 1):
        if line.lstrip().startswith("```"):
            fence = not fence
            continue
        if not fence:
            yield n, line


def anchors(path, cache={}):
    if path not in cache:
        seen, out = {}, set()
        for _, line in prose(path.read_text()):
            m = re.match(r"^#{1,6} (.*)", line)
            if not m:
                continue
            slug = re.sub(r"[^\w\- ]", "", m.group(1).strip().lower()).replace(" ", "-")
            k = seen.get(slug, 0)
            seen[slug] = k + 1
            out.add(slug if k == 0 else f"{slug}-{k}")
        cache[path] = out
    return cache[path]


problems, checked = [], 0
for f in files:
    for n, line in prose(f.read_text()):
        # Inline code is not a link.
        for label, target in LINK.findall(re.sub(r"`[^`]*`", "``", line)):
            if re.match(r"^[a-z]+:", target):
                continue
            checked += 1
            path_part, _, anchor = target.partition("#")
            dest = (f.parent / path_part).resolve() if path_part else f
            where = f"{f.relative_to(root)}:{n}"
            if path_part and not dest.exists():
                if "/shared/" in str(dest) and not (root.parent / "shared").exists():
                    continue
                problems.append(f"{where}: [{label}]({target}): no such file")
                continue
            if anchor and dest.suffix == ".md" and anchor not in anchors(dest):
                problems.append(f"{where}: [{label}]({target}): no heading '#{anchor}' in {dest.name}")

readme = (root / "README.md").read_text()
for guide in sorted((root / "docs").glob("*.md")):
    if f"docs/{guide.name}" not in readme:
        problems.append(f"README.md: docs/{guide.name} is not linked from the front page")

for p in problems:
    print(p)
print(f"docs: {checked} links in {len(files)} files checked, {len(problems)} broken")
sys.exit(1 if problems else 0)
