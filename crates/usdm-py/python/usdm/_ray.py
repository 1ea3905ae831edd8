"""Distributed Monte Carlo on Ray: chunks of path indices (or a sweep's points) as Ray tasks.

Each task runs the Rust simulator on its worker with the GIL released and returns its paths
encoded (outcomes, fan series, refusals); the driver merges them in index order with the same
code a local run uses, so the result equals the local run's bit for bit. The fans are exact:
every path's fan series is gathered (6 float32 per sample, about 21 KB for a three-day path),
which fits the object store up to a few hundred thousand paths; pass ``paths`` in several
calls beyond that.
"""

from __future__ import annotations

import time

from . import _usdm


def _ray():
    try:
        import ray
    except ImportError as e:  # pragma: no cover - the error says what to install
        raise _usdm.UsageError("backend='ray' needs Ray: pip install 'ray>=2.9'") from e
    if not ray.is_initialized():
        ray.init()
    return ray


def _bar(total, label, show):
    from . import _progress

    return _progress(total, label, show)


def simulate(text, is_json, preset, paths, seed, sets, chunk, command, progress, series=True):
    ray = _ray()
    if chunk < 1:
        raise _usdm.UsageError("chunk must be at least 1 path")

    @ray.remote(num_cpus=1)
    def task(start, end):
        # One thread per task: Ray gives each task one CPU.
        return _usdm.run_chunk(text, is_json, preset, sets, seed, start, end, series, 1)

    started = time.perf_counter()
    ranges = [(a, min(a + chunk, paths)) for a in range(0, paths, chunk)]
    refs = [task.remote(a, b) for a, b in ranges]
    update, bar = _bar(paths, "simulate (ray)", progress)
    done = {}
    pending = list(refs)
    try:
        while pending:
            ready, pending = ray.wait(pending, num_returns=1)
            for r in ready:
                done[r] = ray.get(r)
            if update:
                update(sum(b - a for (a, b), r in zip(ranges, refs) if r in done), paths)
    finally:
        if bar is not None:
            bar.close()
    chunks = [done[r] for r in refs]
    elapsed = time.perf_counter() - started
    workers = int(ray.cluster_resources().get("CPU", 1))
    return _usdm.merge(text, is_json, preset, sets, seed, chunks, series, workers, elapsed, command)


def sweep(text, is_json, axes, paths, seed, until_ci, max_paths, command, progress):
    ray = _ray()
    n = _usdm.sweep_size(text, is_json, axes)

    @ray.remote(num_cpus=1)
    def task(index):
        return _usdm.sweep_point(text, is_json, axes, index, paths, seed, until_ci, max_paths, 1)

    started = time.perf_counter()
    refs = [task.remote(i) for i in range(n)]
    update, bar = _bar(n, "sweep points (ray)", progress)
    try:
        pending = list(refs)
        finished = 0
        while pending:
            ready, pending = ray.wait(pending, num_returns=1)
            finished += len(ready)
            if update:
                update(finished, n)
        points = ray.get(refs)
    finally:
        if bar is not None:
            bar.close()
    elapsed = time.perf_counter() - started
    workers = int(ray.cluster_resources().get("CPU", 1))
    return _usdm.sweep_merge(
        text, is_json, axes, paths, seed, until_ci, max_paths, points, workers, elapsed, command
    )


def recommend_executor(request, chunk=8):
    """The executor ``usdm.recommend(backend="ray")`` hands the search: each batch of jobs
    (candidate, member, path) split into tasks of ``chunk`` paths of one (candidate, member),
    run on the cluster, the scores returned in job order."""
    import json

    ray = _ray()

    @ray.remote(num_cpus=1)
    def task(jobs):
        return _usdm.recommend_paths(request, json.dumps(jobs))

    def run(jobs_text):
        jobs = json.loads(jobs_text)
        groups, current = [], []
        for j in jobs:
            if current and (len(current) >= chunk or current[-1][:2] != j[:2]):
                groups.append(current)
                current = []
            current.append(j)
        if current:
            groups.append(current)
        refs = [task.remote(g) for g in groups]
        scores = []
        for r in refs:
            scores.extend(json.loads(ray.get(r)))
        return json.dumps(scores)

    return run
