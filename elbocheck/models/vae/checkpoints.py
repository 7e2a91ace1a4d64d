"""Checkpoints of a VAE run: every trainer's state and the history so far in one file, written atomically after
each epoch, from which a run resumes bit for bit."""

from __future__ import annotations

from pathlib import Path

__all__ = ["CHECKPOINT", "CHECKPOINT_FORMAT", "read_checkpoint", "check_resumable", "write_checkpoint", "restore"]

CHECKPOINT = "checkpoint.pt"
CHECKPOINT_FORMAT = 2  # 2: sealed with the SHA-256 of its content (elbocheck._io.seal); 1: without, still read
CHECKPOINT_KEYS = {"format": int, "data": str, "pixels": int, "epochs_done": int, "trainers": dict, "history": dict}


def read_checkpoint(path: Path) -> dict:
    """The checkpoint at `path`; ValueError (one line naming --resume) if it is missing, not a regular file,
    unreadable, damaged (its content no longer matches the SHA-256 written with it), not one of ours, lacks a key,
    or holds a tensor that is not finite."""
    import io

    import torch

    from elbocheck._io import check_seal
    from elbocheck.data.files import read_bytes

    if not path.exists():
        raise ValueError(f"--resume: no checkpoint at '{path}'; run without --resume first")
    data = read_bytes(path, "--resume", "a checkpoint file")
    try:
        state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises many types for a damaged file
        raise ValueError(f"--resume: '{path}' is not a readable checkpoint ({type(error).__name__})") from None
    if not isinstance(state, dict) or state.get("format") not in (1, CHECKPOINT_FORMAT):
        raise ValueError(f"--resume: '{path}' is not a checkpoint of `elbocheck vae` (format {CHECKPOINT_FORMAT})")
    missing = [key for key, kind in CHECKPOINT_KEYS.items() if not isinstance(state.get(key), kind)]
    if missing:
        raise ValueError(f"--resume: '{path}' lacks {', '.join(repr(key) for key in missing)} or holds the wrong "
                         f"type there; expected a checkpoint written by `elbocheck vae`")
    if state["format"] == CHECKPOINT_FORMAT:
        check_seal(state, f"--resume: '{path}'")
    bad = [name for name, tensor in _tensors(state["trainers"]) if tensor.is_floating_point()
           and not bool(torch.isfinite(tensor).all())]
    if bad:
        raise ValueError(f"--resume: '{path}' holds NaN or infinite values (in {bad[0]}); refusing to resume from it")
    return state


def _tensors(tree, prefix: str = "trainers"):
    """(path, tensor) for every tensor in nested dicts, lists and tuples."""
    import torch

    if isinstance(tree, torch.Tensor):
        yield prefix, tree
    elif isinstance(tree, dict):
        for key, value in tree.items():
            yield from _tensors(value, f"{prefix}.{key}")
    elif isinstance(tree, (list, tuple)):
        for index, value in enumerate(tree):
            yield from _tensors(value, f"{prefix}[{index}]")


def restore(trainers: dict, state: dict) -> dict:
    """Load each trainer's state from a checkpoint read by `read_checkpoint`; the history. ValueError naming
    --resume when a trainer's state or the history is incomplete."""
    for name, trainer in trainers.items():
        saved = state["trainers"][name]
        if not isinstance(saved, dict) or len(saved.get("params", ())) != len(trainer.state_dict()["params"]):
            raise ValueError(f"--resume: the checkpoint's {name} lacks parameters; expected a checkpoint written by "
                             "`elbocheck vae`")
        try:
            trainer.load_state_dict(saved)
        except (KeyError, IndexError, TypeError, RuntimeError, AttributeError) as error:
            raise ValueError(f"--resume: the checkpoint's {name} is incomplete or damaged "
                             f"({type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''})") from None
    history = state["history"]
    if any(not isinstance(history.get(key), kind) for key, kind in
           (("epoch", list), ("train_elbo", list), ("heldout_elbo", list), ("snapshots", dict))):
        raise ValueError("--resume: the checkpoint's history is incomplete; expected a checkpoint written by "
                         "`elbocheck vae`")
    history.setdefault("autoencoder_train_loss", [])
    return history


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

    from elbocheck._io import atomic_write_bytes, seal

    state = {
        "format": CHECKPOINT_FORMAT,
        "data": data.name,
        "pixels": data.dim,
        "epochs_done": trainers["vae"].epochs_done,
        "trainers": {name: trainer.state_dict() for name, trainer in trainers.items()},
        "history": history,
    }
    buffer = io.BytesIO()
    torch.save(seal(state), buffer)
    atomic_write_bytes(path, buffer.getvalue())
