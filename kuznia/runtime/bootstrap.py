"""The bootstrap: the management code every submitted run executes, on every compute.

``python -m kuznia.runtime.bootstrap --run-id RUN`` with ``KUZNIA_RUN_ID``,
``KUZNIA_RUN_TOKEN``, ``KUZNIA_TRACKING_URI`` and ``KUZNIA_WORKSPACE`` set. It
(1) prepares the environment, (2) fetches the snapshot into a fresh working
folder, (3) sets the variables the SDK needs, (4) runs the script with its
arguments — then uploads ``outputs/`` and ``logs/``, flushes metrics and sets
the final status. Status moves Preparing → Running → Finalizing → Completed /
Failed / Canceled; heartbeats go out the whole time.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil

from kuznia.compute.local import run_environment
from kuznia.entities.heartbeats import Heartbeat
from kuznia.entities.logs import BOOTSTRAP_LOG, ENVIRONMENT_LOG, USER_LOG
from kuznia.entities.paths import check_relative_path
from kuznia.entities.runs import ErrorDetails, Run, RunStatus, RunUpdate
from kuznia.environments.cache import EnvironmentCache
from kuznia.errors import InvalidInput, InvalidState, KuzniaError
from kuznia.runtime.log_stream import LogStream
from kuznia.runtime.process import start_script, stop_script
from kuznia.runtime.system_metrics import SystemMetrics
from kuznia.sdk.config import connect
from kuznia.sdk.run import Run as SdkRun
from kuznia.sdk.workspace import Workspace

TAIL_LINES = 400


@dataclass
class Outcome:
    status: RunStatus
    message: str | None = None
    exit_code: int | None = None
    traceback: str | None = None


class Bootstrap:
    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        self.workspace = os.environ["KUZNIA_WORKSPACE"]
        self.tracking_uri = os.environ["KUZNIA_TRACKING_URI"]
        self.token = os.environ.get("KUZNIA_RUN_TOKEN", "")
        root = Path(os.environ.get("KUZNIA_WORK_ROOT") or Path.cwd())
        self.workdir = root / run_id
        self.metadir = root / f"{run_id}.meta"
        is_server = self.tracking_uri.startswith(("http://", "https://"))
        self.backend = connect(server=self.tracking_uri, token=self.token) if is_server else connect(
            path=self.tracking_uri
        )
        self.cancel = threading.Event()
        self.masker: Callable[[str], str] = secret_masker([])
        self.script_pid: int | None = None
        self._stop_heartbeat = threading.Event()
        self.log = LogStream(self.backend, self.workspace, run_id, BOOTSTRAP_LOG, self.metadir / "bootstrap.log")

    def load_masks(self) -> None:
        """The workspace's secret values, to mask them in the logs of this run."""
        try:
            names = [s.name for s in self.backend.list_secrets(self.workspace)]
            values = [v.value.get_secret_value() for v in self.backend.get_secrets(self.workspace, names)] if names else []
        except KuzniaError as exc:
            self.say(f"secrets could not be read for masking: {exc.message}")
            values = []
        self.masker = secret_masker(values)

    def say(self, message: str) -> None:
        self.log.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {message}\n")

    # status ---------------------------------------------------------------------
    def set_status(self, status: RunStatus, error: ErrorDetails | None = None) -> bool:
        """Move the run on; False when the run is no longer where that is allowed
        (canceled meanwhile, or ended by the script itself)."""
        try:
            entity = self.backend.update_run(self.workspace, self.run_id, RunUpdate(status=status, error=error))
        except InvalidState as exc:
            self.say(f"status {status.value} not set: {exc.message}")
            return False
        self.say(f"status {entity.status.value}")
        return True

    def _heartbeats(self, interval: float) -> None:
        while not self._stop_heartbeat.is_set():
            self.beat()
            self._stop_heartbeat.wait(interval)

    def beat(self) -> None:
        """Report this bootstrap and its script as alive (and learn of a cancel)."""
        beat = Heartbeat(host=socket.gethostname(), pid=os.getpid(), script_pid=self.script_pid,
                         started_at=psutil.Process().create_time())
        try:
            reply = self.backend.heartbeat(self.workspace, self.run_id, beat)
            if reply.status == RunStatus.CANCEL_REQUESTED:
                self.cancel.set()
        except KuzniaError as exc:
            self.say(f"heartbeat failed, will retry: {exc.message}")

    # the four steps -----------------------------------------------------------------
    def fetch_snapshot(self, run: Run) -> None:
        if self.workdir.exists():
            shutil.rmtree(self.workdir)
        self.workdir.mkdir(parents=True, mode=0o700)
        manifest = self.backend.get_snapshot_manifest(self.workspace, run.snapshot_id or "")
        for entry in manifest.entries:
            target = self.workdir / check_relative_path(entry.path, "snapshot path")
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "wb") as out:
                self.backend.download_snapshot_file(self.workspace, manifest.id, entry.path, out)
            os.chmod(target, entry.mode & 0o777)
        self.say(f"snapshot {manifest.id[:12]}: {len(manifest.entries)} files in {self.workdir}")

    def prepare_environment(self, run: Run) -> str:
        """Step (1): the interpreter of the run's environment, built (or found) in the cache."""
        spec = run.definition.environment if run.definition else None
        if spec is None:
            self.say(f"environment: the current interpreter {sys.executable}")
            return sys.executable
        cache = EnvironmentCache(Path(os.environ.get("KUZNIA_ENV_CACHE") or self.metadir / "environments"))
        started = time.monotonic()
        build_log = LogStream(self.backend, self.workspace, self.run_id, ENVIRONMENT_LOG, self.metadir / "build.log")
        try:
            prepared = cache.prepare(spec, lambda text: build_log.write(self.masker(text)))
        finally:
            build_log.close()
        how = "found in the cache" if prepared.cached else "built"
        self.say(f"environment {spec.name}: {how} in {time.monotonic() - started:.2f} s ({prepared.python})")
        return prepared.python

    def environment(self, run: Run) -> dict[str, str]:
        definition = run.definition
        assert definition is not None
        variables = dict(definition.environment.environment_variables) if definition.environment else {}
        variables.update(definition.environment_variables)  # the run's own settings win
        return run_environment(dict(os.environ), self.run_id, self.token, self.tracking_uri, self.workspace,
                               run.experiment_name, variables)

    def execute(self, run: Run, python: str, settings_grace: float, metrics_interval: float) -> Outcome:
        definition = run.definition
        assert definition is not None
        command = [python, definition.script, *(_as_argument(a) for a in definition.arguments)]
        if not self.set_status(RunStatus.RUNNING):
            return Outcome(RunStatus.CANCELED, "canceled before the script started")
        self.say(f"running {' '.join(command[1:])}")
        user_log = LogStream(self.backend, self.workspace, self.run_id, USER_LOG, self.metadir / "std_log.txt")
        tail: deque[str] = deque(maxlen=TAIL_LINES)
        process = start_script(command, self.workdir, self.environment(run))
        self.script_pid = process.pid
        self.beat()  # at once: should this bootstrap die now, the reaper must know which group to kill
        sdk_run = SdkRun._from_entity(Workspace._wrap(self.backend, self.backend.get_workspace(self.workspace)), run)
        sampler = SystemMetrics(sdk_run, metrics_interval, process.pid).start()
        pump = threading.Thread(target=_pump, args=(process, user_log, tail, self.masker), daemon=True)
        pump.start()
        limit = definition.max_run_duration_seconds
        deadline = None if limit is None else time.monotonic() + limit
        outcome: Outcome | None = None
        while process.poll() is None:
            if self.cancel.is_set():
                self.say("cancel requested: stopping the script")
                stop_script(process, settings_grace)
                outcome = Outcome(RunStatus.CANCELED, "canceled by request")
            elif deadline is not None and time.monotonic() > deadline:
                self.say(f"max_run_duration_seconds ({limit:g} s) exceeded: stopping the script")
                stop_script(process, settings_grace)
                outcome = Outcome(RunStatus.FAILED, f"the run exceeded max_run_duration_seconds ({limit:g} s) and was stopped")
            else:
                time.sleep(0.05)
        pump.join(timeout=10)
        sampler.stop()
        sdk_run.flush()
        user_log.close()
        code = process.returncode
        self.say(f"script exited with code {code}")
        if outcome is not None:
            return Outcome(outcome.status, outcome.message, code)
        if code == 0:
            return Outcome(RunStatus.COMPLETED, exit_code=0)
        trace = _last_traceback(list(tail))
        reason = trace.strip().splitlines()[-1] if trace else f"the script exited with code {code}"
        if code is not None and code < 0:
            reason = f"the script was killed by signal {-code}"
        return Outcome(RunStatus.FAILED, f"{reason} (exit code {code})", code, trace)

    def upload_results(self, sdk_run: SdkRun) -> None:
        for folder in ("outputs", "logs"):
            path = self.workdir / folder
            if path.is_dir():
                uploaded = sdk_run.upload_folder(folder, path, overwrite=True)
                self.say(f"uploaded {len(uploaded)} file(s) from ./{folder}")
        for local, name in ((self.metadir / "std_log.txt", USER_LOG), (self.metadir / "build.log", ENVIRONMENT_LOG)):
            if local.exists():
                sdk_run.upload_file(f"logs/{name}", local, overwrite=True)

    # the whole thing -------------------------------------------------------------------
    def main(self) -> int:
        heart: threading.Thread | None = None
        outcome = Outcome(RunStatus.FAILED, "the bootstrap stopped unexpectedly")
        sdk_run: SdkRun | None = None
        try:
            run = self.backend.get_run(self.workspace, self.run_id)
            settings = self.backend.get_compute_target(self.workspace, run.compute_target or "local").settings
            heart = threading.Thread(target=self._heartbeats, args=(settings.heartbeat_interval_seconds,), daemon=True)
            heart.start()
            self.say(f"run {self.run_id} on {socket.gethostname()} (pid {os.getpid()})")
            self.load_masks()
            try:
                python = self.prepare_environment(run)
            except InvalidInput as exc:
                raise _EnvironmentFailed(exc.message) from None
            self.fetch_snapshot(run)
            outcome = self.execute(run, python, settings.cancel_grace_seconds,
                                   settings.system_metrics_interval_seconds)
        except _EnvironmentFailed as exc:
            outcome = Outcome(RunStatus.FAILED, str(exc))
            self.say(str(exc))
        except KuzniaError as exc:
            outcome = Outcome(RunStatus.FAILED, f"the bootstrap failed: {exc.message}")
            self.say(outcome.message or "")
        except Exception as exc:
            outcome = Outcome(RunStatus.FAILED, f"the bootstrap failed: {exc}", traceback=traceback.format_exc())
            self.say(traceback.format_exc())
        try:
            self.set_status(RunStatus.FINALIZING)
            run = self.backend.get_run(self.workspace, self.run_id)
            sdk_run = SdkRun._from_entity(Workspace._wrap(self.backend, self.backend.get_workspace(self.workspace)), run)
            self.upload_results(sdk_run)
        except Exception as exc:
            self.say(f"finalizing failed: {exc}")
        error = None
        if outcome.status == RunStatus.FAILED:
            error = ErrorDetails(message=(outcome.message or "failed")[:5000], code="UserError",
                                 exit_code=outcome.exit_code, traceback=outcome.traceback)
        self._stop_heartbeat.set()
        # The run token dies with the run: the log goes up before the final status is set.
        self.say(f"reporting status {outcome.status.value}")
        self.log.close()
        try:
            if sdk_run is not None:
                sdk_run.upload_file(f"logs/{BOOTSTRAP_LOG}", self.metadir / "bootstrap.log", overwrite=True)
        except KuzniaError:
            pass
        self.set_status(outcome.status, error)
        shutil.rmtree(self.workdir, ignore_errors=True)
        shutil.rmtree(self.metadir, ignore_errors=True)
        with contextlib.suppress(KuzniaError):
            self.backend.dispatch_runs(self.workspace)  # a slot is free: start the next queued run
        return 0 if outcome.status == RunStatus.COMPLETED else 1


class _EnvironmentFailed(Exception):
    """The run's environment could not be built; the message is the resolver's."""


def _as_argument(value: object) -> str:
    return str(value)


def _pump(process, log: LogStream, tail: deque[str], mask: Callable[[str], str]) -> None:  # noqa: ANN001
    assert process.stdout is not None
    for raw in iter(process.stdout.readline, b""):
        line = mask(raw.decode("utf-8", errors="replace"))
        tail.append(line)
        log.write(line)


MASK = "***"
MIN_MASKED_LENGTH = 4


def secret_masker(values: list[str]) -> Callable[[str], str]:
    """Replaces every secret value (longest first) by ***; values under 4 characters are
    left alone, or ordinary words and numbers would vanish from the logs."""
    secrets = sorted({v for v in values if len(v) >= MIN_MASKED_LENGTH}, key=len, reverse=True)

    def mask(text: str) -> str:
        for secret in secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    return mask


def _last_traceback(lines: list[str]) -> str | None:
    starts = [i for i, line in enumerate(lines) if line.startswith("Traceback (most recent call last):")]
    if not starts:
        return None
    return "".join(lines[starts[-1]:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kuznia.runtime.bootstrap")
    parser.add_argument("--run-id", default=os.environ.get("KUZNIA_RUN_ID"))
    args = parser.parse_args(argv)
    if not args.run_id or "KUZNIA_WORKSPACE" not in os.environ or "KUZNIA_TRACKING_URI" not in os.environ:
        print("the bootstrap needs --run-id, KUZNIA_WORKSPACE and KUZNIA_TRACKING_URI", file=sys.stderr)
        return 2
    return Bootstrap(args.run_id).main()


if __name__ == "__main__":
    sys.exit(main())
