"""Trim the layers `sam build` made, compile them and the functions to bytecode, prove the result still
runs, and check Lambda's size limits.

Run after `sam build` (it works on `.aws-sam/build`, which `sam deploy` uploads):

    python scripts/layer_size.py                  # trim, compile, smoke-test, measure, check budgets
    python scripts/layer_size.py --no-trim        # measure only

Only what the code never loads goes: test suites, build-only sources and type stubs, bytecode
caches, and the botocore that aws-xray-sdk drags in (the Lambda runtime brings its own, matched to
its boto3). Shared objects are left alone: stripping the auditwheel-patched ones breaks them ("ELF
load command address/offset not page-aligned" on arm64), which only running them shows.

Then every layer and function is compiled to bytecode by this interpreter, which must be the
runtime's Python (3.13): Lambda's /opt and /var/task are read-only, so without bytecode in the zip
every on-demand cold start compiles each module it imports, and cannot keep the result. The .pyc are
hash-based and unchecked (``compileall --invalidation-mode unchecked-hash``): the zip's timestamps
(1980) would fail a timestamp-based .pyc, and an unchecked one is loaded without looking at its
source. Their code names the paths Lambda mounts (/opt/python, /var/task), not the build folder.

Afterwards no remaining module may import a deleted one (checked statically), and what the
palettes layer ships (numpy, Pillow, webcolors, palettes), a palette by every method and the
functions' imports are run on the built layers alone: natively when the host has the layers'
architecture, otherwise through `--smoke-python` / $LAYER_SMOKE_PYTHON (e.g. qemu-aarch64-static
-cpu neoverse-n1 with an arm64 python3.13; see sam_checks.sh), else the static check is all there
is. A passing smoke test is remembered per trimmed tree, so a second run on an unchanged build
takes seconds.
"""

from __future__ import annotations

import argparse
import compileall
import hashlib
import json
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib.util import MAGIC_NUMBER, cache_from_source, find_spec
from pathlib import Path
from py_compile import PycInvalidationMode
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from palettes_stack.template import load_template  # the project is not installed in .venv-sam

MIB = 1024 * 1024
# Lambda's limit for a function's code plus all its layers, unzipped: 262,144,000 bytes.
LAMBDA_UNZIPPED_LIMIT_MIB = 250.0
DEFAULT_LAYER_BUDGETS_MIB = {"PalettesLayer": 120.0}

ROOT = Path(__file__).resolve().parent.parent
SMOKE_STAMP = ".layer-smoke-ok.json"

# Wheels that ship their test suites; nothing imports them at run time (checked below).
TEST_SUITE_PACKAGES = ("numpy", "PIL")
TEST_DIR_NAMES = frozenset({"tests", "test"})
BUILD_ONLY_SUFFIXES = (".pyx", ".pxd", ".pxi", ".c", ".cc", ".cpp", ".h", ".hpp", ".f", ".f90", ".a", ".pyi")
# The python3.13 runtime provides boto3 with a matching botocore; a layer copy of botocore alone
# would shadow the runtime's and pair it with a boto3 it was not released with.
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer")
ARCHITECTURE_NAMES = {"arm64": "aarch64", "aarch64": "aarch64", "x86_64": "x86_64", "amd64": "x86_64"}
IMPORT_LINE = re.compile(r"^\s*(?:from|import)\s.*$", re.MULTILINE)
# The Python every function runs (template.yaml's Globals and the layers' CompatibleRuntimes): bytecode
# is only loaded by the minor version that wrote it.
RUNTIME_PYTHON = (3, 13)
# Where Lambda mounts an artifact's code root: the file names compiled into the bytecode.
MOUNT_POINTS = {"layer": "/opt/python", "function": "/var/task"}
# The flags word of a hash-based .pyc that is never checked against its source (PEP 552).
UNCHECKED_HASH_FLAGS = 0b01


@dataclass
class Artifact:
    logical_id: str
    kind: str  # "layer" or "function"
    path: Path
    layers: list[str] = field(default_factory=list)
    architecture: str = "x86_64"

    @property
    def code_root(self) -> Path:
        """Where the artifact's importable code sits: a layer's `python/`, a function's own folder."""
        return self.path / "python" if self.kind == "layer" else self.path


@dataclass
class Trimmed:
    rule: str
    files: int = 0
    bytes: int = 0


def load_built_template(build_dir: Path) -> dict[str, Any]:
    template = build_dir / "template.yaml"
    if not template.is_file():
        raise SystemExit(f"{template} not found: run `sam build` first")
    loaded: dict[str, Any] = load_template(template)
    return loaded


def artifacts_of(template: dict[str, Any], build_dir: Path) -> dict[str, Artifact]:
    """The built layers and functions, each with the layers it runs with."""
    global_function = (template.get("Globals") or {}).get("Function") or {}
    found: dict[str, Artifact] = {}
    for logical_id, resource in (template.get("Resources") or {}).items():
        kind = resource.get("Type")
        properties = resource.get("Properties") or {}
        if kind == "AWS::Serverless::LayerVersion":
            architecture = (resource.get("Metadata") or {}).get("BuildArchitecture", "x86_64")
            found[logical_id] = Artifact(
                logical_id, "layer", build_dir / properties["ContentUri"], architecture=architecture
            )
        elif kind == "AWS::Serverless::Function":
            layers = properties.get("Layers", global_function.get("Layers", []))
            architectures = properties.get("Architectures", global_function.get("Architectures", ["x86_64"]))
            found[logical_id] = Artifact(
                logical_id,
                "function",
                build_dir / properties["CodeUri"],
                layers=[layer["Ref"] for layer in layers if isinstance(layer, dict) and "Ref" in layer],
                architecture=architectures[0],
            )
    return found


# ------------------------------------------------------------------------------------------ trimming


def _size(path: Path) -> tuple[int, int]:
    """Files and bytes under ``path`` (symlinks counted as links, never followed)."""
    if path.is_symlink() or path.is_file():
        return 1, path.lstat().st_size
    files = total = 0
    for directory, _, names in os.walk(path):
        for name in names:
            files += 1
            total += (Path(directory) / name).lstat().st_size
    return files, total


def _remove(paths: list[Path], rule: str) -> Trimmed:
    done = Trimmed(rule)
    for path in paths:
        if not path.exists() and not path.is_symlink():
            continue  # inside a folder an earlier path of this rule removed
        files, size = _size(path)
        done.files += files
        done.bytes += size
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    return done


def _bytecode(root: Path) -> list[Path]:
    caches = [path for path in root.rglob("__pycache__") if path.is_dir()]
    stray = [path for path in root.rglob("*.py[co]") if "__pycache__" not in path.parts]
    return caches + stray


def _test_suites(root: Path) -> list[Path]:
    suites = []
    for package in TEST_SUITE_PACKAGES:
        base = root / package
        if base.is_dir():
            suites += [path for path in base.rglob("*") if path.is_dir() and path.name in TEST_DIR_NAMES]
    return suites


def _build_only(root: Path) -> list[Path]:
    files = [path for path in root.rglob("*") if path.suffix in BUILD_ONLY_SUFFIXES and path.is_file()]
    stub_packages = [path for path in root.iterdir() if path.is_dir() and path.name.endswith("-stubs")]
    return files + stub_packages


def _runtime_provided(root: Path) -> list[Path]:
    paths = []
    for package in RUNTIME_PROVIDED:
        paths += [root / package] if (root / package).exists() else []
        paths += sorted(root.glob(f"{package}-*.dist-info"))
    return paths


RULES: tuple[tuple[str, Callable[[Path], list[Path]]], ...] = (
    ("bytecode caches (__pycache__, *.pyc)", _bytecode),
    (f"test suites of {', '.join(TEST_SUITE_PACKAGES)}", _test_suites),
    ("build-only sources and type stubs (Cython, C/C++, Fortran, .a, .pyi)", _build_only),
    ("botocore/boto3/s3transfer (provided by the Lambda runtime)", _runtime_provided),
)


def _module_names(root: Path) -> set[str]:
    names = set()
    for path in root.rglob("*.py"):
        parts = path.relative_to(root).with_suffix("").parts
        names.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def trim(layer: Artifact) -> tuple[list[Trimmed], set[str]]:
    """Apply every rule to ``layer``; return what each removed and the module names that went."""
    root = layer.code_root
    before = _module_names(root)
    results = [_remove(rule(root), name) for name, rule in RULES]
    return results, before - _module_names(root)


# ------------------------------------------------------------------------------------------ bytecode


def compile_bytecode(artifact: Artifact) -> int:
    """Compile every module of ``artifact`` to unchecked hash-based bytecode beside it (``__pycache__``),
    named by the path Lambda mounts it at; the bytes of bytecode written. Exits when this is not the
    runtime's Python, whose bytecode Lambda would ignore."""
    if sys.version_info[:2] != RUNTIME_PYTHON:
        raise SystemExit(
            f"bytecode for Python {'.'.join(map(str, RUNTIME_PYTHON))} (the functions' runtime) needs that "
            f"Python; this is {sys.version.split()[0]}"
        )
    root = artifact.code_root
    compiled = compileall.compile_dir(
        root,
        quiet=1,
        force=True,
        stripdir=str(root),
        prependdir=MOUNT_POINTS[artifact.kind],
        invalidation_mode=PycInvalidationMode.UNCHECKED_HASH,
        workers=0,
    )
    if not compiled:
        raise SystemExit(f"{artifact.logical_id}: a module does not compile (above)")
    return sum(path.stat().st_size for path in root.rglob("*.pyc"))


def missing_bytecode(root: Path) -> list[str]:
    """The modules under ``root`` without an unchecked hash-based .pyc of this Python beside them."""
    missing = []
    for source in sorted(root.rglob("*.py")):
        cached = Path(cache_from_source(str(source)))
        header = cached.read_bytes()[:8] if cached.is_file() else b""
        flags = int.from_bytes(header[4:8], "little") if len(header) == 8 else None
        if header[:4] != MAGIC_NUMBER or flags != UNCHECKED_HASH_FLAGS:
            missing.append(str(source.relative_to(root)))
    return missing


def compile_and_check(artifacts: list[Artifact]) -> list[str]:
    """Compile each artifact (see :func:`compile_bytecode`) and check that every module got its .pyc."""
    started = time.perf_counter()
    failures = []
    for artifact in artifacts:
        size = compile_bytecode(artifact)
        missing = missing_bytecode(artifact.code_root)
        failures += [f"{artifact.logical_id}: no bytecode for {name}" for name in missing]
        print(f"  compiled {artifact.logical_id}: {size / MIB:.1f} MiB of bytecode")
    elapsed = time.perf_counter() - started
    print(f"  bytecode: unchecked hash-based, Python {sys.version.split()[0]} ({elapsed:.1f} s)")
    return failures


# ------------------------------------------------------------------------------------- verification


def _imports_of(path: Path, module: str, text: str) -> Iterator[str]:
    """Absolute names of the modules a file imports, relative imports resolved (static, no execution)."""
    import ast

    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(text, filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def dangling_imports(roots: list[Path], removed: set[str]) -> list[str]:
    """Import statements in the remaining code that name a removed module."""
    if not removed:
        return []
    # Only files with an import line naming one of the removed modules' last parts need parsing.
    mentions = re.compile(
        r"\b(?:" + "|".join(sorted(map(re.escape, {name.rpartition(".")[2] for name in removed}))) + r")\b"
    )
    problems = []
    for root in roots:
        for path in root.rglob("*.py"):
            text = path.read_text(encoding="utf-8", errors="replace")
            if not any(mentions.search(line) for line in IMPORT_LINE.findall(text)):
                continue
            parts = path.relative_to(root).with_suffix("").parts
            module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            try:
                imported = set(_imports_of(path, module, text))
            except SyntaxError:
                continue
            problems += [f"{path.relative_to(root)} imports {name}" for name in sorted(imported & removed)]
    return problems


SMOKE_CODE = r"""
import io, json, os, sys, time
started = time.perf_counter()
kind, function_dir = sys.argv[1], sys.argv[2]
if kind == "palettes":
    # What the layer ships (layers/palettes/requirements.txt), then a tiny palette by every method.
    import numpy as np
    from PIL import Image
    import webcolors
    import palettes
    assert webcolors.name_to_hex("teal") == "#008080", "webcolors names"
    pixels = np.random.default_rng(0).integers(0, 256, (90, 120, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG")
    result = {}
    for method in palettes.METHODS:
        palette = palettes.extract(buffer.getvalue(), k=5, method=method)
        swatch = palettes.render_swatch(palette)
        assert swatch.startswith(b"\x89PNG"), "the swatch is not a PNG"
        document = palette.to_dict()
        for fmt in palettes.EXPORT_FORMATS:
            assert palettes.export_document(document, fmt), fmt
        result[method] = [colour["hex"] for colour in document["colors"]]
else:
    sys.path.insert(0, function_dir)
    import app
    assert callable(app.lambda_handler)
    heavy = sorted({name.split(".")[0] for name in sys.modules} & {"numpy", "PIL"})
    if kind == "ApiFunction" and heavy:
        raise SystemExit(f"the API function imports {heavy} at cold start; it should need none of them")
    result = {"imports": heavy}
print(json.dumps({"ok": True, "seconds": round(time.perf_counter() - started, 1), "result": result}))
"""


def _tree_digest(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for root in paths:
        for directory, dirs, names in sorted(os.walk(root)):
            dirs.sort()
            for name in sorted(names):
                path = Path(directory) / name
                digest.update(f"{path.relative_to(root.parent)}\0{path.lstat().st_size}\n".encode())
    return digest.hexdigest()


def _link_runtime_boto3(folder: Path) -> None:
    """Fill ``folder`` with links to this interpreter's pure-Python boto3 stack, the runtime's stand-in.

    Linking the packages one by one, rather than adding site-packages, keeps anything else the host
    has installed from hiding a dependency the layers lack.
    """
    for name in ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six"):
        spec = find_spec(name)
        if spec is None or spec.origin is None:
            continue
        origin = Path(spec.origin)
        source = origin.parent if origin.name == "__init__.py" else origin
        (folder / source.name).symlink_to(source)


def _smoke_environment() -> dict[str, str]:
    """The extract function's environment (events/env.json) plus what the Lambda runtime sets."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "OPENBLAS_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "Palettes",
        "POWERTOOLS_SERVICE_NAME": "palettes",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_REGION": "eu-west-1",
        **json.loads((ROOT / "events" / "env.json").read_text(encoding="utf-8"))["ExtractFunction"],
    }


def _smoke_checks(artifacts: dict[str, Artifact]) -> list[tuple[str, Artifact, list[str]]]:
    """(kind, function, layer code roots): the palettes layer alone first, then each function."""
    checks: list[tuple[str, Artifact, list[str]]] = []
    functions = [item for item in artifacts.values() if item.kind == "function"]
    for function in functions:
        layer_roots = [str(artifacts[layer].code_root) for layer in function.layers if layer in artifacts]
        checks.append((function.logical_id, function, layer_roots))
    palettes_host = next(
        (
            item
            for item in functions
            if "PalettesLayer" in item.layers and item.logical_id == "ExtractFunction"
        ),
        None,
    )
    if palettes_host is not None:
        checks.insert(0, ("palettes", palettes_host, [str(artifacts["PalettesLayer"].code_root)]))
    return checks


def smoke_test(artifacts: dict[str, Artifact], interpreter: list[str], build_dir: Path) -> list[str]:
    """Run what the palettes layer ships, a palette by every method, and each function's imports, on
    the built layers alone.

    Layers come first on sys.path and the runtime's boto3 last, as in Lambda (/opt/python before
    /var/runtime); ``-S`` keeps the host's site-packages out and ``-B`` writes no bytecode (the layers'
    own is read, as from Lambda's read-only mounts).
    """
    failures = []
    environment = _smoke_environment()
    with tempfile.TemporaryDirectory(prefix="runtime-boto3-") as runtime:
        _link_runtime_boto3(Path(runtime))
        for kind, function, layer_roots in _smoke_checks(artifacts):
            bootstrap = f"import sys; sys.path[:0] = {layer_roots!r}; sys.path.append({runtime!r})\n"
            started = time.perf_counter()
            completed = subprocess.run(  # noqa: S603
                [*interpreter, "-S", "-B", "-c", bootstrap + SMOKE_CODE, kind, str(function.path)],
                env=environment,
                capture_output=True,
                text=True,
                check=False,
                cwd=build_dir,
            )
            elapsed = time.perf_counter() - started
            if completed.returncode == 0:
                print(f"  {kind:<16} ok in {elapsed:5.1f} s  {completed.stdout.strip().splitlines()[-1]}")
            else:
                tail = "\n".join((completed.stderr or completed.stdout).strip().splitlines()[-12:])
                failures.append(f"smoke test {kind} failed:\n{tail}")
                print(f"  {kind:<16} FAILED in {elapsed:5.1f} s\n{tail}")
    return failures


# -------------------------------------------------------------------------------------- measuring


def report(artifacts: dict[str, Artifact], layer_budgets: dict[str, float]) -> list[str]:
    sizes = {logical_id: _size(item.path)[1] / MIB for logical_id, item in artifacts.items()}
    failures = []
    print(f"\n  {'artifact':<30} {'kind':<9} {'unzipped MiB':>13} {'budget MiB':>11}")
    for logical_id, item in sorted(artifacts.items(), key=lambda pair: (pair[1].kind != "layer", pair[0])):
        budget = layer_budgets.get(logical_id) if item.kind == "layer" else None
        verdict = ""
        if budget is not None:
            verdict = "ok" if sizes[logical_id] <= budget else "OVER"
            if verdict == "OVER":
                failures.append(
                    f"{logical_id} is {sizes[logical_id]:.1f} MiB unzipped, over its {budget:.0f} MiB budget"
                )
        print(
            f"  {logical_id:<30} {item.kind:<9} {sizes[logical_id]:>13.1f} "
            f"{'' if budget is None else f'{budget:.0f}':>11}  {verdict}"
        )
    for logical_id, item in sorted(artifacts.items()):
        if item.kind != "function":
            continue
        total = sizes[logical_id] + sum(sizes.get(layer, 0.0) for layer in item.layers)
        verdict = "ok" if total <= LAMBDA_UNZIPPED_LIMIT_MIB else "OVER"
        label = f"{logical_id} + {' + '.join(item.layers)}"
        print(f"  {label:<40} {total:>13.1f} {LAMBDA_UNZIPPED_LIMIT_MIB:>11.0f}  {verdict}")
        if verdict == "OVER":
            failures.append(
                f"{label} is {total:.1f} MiB unzipped, over Lambda's {LAMBDA_UNZIPPED_LIMIT_MIB:.0f} MiB"
            )
    return failures


def trim_and_check(layers: list[Artifact], roots: list[Path]) -> list[str]:
    """Trim ``layers``, then check no code under ``roots`` imports what went."""
    started = time.perf_counter()
    removed_modules: set[str] = set()
    for layer in layers:
        results, removed = trim(layer)
        removed_modules |= removed
        freed = [result for result in results if result.bytes or result.files]
        summary = (
            ", ".join(f"{result.rule}: {result.bytes / MIB:.1f} MiB" for result in freed)
            or "nothing left to trim"
        )
        print(f"  trimmed {layer.logical_id}: {summary}")
    provided = tuple(f"{name}." for name in RUNTIME_PROVIDED)
    removed_modules = {
        name for name in removed_modules if name not in RUNTIME_PROVIDED and not name.startswith(provided)
    }
    dangling = dangling_imports(roots, removed_modules)
    print(
        f"  static check: {len(removed_modules)} removed modules, "
        f"{len(dangling)} imported by the remaining code ({time.perf_counter() - started:.1f} s)"
    )
    return [f"a removed module is still imported: {problem}" for problem in dangling]


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--build-dir", type=Path, default=ROOT / ".aws-sam" / "build")
    parser.add_argument("--no-trim", action="store_true", help="measure only")
    parser.add_argument(
        "--trim-only",
        type=Path,
        metavar="LAYER_DIR",
        help="trim and compile one built layer (the folder holding python/) and check its imports and "
        "bytecode; nothing else",
    )
    parser.add_argument(
        "--smoke-python",
        default=os.environ.get("LAYER_SMOKE_PYTHON", ""),
        help="command running a Python 3.13 of the layers' architecture (default: $LAYER_SMOKE_PYTHON; "
        "the running Python when the host has that architecture)",
    )
    parser.add_argument(
        "--layer-budget",
        action="append",
        default=[],
        metavar="LAYER=MIB",
        help="unzipped budget of a layer (default PalettesLayer=120); repeatable",
    )
    return parser.parse_args(argv)


def layer_budgets(overrides: list[str]) -> dict[str, float]:
    """The default budgets, with each `LAYER=MIB` of the command line over them."""
    budgets = dict(DEFAULT_LAYER_BUDGETS_MIB)
    for item in overrides:
        name, _, value = item.partition("=")
        budgets[name] = float(value)
    return budgets


def trim_one(folder: Path) -> int:
    """`--trim-only`: trim and compile one built layer and check its own imports and bytecode."""
    layer = Artifact(folder.name, "layer", folder)
    problems = trim_and_check([layer], [layer.code_root])
    problems += compile_and_check([layer])
    for problem in problems:
        print(f"FAIL: {problem}", file=sys.stderr)
    return 1 if problems else 0


def smoke_interpreter(smoke_python: str, layers: list[Artifact]) -> tuple[str, list[str]]:
    """The layers' architecture, and the command that runs a Python of it (empty when there is none)."""
    target = (
        ARCHITECTURE_NAMES.get(layers[0].architecture, layers[0].architecture)
        if layers
        else platform.machine()
    )
    interpreter = shlex.split(smoke_python) if smoke_python else []
    if not interpreter and platform.machine() == target:
        interpreter = [sys.executable]
    return target, interpreter


def smoke_test_once(
    artifacts: dict[str, Artifact], interpreter: list[str], build_dir: Path, target: str
) -> list[str]:
    """The smoke test, skipped when it passed before on this exact tree (remembered beside the build
    folder, which `sam build` empties)."""
    stamp = build_dir.parent / SMOKE_STAMP
    digest = _tree_digest([item.path for item in artifacts.values()] + [ROOT / "events" / "env.json"])
    if stamp.is_file() and json.loads(stamp.read_text(encoding="utf-8")).get("digest") == digest:
        print("  smoke test: passed before on this exact tree, not rerun")
        return []
    print(f"  smoke test on {target} with {' '.join(interpreter)}")
    failures = smoke_test(artifacts, interpreter, build_dir)
    if not failures:
        stamp.write_text(json.dumps({"digest": digest}), encoding="utf-8")
    return failures


def main(argv: list[str] | None = None) -> int:
    options = parse_arguments(argv)
    if options.trim_only:
        return trim_one(options.trim_only.resolve())

    build_dir = options.build_dir.resolve()
    artifacts = artifacts_of(load_built_template(build_dir), build_dir)
    layers = [item for item in artifacts.values() if item.kind == "layer"]
    failures: list[str] = []
    if not options.no_trim:
        failures += trim_and_check(layers, [item.code_root for item in artifacts.values()])
        failures += compile_and_check(list(artifacts.values()))

    target, interpreter = smoke_interpreter(options.smoke_python, layers)
    if interpreter:
        failures += smoke_test_once(artifacts, interpreter, build_dir, target)
    else:
        print(
            f"  smoke test skipped: the layers are {target} and this host is {platform.machine()}; "
            "set LAYER_SMOKE_PYTHON (e.g. qemu-aarch64-static with an arm64 python3.13) to run it"
        )

    failures += report(artifacts, layer_budgets(options.layer_budget))
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
