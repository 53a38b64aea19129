"""How scalar points are packed into chunk rows, and how a long history is thinned.

Each array of a chunk is stored with a one-byte codec tag: values raw float64
(``f``); steps and timestamps (whole microseconds) as a range (``r``: start,
stride, count) when evenly spaced, else zlib'd deltas (``d``). A chunk also
keeps, per block of ``BLOCK`` points, where its minimum and its maximum are
(``a``): a downsampled read of a long, step-ordered series reads those instead
of every point — about 1/100 of the bytes.
"""

from __future__ import annotations

import zlib

import numpy as np

_STEP = np.dtype("<i8")
_FLOAT = np.dtype("<f8")
BLOCK = 256
_AGGREGATES = b"a"


_RAW_F8, _DELTA_I8_ZLIB, _RANGE_I8 = b"f", b"d", b"r"


def encode_floats(values: np.ndarray) -> bytes:
    return _RAW_F8 + values.astype(_FLOAT, copy=False).tobytes()


def encode_ints(values: np.ndarray) -> bytes:
    """Delta-encoded, then zlib: consecutive steps or close timestamps shrink to almost nothing."""
    values = values.astype(_STEP, copy=False)
    if len(values) > 1:
        stride = values[1] - values[0]
        if np.array_equal(values, values[0] + stride * np.arange(len(values), dtype=_STEP)):
            # evenly spaced (steps 0, 1, 2, …): three numbers say it all
            return _RANGE_I8 + np.array([values[0], stride, len(values)], dtype=_STEP).tobytes()
    deltas = np.diff(values, prepend=np.int64(0))
    return _DELTA_I8_ZLIB + zlib.compress(deltas.tobytes(), 1)


def decode(blob: bytes) -> np.ndarray:
    tag, body = blob[:1], blob[1:]
    if tag == _RAW_F8:
        return np.frombuffer(body, dtype=_FLOAT)
    if tag == _RANGE_I8:
        start, stride, count = np.frombuffer(body, dtype=_STEP)
        return start + stride * np.arange(count, dtype=_STEP)
    if tag == _DELTA_I8_ZLIB:
        return np.cumsum(np.frombuffer(zlib.decompress(body), dtype=_STEP))
    raise ValueError(f"unknown metric chunk codec {tag!r}")


def micros(stamps: np.ndarray) -> np.ndarray:
    return np.rint(stamps * 1e6).astype(_STEP)


def encode_aggregates(steps: np.ndarray, values: np.ndarray, stamps: np.ndarray) -> bytes:
    """Per block of BLOCK points: step, value and timestamp of its minimum and of its maximum.

    Rows are (min step, min value, min time, max step, max value, max time, count);
    an all-NaN block has NaN values and is skipped when read.
    """
    n = len(values)
    blocks = -(-n // BLOCK)
    padded = blocks * BLOCK
    low = np.full(padded, np.inf)
    high = np.full(padded, -np.inf)
    nan = np.isnan(values)
    low[:n] = np.where(nan, np.inf, values)
    high[:n] = np.where(nan, -np.inf, values)
    starts = np.arange(blocks) * BLOCK
    at_min = np.minimum(starts + low.reshape(blocks, BLOCK).argmin(axis=1), n - 1)
    at_max = np.minimum(starts + high.reshape(blocks, BLOCK).argmax(axis=1), n - 1)
    counts = np.minimum(BLOCK, n - starts)
    empty = ~np.isfinite(low.reshape(blocks, BLOCK).min(axis=1)) & ~np.isfinite(high.reshape(blocks, BLOCK).max(axis=1))
    table = np.column_stack([
        steps[at_min], np.where(empty, np.nan, values[at_min]), stamps[at_min],
        steps[at_max], np.where(empty, np.nan, values[at_max]), stamps[at_max], counts,
    ]).astype(_FLOAT)
    return _AGGREGATES + zlib.compress(table.tobytes(), 1)


def decode_aggregates(blob: bytes) -> np.ndarray:
    if blob[:1] != _AGGREGATES:
        raise ValueError(f"unknown aggregate codec {blob[:1]!r}")
    return np.frombuffer(zlib.decompress(blob[1:]), dtype=_FLOAT).reshape(-1, 7)


def downsample_aggregates(table: np.ndarray, max_points: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Steps, values and timestamps keeping the minimum and maximum of each bucket of
    consecutive blocks; at most ``max_points`` points, in step order."""
    blocks = len(table)
    buckets = max(1, max_points // 2)
    size = -(-blocks // buckets)
    rows = -(-blocks // size)
    low = np.full(rows * size, np.inf)
    high = np.full(rows * size, -np.inf)
    low[:blocks] = np.where(np.isnan(table[:, 1]), np.inf, table[:, 1])
    high[:blocks] = np.where(np.isnan(table[:, 4]), -np.inf, table[:, 4])
    starts = np.arange(rows) * size
    at_min = np.minimum(starts + low.reshape(rows, size).argmin(axis=1), blocks - 1)
    at_max = np.minimum(starts + high.reshape(rows, size).argmax(axis=1), blocks - 1)
    keep = np.isfinite(low[at_min]) | np.isfinite(high[at_max])  # a bucket of only NaN blocks adds nothing
    points = np.concatenate([table[at_min[keep]][:, 0:3], table[at_max[keep]][:, 3:6]])
    points = points[~np.isnan(points[:, 1])]
    points = np.unique(points, axis=0)  # sorted by step, then value; duplicates (min is max) gone
    return points[:, 0].astype(_STEP), points[:, 1], points[:, 2] / 1e6


def downsample_indices(values: np.ndarray, max_points: int) -> np.ndarray:
    """Indices keeping each bucket's minimum and maximum; at most ``max_points`` of them.

    Buckets are consecutive runs of points; views, not copies, unless there are NaNs.
    """
    n = len(values)
    buckets = max(1, max_points // 2)
    size = -(-n // buckets)  # ceil
    full = n // size
    low_source = high_source = values
    if np.isnan(values).any():  # a NaN would win every argmin/argmax
        low_source = np.where(np.isnan(values), np.inf, values)
        high_source = np.where(np.isnan(values), -np.inf, values)
    starts = np.arange(full) * size
    picked = [
        starts + low_source[: full * size].reshape(full, size).argmin(axis=1),
        starts + high_source[: full * size].reshape(full, size).argmax(axis=1),
    ]
    if full * size < n:  # the last, shorter bucket
        base = full * size
        picked.append(np.array([base + int(low_source[base:].argmin()), base + int(high_source[base:].argmax())]))
    return np.unique(np.concatenate(picked))


