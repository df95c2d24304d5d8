"""The machine a benchmark ran on, as every script records it under "machine".

The CPU's name and the instruction set torch's kernels use (``cpu_capability``:
"AVX2", "AVX512", ...) are recorded because the hosts these scripts run on differ
from session to session, and the convolution-bound fits run some 3x slower on an
AVX2-only CPU than on one with AVX512-BF16 (BENCHMARKS.md, "hosts").
"""

import platform
from pathlib import Path

import torch


def cpu_name():
    """The CPU's model name (Linux's ``/proc/cpuinfo``), else ``platform.processor()``."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def machine_info(**extra):
    """Platform, torch version and threads, CPU name and capability, CUDA; plus ``extra``."""
    info = {"platform": platform.platform(), "torch": torch.__version__,
            "threads": torch.get_num_threads(), "cpu": cpu_name(),
            "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "cuda": torch.cuda.is_available()}
    info.update(extra)
    return info
