"""The Python package against the CLI: the same scenario, preset, parameters and seed give the
same numbers, and errors carry the same messages."""

import json
import os
import subprocess
import threading
import time
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

import usdm

ROOT = Path(__file__).resolve().parents[3]
USDM = os.environ.get("USDM_BIN", str(ROOT / "target" / "sim" / "usdm"))

# A short scenario, so the tests stay quick: two simulated hours of the XMS crash.
SHORT = {"name": "short", "duration": "2h", "sample_every": "5m",
         "market": {"xms_script": [["2h", 0.5]]}}


def cli(*args):
    r = subprocess.run([USDM, "--json", *args], capture_output=True, text=True)
    return r.returncode, json.loads(r.stdout)


def test_simulate_equals_the_cli(tmp_path):
    code, v = cli("simulate", "calm", "--preset", "mars-guarded", "--paths", "6", "--seed", "9",
                  "--set", "breaker_xms_minted=0.002", "--quiet", "--out", str(tmp_path / "cli"))
    assert code == 0
    run = usdm.simulate("calm", preset="mars-guarded", paths=6, seed=9,
                        set={"breaker_xms_minted": 0.002}, progress=False)
    assert run.summary["summary"] == v["summary"]
    # The outcomes frame holds the numbers outcomes.csv holds, with the same dtypes.
    csv = pd.read_csv(tmp_path / "cli" / "outcomes.csv")
    pd.testing.assert_frame_equal(run.outcomes, csv, check_exact=False, rtol=1e-15)
    assert str(run.outcomes["path"].dtype) == "int64"
    assert str(run.outcomes["broke_peg"].dtype) == "bool"
    assert run.median_path is not None and len(run.median_path) > 0
    assert set(run.fan["metric"]) >= {"usdm_low", "xms_price"}
    assert "p50_lo" in run.fan.columns


def test_a_dict_scenario_runs_and_reports(tmp_path):
    run = usdm.simulate(SHORT, preset="mars", paths=4, seed=1, progress=False)
    assert run.summary["paths"] == 4
    html = run.report(tmp_path / "r")
    assert Path(html).exists() and (tmp_path / "r" / "summary.json").exists()
    assert "P(peg broke)" in repr(run)


def test_a_python_run_records_its_provenance_and_the_cli_replays_it(tmp_path):
    run = usdm.simulate(SHORT, preset="mars-guarded", paths=4, seed=3,
                        set={"xms_support_ratio": 3}, progress=False)
    p = run.summary["provenance"]
    assert p["usdm_version"] == usdm.__version__
    assert p["preset"] == "mars-guarded" and p["seed"] == 3 and p["paths"] == 4
    assert p["overrides_text"] == ["xms_support_ratio = 300%"]
    assert "xms_script" in p["scenario_toml"]
    run.report(tmp_path / "py")
    code, v = cli("simulate", "--replay", str(tmp_path / "py" / "summary.json"), "--quiet",
                  "--out", str(tmp_path / "replayed"))
    assert code == 0
    assert v["summary"] == run.summary["summary"]
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "replayed" / "outcomes.csv"),
                                  pd.read_csv(tmp_path / "py" / "outcomes.csv"))


def test_errors_are_exceptions_with_the_clis_messages():
    with pytest.raises(usdm.UsageError, match="mars, mars-guarded, frax"):
        usdm.simulate("calm", preset="terra", paths=1)
    with pytest.raises(usdm.UsageError, match="built-in scenarios: calm"):
        usdm.simulate("no-such-scenario", paths=1)
    with pytest.raises(usdm.UsageError, match="10 to 86,400 seconds"):
        usdm.simulate("calm", paths=1, set={"epoch": 5})
    bad = dict(SHORT, market={"usdm_pool_depth": 7})
    with pytest.raises(usdm.RefusedError, match=r"<dict>:\d+: market.usdm_pool_depth"):
        usdm.simulate(bad, paths=1)
    code, v = cli("simulate", "calm", "--preset", "terra")
    assert code == 2 and "mars, mars-guarded, frax" in v["error"]["message"]


def test_quotes_equal_the_cli_as_decimals():
    q = usdm.quote_mint("0.8", collateral="USDC", amount="120", prices={"USDC": "1", "XMS": "2"}, fee="0")
    assert q["usdm_out"] == Decimal("150") and q["xms_in"] == Decimal("15")
    code, v = cli("quote", "mint", "--cr", "0.5", "--collateral", "USDC", "--amount", "220",
                  "--price", "USDC=0.9995", "--price", "XMS=3.5")
    q = usdm.quote_mint("0.5", collateral="USDC", amount="220", prices={"USDC": "0.9995", "XMS": "3.5"})
    assert q["usdm_out"] == Decimal(v["usdm_out"]) and q["fee_rate"] == Decimal("0.002")
    q = usdm.quote_redeem("0.65", "170", collateral="USDC", prices={"USDC": "1", "XMS": "3.75"}, fee="0")
    assert q["xms_out"] == Decimal("15.866666666666666666")
    q = usdm.quote_supply_cap("250000000", circulating="50000000", protocol_owned="5000000")
    assert q["max_total_usdm"] == Decimal("105000000")
    q = usdm.quote_swap({"USDm": "1000000", "USDC": "1000000"}, "USDC", "10000")
    assert q["amount_out"] == Decimal("9871.580343970612988504")
    with pytest.raises(usdm.UsageError, match="exact"):
        usdm.quote_mint(0.8, collateral="USDC", amount="1", prices={"USDC": "1"})
    with pytest.raises(usdm.RefusedError, match="below the minimum"):
        usdm.quote_swap({"USDm": "100", "USDC": "100"}, "USDm", "1", min_out="5")


def test_sweep_equals_the_cli(tmp_path):
    code, v = cli("sweep", "calm", "--preset", "mars,frax", "--set", "breaker_xms_minted=off,0.01",
                  "--paths", "3", "--seed", "4", "--quiet", "--out", str(tmp_path / "cli"))
    assert code == 0
    sw = usdm.sweep("calm", axes={"preset": ["mars", "frax"], "breaker_xms_minted": [None, 0.01]},
                    paths=3, seed=4, progress=False)
    assert [p["summary"] for p in sw.json["points"]] == [p["summary"] for p in v["points"]]
    pts = sw.points
    assert len(pts) == 4 and pts["breaker_xms_minted"].isna().sum() == 2
    assert str(pts["p_break_hi"].dtype) == "float64"
    # Issue 21: the split outcomes, in the CLI's sweep.csv and in .points, column for column.
    csv = pd.read_csv(tmp_path / "cli" / "sweep.csv")
    split = [c for c in csv.columns if "given_" in c]
    assert "max_depeg_p50_given_break_lo" in split and "paths_given_hold" in split
    assert split == [c for c in pts.columns if "given_" in c]
    pd.testing.assert_frame_equal(pts[split].astype(float), csv[split].astype(float))
    assert Path(sw.report(tmp_path / "py")).exists()


def test_the_gil_is_released_while_the_simulator_runs():
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.01)

    t = threading.Thread(target=tick)
    t.start()
    started = time.perf_counter()
    usdm.simulate("calm", paths=40, seed=2, progress=False)
    took = time.perf_counter() - started
    stop.set()
    t.join()
    during = [x for x in ticks if started <= x <= started + took]
    # A Python thread kept running while Rust worked (with the GIL held it would not tick).
    assert took < 0.5 or len(during) >= 0.3 * took / 0.01, (took, len(during))


def test_progress_is_reported():
    seen = []
    usdm._usdm.simulate("calm", False, None, 8, 1, [], None, "test", lambda d, t: seen.append((d, t)))
    assert seen and seen[-1] == (8, 8)


def test_ctrl_c_stops_a_long_run():
    import signal
    import sys

    # The child installs Python's interactive Ctrl-C handler itself: a process started with
    # SIGINT ignored (a CI job run in the background, nohup) would otherwise inherit the
    # ignore, and Python then never turns SIGINT into KeyboardInterrupt.
    script = (
        "import signal, usdm, sys\n"
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "print('started', flush=True)\n"
        "try:\n"
        "    usdm.simulate('terra-2022', paths=2000, progress=False)\n"
        "except KeyboardInterrupt as e:\n"
        "    print('interrupted:', e, flush=True)\n"
        "    sys.exit(3)\n"
    )
    p = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "started"
    time.sleep(1.0)
    p.send_signal(signal.SIGINT)
    # The timeout only keeps a broken build from hanging the suite; the assertions are that
    # the run raised KeyboardInterrupt (exit 3) with the message saying what was skipped.
    out, _ = p.communicate(timeout=120)
    assert p.returncode == 3, out
    assert "the rest were skipped" in out


def test_a_rust_panic_is_a_python_exception_and_the_interpreter_survives():
    # The `sim` profile unwinds: a panic in the calling thread, or in a worker thread of a
    # run, reaches Python as PanicException (a BaseException, as pyo3 defines it).
    from usdm import _usdm

    for in_worker in (False, True):
        with pytest.raises(BaseException) as e:
            _usdm._panic_for_tests(in_worker)
        assert type(e.value).__name__ == "PanicException", repr(e.value)
        assert "a panic the tests asked for" in str(e.value)
    # And the interpreter carries on.
    r = usdm.simulate("calm", paths=2, seed=1, progress=False)
    assert len(r.outcomes) == 2


def test_the_public_names_are_the_api_and_a_sweep_axis_cannot_repeat():
    # Issue 21: `dir(usdm)` showed the modules it imports (pd, os, json, sys).
    public = {n for n in dir(usdm) if not n.startswith("_")}
    assert public <= set(usdm.__all__) | {"annotations", "Decimal", "Any", "Dict", "Iterable",
                                           "List", "Mapping", "Optional", "Sequence", "Union",
                                           "Scenario", "DEFAULT_CHUNK"}, public
    assert not {"pd", "os", "json", "sys", "time"} & public
    for name in usdm.__all__:
        assert hasattr(usdm, name), name
    # Two axes over one parameter (two spellings of its key) are refused, naming the key,
    # before any path runs.
    with pytest.raises(usdm.UsageError, match="xms_support_ratio is swept twice"):
        usdm.sweep("calm", axes={"xms_support_ratio": [1, 2], " xms_support_ratio": [3]},
                   paths=2, progress=False)


def test_errors_name_python_arguments_not_cli_flags():
    # Issue 21: errors raised from Python spoke in the CLI's flags (`pass --price XMS=<USD>`).
    with pytest.raises(usdm.UsageError) as e:
        usdm.quote_mint(cr="0.8", collateral="USDC", amount="120", prices={"USDC": "1"})
    assert 'prices={"XMS": <USD>}' in str(e.value) and "--" not in str(e.value), e.value
    with pytest.raises(usdm.UsageError) as e:
        usdm.quote_redeem(cr="0.9", usdm="100", prices={"XMS": "2"})
    assert "collateral=<ASSET>" in str(e.value) and "--" not in str(e.value), e.value
    with pytest.raises(usdm.UsageError) as e:
        usdm.simulate("calm", paths=1, set={"support": 2})
    assert str(e.value).startswith('set={"support": 2}: unknown parameter'), e.value
    with pytest.raises(usdm.UsageError) as e:
        usdm.simulate("calm", preset="terra", paths=1)
    assert "--" not in str(e.value), e.value


def test_calibrate_equals_the_cli(tmp_path):
    # Issue 22, item 4: the same fit from Python and from the CLI (same search, seeds, result).
    scenario = tmp_path / "short.toml"
    scenario.write_text('name = "short"\nduration = "2h"\nsample_every = "10m"\n'
                        '[market]\nxms_script = [["2h", 0.5]]\n')
    args = ["--fit", "agents.holders.share=0.1..0.9", "--target", "hours_below_097=..0.5",
            "--set", "agents.holders.cohorts=10",
            "--paths", "2", "--budget", "6", "--restarts", "2", "--threads", "1"]
    code, v = cli("calibrate", str(scenario), *args, "--out", str(tmp_path / "cli"))
    assert code == 0, v
    c = usdm.calibrate(str(scenario), fit={"agents.holders.share": (0.1, 0.9)},
                       targets=["hours_below_097=..0.5"], paths=2, budget=6, restarts=2,
                       threads=1, held={"agents.holders.cohorts": 10})
    assert c.json["fit"] == v["fit"]
    assert c.json["per_restart"] == v["per_restart"]
    assert c.loss == v["loss"]
    assert list(c.fit.index) == ["agents.holders.share"]
    assert 0.1 <= c.values["agents.holders.share"] <= 0.9
    # The fitted scenario is the CLI's file, byte for byte.
    assert c.scenarios["short"] == (tmp_path / "cli" / "short.toml").read_text()
    assert "cohorts = 10" in c.scenarios["short"], "the held field is in the fitted scenario"
    files = c.write(tmp_path / "py")
    assert Path(files[0]).read_text() == c.scenarios["short"]
    with pytest.raises(usdm.UsageError, match="no outcome"):
        usdm.calibrate(str(scenario), fit={"agents.holders.share": (0.1, 0.9)},
                       targets=["dilution=1.."], paths=2, budget=4, restarts=1)


def test_recommend_equals_the_cli(tmp_path):
    # Issue 23: the same search from Python and from the CLI (same candidates, paths, front).
    short = tmp_path / "short.toml"
    short.write_text('name = "short"\nduration = "2h"\nsample_every = "10m"\n'
                     '[market]\nxms_script = [["2h", 0.5]]\n')
    ensemble = tmp_path / "ensemble.toml"
    ensemble.write_text('[[member]]\nscenario = "short.toml"\nweight = 1\ncalm = true\n')
    args = ["--ensemble", str(ensemble), "--candidates", "5", "--paths", "2", "--max-paths", "4",
            "--max", "p_death_spiral=50%", "--threads", "1"]
    code, v = cli("recommend", *args, "--quiet", "--out", str(tmp_path / "cli"))
    assert code == 0, v
    r = usdm.recommend(ensemble=ensemble, candidates=5, paths=2, max_paths=4,
                       max={"p_death_spiral": "50%"}, threads=1)
    for key in ("front", "chosen", "instantiate", "configure", "paths_run", "space", "bounds"):
        assert r.json[key] == v[key], key
    front = r.front
    assert list(front.index) == [c["id"] for c in v["front"]]
    for name in usdm.Recommendation.OBJECTIVES:
        assert (front[f"{name}_lo"] <= front[name]).all() and (front[name] <= front[f"{name}_hi"]).all()
    assert r.instantiate["preset"] in ("mars", "mars-guarded", "frax")
    with pytest.raises(usdm.UsageError, match="no objective"):
        usdm.recommend(ensemble=ensemble, candidates=3, paths=1, max={"p_moon": 1})
