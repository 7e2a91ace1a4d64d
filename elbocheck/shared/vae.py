"""The variational autoencoder's decoders and the constant of its Gaussian log-density, for `reference.vae` and
`fast.vae`."""

from __future__ import annotations

import math

DECODERS = ("bernoulli", "gaussian")
LOG_2PI = math.log(2.0 * math.pi)


def check_decoder(decoder: str) -> str:
    """`decoder` itself if it names a decoder in DECODERS; ValueError otherwise."""
    if decoder not in DECODERS:
        raise ValueError(f"decoder: expected one of {list(DECODERS)}, got {decoder!r}")
    return decoder


def decoder_output_dim(input_dim: int, decoder: str) -> int:
    """D logits for a Bernoulli decoder, 2D (mean and logvar) for a Gaussian one; ValueError for another decoder."""
    return input_dim if check_decoder(decoder) == "bernoulli" else 2 * input_dim
