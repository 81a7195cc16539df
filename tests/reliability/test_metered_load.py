"""A small load test run metered (scripts/load_test.py --counts): the counts the cost model reads.

The local stack's execution environments count each handler's AWS calls (``local.metering``); this
checks the counts against what the write protocol does per still, so the cost model's input cannot
silently go wrong.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench import cost

ROOT = Path(__file__).resolve().parents[2]
STILLS = 8
READS = 8


@pytest.mark.slow
@pytest.mark.e2e
def test_a_metered_load_test_counts_what_each_still_costs(tmp_path: Path) -> None:
    counts_path = tmp_path / "counts.json"
    command = [
        sys.executable, "-m", "scripts.load_test",
        "--stills", str(STILLS), "--films", "2", "--uploaders", "2", "--bad-every", "4",
        "--timeout", "300", "--log-dir", str(tmp_path / "logs"),
        "--counts", str(counts_path), "--api-reads", str(READS),
    ]  # fmt: skip
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr[-3000:]

    counts = json.loads(counts_path.read_text())
    done, failed = STILLS - STILLS // 4, STILLS // 4
    assert (counts["run"]["done"], counts["run"]["failed"]) == (done, failed)
    extract = counts["functions"]["ExtractFunction"]
    assert extract["invocations"] == STILLS
    # Every still: one GET (no HEAD) and an outcome write; a DONE one also a claim (before its outputs),
    # the JSON and the swatch (a non-image fails before its claim).
    assert extract["requests"]["s3:GetObject"] == STILLS
    assert "s3:HeadObject" not in extract["requests"]
    assert extract["requests"]["s3:PutObject"] == 2 * done
    assert extract["requests"]["dynamodb:UpdateItem"] == 2 * done + failed
    assert extract["write_units"]["UpdateItem"] >= 2 * STILLS  # at least a unit per write
    assert extract["index_writes"]["UpdateItem"] == STILLS  # each outcome enters the listing index once
    assert extract["log_bytes"] > 0 and extract["billed_ms"] > 0
    aggregate = counts["functions"]["AggregateFunction"]
    assert aggregate["event_records"] >= 2 * STILLS  # a claim and an outcome of each still on the stream
    assert aggregate["write_units"]["BatchWriteItem"] > done  # colour index entries of the DONE stills
    api = counts["functions"]["ApiFunction"]
    assert api["invocations"] == counts["api"]["reads"] == READS
    assert counts["storage"]["s3_bytes"]["palettes/"] > 0 and counts["storage"]["s3_bytes"]["swatches/"] > 0

    assert cost.main(["--counts", str(counts_path)]) == 0
