"""Lambda SnapStart for Python: what a function does before its snapshot and after each restore.

With ``SnapStart: ApplyOn: PublishedVersions`` Lambda initialises a published version once, snapshots
its memory, and starts new execution environments by restoring that snapshot. Whatever init leaves
in memory is then shared by every restored environment, so :func:`prepare_snapshot`

* at snapshot time only (``AWS_LAMBDA_INITIALIZATION_TYPE=snap-start``), imports the modules the
  handler defers for on-demand cold starts, builds its clients once and runs its ``warm`` function
  (what a first request pays once: the API's response models, the extract function's first
  palette), so the snapshot holds them and a restore pays for none of it;
* before the snapshot, closes every AWS client (no connection pool is carried into a snapshot, where
  its sockets would be dead or shared) and forgets the cached services, which the first request after
  a restore rebuilds from the service models boto3's default session already loaded (its credentials
  come from Lambda's container credentials endpoint under SnapStart, and refresh themselves);
* after each restore, reseeds the ``random`` module (botocore's retry jitter) and numpy's global
  generator if loaded, so restored environments do not all draw the same "random" numbers. The
  palettes' own clustering is seeded on purpose (the same still gives the same palette) and stays so.

The hooks are registered with ``snapshot_restore_py``, which Lambda's Python runtimes include; where it
is absent (outside Lambda without the dev tools) nothing ever snapshots, so nothing is registered.
"""

from __future__ import annotations

import importlib
import os
import random
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

try:
    from snapshot_restore_py import register_after_restore, register_before_snapshot
except ImportError:  # not in Lambda's runtime: no snapshot is ever taken, so no hook could run
    register_after_restore = register_before_snapshot = None


class CachedServices(Protocol):
    """A handler's ``services``: a ``functools.cache`` of its settings and clients."""

    def __call__(self) -> Any: ...

    def cache_clear(self) -> None: ...


def is_snapshot_init(environ: Mapping[str, str] | None = None) -> bool:
    """Whether this init is Lambda's, made to take a SnapStart snapshot."""
    source = os.environ if environ is None else environ
    return source.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "snap-start"


def prepare_snapshot(
    services: CachedServices, deferred_modules: Iterable[str], warm: Callable[[], object] | None = None
) -> bool:
    """Register the hooks for a handler's ``services`` (and prime them, then ``warm``, when snapshotting).

    Returns whether the hooks were registered (``snapshot_restore_py`` is there).
    """
    if register_before_snapshot is None or register_after_restore is None:
        return False
    register_before_snapshot(forget_clients, services)
    register_after_restore(reseed_random_generators)
    if is_snapshot_init():
        for name in deferred_modules:
            importlib.import_module(name)
        services()
        if warm is not None:
            warm()
    return True


def forget_clients(services: CachedServices) -> None:
    """Close the clients made so far and forget the services built on them (rebuilt on next use)."""
    services.cache_clear()
    clients = sys.modules.get("palette_service.data.clients")
    if clients is not None:
        close: Callable[[], int] = clients.close_clients
        close()


def reseed_random_generators() -> None:
    """Fresh seeds from the OS for the global generators a snapshot would otherwise share."""
    random.seed()
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()
