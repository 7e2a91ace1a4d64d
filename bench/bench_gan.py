"""Time of one simultaneous GAN step (seed 003 (34)-(35): both gradients at the same point, ascent for D, descent
for G): the hand-written reference (NumPy float64, one example at a time), fast (autograd on the (W, b) lists,
float32) and the peer a PyTorch user would write (torch.nn.Sequential modules, BCEWithLogitsLoss, float32).

The quality figure is the largest relative error of one step's new weights against the float64 reference from the
same weights, data and noise, so a step that is quick but wrong would show. The peer's timed calls continue from its
last step (the cost of a step does not depend on the weights); its quality figure comes from one fresh step.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch

from elbocheck.bench.prepared import GROUPS, Prepared
from elbocheck.fast import gan as fast
from elbocheck.reference import gan as reference
from elbocheck.shared.nn import init_mlp

ALGORITHM = "gan"
PEER = "torch.nn.Sequential + BCEWithLogitsLoss"
QUALITY = "max relative error of the new weights vs float64 reference"
HIDDEN = "relu"
RATE = 0.05
CASES = [
    # (batch, width, hidden layers, with the reference)
    pytest.param(64, 32, 2, True, marks=pytest.mark.quick, id="B=64-w=32-L=2"),
    pytest.param(256, 128, 2, True, marks=pytest.mark.quick, id="B=256-w=128-L=2"),
    pytest.param(1024, 256, 3, True, id="B=1024-w=256-L=3"),
    pytest.param(8192, 512, 3, False, id="B=8192-w=512-L=3"),
]


@functools.lru_cache(maxsize=2)
def problem(batch: int, width: int, layers: int):
    """Networks 2 -> width^layers -> 1 and 2 -> width^layers -> 2, real points and noise, from seed 0."""
    rng = np.random.default_rng(0)
    params_d = init_mlp([2] + [width] * layers + [1], rng)
    params_g = init_mlp([2] + [width] * layers + [2], rng)
    return params_d, params_g, rng.normal(size=(batch, 2)), rng.normal(size=(batch, 2))


@functools.lru_cache(maxsize=2)
def float64_step(batch: int, width: int, layers: int, with_reference: bool):
    """The new weights in float64: the reference's where it runs, else fast in float64 on the CPU (which the tests
    hold to the reference at rtol 1e-10)."""
    params_d, params_g, x, noise = problem(batch, width, layers)
    if with_reference:
        return reference.gan_step(params_d, params_g, x, noise, RATE, HIDDEN, HIDDEN)

    def convert(params):
        return [(torch.from_numpy(W), torch.from_numpy(b)) for W, b in params]

    new_d, new_g = fast.gan_step(convert(params_d), convert(params_g), torch.from_numpy(x), torch.from_numpy(noise),
                                 RATE, HIDDEN, HIDDEN)
    return [(W.numpy(), b.numpy()) for W, b in new_d], [(W.numpy(), b.numpy()) for W, b in new_g]


def flops(batch: int, width: int, layers: int) -> float:
    """About 6 flops per weight and example (forward, two backward products), over D on real and fake and G."""
    weights_d = 2 * width + (layers - 1) * width * width + width
    weights_g = 2 * width + (layers - 1) * width * width + 2 * width
    return 6.0 * batch * (2 * weights_d + weights_g)


def relative_error(new_layers, expected_layers) -> float:
    worst = 0.0
    for layer, expected in zip(new_layers, expected_layers):
        for value, target in zip(layer, expected):
            value = value.detach().double().cpu().numpy() if isinstance(value, torch.Tensor) else value
            worst = max(worst, float(np.abs(value - target).max() / np.abs(target).max()))
    return worst


def sequential(params, device) -> torch.nn.Sequential:
    """The same network as torch.nn modules, float32 on `device`."""
    modules = []
    for index, (W, b) in enumerate(params):
        linear = torch.nn.Linear(W.shape[1], W.shape[0])
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(W))
            linear.bias.copy_(torch.from_numpy(b))
        modules.append(linear)
        if index < len(params) - 1:
            modules.append(torch.nn.ReLU())
    return torch.nn.Sequential(*modules).to(device)


def peer_step(D: torch.nn.Sequential, G: torch.nn.Sequential, x, noise):
    """-L = BCE(D(x), 1) + BCE(D(G(z)), 0); D takes a step down -L (ascent (34)), G a step up -L (descent (35))."""
    bce = torch.nn.BCEWithLogitsLoss()
    real_logits, fake_logits = D(x), D(G(noise))
    negative_L = bce(real_logits, torch.ones_like(real_logits)) + bce(fake_logits, torch.zeros_like(fake_logits))
    params_d, params_g = list(D.parameters()), list(G.parameters())
    grads = torch.autograd.grad(negative_L, params_d + params_g)
    with torch.no_grad():
        for p, g in zip(params_d, grads[: len(params_d)]):
            p.sub_(RATE * g)
        for p, g in zip(params_g, grads[len(params_d):]):
            p.add_(RATE * g)


@pytest.mark.parametrize("batch, width, layers, with_reference", CASES)
@pytest.mark.parametrize("impls", GROUPS)
def test_gan_step(measure, device, device_label, sync, impls, batch, width, layers, with_reference):
    if impls == ("reference",) and not with_reference:
        pytest.skip("the literal reference back-propagates one example at a time: small cases only")
    expected = float64_step(batch, width, layers, with_reference)
    measure({impl: prepare(impl, batch, width, layers, expected, device, device_label, sync) for impl in impls})


def prepare(impl, batch, width, layers, expected, device, device_label, sync) -> Prepared:
    """One implementation's GAN step, its extra_info, and the error of one step's new weights against float64."""
    params_d, params_g, x, noise = problem(batch, width, layers)
    info = {"algorithm": ALGORITHM, "case": f"B={batch} width={width} hidden layers={layers}", "size": float(batch),
            "impl": impl, "quality_name": QUALITY, "flops": flops(batch, width, layers)}
    result = {}
    if impl == "reference":
        def step():
            result["new"] = reference.gan_step(params_d, params_g, x, noise, RATE, HIDDEN, HIDDEN)

        info["device"] = "CPU (NumPy float64)"
        rounds = 3
    elif impl == "fast":
        def convert(params):
            return [(torch.tensor(W, dtype=torch.float32, device=device),
                     torch.tensor(b, dtype=torch.float32, device=device)) for W, b in params]

        on_device = (convert(params_d), convert(params_g), torch.tensor(x, dtype=torch.float32, device=device),
                     torch.tensor(noise, dtype=torch.float32, device=device))

        def step():
            result["new"] = fast.gan_step(*on_device, RATE, HIDDEN, HIDDEN)
            sync()

        info["device"] = f"{device_label} (torch float32)"
        rounds = 10
    else:
        x_device = torch.tensor(x, dtype=torch.float32, device=device)
        noise_device = torch.tensor(noise, dtype=torch.float32, device=device)
        D, G = sequential(params_d, device), sequential(params_g, device)

        def step():
            peer_step(D, G, x_device, noise_device)
            sync()

        info["device"] = f"{device_label} (torch float32)"
        info["peer"] = PEER
        rounds = 10

    def quality() -> float:
        if impl == "peer":
            fresh_D, fresh_G = sequential(params_d, device), sequential(params_g, device)
            peer_step(fresh_D, fresh_G, x_device, noise_device)
            new = tuple([(layer.weight, layer.bias) for layer in module if isinstance(layer, torch.nn.Linear)]
                        for module in (fresh_D, fresh_G))
        else:
            new = result["new"]
        return max(relative_error(new[0], expected[0]), relative_error(new[1], expected[1]))

    return Prepared(step, info, rounds=rounds, on_device=impl != "reference", quality=quality)
