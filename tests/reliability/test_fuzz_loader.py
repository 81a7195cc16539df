"""The loader fuzzer (scripts/fuzz_loader.py) bounded for CI: 20 s without a finding; and it notices one."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "fuzz_loader.py"
FUZZ_SECONDS = 20


def run_fuzzer(*arguments: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_the_loader_survives_twenty_seconds_of_fuzzing(tmp_path: Path) -> None:
    artifacts = tmp_path / "artifacts"
    completed = run_fuzzer(
        "--seconds", str(FUZZ_SECONDS), "--artifacts", str(artifacts), "--corpus", str(tmp_path / "corpus"),
        timeout=FUZZ_SECONDS + 90,
    )  # fmt: skip

    report = completed.stdout + completed.stderr[-5000:]
    assert completed.returncode == 0, report
    assert not artifacts.exists() or list(artifacts.iterdir()) == [], report
    *_, summary = re.findall(r"fuzz_loader: (\d+) inputs in .*", completed.stdout)
    assert int(summary) >= 500, report  # it really ran (a few hundred inputs a second here)


def test_the_fuzzer_reports_an_input_over_its_bounds(tmp_path: Path) -> None:
    """A bound no input can meet: the first input is a finding, saved, and the exit status says so."""
    completed = run_fuzzer(
        "--seconds",
        "10",
        "--engine",
        "hypothesis",
        "--max-rss-mb",
        "1",
        "--artifacts",
        str(tmp_path),
        timeout=120,
    )
    assert completed.returncode != 0
    assert "FINDING" in completed.stderr and "peak RSS" in completed.stderr
    (saved,) = tmp_path.iterdir()
    assert saved.name.startswith("crash-")
