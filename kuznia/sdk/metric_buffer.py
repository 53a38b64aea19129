"""Batching of ``run.log`` calls: the caller appends, a background thread sends.

Guarantees: a point accepted by ``log`` before ``flush()``, ``complete()``,
leaving a ``with`` block or a normal interpreter exit is sent. A failed send is
retried with backoff; when it still fails the points go back to the front of
the queue and the error is reported on stderr and raised by the next
``flush()``. A rejected batch (bad input, unknown run) is not retried; its error
is raised by the next ``flush()`` too.
"""

from __future__ import annotations

import atexit
import sys
import threading
import time
import weakref
from typing import Any

from kuznia.entities.common import check_key
from kuznia.entities.metrics import MAX_BATCH_POINTS, MetricBatch, MetricSeries
from kuznia.errors import ConnectionFailed, InvalidInput, KuzniaError, ServiceUnavailable

FLUSH_INTERVAL_SECONDS = 1.0
FLUSH_AT_POINTS = 50_000
BACKPRESSURE_AT_POINTS = 2_000_000
RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0, 4.0)
_RETRYABLE = (ConnectionFailed, ServiceUnavailable)
_INT64 = 2**63


def coerce_value(name: str, value: Any) -> float:
    """A metric value as float: numbers, bools and numpy/torch scalars; text is refused."""
    if isinstance(value, (str, bytes)):
        raise InvalidInput(f"metric {name!r}: {value!r} is text; metrics are numbers (use run.tag for text)")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InvalidInput(
            f"metric {name!r}: {type(value).__name__} is not a number; log a number, or use log_table"
        ) from None


def coerce_step(name: str, step: Any) -> int:
    if isinstance(step, bool) or not hasattr(step, "__index__"):
        raise InvalidInput(f"metric {name!r}: step must be an integer, got {step!r}")
    step = int(step.__index__())
    if not -_INT64 <= step < _INT64:
        raise InvalidInput(f"metric {name!r}: step {step} is out of range")
    return step


class MetricBuffer:
    """Pending points of one run. ``add`` is the hot path: it only appends."""

    def __init__(self, send_batch, label: str) -> None:  # noqa: ANN001
        self._send_batch = send_batch  # callable(MetricBatch) -> int
        self.label = label
        self._pending: list[tuple[str, float, int | None, float]] = []
        self._lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._names: set[str] = set()
        self._error: KuzniaError | None = None
        self._error_kept = False  # True: the failed points were kept and may still go through
        _SENDER.register(self)

    def add(self, name: str, value: Any, step: Any = None) -> None:
        if name not in self._names:
            check_key("metric name", name)
            self._names.add(name)
        kind = type(value)
        if kind is not float and kind is not int:
            value = coerce_value(name, value)
        if step is not None and type(step) is not int:
            step = coerce_step(name, step)
        with self._lock:
            self._pending.append((name, value, step, time.time()))
            size = len(self._pending)
        if size >= FLUSH_AT_POINTS:
            if size >= BACKPRESSURE_AT_POINTS:
                self.flush()  # the sender cannot keep up: slow the caller down instead of growing
            else:
                _SENDER.wake()

    @property
    def pending_count(self) -> int:
        return len(self._pending)

    def _take(self) -> list[tuple[str, float, int | None, float]]:
        with self._lock:
            taken, self._pending = self._pending, []
        return taken

    def _give_back(self, points: list[tuple[str, float, int | None, float]]) -> None:
        with self._lock:
            self._pending[:0] = points

    def send_pending(self, retries: tuple[float, ...] = RETRY_DELAYS) -> None:
        """Send everything pending now (in order); on failure keep or drop it as described above."""
        with self._send_lock:
            points = self._take()
            for start in range(0, len(points), MAX_BATCH_POINTS):
                part = points[start : start + MAX_BATCH_POINTS]
                try:
                    self._send_with_retries(part, retries)
                except _RETRYABLE as exc:
                    self._give_back(points[start:])
                    self._report(exc, keep=True)
                    return
                except KuzniaError as exc:
                    self._report(exc, keep=False, dropped=len(part))
            if self._error is not None and self._error_kept:
                self._error = None  # the kept points went through after all: nothing was lost

    def _send_with_retries(self, points: list[tuple[str, float, int | None, float]], retries: tuple[float, ...]) -> None:
        batch = _to_batch(points)
        for delay in (*retries, None):
            try:
                self._send_batch(batch)
                return
            except _RETRYABLE:
                if delay is None:
                    raise
                time.sleep(delay)

    def _report(self, exc: KuzniaError, keep: bool, dropped: int = 0) -> None:
        if self._error is None or self._error_kept or not keep:
            self._error, self._error_kept = exc, keep  # a loss is never overwritten by a mere delay
        what = "kept for the next try" if keep else f"{dropped} points dropped"
        print(f"kuznia: sending metrics of {self.label} failed ({what}): {exc.message}", file=sys.stderr)

    def flush(self) -> None:
        """Send all pending points; raise the last send error, if any, once."""
        self.send_pending()
        if self._error is not None:
            error, self._error = self._error, None
            raise error


def _to_batch(points: list[tuple[str, float, int | None, float]]) -> MetricBatch:
    groups: dict[str, tuple[list[float], list[int | None], list[float]]] = {}
    for name, value, step, stamp in points:
        group = groups.get(name)
        if group is None:
            group = groups[name] = ([], [], [])
        group[0].append(value)
        group[1].append(step)
        group[2].append(stamp)
    series = []
    for name, (values, steps, stamps) in groups.items():
        has_steps = any(s is not None for s in steps)
        series.append(
            MetricSeries.model_construct(
                name=name, values=values, steps=steps if has_steps else None, timestamps=stamps
            )
        )
    return MetricBatch.model_construct(series=series)


class _Sender:
    """One daemon thread per process that sends every buffer's points in the background."""

    def __init__(self) -> None:
        self._buffers: weakref.WeakSet[MetricBuffer] = weakref.WeakSet()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def register(self, buffer: MetricBuffer) -> None:
        with self._lock:
            self._buffers.add(buffer)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="kuznia-metrics", daemon=True)
                self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def _loop(self) -> None:
        while True:
            self._wake.wait(FLUSH_INTERVAL_SECONDS)
            self._wake.clear()
            self.send_all(retries=RETRY_DELAYS)

    def send_all(self, retries: tuple[float, ...]) -> None:
        with self._lock:
            buffers = list(self._buffers)
        for buffer in buffers:
            if buffer.pending_count:
                try:
                    buffer.send_pending(retries)
                except Exception as exc:  # never let the sender thread die
                    print(f"kuznia: metrics sender error: {exc}", file=sys.stderr)

    def flush_at_exit(self) -> None:
        with self._lock:
            buffers = list(self._buffers)
        for buffer in buffers:
            if buffer.pending_count:
                buffer.send_pending(retries=RETRY_DELAYS[:3])


_SENDER = _Sender()
atexit.register(_SENDER.flush_at_exit)
