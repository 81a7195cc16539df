"""`make invoke`: the events/ files through the real handlers on moto, as `sam local invoke` would."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_sample_event_gets_an_answer() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "invoke.py")],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "-> {'processed': 1, 'failed': 0, 'skipped': 0, 'removed': 0}" in result.stdout
    assert "-> {'batchItemFailures': []}" in result.stdout  # RecordFailuresFunction, its SQS sample
    # The Batch Operations sample names the version just processed: a 2.0 answer, skipped as recorded.
    assert (
        "'resultCode': 'Succeeded', 'resultString': 'skipped: this version is already recorded as DONE'"
        in (result.stdout)
    )
    answers = re.findall(
        r"^ApiFunction  (events/\S+).*\n  -> (\d{3}) (\S+)", result.stdout, flags=re.MULTILINE
    )
    files = sorted(path.name for path in (ROOT / "events").glob("api-*.json"))
    assert sorted(Path(name).name for name, _, _ in answers) == files
    assert {status for _, status, _ in answers} == {"200"}
    types = {Path(name).stem: content_type for name, _, content_type in answers}
    assert types["api-get-swatch"] == "image/png"
    assert types["api-get-export-css"].startswith("text/css")
