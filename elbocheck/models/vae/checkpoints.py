"""Checkpoints of a VAE run: every trainer's state and the history so far in one file, written atomically after
each epoch, from which a run resumes bit for bit."""

from __future__ import annotations

from pathlib import Path

__all__ = ["CHECKPOINT", "CHECKPOINT_FORMAT", "read_checkpoint", "check_resumable", "write_checkpoint"]

CHECKPOINT = "checkpoint.pt"
CHECKPOINT_FORMAT = 1


def read_checkpoint(path: Path) -> dict:
    """The checkpoint at `path`; ValueError if it is missing, unreadable or not one of ours."""
    import io

    import torch

    if not path.is_file():
        raise ValueError(f"--resume: no checkpoint at '{path}'; run without --resume first")
    try:
        state = torch.load(io.BytesIO(path.read_bytes()), map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises many types for a damaged file
        raise ValueError(f"--resume: '{path}' is not a readable checkpoint ({type(error).__name__})") from None
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"--resume: '{path}' is not a checkpoint of `elbocheck vae` (format {CHECKPOINT_FORMAT})")
    return state


def check_resumable(state: dict, data, epochs: int) -> None:
    """ValueError if the checkpoint was trained on other data or has already passed --epochs."""
    if state["data"] != data.name or state["pixels"] != data.dim:
        raise ValueError(f"--resume: the checkpoint was trained on {state['data']} ({state['pixels']} pixels), not {data.name}")
    if state["epochs_done"] > epochs:
        raise ValueError(f"--epochs: the checkpoint has done {state['epochs_done']} epochs, more than --epochs {epochs}")


def write_checkpoint(path: Path, trainers: dict, history: dict, data) -> None:
    """Every trainer's state and the history so far, to `path` atomically."""
    import io

    import torch

    from elbocheck._io import atomic_write_bytes

    buffer = io.BytesIO()
    torch.save({
        "format": CHECKPOINT_FORMAT,
        "data": data.name,
        "pixels": data.dim,
        "epochs_done": trainers["vae"].epochs_done,
        "trainers": {name: trainer.state_dict() for name, trainer in trainers.items()},
        "history": history,
    }, buffer)
    atomic_write_bytes(path, buffer.getvalue())
