"""Distributed Monte Carlo on a two-node Ray cluster started on this machine (one CPU a node):
the same outcomes, path for path, bit for bit, as a local run with the same seed."""

import pandas as pd
import pytest

import usdm

import ray  # a pinned test dependency: the test fails, not skips, without it
from ray.cluster_utils import Cluster

SHORT = {"name": "short", "duration": "3h", "sample_every": "5m",
         "market": {"xms_script": [["3h", 0.4]]}}


@pytest.fixture(scope="module")
def cluster():
    c = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    c.add_node(num_cpus=1)
    c.wait_for_nodes()
    ray.init(address=c.address)
    assert len([n for n in ray.nodes() if n["Alive"]]) == 2
    yield c
    ray.shutdown()
    c.shutdown()


def test_a_distributed_run_equals_the_local_run_bit_for_bit(cluster):
    local = usdm.simulate(SHORT, preset="mars", paths=23, seed=7, progress=False)
    dist = usdm.simulate(SHORT, preset="mars", paths=23, seed=7, backend="ray", chunk=5, progress=False)
    # Bit for bit: compare the float64 bits, NaN included.
    for col in local.outcomes.columns:
        a, b = local.outcomes[col], dist.outcomes[col]
        if a.dtype == "float64":
            assert (a.to_numpy().view("int64") == b.to_numpy().view("int64")).all(), col
        else:
            assert (a == b).all(), col
    pd.testing.assert_frame_equal(local.fan, dist.fan, check_exact=True)
    ls, ds = local.summary["summary"], dist.summary["summary"]
    assert ls == ds
    pd.testing.assert_frame_equal(local.median_path, dist.median_path, check_exact=True)


def test_the_tasks_ran_on_both_nodes(cluster):
    @ray.remote(num_cpus=1)
    def where(_):
        import time

        time.sleep(0.5)
        return ray.get_runtime_context().get_node_id()

    nodes = set(ray.get([where.remote(i) for i in range(4)]))
    assert len(nodes) == 2


def test_a_distributed_sweep_equals_the_local_sweep(cluster):
    axes = {"preset": ["mars", "mars-guarded"], "breaker_xms_minted": [None, 0.002]}
    local = usdm.sweep(SHORT, axes=axes, paths=6, seed=3, progress=False)
    dist = usdm.sweep(SHORT, axes=axes, paths=6, seed=3, backend="ray", progress=False)
    assert [p["summary"] for p in local.json["points"]] == [p["summary"] for p in dist.json["points"]]
    assert [p["unresolved"] for p in local.json["points"]] == [p["unresolved"] for p in dist.json["points"]]


def test_a_panic_in_a_ray_task_fails_the_task_not_the_worker(cluster):
    @ray.remote(num_cpus=1, max_retries=0)
    def panics():
        from usdm import _usdm

        _usdm._panic_for_tests(True)

    with pytest.raises(ray.exceptions.RayTaskError) as e:
        ray.get(panics.remote())
    assert "PanicException" in str(e.value) and "a panic the tests asked for" in str(e.value)
    # The workers carry on: a distributed run after it still works.
    r = usdm.simulate(SHORT, preset="mars", paths=4, seed=1, backend="ray", chunk=2, progress=False)
    assert len(r.outcomes) == 4


def test_a_distributed_recommend_equals_the_local_one(cluster, tmp_path):
    # Issue 23: the same search on Ray, each round's paths as tasks, gives the local front.
    (tmp_path / "short.toml").write_text('name = "short"\nduration = "2h"\nsample_every = "10m"\n'
                                         '[market]\nxms_script = [["2h", 0.5]]\n')
    ensemble = tmp_path / "ensemble.toml"
    ensemble.write_text('[[member]]\nscenario = "short.toml"\nweight = 1\ncalm = true\n')
    args = dict(ensemble=ensemble, candidates=5, paths=2, max_paths=4)
    local = usdm.recommend(**args)
    dist = usdm.recommend(**args, backend="ray")
    for key in ("front", "chosen", "instantiate", "configure", "paths_run", "blocks_run"):
        assert dist.json[key] == local.json[key], key
