"""The built layers ship bytecode Lambda loads from its read-only /opt: scripts/layer_size.py's trim and
compile step, run on a copy of the layers' own code laid out as `sam build` lays it out."""

from __future__ import annotations

import marshal
import shutil
import subprocess
import sys
from importlib.util import MAGIC_NUMBER, cache_from_source
from pathlib import Path

import pytest

from scripts import layer_size

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {
    "palettes": ROOT / "layers/palettes/palettes",
    "palette_service": ROOT / "layers/service/palette_service",
}


@pytest.fixture(scope="module")
def built_layer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The layers' packages under python/, with a stale cache to trim, trimmed and compiled."""
    layer = tmp_path_factory.mktemp("BuiltLayer")
    for name, source in PACKAGES.items():
        shutil.copytree(source, layer / "python" / name, ignore=shutil.ignore_patterns("__pycache__"))
    stale = layer / "python/palettes/__pycache__/stale.cpython-313.pyc"
    stale.parent.mkdir()
    stale.write_bytes(b"not bytecode")
    assert layer_size.trim_one(layer) == 0
    assert not stale.exists()
    return layer


def test_every_module_of_the_trimmed_layer_has_unchecked_hash_bytecode(built_layer: Path) -> None:
    modules = sorted((built_layer / "python").rglob("*.py"))
    assert len(modules) > 50
    for module in modules:
        header = Path(cache_from_source(str(module))).read_bytes()[:8]
        assert header[:4] == MAGIC_NUMBER, module
        assert int.from_bytes(header[4:8], "little") == layer_size.UNCHECKED_HASH_FLAGS, module
    assert layer_size.missing_bytecode(built_layer / "python") == []


def test_the_bytecode_is_loaded_without_reading_the_source(built_layer: Path) -> None:
    # Unchecked bytecode is used as it is: a changed source is not even looked at (Lambda's never changes).
    source = built_layer / "python/palette_service/errors.py"
    source.write_text(source.read_text(encoding="utf-8") + "\nraise SystemExit('the source was read')\n")
    program = (
        f"import sys; sys.path[:0] = [{str(built_layer / 'python')!r}]\n"
        "import palette_service.errors as errors\n"
        "print(errors.InvalidCursorError.__name__)"
    )
    completed = subprocess.run(
        [sys.executable, "-S", "-B", "-c", program], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "InvalidCursorError"


def test_the_bytecode_names_the_path_lambda_mounts_not_the_build_folder(built_layer: Path) -> None:
    cached = Path(cache_from_source(str(built_layer / "python/palettes/names.py")))
    code = marshal.loads(cached.read_bytes()[16:])
    assert code.co_filename == "/opt/python/palettes/names.py"
