"""Choosing the device and dtype that `fast` functions run on, and naming it in results: used by the commands and
the benchmark suites (`fast` functions themselves run on the device of their inputs)."""

from __future__ import annotations

import torch

DTYPES = {"float32": torch.float32, "float64": torch.float64}


def resolve_device(name: str | torch.device | None = None) -> torch.device:
    """The torch device for `name`: 'cuda' or 'cpu', or CUDA when present if `name` is None or 'auto'."""
    if isinstance(name, torch.device):
        return name
    if name is None or name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "cuda" or (isinstance(name, str) and name.startswith("cuda:")):
        if not torch.cuda.is_available():
            raise ValueError(f"device: {name!r} was requested but no CUDA device is available; use 'cpu'")
        return torch.device(name)
    raise ValueError(f"device: expected 'cpu', 'cuda' or 'auto', got {name!r}")


def resolve_dtype(name: str | torch.dtype) -> torch.dtype:
    """The torch dtype for 'float32' or 'float64'."""
    if isinstance(name, torch.dtype):
        if name not in DTYPES.values():
            raise ValueError(f"dtype: expected float32 or float64, got {name}")
        return name
    if name not in DTYPES:
        raise ValueError(f"dtype: expected 'float32' or 'float64', got {name!r}")
    return DTYPES[name]


def synchronize(device: torch.device) -> None:
    """Wait for queued kernels on `device`, so that a host clock measures them."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def device_name(device: torch.device) -> str:
    """A human-readable name of the device: the GPU's product name, or the CPU's model."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    import platform

    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    return f"CPU {model} ({_threads()})"
    except OSError:
        pass
    return f"CPU {platform.processor() or platform.machine()} ({_threads()})"


def _threads() -> str:
    count = torch.get_num_threads()
    return f"{count} thread{'s' if count != 1 else ''}"
