"""Refusing a run that cannot fit in memory before it allocates: an estimate of the bytes a run's largest arrays
need, set against the memory the device has available, so that `em --states 1000000` is one line naming
--states rather than an allocator's traceback minutes later."""

from __future__ import annotations

import os

SHARE = 0.9  # of the available memory that a run may plan to use


def available_bytes(device) -> int | None:
    """Bytes free for new allocations on `device` (a torch.device): the CUDA driver's free memory, or on the CPU
    MemAvailable of /proc/meminfo (else free pages x page size); None when unknown."""
    import torch

    device = torch.device(device)
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        return int(free)
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def readable(count: float) -> str:
    """A byte count with a binary unit: '1.5 GiB'."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if count < 1024 or unit == "PiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} PiB"


def require_memory(option: str, needed: float, device, what: str, hint: str) -> None:
    """ValueError naming `option` when `needed` bytes (what for: `what`) exceed SHARE of what `device` has
    available; `hint` says what to change. Nothing is checked when the available memory is unknown."""
    available = available_bytes(device)
    if available is None or needed <= SHARE * available:
        return
    raise ValueError(f"{option}: {what} would take about {readable(needed)}, more than the {readable(available)} "
                     f"available on {device}; {hint}")


def em_bytes(V: int, states: int, restarts: int, nnz: int, itemsize: int) -> int:
    """Bytes of EM's largest arrays for R restarts: A (R, V+1, m) and B (R, m, V), each held about four times
    (parameters, expected counts, the next parameters, a work copy), and a value per observed bigram type,
    restart and state in the E-step."""
    return itemsize * restarts * (4 * states * (2 * V + 1) + nnz * states)


def mlp_parameters(sizes: list[int]) -> int:
    """Weights and biases of dense layers of widths sizes[0] -> sizes[1] -> ..."""
    return sum(a * b + b for a, b in zip(sizes, sizes[1:]))


def vae_bytes(pixels: int, hidden: tuple[int, ...], latent: int, batch: int, models: int, itemsize: int = 4) -> int:
    """Bytes of training `models` networks of the VAE's shape (encoder pixels -> hidden -> 2 latent, decoder
    latent -> reversed hidden -> 2 pixels): parameters, gradients and Adam's two moments (4 copies), and the
    activations of a mini-batch forward and backward (about 4 per unit)."""
    encoder = mlp_parameters([pixels, *hidden, 2 * latent])
    decoder = mlp_parameters([latent, *reversed(hidden), 2 * pixels])
    activations = 4 * batch * (2 * sum(hidden) + 2 * latent + 2 * pixels)
    return itemsize * models * (4 * (encoder + decoder) + activations)
