#!/usr/bin/env python3
"""Validates the simulator's JSON output against schemas/*.schema.json, and the hub messages
`usdm recommend` writes against the contracts' committed schemas.

    scripts/check-schemas.py usdm-report/summary.json sweep-report/sweep.json
    usdm --json simulate > run.json && scripts/check-schemas.py --schema summary run.json
    scripts/check-schemas.py usdm-recommend/front.json usdm-recommend/instantiate.json usdm-recommend/configure.json
    scripts/check-schemas.py --self-test

A file is checked against summary.schema.json if its name ends with summary.json, against
sweep.schema.json if it ends with sweep.json, front.schema.json if front.json; instantiate.json
against the hub's InstantiateMsg schema (contracts/usdm-hub/schema/raw/instantiate.json), and
configure.json or governance.json (arrays of messages) item by item against the governance
contract's ExecuteMsg schema; or against the one --schema names. Prints one
line per error, `FILE: JSON_PATH: message`, and `ok FILE (schema)` per valid file; exits 1 on
any error, 0 when every file is valid. Needs the `jsonschema` package (pinned: 4.23.0); works
offline (sweep.schema.json's $ref to summary.schema.json is resolved from a local registry).
"""

import argparse
import copy
import json
import sys
from pathlib import Path

try:
    from jsonschema import Draft202012Validator
    from jsonschema.validators import validator_for
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012
except ImportError:
    sys.exit("check-schemas.py needs the jsonschema package: pip install jsonschema==4.23.0")

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "schemas"
EXAMPLES = SCHEMAS / "examples"
KINDS = ("summary", "sweep", "front")
# The contracts' own schemas (cosmwasm-schema, draft-07), for the messages `usdm recommend`
# writes: the kind, the schema file, and whether the file is an array of such messages.
CONTRACT_KINDS = {
    "hub-instantiate": (ROOT / "contracts/usdm-hub/schema/raw/instantiate.json", False),
    "governance-messages": (ROOT / "contracts/usdm-governance/schema/raw/execute.json", True),
}
CONTRACT_NAMES = {"instantiate.json": "hub-instantiate", "configure.json": "governance-messages",
                  "governance.json": "governance-messages"}
MAX_MESSAGE = 200


def load_json(path):
    """Parses `path` as strict JSON: NaN and Infinity literals are not JSON (serde_json writes
    them as null), so they are refused rather than read as floats."""

    def refuse(name):
        raise ValueError(f"{name} is not valid JSON (NaN and infinities must be written as null)")

    with open(path, encoding="utf-8") as f:
        return json.load(f, parse_constant=refuse)


def validators():
    """A validator per schema, sharing a registry so that sweep.schema.json's relative
    `summary.schema.json#/$defs/...` references resolve to the local file."""
    schemas = {k: load_json(SCHEMAS / f"{k}.schema.json") for k in KINDS}
    registry = Registry()
    for kind, schema in schemas.items():
        Draft202012Validator.check_schema(schema)
        registry = registry.with_resource(
            f"{kind}.schema.json", DRAFT202012.create_resource(schema)
        )
    out = {k: Draft202012Validator(s, registry=registry) for k, s in schemas.items()}
    for kind, (path, _) in CONTRACT_KINDS.items():
        schema = load_json(path)
        cls = validator_for(schema)
        cls.check_schema(schema)
        out[kind] = cls(schema)
    return out


def kind_of(path, forced):
    if forced:
        return forced
    name = Path(path).name
    if name in CONTRACT_NAMES:
        return CONTRACT_NAMES[name]
    for kind in KINDS:
        if name.endswith(f"{kind}.json"):
            return kind
    return None


def errors_of(validator, instance):
    """`(json_path, message)` for every error, in document order of the paths."""
    out = []
    for e in validator.iter_errors(instance):
        message = e.message
        shown = repr(e.instance)
        if len(shown) > 60 and shown in message:
            # "[{...30 kB...}] is too short": name the value instead of printing it.
            if isinstance(e.instance, list):
                what = f"the array of {len(e.instance)} items"
            elif isinstance(e.instance, dict):
                what = f"the object with {len(e.instance)} keys"
            else:
                what = "the value"
            message = message.replace(shown, what)
        if len(message) > MAX_MESSAGE:
            message = message[: MAX_MESSAGE - 3] + "..."
        out.append((e.json_path, list(e.absolute_path), message))
    out.sort(key=lambda x: [str(p) if isinstance(p, str) else f"{p:09d}" for p in x[1]])
    return [(p, m) for p, _, m in out]


def check_files(files, forced):
    vs = validators()
    failed = False
    for path in files:
        kind = kind_of(path, forced)
        if kind is None:
            print(f"{path}: cannot tell the schema from the name (ends with none of "
                  "summary.json, sweep.json, front.json); pass --schema")
            failed = True
            continue
        try:
            instance = load_json(path)
        except (OSError, ValueError) as e:
            print(f"{path}: cannot read: {e}")
            failed = True
            continue
        if CONTRACT_KINDS.get(kind, (None, False))[1]:
            if not isinstance(instance, list):
                errs = [("$", "expected an array of messages")]
            else:
                errs = [(f"$[{i}]{p[1:]}", m) for i, x in enumerate(instance)
                        for p, m in errors_of(vs[kind], x)]
        else:
            errs = errors_of(vs[kind], instance)
        for json_path, message in errs:
            print(f"{path}: {json_path}: {message}")
        if errs:
            failed = True
        else:
            print(f"ok {path} ({kind})")
    return 1 if failed else 0


def self_test():
    """Validates the committed examples, with and without the stdout-only `report` key, and
    checks that three kinds of mutation of each are caught where they were made."""
    vs = validators()
    failures = []

    def expect(label, kind, instance, valid, at=None):
        errs = errors_of(vs[kind], instance)
        if valid and errs:
            failures.append(f"{label}: expected valid, got {len(errs)} error(s): {errs[:3]}")
        elif not valid and not errs:
            failures.append(f"{label}: expected an error, got none")
        elif not valid and at and not any(p == at or p.startswith(at + ".") or
                                          p.startswith(at + "[") for p, _ in errs):
            failures.append(f"{label}: expected an error at {at}, got {errs[:3]}")
        else:
            print(f"ok {label}" + (f" ({errs[0][0]}: {errs[0][1]})" if errs else ""))

    def mutated(instance, path, change):
        x = copy.deepcopy(instance)
        parent = x
        for key in path[:-1]:
            parent = parent[key]
        change(parent, path[-1])
        return x

    def rename(new):
        def f(parent, key):
            parent[new] = parent.pop(key)
        return f

    def stringify(parent, key):
        parent[key] = str(parent[key])

    def set_to(value):
        def f(parent, key):
            parent[key] = value
        return f

    def dotted(path):
        return "$" + "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in path)

    cases = {
        "summary": ["summary"],
        "sweep": ["points", 0, "summary"],
    }
    for kind, at in cases.items():
        files = sorted(EXAMPLES.glob(f"*{kind}.json"))
        if not files:
            failures.append(f"no example *{kind}.json in {EXAMPLES}")
            continue
        for path in files:
            doc = load_json(path)
            name = path.relative_to(ROOT)
            expect(f"{name} is valid", kind, doc, True)
            expect(f"{name} with a report key (stdout) is valid", kind,
                   {**doc, "report": "usdm-report/report.html"}, True)
            # A renamed key: the stat's median.
            expect(f"{name}: stats[0].p50 renamed to median", kind,
                   mutated(doc, at + ["stats", 0, "p50"], rename("median")), False,
                   dotted(at + ["stats", 0]))
            # A string where a number belongs.
            expect(f"{name}: stats[0].mean written as a string", kind,
                   mutated(doc, at + ["stats", 0, "mean"], stringify), False,
                   dotted(at + ["stats", 0, "mean"]))
            # A probability out of [0, 1].
            expect(f"{name}: p_break.value = 1.5", kind,
                   mutated(doc, at + ["p_break", "value"], set_to(1.5)), False,
                   dotted(at + ["p_break", "value"]))
    # usdm recommend's front.json, and the hub messages of the same example.
    for path in sorted(EXAMPLES.glob("*front.json")):
        doc = load_json(path)
        name = path.relative_to(ROOT)
        expect(f"{name} is valid", "front", doc, True)
        expect(f"{name}: front[0].status = best", "front",
               mutated(doc, ["front", 0, "status"], set_to("best")), False, "$.front[0].status")
        expect(f"{name}: p_death_spiral.value written as a string", "front",
               mutated(doc, ["front", 0, "objectives", "p_death_spiral", "value"], stringify),
               False, "$.front[0].objectives.p_death_spiral.value")
        if "instantiate" in doc:
            expect(f"{name}: instantiate is the hub's InstantiateMsg", "hub-instantiate",
                   doc["instantiate"], True)
            expect(f"{name}: instantiate without its governor", "hub-instantiate",
                   {k: v for k, v in doc["instantiate"].items() if k != "governor"}, False)
            for i, m in enumerate(doc.get("configure", [])):
                expect(f"{name}: configure[{i}] is a governance message", "governance-messages",
                       m, True)
    for f in failures:
        print(f"FAIL {f}")
    print("self-test: " + ("failed" if failures else "passed"))
    return 1 if failures else 0


def main():
    ap = argparse.ArgumentParser(
        description="Validate usdm summary.json / sweep.json files against schemas/.")
    ap.add_argument("files", nargs="*", metavar="FILE")
    ap.add_argument("--schema", choices=KINDS + tuple(CONTRACT_KINDS),
                    help="schema for every FILE (default: from the file name)")
    ap.add_argument("--self-test", action="store_true",
                    help="validate schemas/examples/ and check that mutations fail")
    a = ap.parse_args()
    if a.self_test:
        code = self_test()
        if a.files:
            code = max(code, check_files(a.files, a.schema))
        return code
    if not a.files:
        ap.error("give at least one FILE, or --self-test")
    return check_files(a.files, a.schema)


if __name__ == "__main__":
    sys.exit(main())
