"""The variational autoencoder's decoders and the constant of its Gaussian log-density, for `reference.vae` and
`fast.vae`."""

from __future__ import annotations

import math

DECODERS = ("bernoulli", "gaussian")
LOG_2PI = math.log(2.0 * math.pi)
# e^t - 1 - t (the KL's cancelling part) by its Taylor series t^2 sum_{n<13} t^n / (n+2)! where |t| < 1/4: the
# first term left out is below 1e-20 of the sum there; expm1(t) - t beyond
SERIES_RADIUS = 0.25
SERIES_TERMS = 13


def check_decoder(decoder: str) -> str:
    """`decoder` itself if it names a decoder in DECODERS; ValueError otherwise."""
    if decoder not in DECODERS:
        raise ValueError(f"decoder: expected one of {list(DECODERS)}, got {decoder!r}")
    return decoder


def decoder_output_dim(input_dim: int, decoder: str) -> int:
    """D logits for a Bernoulli decoder, 2D (mean and logvar) for a Gaussian one; ValueError for another decoder."""
    return input_dim if check_decoder(decoder) == "bernoulli" else 2 * input_dim


def _shape(array) -> tuple:
    return tuple(array.shape)


def check_same_shape(arrays: dict, what: str) -> None:
    """ValueError naming the first argument whose shape differs from the first one's, or a 0-d first argument;
    NumPy arrays and torch tensors alike."""
    (first, reference), *others = arrays.items()
    if reference.ndim == 0:
        raise ValueError(f"{first}: expected {what}, got a scalar")
    for name, array in others:
        if _shape(array) != _shape(reference):
            raise ValueError(f"{name}: expected {what}, the shape of {first} {_shape(reference)}, "
                             f"got {_shape(array)}")


def latent_size(params: dict, encoder: str = "encoder") -> int:
    """k, the latent dimension of `params[encoder]`, whose last layer outputs [mu, logvar] (2k)."""
    return int(params[encoder][-1][0].shape[0]) // 2


def check_model_inputs(params: dict, x=None, eps=None, z=None, decoder: str | None = None,
                       encoders: tuple[str, ...] = ("encoder",), eps_names: tuple[str, ...] = ("eps",)) -> None:
    """Raise ValueError naming the argument unless the data and noise fit the networks of `params`.

    The encoders map D pixels to 2k outputs and the decoder maps the latents (k in all) to D outputs (Bernoulli
    logits) or 2D (Gaussian mean and logvar): x is (B, D) with values in [0, 1] for a Bernoulli decoder, each noise
    of `eps_names` is (B, r, k) for its encoder, z is (B, r, k). NumPy arrays and torch tensors alike.
    """
    if not isinstance(params, dict) or any(key not in params for key in (*encoders, "decoder")):
        raise ValueError(f"params: expected a dict with {[*encoders, 'decoder']} lists of (W, b) layers")
    pixels = int(params[encoders[0]][0][0].shape[1])
    latents = [latent_size(params, key) for key in encoders]
    decoder_in = int(params["decoder"][0][0].shape[1])
    if decoder_in != sum(latents):
        raise ValueError(f"params: the decoder takes {decoder_in} latents, the encoders give {sum(latents)}")
    if decoder is not None:
        wanted = decoder_output_dim(pixels, decoder)
        outputs = int(params["decoder"][-1][0].shape[0])
        if outputs != wanted:
            raise ValueError(f"decoder: a {decoder} decoder of D = {pixels} pixels has {wanted} outputs, but "
                             f"params' decoder ends in {outputs}")
    batch = None
    if x is not None:
        if x.ndim != 2 or _shape(x)[1] != pixels:
            raise ValueError(f"x: expected shape (B, D) = (B, {pixels}) for this encoder, got {_shape(x)}")
        batch = _shape(x)[0]
        if decoder == "bernoulli" and not bool(((x >= 0) & (x <= 1)).all()):
            raise ValueError("x: expected pixel values in [0, 1] for a Bernoulli decoder")
    noises = [] if eps is None else list(zip(eps_names, eps if isinstance(eps, tuple) else (eps,), latents))
    if z is not None:
        noises.append(("z", z, sum(latents)))
    for name, noise, latent in noises:
        if noise.ndim != 3 or _shape(noise)[2] != latent or (batch is not None and _shape(noise)[0] != batch):
            rows = "B" if batch is None else str(batch)
            raise ValueError(f"{name}: expected shape (B, r, k) = ({rows}, r, {latent}), got {_shape(noise)}")


TWO_ENCODERS = ("encoder_y", "encoder_z")
TWO_NOISES = ("eps_y", "eps_z")


def check_latents(params: dict, z) -> None:
    """Raise ValueError naming z unless its last axis has the decoder's input size k."""
    wanted = int(params["decoder"][0][0].shape[1])
    if z.ndim < 1 or _shape(z)[-1] != wanted:
        raise ValueError(f"z: expected latents (..., k) = (..., {wanted}) for this decoder, got {_shape(z)}")


def check_reparameterization(mu, logvar, eps, grad_z=None) -> None:
    """Raise ValueError naming the argument unless mu and logvar are (B, k) and eps (and grad_z) are (B, r, k)."""
    if mu.ndim != 2 or _shape(logvar) != _shape(mu):
        raise ValueError(f"logvar: expected the shape (B, k) of mu {_shape(mu)}, got {_shape(logvar)}")
    batch, latent = _shape(mu)
    for name, array in (("eps", eps), ("grad_z", grad_z)):
        if array is not None and (array.ndim != 3 or _shape(array)[0] != batch or _shape(array)[2] != latent):
            raise ValueError(f"{name}: expected shape (B, r, k) = ({batch}, r, {latent}), got {_shape(array)}")


def check_decoder_inputs(params: dict, x, z, decoder: str) -> None:
    """Raise ValueError naming the argument unless z is (B, r, k) for the decoder and x (B, D) for its outputs."""
    check_latents(params, z)
    if z.ndim != 3 or x.ndim != 2 or _shape(x)[0] != _shape(z)[0]:
        raise ValueError(f"z: expected shape (B, r, k) with the B of x {_shape(x)}, got {_shape(z)}")
    wanted, outputs = decoder_output_dim(_shape(x)[1], decoder), int(params["decoder"][-1][0].shape[0])
    if outputs != wanted:
        raise ValueError(f"x: a {decoder} decoder with {outputs} outputs gives data of D = "
                         f"{outputs if decoder == 'bernoulli' else outputs // 2} pixels, got shape {_shape(x)}")


def check_encoder_input(params: dict, x) -> None:
    """Raise ValueError naming x unless it is (B, D) for the encoder's input width D (a VAE's or an autoencoder's)."""
    pixels = int(params["encoder"][0][0].shape[1])
    if x.ndim != 2 or _shape(x)[1] != pixels:
        raise ValueError(f"x: expected shape (B, D) = (B, {pixels}) for this encoder, got {_shape(x)}")


def check_autoencoder_inputs(params: dict, x, decoder: str) -> None:
    """Raise ValueError naming the argument unless `params` is a deterministic autoencoder (an encoder from D
    pixels to a code of k, a decoder from k to the `decoder`'s outputs for D pixels) and x is a non-empty (B, D)
    batch, with values in [0, 1] for a Bernoulli decoder."""
    if not isinstance(params, dict) or any(key not in params for key in ("encoder", "decoder")):
        raise ValueError("params: expected a dict with 'encoder' and 'decoder' lists of (W, b) layers")
    check_encoder_input(params, x)
    if _shape(x)[0] == 0:
        raise ValueError("x: expected at least one datum, got an empty batch")
    code, decoder_in = int(params["encoder"][-1][0].shape[0]), int(params["decoder"][0][0].shape[1])
    if code != decoder_in:
        raise ValueError(f"params: the encoder gives a code of {code}, the decoder takes {decoder_in}")
    wanted, outputs = decoder_output_dim(_shape(x)[1], decoder), int(params["decoder"][-1][0].shape[0])
    if outputs != wanted:
        raise ValueError(f"decoder: a {decoder} decoder of D = {_shape(x)[1]} pixels has {wanted} outputs, but "
                         f"params' decoder ends in {outputs}")
    if decoder == "bernoulli" and not bool(((x >= 0) & (x <= 1)).all()):
        raise ValueError("x: expected pixel values in [0, 1] for a Bernoulli decoder")
