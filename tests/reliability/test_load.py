"""About 100 uploads through the local stack by concurrent uploaders (scripts/load_test.py): nothing lost."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STILLS = 100


@pytest.mark.slow
@pytest.mark.e2e
def test_a_hundred_concurrent_uploads_all_end_as_items_with_their_outputs(tmp_path: Path) -> None:
    report_path = tmp_path / "load.json"
    command = [
        sys.executable,
        "-m",
        "scripts.load_test",
        "--stills", str(STILLS),
        "--films", "5",
        "--uploaders", "6",
        "--bad-every", "20",
        "--timeout", "300",
        "--log-dir", str(tmp_path / "logs"),
        "--json", str(report_path),
    ]  # fmt: skip
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)

    print(completed.stdout)
    assert completed.returncode == 0, completed.stdout + completed.stderr[-3000:]
    report = json.loads(report_path.read_text())
    assert report["problems"] == []
    assert (report["done"], report["failed"]) == (STILLS - STILLS // 20, STILLS // 20)
    assert report["invocations"] == STILLS
    assert report["metrics"] == {
        "StillsProcessed": STILLS - STILLS // 20,
        "StillsFailed": STILLS // 20,
        "StillsSkipped": 0,
    }
