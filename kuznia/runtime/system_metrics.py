"""System metrics of the machine and of the run's processes, logged under ``system/``."""

from __future__ import annotations

import shutil
import subprocess
import threading
from typing import Any

import psutil

MB = 1024 * 1024


class SystemMetrics:
    """Samples every ``interval`` seconds into ``run.log`` until stopped."""

    def __init__(self, run: Any, interval: float, script_pid: int | None) -> None:
        self.run = run
        self.interval = interval
        self.script_pid = script_pid
        self._stop = threading.Event()
        self._has_gpu = shutil.which("nvidia-smi") is not None
        self._disk = psutil.disk_io_counters()
        self._net = psutil.net_io_counters()
        psutil.cpu_percent(None)  # the first reading is meaningless; prime it
        self._thread = threading.Thread(target=self._loop, name="system-metrics", daemon=True)

    def start(self) -> SystemMetrics:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.sample()
            except Exception:  # a failed sample must never hurt the run
                continue

    def sample(self) -> dict[str, float]:
        values: dict[str, float] = {
            "system/cpu_percent": psutil.cpu_percent(None),
            "system/memory_percent": psutil.virtual_memory().percent,
            "system/memory_used_mb": psutil.virtual_memory().used / MB,
        }
        disk, net = psutil.disk_io_counters(), psutil.net_io_counters()
        if disk and self._disk:
            values["system/disk_read_mb"] = (disk.read_bytes - self._disk.read_bytes) / MB
            values["system/disk_write_mb"] = (disk.write_bytes - self._disk.write_bytes) / MB
            self._disk = disk
        if net and self._net:
            values["system/net_sent_mb"] = (net.bytes_sent - self._net.bytes_sent) / MB
            values["system/net_recv_mb"] = (net.bytes_recv - self._net.bytes_recv) / MB
            self._net = net
        rss = self._tree_rss()
        if rss is not None:
            values["system/process_rss_mb"] = rss / MB
        if self._has_gpu:
            values.update(_gpu())
        for name, value in values.items():
            self.run.log(name, value)
        return values

    def _tree_rss(self) -> float | None:
        if not self.script_pid:
            return None
        try:
            root = psutil.Process(self.script_pid)
            return float(sum(p.memory_info().rss for p in [root, *root.children(recursive=True)]))
        except psutil.Error:
            return None


def _gpu() -> dict[str, float]:
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=utilization.gpu,memory.used", "--format=csv,noheader,nounits"],
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    values: dict[str, float] = {}
    for index, line in enumerate(out.strip().splitlines()):
        util, memory = (part.strip() for part in line.split(","))
        values[f"system/gpu{index}_utilization_percent"] = float(util)
        values[f"system/gpu{index}_memory_used_mb"] = float(memory)
    return values
