"""usdm: the USDm stablecoin protocol's simulator, sweeps and exact quotes, from Python.

Every call runs the same Rust code as the ``usdm`` command (the protocol core, the simulator,
the quote library), with the GIL released while it runs::

    import usdm
    run = usdm.simulate("xms-crash", preset="mars-guarded", paths=100, seed=42)
    run.outcomes.describe()          # one row per path
    run.summary["summary"]["p_break"]  # {"value": 0.56, "lo": 0.46, "hi": 0.65, ...}
    run.report("usdm-report")        # the HTML report, CSV and JSON files

``backend="ray"`` spreads the paths (or a sweep's points) over whatever cluster ``ray.init()``
connects to; because each path is seeded by its index, the result equals the local run's,
path for path.
"""

from __future__ import annotations

import functools as _functools
import json as _json
import os as _os
import re as _re
import sys as _sys
from decimal import Decimal
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Union

import pandas as _pd

from . import _usdm
from ._usdm import RefusedError, UsageError, UsdmError

__version__ = _usdm.__version__
__all__ = [
    "simulate",
    "sweep",
    "calibrate",
    "Calibration",
    "recommend",
    "Recommendation",
    "quote_mint",
    "quote_redeem",
    "quote_supply_cap",
    "quote_swap",
    "scenarios",
    "Result",
    "SweepResult",
    "UsdmError",
    "UsageError",
    "RefusedError",
]

Scenario = Union[str, "_os.PathLike[str]", Mapping[str, Any]]

#: Paths per Ray task by default: large enough that a task's start-up (about 10 ms) and its
#: transfer are small against its work (a three-day path takes about 10 ms on one core).
DEFAULT_CHUNK = 250


def _pythonic(message: str, set_name: str = "set") -> str:
    """A message of the CLI's in the words of this API: its arguments, not the CLI's flags.

    ``--price XMS=<USD>`` becomes ``prices={"XMS": <USD>}``, ``--set key=value``
    ``set={"key": value}`` (``axes=`` in a sweep), ``--preset terra`` ``preset="terra"`` and a
    bare flag its argument's name."""

    def literal(text: str) -> str:
        if text.startswith("<") or _re.fullmatch(r"[\d.]+", text):
            return text
        if text.startswith("'") and text.endswith("'"):
            text = text[1:-1]
        return '"' + text + '"'

    def mapping(name: str):
        def to_dict(m):
            values = m.group(2).split(",")
            shown = literal(values[0]) if len(values) == 1 else "[" + ", ".join(map(literal, values)) + "]"
            return f'{name}={{"{m.group(1)}": {shown}}}'

        return to_dict

    value = r"([^\s:;)`]+)"
    message = _re.sub(r"`usdm sweep --set ([\w.]+)=" + value + "`", mapping("usdm.sweep(axes"), message)
    message = _re.sub(r"(usdm\.sweep\(axes=\{[^}]*\})", r"\1)", message)  # close the call
    message = _re.sub(r"--price (\w+)=" + value, mapping("prices"), message)
    message = _re.sub(r"--reserve (\w+)=" + value, mapping("reserves"), message)
    message = _re.sub(r"--set ([\w.]+)=" + value, mapping(set_name), message)
    renamed = {"price": "prices", "reserve": "reserves", "set": set_name}

    def flag(m):
        name = renamed.get(m.group(1), m.group(1).replace("-", "_"))
        return f"{name}={literal(m.group(2))}" if m.group(2) else name

    # A flag's value: a placeholder, a quoted text, a number, or a word that a colon ends.
    return _re.sub(
        r"--([a-z][a-z0-9-]*)(?: (<[A-Z_]+>|'[^']*'|[\d.]+%?(?=[\s:;,)]|$)|[\w.-]+(?=:)))?",
        flag,
        message,
    )


def _speaks_python(set_name: str = "set"):
    """Re-raises this package's errors with messages in the API's words (see ``_pythonic``)."""

    def wrap(function):
        @_functools.wraps(function)
        def call(*args, **kwargs):
            try:
                return function(*args, **kwargs)
            except UsdmError as e:
                raise type(e)(_pythonic(str(e), set_name)) from None

        return call

    return wrap


def _scenario(scenario: Scenario) -> tuple:
    """(text, is_json): a built-in name or a file path as text, a dict as JSON."""
    if isinstance(scenario, Mapping):
        return _json.dumps(scenario), True
    return _os.fspath(scenario), False


def _sets(values: Optional[Mapping[str, Any]]) -> List[str]:
    """`set={"breaker_xms_minted": 0.002, "market.xms_market_depth": 0.05}` as `key=value`."""
    out = []
    for key, value in (values or {}).items():
        if value is None:
            value = "off"
        out.append(f"{key}={value}")
    return out


def _progress(total: int, label: str, show: Optional[bool]):
    """A tqdm-style bar (tqdm.auto, so it renders in notebooks) or None when not shown."""
    if show is None:
        show = _sys.stderr.isatty() or "ipykernel" in _sys.modules
    if not show:
        return None, None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # a plain one-line bar
        state = {"last": -1}

        def update(done, total_):
            pct = int(100 * done / max(total_, 1))
            if pct != state["last"]:
                state["last"] = pct
                _sys.stderr.write(f"\r{label}: {done}/{total_} ({pct}%)")
                if done >= total_:
                    _sys.stderr.write("\n")
                _sys.stderr.flush()

        return update, None
    bar = tqdm(total=total, desc=label, unit="path")

    def update(done, total_):
        bar.update(done - bar.n)

    return update, bar


def _command(name: str, args: Mapping[str, Any]) -> str:
    shown = ", ".join(f"{k}={v!r}" for k, v in args.items() if v is not None)
    return f"usdm.{name}({shown})"


def _frame(columns: Mapping[str, list]) -> _pd.DataFrame:
    return _pd.DataFrame(dict(columns))


class Result:
    """A Monte Carlo run: DataFrames of its outcomes and charts, and its summary."""

    def __init__(self, run):
        self._run = run
        self._summary = None

    @property
    def summary(self) -> Dict[str, Any]:
        """The same content as ``summary.json``: run information, the probabilities of a break,
        a death spiral, a 100-fold XMS supply and of leaving the peg either way with their
        Wilson intervals, per-outcome percentiles with their intervals, the outcomes of the
        paths that broke and held, and ``provenance``: the build, the scenario's full TOML and
        every parameter in force (``usdm simulate --replay summary.json`` re-runs it)."""
        if self._summary is None:
            self._summary = _json.loads(self._run.summary_json())
        return self._summary

    @property
    def outcomes(self) -> _pd.DataFrame:
        """One row per path, the columns of ``outcomes.csv``."""
        return _frame(self._run.outcomes())

    @property
    def fan(self) -> _pd.DataFrame:
        """Percentiles across paths at each sample, long form (``fan.csv``)."""
        return _frame(self._run.fan())

    @property
    def median_path(self) -> Optional[_pd.DataFrame]:
        """The typical path's full series: the path closest to the fans' medians."""
        cols = self._run.series("typical")
        return None if cols is None else _frame(cols)

    @property
    def worst_path(self) -> Optional[_pd.DataFrame]:
        """The worst path's (largest depeg) full series."""
        cols = self._run.series("worst")
        return None if cols is None else _frame(cols)

    def report(self, directory: Union[str, "_os.PathLike[str]"] = "usdm-report") -> str:
        """Writes the HTML report, CSVs and ``summary.json``; returns the report's path."""
        return self._run.report(_os.fspath(directory))

    def __repr__(self) -> str:
        s = self.summary
        p, q = s["summary"]["p_break"], s["summary"]["p_off_peg"]
        return (
            f"<usdm.Result {s['scenario']} under {s['preset']}: {s['paths']} paths, "
            f"P(peg broke) {p['value']:.1%} [{p['lo']:.1%}, {p['hi']:.1%}], "
            f"P(off peg either way) {q['value']:.1%} [{q['lo']:.1%}, {q['hi']:.1%}]>"
        )


class SweepResult:
    """A sweep: a DataFrame of its points and their outcomes, and its report."""

    def __init__(self, run):
        self._run = run
        self._json = None

    @property
    def json(self) -> Dict[str, Any]:
        """The same content as ``sweep.json``."""
        if self._json is None:
            self._json = _json.loads(self._run.json())
        return self._json

    @property
    def points(self) -> _pd.DataFrame:
        """One row per point: its typed axis values, paths, the three probabilities with
        their interval ends, each outcome's median with its interval, and the split: for the
        paths that broke the peg and those that held it, how many and the key outcomes'
        medians (``max_depeg_p50_given_break``, ``..._lo``, ``..._hi``), as in sweep.csv."""
        rows = []
        for p in self.json["points"]:
            s = p["summary"]
            row = dict(p["axes"])
            row["paths"] = p["paths"]
            for name in ("p_break", "p_off_peg", "p_death_spiral", "p_xms_x100"):
                row[name] = s[name]["value"]
                row[f"{name}_lo"] = s[name]["lo"]
                row[f"{name}_hi"] = s[name]["hi"]
            for st in s["stats"]:
                for q in ("p50", "p50_lo", "p50_hi"):
                    row[f"{st['name']}_{q}"] = st[q]
            # The split, as sweep.csv has it: the paths that broke the peg and those that held.
            for given in ("given_break", "given_hold"):
                c = s[given]
                row[f"paths_{given}"] = c["paths"]
                by_name = {st["name"]: st for st in c["stats"]}
                for name in self.json["split_outcomes"]:
                    for q in ("p50", "p50_lo", "p50_hi"):
                        row[f"{name}_{q.replace('p50', 'p50_' + given, 1)}"] = by_name[name][q]
            row["unresolved"] = "; ".join(
                f"{u['estimate']} vs {u['axis']}={u['neighbour']}" for u in p["unresolved"]
            )
            rows.append(row)
        return _pd.DataFrame(rows)

    def report(self, directory: Union[str, "_os.PathLike[str]"] = "usdm-sweep") -> str:
        """Writes the HTML report, ``sweep.csv`` and ``sweep.json``; returns the report's path."""
        return self._run.report(_os.fspath(directory))

    def __repr__(self) -> str:
        j = self.json
        return f"<usdm.SweepResult {j['scenario']}: {len(j['points'])} points>"


@_speaks_python()
def simulate(
    scenario: Scenario = "bank-run",
    preset: Optional[str] = None,
    paths: int = 100,
    seed: int = 42,
    set: Optional[Mapping[str, Any]] = None,
    threads: Optional[int] = None,
    backend: str = "local",
    chunk: int = DEFAULT_CHUNK,
    progress: Optional[bool] = None,
    series: bool = True,
) -> Result:
    """Runs ``paths`` Monte Carlo paths of ``scenario`` under ``preset``.

    ``scenario`` is a built-in name (``usdm.scenarios()``), a TOML file, or a dict with the
    scenario format's fields. ``set`` changes parameters (``{"breaker_xms_minted": 0.002}``;
    ``None`` is ``off``) or, with dotted keys, scenario fields (``{"market.xms_market_depth":
    0.05}``), as ``--set`` does. ``backend="ray"`` runs chunks of ``chunk`` path indices as
    Ray tasks on the cluster ``ray.init()`` connected to (started locally if none).
    ``series=False`` keeps outcomes only (no fans, no typical or worst path), as ``usdm bench``
    does, for the largest runs. Raises
    ``UsageError`` for a malformed request and ``RefusedError`` for one that cannot run, with
    the CLI's messages (scenario file, line and field included); Ctrl-C stops the run."""
    text, is_json = _scenario(scenario)
    sets = _sets(set)
    command = _command(
        "simulate",
        {"scenario": scenario if not is_json else "<dict>", "preset": preset, "paths": paths,
         "seed": seed, "set": dict(set) if set else None},
    )
    if backend == "ray":
        from . import _ray

        return Result(
            _ray.simulate(text, is_json, preset, paths, seed, sets, chunk, command, progress, series)
        )
    if backend != "local":
        raise UsageError(f"backend '{backend}': accepted: local, ray")
    update, bar = _progress(paths, "simulate", progress)
    try:
        run = _usdm.simulate(
            text, is_json, preset, paths, seed, sets, threads, command, update, series
        )
    finally:
        if bar is not None:
            bar.close()
    return Result(run)


def _axes(axes: Mapping[str, Sequence[Any]]) -> List[str]:
    out = []
    for key, values in axes.items():
        if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
            values = [values]
        shown = ["off" if v is None else str(v) for v in values]
        out.append(f"{key}={','.join(shown)}")
    return out


@_speaks_python("axes")
def sweep(
    scenario: Scenario = "xms-crash",
    axes: Optional[Mapping[str, Sequence[Any]]] = None,
    paths: int = 100,
    seed: int = 42,
    threads: Optional[int] = None,
    until_ci: Optional[float] = None,
    max_paths: int = 2000,
    backend: str = "local",
    progress: Optional[bool] = None,
) -> SweepResult:
    """Runs a Monte Carlo ensemble at every combination of ``axes``.

    ``axes`` maps ``"preset"`` to presets and parameter keys (or dotted scenario fields) to
    values, the first varying slowest: ``{"preset": ["mars", "mars-guarded"],
    "xms_support_ratio": [1.5, 2.5, 4]}``; ``None`` is ``off``. Default: the three presets
    against the support ratio, as ``usdm sweep``. ``until_ci`` adds batches of ``paths`` paths to
    each point until every probability's 95% interval is at most that wide (or ``max_paths``).
    ``backend="ray"`` runs each point as a Ray task."""
    if axes is None:
        axes = {"preset": ["mars", "mars-guarded", "frax"], "xms_support_ratio": [1.5, 2, 2.5, 5]}
    text, is_json = _scenario(scenario)
    specs = _axes(axes)
    command = _command(
        "sweep",
        {"scenario": scenario if not is_json else "<dict>", "axes": dict(axes), "paths": paths,
         "seed": seed, "until_ci": until_ci},
    )
    if backend == "ray":
        from . import _ray

        return SweepResult(
            _ray.sweep(text, is_json, specs, paths, seed, until_ci, max_paths, command, progress)
        )
    if backend != "local":
        raise UsageError(f"backend '{backend}': accepted: local, ray")
    n = _usdm.sweep_size(text, is_json, specs)
    update, bar = _progress(n, "sweep points", progress)
    try:
        run = _usdm.sweep_run(
            text, is_json, specs, paths, seed, threads, until_ci, max_paths, command, update
        )
    finally:
        if bar is not None:
            bar.close()
    return SweepResult(run)


class Calibration:
    """A finished ``usdm.calibrate``: the fitted values with their spread across restarts
    (``fit``, a DataFrame), the losses (``loss`` on the fitting seed, ``fresh_loss`` on paths
    no candidate saw), each scenario with the fit as TOML (``scenarios``), and everything as
    ``usdm --json calibrate`` prints it (``json``)."""

    def __init__(self, text: str):
        j = _json.loads(text)
        #: Each fitted scenario's TOML, by scenario name.
        self.scenarios: Dict[str, str] = j.pop("scenario_texts")
        #: The result as ``usdm --json calibrate`` prints it.
        self.json: Dict[str, Any] = j
        #: The total loss of the best fit on its fitting seed (0: every target met).
        self.loss: float = j["loss"]
        #: The same fit's loss on fresh paths.
        self.fresh_loss: float = j["fresh_loss"]

    @property
    def fit(self) -> _pd.DataFrame:
        """One row per fitted key: ``value`` (best), ``median``, ``lo`` and ``hi`` across
        restarts, and the bounds searched."""
        return _pd.DataFrame(self.json["fit"]).set_index("key")

    @property
    def values(self) -> Dict[str, float]:
        """The best fit as ``{key: value}``, ready for ``usdm.simulate(set=...)`` (a key fitted
        for one scenario of a joint fit appears as ``"NAME:KEY"``; drop the ``NAME:`` to set
        it in that scenario)."""
        return {f["key"]: f["value"] for f in self.json["fit"]}

    def write(self, directory: "_os.PathLike[str] | str") -> List[str]:
        """Writes each fitted scenario as ``NAME.toml`` and ``calibration.json`` into
        ``directory`` (as ``usdm calibrate --out``); returns the scenario files."""
        d = _os.fspath(directory)
        _os.makedirs(d, exist_ok=True)
        files = []
        for name, text in self.scenarios.items():
            path = _os.path.join(d, f"{name}.toml")
            with open(path, "w") as f:
                f.write(text)
            files.append(path)
        with open(_os.path.join(d, "calibration.json"), "w") as f:
            _json.dump(dict(self.json, scenario_files=files), f, indent=2)
        return files

    def __repr__(self) -> str:
        names = ", ".join(self.scenarios)
        return f"<usdm.Calibration {names}: loss {self.loss:.3f}, fresh {self.fresh_loss:.3f}>"


@_speaks_python()
def calibrate(
    scenarios: Union[Scenario, Sequence[Scenario]],
    fit: Mapping[str, Sequence[float]],
    targets: Optional[Sequence[str]] = None,
    preset: Optional[str] = None,
    paths: int = 20,
    budget: int = 40,
    restarts: int = 3,
    seed: int = 42,
    threads: Optional[int] = None,
    held: Optional[Mapping[str, Any]] = None,
) -> Calibration:
    """Fits scenario fields to records or shape targets, as ``usdm calibrate`` (same search,
    same seeds, same result).

    ``scenarios`` is one scenario or a list for a joint fit (built-in names, TOML files or
    dicts); ``fit`` maps dotted keys to ``(lo, hi)`` bounds, ``{"agents.farmers.share": (0.1,
    0.9)}``, a ``"NAME:KEY"`` key fitting one scenario's own value; ``targets`` are ``--target`` specs: ``"record"``, ``"terra-shape"``,
    ``"xms_dilution=1000.."`` or, with several scenarios, ``"terra-2022:terra-shape"`` (default:
    each scenario's record); ``held`` maps keys (``"NAME:KEY"`` for one scenario's) to values
    held for the whole fit, as ``--set``. Runs without a progress bar; the GIL is released."""
    if isinstance(scenarios, (str, bytes, _os.PathLike, Mapping)):
        scenarios = [scenarios]
    pairs = [_scenario(s) for s in scenarios]
    specs = []
    for key, bounds in fit.items():
        try:
            lo, hi = bounds
        except (TypeError, ValueError):
            raise UsageError(f"fit {key}: give (lo, hi) bounds, e.g. (0.1, 0.9)") from None
        specs.append(f"{key}={lo}..{hi}")
    held_specs = [f"{k}={v}" for k, v in (held or {}).items()]
    text = _usdm.calibrate(
        pairs, preset, specs, list(targets or []), paths, budget, restarts, seed, threads, held_specs
    )
    return Calibration(text)


class Recommendation:
    """A finished ``usdm.recommend``: the Pareto front with every objective's 95% interval
    (``front``, a DataFrame with ``*_lo`` and ``*_hi`` columns), the chosen candidate, the hub's
    messages for it, and everything as ``usdm --json recommend`` prints it (``json``)."""

    OBJECTIVES = ("p_death_spiral", "p_off_peg", "hours_off_peg_given_break", "p95_dilution",
                  "capital_efficiency")

    def __init__(self, text: str):
        #: The result as ``usdm --json recommend`` prints it (``front.json``, without ``files``).
        self.json: Dict[str, Any] = _json.loads(text)
        #: The chosen candidate's id, or None when no candidate meets every bound.
        self.chosen: Optional[int] = self.json["chosen"]
        #: The hub's instantiate message for the chosen candidate (placeholders for addresses,
        #: the XMS supply and code checksums).
        self.instantiate: Optional[Dict[str, Any]] = self.json.get("instantiate")
        #: Governance messages that set the chosen parameters after instantiation.
        self.configure: List[Dict[str, Any]] = self.json.get("configure", [])
        #: With ``from_config``: the messages that move the running hub to the chosen point.
        self.governance: Optional[List[Dict[str, Any]]] = self.json.get("governance")

    @property
    def front(self) -> _pd.DataFrame:
        """One row per candidate on the front or unresolved beside it: ``status``, the
        parameters, and each objective with ``_lo`` and ``_hi``; indexed by candidate id."""
        rows = []
        for c in self.json["front"]:
            row = {"id": c["id"], "status": c["status"], "paths_per_scenario": c["paths_per_scenario"]}
            row.update(c["params"])
            for name in self.OBJECTIVES:
                o = c["objectives"][name]
                row[name], row[f"{name}_lo"], row[f"{name}_hi"] = o["value"], o["lo"], o["hi"]
            rows.append(row)
        return _pd.DataFrame(rows).set_index("id")


def recommend(
    ensemble: Optional["_os.PathLike[str] | str"] = None,
    candidates: Optional[int] = None,
    paths: Optional[int] = None,
    max_paths: Optional[int] = None,
    max: Optional[Mapping[str, Any]] = None,
    min: Optional[Mapping[str, Any]] = None,
    from_config: Optional[Union[Mapping[str, Any], "_os.PathLike[str]", str]] = None,
    max_step: Optional[Union[str, float]] = None,
    pick: Optional[int] = None,
    seed: int = 42,
    threads: Optional[int] = None,
    quick: bool = False,
    backend: str = "local",
) -> Recommendation:
    """Searches the governed parameters, as ``usdm recommend`` (same candidates, paths and
    result): ``max={"p_death_spiral": "1%"}`` and ``min={"capital_efficiency": 0.5}`` bound
    the objectives' intervals; ``from_config`` is the hub's ``config`` answer (a dict or a
    JSON file) and ``max_step`` ("10%") the step limit from it. ``backend="ray"`` runs each
    round's paths as Ray tasks on the cluster ``ray.init()`` connected to (started locally if
    none); the result is the local run's. The GIL is released while the search runs."""
    spec = lambda m: [f"{k}={v}" for k, v in (m or {}).items()]
    if from_config is not None and not isinstance(from_config, Mapping):
        with open(_os.fspath(from_config)) as f:
            from_config = _json.load(f)
    request = _json.dumps({
        "ensemble": None if ensemble is None else _os.path.abspath(_os.fspath(ensemble)),
        "candidates": candidates, "paths": paths, "max_paths": max_paths,
        "max": spec(max), "min": spec(min), "from": from_config,
        "max_step": None if max_step is None else str(max_step), "pick": pick,
        "seed": seed, "threads": threads, "quick": quick,
    })
    if backend == "local":
        return Recommendation(_usdm.recommend(request))
    if backend == "ray":
        from . import _ray

        return Recommendation(_usdm.recommend(request, _ray.recommend_executor(request)))
    raise UsageError(f"backend '{backend}': accepted: local, ray")


def scenarios() -> Dict[str, str]:
    """The built-in scenarios: name to TOML text (``usdm scenarios show NAME``)."""
    return dict(_usdm.builtin_scenarios())


def _decimals(value: Any) -> Any:
    """Exact decimal strings as ``Decimal``; other values unchanged."""
    if isinstance(value, dict):
        return {k: _decimals(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decimals(v) for v in value]
    if isinstance(value, str):
        try:
            return Decimal(value)
        except Exception:
            return value
    return value


def _quote(args: List[str]) -> Dict[str, Any]:
    return _decimals(_json.loads(_usdm.quote(args)))


def _flag(args: List[str], name: str, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, float):
        # A float is not exact: refuse rather than quote a rounded binary value.
        raise UsageError(f"{name}: pass a Decimal or a string for an exact amount, not the float {value!r}")
    args += [name, str(value)]


def _prices(args: List[str], prices: Optional[Mapping[str, Any]]) -> None:
    for symbol, price in (prices or {}).items():
        _flag(args, "--price", f"{symbol}={price}")


@_speaks_python()
def quote_mint(
    cr,
    collateral: Optional[str] = None,
    amount=None,
    prices: Optional[Mapping[str, Any]] = None,
    xms=None,
    usdm_out=None,
    fee=None,
    preset: str = "mars",
    slippage=None,
    max_xms_in=None,
    min_usdm_out=None,
) -> Dict[str, Any]:
    """An exact mint quote, the numbers of ``usdm quote mint``: amounts as ``Decimal`` at the
    token's decimals. ``prices`` maps symbols to USD prices (``{"USDC": "1", "XMS": "2"}``);
    ``usdm_out`` asks for the least deposit that mints at least that much."""
    args = ["mint"]
    _flag(args, "--cr", cr)
    _flag(args, "--collateral", collateral)
    _flag(args, "--amount", amount)
    _flag(args, "--xms", xms)
    _flag(args, "--usdm-out", usdm_out)
    _prices(args, prices)
    _flag(args, "--fee", fee)
    _flag(args, "--preset", preset)
    _flag(args, "--slippage", slippage)
    _flag(args, "--max-xms-in", max_xms_in)
    _flag(args, "--min-usdm-out", min_usdm_out)
    return _quote(args)


@_speaks_python()
def quote_redeem(
    cr,
    usdm,
    collateral: Optional[str] = None,
    prices: Optional[Mapping[str, Any]] = None,
    fee=None,
    preset: str = "mars",
    slippage=None,
) -> Dict[str, Any]:
    """An exact redemption quote, the numbers of ``usdm quote redeem``."""
    args = ["redeem"]
    _flag(args, "--cr", cr)
    _flag(args, "--usdm", usdm)
    _flag(args, "--collateral", collateral)
    _prices(args, prices)
    _flag(args, "--fee", fee)
    _flag(args, "--preset", preset)
    _flag(args, "--slippage", slippage)
    return _quote(args)


@_speaks_python()
def quote_supply_cap(avg_xms_mcap, support_ratio="2.5", circulating="0", protocol_owned="0") -> Dict[str, Any]:
    """The epoch's supply cap and what may still be minted, as ``usdm quote supply-cap``."""
    args = ["supply-cap"]
    _flag(args, "--avg-xms-mcap", avg_xms_mcap)
    _flag(args, "--support-ratio", support_ratio)
    _flag(args, "--circulating", circulating)
    _flag(args, "--protocol-owned", protocol_owned)
    return _quote(args)


@_speaks_python()
def quote_swap(reserves: Mapping[str, Any], sell: str, amount, min_out=None, slippage=None) -> Dict[str, Any]:
    """A Mars Swap quote from a pool's two reserves, as ``usdm quote swap``."""
    args = ["swap"]
    for symbol, reserve in reserves.items():
        _flag(args, "--reserve", f"{symbol}={reserve}")
    _flag(args, "--sell", sell)
    _flag(args, "--amount", amount)
    _flag(args, "--min-out", min_out)
    _flag(args, "--slippage", slippage)
    return _quote(args)
