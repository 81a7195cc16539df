"""Cold starts: what the handler modules leave unimported, and SnapStart's hooks (run as Lambda runs them).

Outcomes only (which modules a fresh interpreter holds, which clients are closed); the times are
bench/cold_start.py's, never asserted.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from snapshot_restore_py import get_after_restore, get_before_snapshot

from palette_service.data import clients
from palette_service.observability import tracing_enabled
from palette_service.snapstart import is_snapshot_init

ROOT = Path(__file__).resolve().parents[2]
HANDLER_PATHS = [str(ROOT / part) for part in ("layers/palettes", "layers/service", "functions")]
# Loaded only when a request needs them, besides each handler's own DEFERRED_MODULES.
NEVER_ON_IMPORT = {
    "api.app": ("aws_xray_sdk", "boto3", "numpy", "PIL"),
    "extract.app": ("aws_xray_sdk", "boto3", "numpy", "PIL"),
}
LAMBDA_ENV = {
    "POWERTOOLS_METRICS_NAMESPACE": "Palettes",
    "STILLS_BUCKET": "cold-start-stills",
    "PALETTES_TABLE": "cold-start-palettes",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "PATH": "",
}


def loaded_after(program: str, env: dict[str, str]) -> dict[str, Any]:
    """Run ``program`` in a fresh interpreter with the handlers' folders on its path; it prints JSON."""
    script = f"import json, sys; sys.path[:0] = {HANDLER_PATHS!r}\n{program}"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    answer: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return answer


@pytest.mark.parametrize("module", sorted(NEVER_ON_IMPORT))
def test_importing_a_handler_leaves_what_a_request_may_not_need_unimported(module: str) -> None:
    program = (
        f"import {module} as handler\n"
        f"names = list(handler.DEFERRED_MODULES) + {list(NEVER_ON_IMPORT[module])!r}\n"
        "print(json.dumps({'loaded': [name for name in names if name in sys.modules]}))"
    )
    env = {**LAMBDA_ENV, "POWERTOOLS_TRACE_DISABLED": "true"}
    assert loaded_after(program, env) == {"loaded": []}


def test_the_api_defers_the_gallery_and_the_openapi_models_to_their_routes() -> None:
    from api import app as api_app

    assert {"palette_service.web.gallery", "aws_lambda_powertools.event_handler.openapi.models"} <= set(
        api_app.DEFERRED_MODULES
    )


@pytest.mark.parametrize(
    ("environ", "enabled"),
    [
        ({"LAMBDA_TASK_ROOT": "/var/task"}, True),
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "false"}, True),
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "true"}, False),
        ({"LAMBDA_TASK_ROOT": "/var/task", "AWS_SAM_LOCAL": "true"}, False),
        ({}, False),
    ],
)
def test_tracing_is_on_in_lambda_unless_switched_off(environ: dict[str, str], enabled: bool) -> None:
    assert tracing_enabled(environ) is enabled


def test_with_tracing_on_the_handler_is_traced_and_x_ray_loaded() -> None:
    program = (
        "import extract.app\n"
        "from palette_service.observability import tracer\n"
        "print(json.dumps({'xray': 'aws_xray_sdk' in sys.modules, 'tracers': tracer.cache_info().currsize}))"
    )
    env = {**LAMBDA_ENV, "LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "false"}
    assert loaded_after(program, env) == {"xray": True, "tracers": 1}


@pytest.mark.parametrize("module", sorted(NEVER_ON_IMPORT))
def test_a_snapshot_init_primes_the_handler_and_its_hooks_close_the_clients(module: str) -> None:
    program = (
        f"import {module} as handler\n"
        "from palette_service.data import clients\n"
        "from snapshot_restore_py import get_before_snapshot\n"
        "primed = all(name in sys.modules for name in handler.DEFERRED_MODULES)\n"
        "built = handler.services.cache_info().currsize, len(clients._open_clients)\n"
        "for hook, args, kwargs in reversed(get_before_snapshot()):\n"
        "    hook(*args, **kwargs)\n"
        "after = handler.services.cache_info().currsize, len(clients._open_clients)\n"
        "print(json.dumps({'primed': primed, 'built': built, 'after': after}))"
    )
    env = {**LAMBDA_ENV, "POWERTOOLS_TRACE_DISABLED": "true", "AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start"}
    answer = loaded_after(program, env)
    assert answer["primed"] is True
    services_built, clients_open = answer["built"]
    assert services_built == 1 and clients_open >= 2
    assert answer["after"] == [0, 0]


WARMED = {
    # The response models are built (pydantic builds each on first use otherwise).
    "api.app": "from palette_service.web import models\n"
    "warm = all(model.__pydantic_complete__ for model in (models.PaletteDocument, models.SearchPage))\n",
    # The first palette's once-only costs are paid: numpy's generators, the colour-name tables, the fonts.
    "extract.app": "from palettes import names, swatch\n"
    "warm = 'numpy.random' in sys.modules and names._xkcd_table.cache_info().currsize == 1 "
    "and swatch._font.cache_info().currsize > 0\n",
}


@pytest.mark.parametrize("module", sorted(WARMED))
def test_a_snapshot_init_pays_what_a_first_request_would_pay_once(module: str) -> None:
    program = f"import {module}\n{WARMED[module]}print(json.dumps({{'warm': warm}}))"
    env = {**LAMBDA_ENV, "POWERTOOLS_TRACE_DISABLED": "true"}
    assert loaded_after(program, env) == {"warm": False}, "an on-demand init warms nothing"
    env["AWS_LAMBDA_INITIALIZATION_TYPE"] = "snap-start"
    assert loaded_after(program, env) == {"warm": True}


def test_only_lambdas_snapshot_init_is_one() -> None:
    assert is_snapshot_init({"AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start"})
    assert not is_snapshot_init({"AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand"})
    assert not is_snapshot_init({})


def run_before_snapshot() -> None:
    """As Lambda does: the before-snapshot hooks in the reverse order of their registration."""
    for hook, args, kwargs in reversed(get_before_snapshot()):
        hook(*args, **kwargs)


def run_after_restore() -> None:
    for hook, args, kwargs in get_after_restore():
        hook(*args, **kwargs)


@pytest.fixture
def handlers(fresh_handlers: None, aws: None) -> Iterator[tuple[Any, Any]]:
    from api import app as api_app
    from extract import app as extract_app

    yield api_app, extract_app


def test_before_a_snapshot_every_client_is_closed_and_the_services_forgotten(
    handlers: tuple[Any, Any],
) -> None:
    api_app, extract_app = handlers
    before = (api_app.services(), extract_app.services())
    s3 = before[1].storage._s3
    # A connection pool, as the first request would leave behind (made without connecting).
    pool_manager = s3._endpoint.http_session._manager
    pool_manager.connection_from_url("https://s3.eu-west-1.amazonaws.com")
    assert len(pool_manager.pools) == 1

    run_before_snapshot()

    assert len(pool_manager.pools) == 0, "the S3 client's connections outlived the snapshot"
    assert clients._open_clients == []
    after = (api_app.services(), extract_app.services())
    assert after[0] is not before[0] and after[1] is not before[1]
    assert after[1].storage._s3 is not s3


def test_before_a_snapshot_the_apis_upload_signer_and_bucket_origin_are_forgotten_too(
    handlers: tuple[Any, Any],
) -> None:
    api_app, _ = handlers
    before = api_app.services()
    signer, origin = before.upload_signer, before.bucket_origin
    assert before.upload_signer is signer  # made once, on first use

    run_before_snapshot()

    assert clients._open_clients == []
    after = api_app.services()
    assert after.upload_signer is not signer, "the upload signer's client outlived the snapshot"
    assert after.bucket_origin == origin


def test_after_a_restore_the_global_random_generators_are_reseeded(handlers: tuple[Any, Any]) -> None:
    # Two environments restored from one snapshot would otherwise draw the same numbers from here on.
    random.seed(1234)
    np.random.seed(1234)  # the legacy global generator: the one a snapshot would share
    snapshot_random, snapshot_numpy = (
        random.Random(1234).random(),
        np.random.RandomState(1234).random_sample(),
    )

    run_after_restore()

    assert random.random() != snapshot_random
    assert np.random.random_sample() != snapshot_numpy
