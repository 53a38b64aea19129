"""Logging and reading metrics of a run (mixed into ``Run``)."""

from __future__ import annotations

import io
import re
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kuznia.entities.common import check_key
from kuznia.entities.metrics import (
    MetricHistory,
    MetricHistoryQuery,
    MetricKind,
    MetricRecordCreate,
)
from kuznia.errors import InvalidInput
from kuznia.sdk.metric_buffer import MetricBuffer, coerce_value

if TYPE_CHECKING:
    from kuznia.backends.base import Backend

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class RunMetricsMixin:
    id: str
    _backend: Backend
    _workspace_name: str
    _buffer: MetricBuffer | None

    def _metric_buffer(self) -> MetricBuffer:
        if self._buffer is None:
            backend, ws, run_id = self._backend, self._workspace_name, self.id
            self._buffer = MetricBuffer(lambda batch: backend.log_metrics(ws, run_id, batch), f"run {run_id}")
        return self._buffer

    def log(self, name: str, value: Any, description: str = "", step: int | None = None) -> None:
        """Log one value of a scalar metric. Returns at once; points are sent in batches.

        ``step`` defaults to the next step of that metric. Numbers, bools and
        numpy/torch scalars are accepted; NaN and ±inf are kept as they are.
        """
        buffer = self._buffer or self._metric_buffer()
        buffer.add(name, value, step)

    def log_list(self, name: str, value: list[Any], description: str = "") -> None:
        """Log a list of values as consecutive steps of one metric."""
        if not isinstance(value, (list, tuple)) and not hasattr(value, "tolist"):
            raise InvalidInput(f"metric {name!r}: log_list takes a list of numbers")
        buffer = self._buffer or self._metric_buffer()
        for item in list(value):
            buffer.add(name, coerce_value(name, item))

    def log_row(self, name: str, description: str | None = None, **kwargs: Any) -> None:
        """Append a row (column=value keywords) to a table metric."""
        self._log_record(name, MetricKind.ROW, dict(kwargs))

    def log_table(self, name: str, value: dict[str, list[Any]], description: str = "") -> None:
        """Log a table as a dict of equally long columns."""
        if not isinstance(value, dict):
            raise InvalidInput(f"metric {name!r}: log_table takes a dict of column name -> list of values")
        columns = {str(k): list(v.tolist() if hasattr(v, "tolist") else v) for k, v in value.items()}
        self._log_record(name, MetricKind.TABLE, columns)

    def log_image(self, name: str, path: str | Path | None = None, plot: Any = None, description: str = "") -> None:
        """Log an image: a file (``path``) or a matplotlib figure (``plot``), stored with the run's files."""
        check_key("metric name", name)
        if (path is None) == (plot is None):
            raise InvalidInput(f"image {name!r}: give exactly one of path or plot")
        safe = _UNSAFE.sub("_", name).strip("._") or "image"
        if plot is not None:
            figure = getattr(plot, "figure", plot)
            if not hasattr(figure, "savefig"):
                raise InvalidInput(f"image {name!r}: plot must be a matplotlib figure or axes")
            data = io.BytesIO()
            figure.savefig(data, format="png")
            data.seek(0)
            stored = f"images/{safe}_{uuid.uuid4().hex[:8]}.png"
            self._backend.upload_file(self._workspace_name, self.id, stored, data)
        else:
            source = Path(path)  # type: ignore[arg-type]
            if not source.is_file():
                raise InvalidInput(f"image {name!r}: {source} is not a file")
            stored = f"images/{safe}_{uuid.uuid4().hex[:8]}{source.suffix.lower()}"
            with open(source, "rb") as handle:
                self._backend.upload_file(self._workspace_name, self.id, stored, handle)
        self._log_record(name, MetricKind.IMAGE, {"path": stored})

    def _log_record(self, name: str, kind: MetricKind, value: dict[str, Any]) -> None:
        check_key("metric name", name)
        self._backend.log_record(
            self._workspace_name, self.id, MetricRecordCreate(name=name, kind=kind, value=value)
        )

    def flush(self) -> None:
        """Send every pending metric point now. Raises the error of a failed earlier send."""
        if self._buffer is not None:
            self._buffer.flush()

    def get_metrics(self, name: str | None = None, recursive: bool = False) -> dict[str, Any]:
        """Metrics as Azure ML v1 shapes them: one value → the value, many → a list,
        tables → dict of columns, images → the stored file path.

        With ``recursive``, returns ``{run_id: metrics}`` for this run and its descendants.
        """
        if recursive:
            runs = [self, *self.get_children(recursive=True)]  # type: ignore[attr-defined]
            return {run.id: run.get_metrics(name=name) for run in runs}
        self.flush()
        summaries = self._backend.get_metric_summaries(self._workspace_name, self.id)
        result: dict[str, Any] = {}
        for summary in summaries:
            if name is not None and summary.name != name:
                continue
            if summary.kind == MetricKind.SCALAR:
                history = self.get_metric_history(summary.name)
                result[summary.name] = history.values[0] if len(history.values) == 1 else history.values
        records = [
            r for r in self._backend.get_metric_records(self._workspace_name, self.id, name)
        ]
        grouped: dict[str, list[Any]] = {}
        for record in records:
            grouped.setdefault(record.name, []).append(record)
        for metric, items in grouped.items():
            kind = items[0].kind
            if kind == MetricKind.TABLE:
                result[metric] = items[-1].value
            elif kind == MetricKind.ROW:
                columns: dict[str, list[Any]] = {}
                for i, item in enumerate(items):
                    for column in item.value:
                        columns.setdefault(column, [None] * i)
                    for column in columns:
                        columns[column].append(item.value.get(column))
                result[metric] = columns
            else:
                paths = [item.value["path"] for item in items]
                result[metric] = paths[0] if len(paths) == 1 else paths
        return dict(sorted(result.items()))

    def get_metric_history(
        self,
        name: str,
        start_step: int | None = None,
        end_step: int | None = None,
        max_points: int | None = None,
    ) -> MetricHistory:
        """Points of one scalar metric in step order; ``max_points`` downsamples on the
        server, keeping each bucket's min and max."""
        self.flush()
        return self._backend.get_metric_history(
            self._workspace_name,
            self.id,
            MetricHistoryQuery(name=name, start_step=start_step, end_step=end_step, max_points=max_points),
        )
