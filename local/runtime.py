"""Lambda execution environments on this machine: one process each, one invocation at a time.

As in Lambda, an environment imports the handler once (its cold start) with the function's code
directory and layers on ``sys.path`` and only the function's environment variables, keeps module
state between invocations, runs each invocation under the function's timeout, and is replaced
after a timeout or a crash. Its stdout and stderr go to a log file of its own (its log stream), in a
directory per function (the log group), so lines of concurrent environments never interleave.
Processes rather than threads, because handlers keep per-environment state in module globals
(clients, Powertools' logger keys and metric sets) that concurrent invocations must not share.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from palettes_stack.async_invoke import error_payload
from palettes_stack.context import LocalContext
from palettes_stack.template import REPOSITORY, FunctionSpec

if TYPE_CHECKING:
    from local.metering import EnvironmentMeter

# Lambda allows 10 s of init; spawning an interpreter that imports numpy and Pillow on a
# small, busy machine can take longer, and a slow cold start is not the failure this should catch.
INIT_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class Invocation:
    """The outcome of one invocation: the handler's JSON result, or the error Lambda would report."""

    request_id: str
    result: Any = None
    error: dict[str, Any] | None = None
    duration_ms: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


def function_environment(
    function: FunctionSpec, *, endpoint_url: str, region: str, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment variables of ``function``'s processes: the template's, Lambda's, the local endpoint.

    Nothing of the caller's AWS configuration leaks in (profile, credentials, config files): every
    AWS call of a handler goes to ``endpoint_url``.
    """
    inherited = {
        name: value
        for name, value in (os.environ if base is None else base).items()
        if not name.startswith(("AWS_", "POWERTOOLS_", "LAMBDA_", "_HANDLER"))
    }
    return {
        **inherited,
        **function.environment,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_LAMBDA_FUNCTION_NAME": function.name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_mb),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function.name}",
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.runtime or 'python'}",
        # What `sam local` sets: Powertools then leaves X-Ray alone (there is no daemon here).
        "AWS_SAM_LOCAL": "true",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "LAMBDA_TASK_ROOT": str(function.code_dir),
        "_HANDLER": function.handler,
    }


class ExecutionEnvironment:
    """One process running ``function``'s handler; :meth:`invoke` blocks until it answers or times out."""

    def __init__(
        self,
        function: FunctionSpec,
        environment: Mapping[str, str],
        log_path: Path,
        *,
        meter_path: Path | None = None,
    ) -> None:
        self.function = function
        self._environment = {**environment, "PYTHONPATH": str(REPOSITORY), "PYTHONUNBUFFERED": "1"}
        self._log_path = log_path
        self._bootstrap = {
            "function_name": function.name,
            "function_arn": function.arn,
            "handler": function.handler,
            "code_dir": str(function.code_dir),
            "layer_dirs": [str(path) for path in function.layer_dirs],
            "memory_mb": function.memory_mb,
            "meter_path": str(meter_path.resolve()) if meter_path else None,
        }
        self._process: subprocess.Popen[bytes] | None = None
        self._connection: Connection | None = None
        self._init_error: dict[str, Any] | None = None
        self._lock = threading.Lock()
        self.cold_starts = 0

    def start(self) -> None:
        """Start the process if there is none, and wait for its init phase (importing the handler)."""
        with self._lock:
            self._ensure_started()

    def invoke(self, event: Any, *, request_id: str | None = None) -> Invocation:
        request_id = request_id or str(uuid.uuid4())
        timeout = float(self.function.timeout_seconds)
        with self._lock:
            started = time.perf_counter()
            try:
                self._ensure_started()
            except RuntimeError as failure:
                return Invocation(
                    request_id, error={"errorType": "Runtime.InitError", "errorMessage": str(failure)}
                )
            if self._init_error is not None:
                init_error = self._init_error
                self._stop_process()  # Lambda retries the init on the next invocation
                return Invocation(request_id, error=init_error)
            assert self._connection is not None
            self._connection.send((json.dumps(event), request_id, time.time() + timeout))
            answered = self._connection.poll(timeout)
            elapsed = (time.perf_counter() - started) * 1000
            if not answered:
                self._stop_process(kill=True)
                return Invocation(
                    request_id,
                    error={
                        "errorType": "Sandbox.Timedout",
                        "errorMessage": f"Task timed out after {timeout:.2f} seconds",
                    },
                    duration_ms=elapsed,
                )
            try:
                status, payload = self._connection.recv()
            except (EOFError, OSError):
                code = self._process.poll() if self._process else None
                self._stop_process()
                return Invocation(
                    request_id,
                    error={
                        "errorType": "Runtime.ExitError",
                        "errorMessage": f"the runtime exited (status {code})",
                    },
                    duration_ms=elapsed,
                )
            if status == "ok":
                return Invocation(request_id, result=json.loads(payload), duration_ms=elapsed)
            return Invocation(request_id, error=payload, duration_ms=elapsed)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None and self._process.poll() is None else None

    def close(self) -> None:
        with self._lock:
            self._stop_process()

    def _ensure_started(self) -> None:
        if self._process is not None and self._process.poll() is None:
            return
        self._stop_process()
        ours, theirs = socket.socketpair()
        with theirs, self._log_path.open("ab") as log:
            # A fresh interpreter (not a fork of this multi-threaded process), in its own session so
            # that Ctrl-C reaches only the parent, which then stops it; cwd is the task root, as in Lambda.
            self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [sys.executable, "-m", "local.runtime", str(theirs.fileno())],
                env=self._environment,
                cwd=self.function.code_dir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=(theirs.fileno(),),
                start_new_session=True,
            )
        self._connection = Connection(ours.detach())
        self.cold_starts += 1
        self._connection.send(self._bootstrap)
        if not self._connection.poll(INIT_TIMEOUT_SECONDS):
            self._stop_process(kill=True)
            raise RuntimeError(
                f"{self.function.name}: the handler's init took more than {INIT_TIMEOUT_SECONDS} s"
            )
        try:
            _, self._init_error = self._connection.recv()
        except (EOFError, OSError):
            self._stop_process()
            raise RuntimeError(
                f"{self.function.name}: the runtime exited during init; see {self._log_path}"
            ) from None

    def _stop_process(self, *, kill: bool = False) -> None:
        """End the process: asked to exit, or killed (a timed-out handler is still running)."""
        if kill and self._process is not None:
            self._process.kill()
        if self._connection is not None:
            with contextlib.suppress(OSError):
                self._connection.send(None)
            self._connection.close()
            self._connection = None
        if self._process is not None:
            try:
                self._process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=5)
            self._process = None
        self._init_error = None


class EnvironmentPool:
    """Up to ``size`` environments of one function: its concurrency. An invocation borrows an idle one.

    ``metered``: each environment also records what every invocation's AWS calls are billed for, in
    ``environment-N.usage.jsonl`` beside its log (``local.metering``).
    """

    def __init__(
        self,
        function: FunctionSpec,
        environment: Mapping[str, str],
        log_group: Path,
        size: int,
        *,
        metered: bool = False,
    ) -> None:
        if size < 1:
            raise ValueError("a function needs at least one execution environment")
        self.function = function
        self.size = size
        log_group.mkdir(parents=True, exist_ok=True)
        self._environments = [
            ExecutionEnvironment(
                function,
                environment,
                log_group / f"environment-{number}.log",
                meter_path=log_group / f"environment-{number}.usage.jsonl" if metered else None,
            )
            for number in range(1, size + 1)
        ]
        self._idle: queue.Queue[ExecutionEnvironment] = queue.Queue()
        for environment_ in self._environments:
            self._idle.put(environment_)
        self._closed = False

    def start(self) -> None:
        """Cold-start every environment, in parallel, so the first invocations do not pay for it."""
        errors: list[BaseException] = []

        def start_one(environment_: ExecutionEnvironment) -> None:
            try:
                environment_.start()
            except RuntimeError as error:
                errors.append(error)

        threads = [threading.Thread(target=start_one, args=(env,), daemon=True) for env in self._environments]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]

    def invoke(self, event: Any, *, request_id: str | None = None) -> Invocation:
        if self._closed:
            raise RuntimeError(f"{self.function.name} is stopped")
        environment_ = self._idle.get()
        try:
            return environment_.invoke(event, request_id=request_id)
        finally:
            self._idle.put(environment_)

    @property
    def cold_starts(self) -> int:
        return sum(environment_.cold_starts for environment_ in self._environments)

    @property
    def process_ids(self) -> list[int]:
        return [pid for environment_ in self._environments if (pid := environment_.pid) is not None]

    def close(self) -> None:
        self._closed = True
        for environment_ in self._environments:
            environment_.close()


def _serve(fd: int) -> None:
    """The process of one environment: init, then answer invocations until told to stop."""
    connection = Connection(fd)
    bootstrap: dict[str, Any] = connection.recv()
    sys.path[:0] = [bootstrap["code_dir"], *bootstrap["layer_dirs"]]
    meter = _install_meter(bootstrap["meter_path"])
    handler, init_error = _init(bootstrap["handler"])
    connection.send(("ready", init_error))
    while True:
        try:
            message = connection.recv()
        except EOFError:
            return
        if message is None:
            return
        event_json, request_id, deadline = message
        context = LocalContext(
            function_name=bootstrap["function_name"],
            invoked_function_arn=bootstrap["function_arn"],
            memory_limit_in_mb=bootstrap["memory_mb"],
            aws_request_id=request_id,
            deadline=deadline,
            log_group_name=f"/aws/lambda/{bootstrap['function_name']}",
        )
        connection.send(_run(handler, json.loads(event_json), context, meter))


def _init(handler_path: str) -> tuple[Any, dict[str, Any] | None]:
    module_name, _, function_name = handler_path.rpartition(".")
    try:
        module = importlib.import_module(module_name)
        return getattr(module, function_name), None
    except Exception as error:  # noqa: BLE001 - Lambda reports any init failure as the invocation's error
        traceback.print_exc()
        return None, error_payload(error, error_type="Runtime.ImportModuleError")


def _install_meter(path: str | None) -> EnvironmentMeter | None:
    """When the stack meters: a hook on boto3's default session, before the handler makes clients from it."""
    if path is None:
        return None
    import boto3

    from local.metering import EnvironmentMeter

    boto3.setup_default_session()
    assert boto3.DEFAULT_SESSION is not None
    return EnvironmentMeter.install(Path(path), boto3.DEFAULT_SESSION.events)


def _run(handler: Any, event: Any, context: LocalContext, meter: EnvironmentMeter | None) -> tuple[str, Any]:
    request_id = context.aws_request_id
    if meter is not None:
        meter.begin()
    print(f"START RequestId: {request_id} Version: $LATEST")
    started = time.perf_counter()
    try:
        answer: tuple[str, Any] = ("ok", json.dumps(handler(event, context)))
    except Exception as error:  # noqa: BLE001 - the runtime reports every handler error to the invoker
        traceback.print_exc()
        answer = ("error", error_payload(error))
    except SystemExit as error:
        answer = ("error", error_payload(error, error_type="Runtime.ExitError"))
    duration = (time.perf_counter() - started) * 1000
    print(f"END RequestId: {request_id}\nREPORT RequestId: {request_id}\tDuration: {duration:.2f} ms")
    if meter is not None:
        meter.end(event, duration)
    return answer


if __name__ == "__main__":
    _serve(int(sys.argv[1]))
