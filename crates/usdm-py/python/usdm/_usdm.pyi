"""Type stubs of the Rust extension module ``usdm._usdm`` (see ``usdm`` for the public API)."""

from typing import Callable, Dict, List, Optional, Tuple

__version__: str

class UsdmError(ValueError):
    """A request usdm refused."""

class UsageError(UsdmError):
    """A malformed request (the CLI's exit code 2)."""

class RefusedError(UsdmError):
    """A well-formed request that cannot be run or quoted (the CLI's exit code 1)."""

Progress = Optional[Callable[[int, int], None]]

class Run:
    def summary_json(self) -> str: ...
    def outcomes(self) -> Dict[str, list]: ...
    def fan(self) -> Dict[str, list]: ...
    def series(self, which: str) -> Optional[Dict[str, list]]: ...
    def report(self, dir: str) -> str: ...

class SweepRun:
    def json(self) -> str: ...
    def report(self, dir: str) -> str: ...

def simulate(
    scenario: str, is_json: bool, preset: Optional[str], paths: int, seed: int,
    sets: List[str], threads: Optional[int], command: str, progress: Progress = None,
    series: bool = True,
) -> Run: ...
def run_chunk(
    scenario: str, is_json: bool, preset: Optional[str], sets: List[str], seed: int,
    start: int, end: int, series: bool, threads: Optional[int] = None,
) -> bytes: ...
def merge(
    scenario: str, is_json: bool, preset: Optional[str], sets: List[str], seed: int,
    chunks: List[bytes], series: bool, threads: int, elapsed: float, command: str,
) -> Run: ...
def sweep_run(
    scenario: str, is_json: bool, axes: List[str], paths: int, seed: int,
    threads: Optional[int], until_ci: Optional[float], max_paths: int, command: str,
    progress: Progress = None,
) -> SweepRun: ...
def sweep_size(scenario: str, is_json: bool, axes: List[str]) -> int: ...
def sweep_point(
    scenario: str, is_json: bool, axes: List[str], index: int, paths: int, seed: int,
    until_ci: Optional[float], max_paths: int, threads: Optional[int] = None,
) -> bytes: ...
def sweep_merge(
    scenario: str, is_json: bool, axes: List[str], paths: int, seed: int,
    until_ci: Optional[float], max_paths: int, points: List[bytes], threads: int,
    elapsed: float, command: str,
) -> SweepRun: ...
def quote(args: List[str]) -> str: ...
def builtin_scenarios() -> List[Tuple[str, str]]: ...
