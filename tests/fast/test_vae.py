"""The fast VAE against the reference and against statistics it must have: autograd gradients equal the
hand-written ones weight by weight, Adam equals torch.optim.Adam, training resumes bit for bit, chunked held-out
estimates equal the reference on the same draws, and the importance-weighted bound sits between the ELBO and log
p(x) (by quadrature) in expectation."""

import io
import math

import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st

import elbocheck.fast.vae as fv
import elbocheck.models.vae as mv
from elbocheck.shared.params import tree_unflatten
from elbocheck.reference import vae as rv
from tests.reference.test_vae import exact_elbo, log_evidence_by_quadrature, quadrature_model
from tests.strategies import seeds, vae_problems


def as_torch(tree, dtype=torch.float64, device="cpu"):
    return rv.tree_map(lambda array: torch.as_tensor(array, dtype=dtype, device=device), tree)


def rounded(tree, dtype_name: str):
    return rv.tree_map(lambda array: array.astype(dtype_name).astype(np.float64), tree)


@given(vae_problems(), st.sampled_from(["float64", "float32"]))
def test_autograd_gradients_equal_the_hand_written_ones(problem, dtype_name):
    """float64: every weight's gradient within 1e-10 of its layer's largest; float32: the whole gradient within
    1e-5 of its largest entry (float32 rounding of terms that cancel in a small layer is not an error)."""
    params, x, eps, decoder, activation = rounded(problem[:3], dtype_name) + problem[3:]
    dtype = getattr(torch, dtype_name)
    loss, grads = rv.negative_elbo_gradients(params, x, eps, decoder, activation)
    fast_loss, fast_grads = fv.negative_elbo_gradients(as_torch(params, dtype), as_torch(x, dtype), as_torch(eps, dtype),
                                                       decoder, activation)
    rtol = 1e-10 if dtype_name == "float64" else 1e-5
    assert abs(float(fast_loss) - loss) <= rtol * abs(loss)
    mine = [leaf.numpy().astype(np.float64) for leaf in fv.tree_leaves(fast_grads)]
    theirs = rv.tree_leaves(grads)
    if dtype_name == "float64":
        for ours, reference in zip(mine, theirs):
            assert np.max(np.abs(ours - reference)) <= rtol * np.max(np.abs(reference)) + 1e-300
    else:
        ours, reference = np.concatenate([a.ravel() for a in mine]), np.concatenate([a.ravel() for a in theirs])
        assert np.max(np.abs(ours - reference)) <= rtol * np.max(np.abs(reference))


def test_adam_step_equals_torch_optim_adam_for_ten_steps():
    rng = np.random.default_rng(11)
    params = as_torch(rv.init_params(5, 2, [4], "bernoulli", rng))
    leaves = [leaf.clone().requires_grad_(True) for leaf in fv.tree_leaves(params)]
    optimizer = torch.optim.Adam(leaves, lr=0.01)
    state = fv.adam_init(params)
    reference_params, reference_state = rv.tree_map(lambda t: t.numpy().copy(), params), None
    reference_state = rv.adam_init(reference_params)
    for _ in range(10):
        grads = [torch.as_tensor(rng.standard_normal(leaf.shape)) for leaf in leaves]
        for leaf, grad in zip(leaves, grads):
            leaf.grad = grad.clone()
        optimizer.step()
        grad_tree = tree_unflatten(params, grads)
        params, state = fv.adam_step(params, grad_tree, state, lr=0.01)
        reference_params, reference_state = rv.adam_step(reference_params, rv.tree_map(lambda t: t.numpy(), grad_tree),
                                                         reference_state, lr=0.01)
    for torch_leaf, ours, reference in zip(leaves, fv.tree_leaves(params), rv.tree_leaves(reference_params)):
        np.testing.assert_allclose(ours.numpy(), torch_leaf.detach().numpy(), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(reference, torch_leaf.detach().numpy(), rtol=1e-12, atol=1e-14)


def two_prototype_data(count: int, seed: int) -> torch.Tensor:
    """`count` binary images of 12 pixels: one of two complementary prototypes, 5% of pixels flipped."""
    rng = np.random.default_rng(seed)
    prototypes = np.array([[1] * 6 + [0] * 6, [0] * 6 + [1] * 6], dtype=np.float32)
    images = prototypes[rng.integers(0, 2, size=count)]
    flips = rng.random(images.shape) < 0.05
    return torch.as_tensor(np.where(flips, 1 - images, images))


def saved_and_loaded(state: dict) -> dict:
    buffer = io.BytesIO()
    torch.save(state, buffer)
    return torch.load(io.BytesIO(buffer.getvalue()), weights_only=True)


@pytest.mark.parametrize("autoencoder", [False, True])
@pytest.mark.parametrize("samples", [1, 3])
def test_training_resumed_from_a_saved_state_equals_the_uninterrupted_run_bit_for_bit(autoencoder, samples):
    config = mv.TrainConfig(latent=2, hidden=(16,), samples=samples, batch=32, seed=4, autoencoder=autoencoder)
    data = two_prototype_data(100, 0)
    straight = mv.Trainer(config, 12, torch.device("cpu"))
    straight_losses = [straight.epoch(data) for _ in range(4)]
    first = mv.Trainer(config, 12, torch.device("cpu"))
    losses = [first.epoch(data) for _ in range(2)]
    resumed = mv.Trainer(config, 12, torch.device("cpu"))
    resumed.load_state_dict(saved_and_loaded(first.state_dict()))
    losses += [resumed.epoch(data) for _ in range(2)]
    assert resumed.epochs_done == 4
    assert all(torch.equal(a, b) for a, b in zip(losses, straight_losses))
    for a, b in zip(fv.tree_leaves(resumed.params), fv.tree_leaves(straight.params)):
        assert torch.equal(a, b)
    assert torch.equal(resumed.generator.get_state(), straight.generator.get_state())


def test_a_state_of_another_configuration_is_refused():
    trainer = mv.Trainer(mv.TrainConfig(latent=2, hidden=(8,)), 12, torch.device("cpu"))
    other = mv.Trainer(mv.TrainConfig(latent=3, hidden=(8,)), 12, torch.device("cpu"))
    with pytest.raises(ValueError, match="checkpoint"):
        other.load_state_dict(trainer.state_dict())


@pytest.mark.parametrize("autoencoder", [False, True])
def test_training_fits_two_prototypes(autoencoder):
    """Twelve pixels from two prototypes with 5% noise: in 20 epochs the loss falls from ~8 nats (random logits)
    to below 4 (the VAE's ideal is 12 H(0.05) + log 2 = 3.1 nats; the autoencoder's code can do better)."""
    config = mv.TrainConfig(latent=1, hidden=(16,), batch=32, lr=1e-2, seed=1, autoencoder=autoencoder)
    trainer = mv.Trainer(config, 12, torch.device("cpu"))
    data = two_prototype_data(256, 2)
    losses = [float(trainer.epoch(data)) for _ in range(20)]
    assert losses[0] > 6.0
    assert np.mean(losses[-5:]) < 4.0


def test_heldout_estimates_are_the_reference_bounds_on_the_same_draws():
    rng = np.random.default_rng(8)
    params = rv.init_params(5, 2, [4], "bernoulli", rng)
    x = (rng.random((7, 5)) < 0.5).astype(np.float64)
    generator = torch.Generator().manual_seed(3)
    replay = torch.Generator().manual_seed(3)
    elbos, iwaes = mv.heldout_estimates(as_torch(params), torch.as_tensor(x), 6, generator, chunk=3)
    eps = np.concatenate([torch.randn((len(part), 6, 2), generator=replay, dtype=torch.float64).numpy()
                          for part in (x[0:3], x[3:6], x[6:7])])
    np.testing.assert_allclose(elbos.numpy(), rv.elbo_monte_carlo(params, x, eps), rtol=1e-12)
    np.testing.assert_allclose(iwaes.numpy(), rv.iwae_bound(params, x, eps), rtol=1e-12)
    assert np.all(iwaes.numpy() >= elbos.numpy())


@pytest.mark.parametrize("latent", [1, 2])
@given(seed=seeds, decoder=st.sampled_from(["bernoulli", "gaussian"]))
def test_importance_weighted_bound_lies_between_elbo_and_log_evidence_in_expectation(latent, seed, decoder):
    """On a model integrable by quadrature: over 2000 repetitions, mean IWAE_1 is the exact ELBO, mean IWAE_K for
    K = 4, 16, 64 does not exceed log p(x), and IWAE_4K - IWAE_K on nested draws has mean >= 0 (all within 5
    standard errors); the bound at K = 64 is closer to log p(x) than the ELBO."""
    params, x = quadrature_model(seed, latent, decoder)
    log_evidence = log_evidence_by_quadrature(params, x, decoder, latent)
    elbo = exact_elbo(params, x, decoder, latent)
    repetitions = 2000
    eps = torch.randn((repetitions, 64, latent), generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    batch = torch.as_tensor(np.repeat(x, repetitions, axis=0))
    log_weights = fv.log_importance_weights(as_torch(params), batch, eps, decoder, "tanh")  # (M, 64)
    bounds = {K: (torch.logsumexp(log_weights[:, :K], dim=1) - math.log(K)).numpy() for K in (1, 4, 16, 64)}

    def standard_error(values):
        return values.std(ddof=1) / math.sqrt(values.size) + 1e-12

    assert abs(bounds[1].mean() - elbo) <= 5 * standard_error(bounds[1])
    for K in (4, 16, 64):
        assert bounds[K].mean() <= log_evidence + 5 * standard_error(bounds[K])
    for K in (1, 4, 16):
        gain = bounds[4 * K] - bounds[K]
        assert gain.mean() >= -5 * standard_error(gain)
    assert log_evidence - bounds[64].mean() <= log_evidence - elbo + 5 * standard_error(bounds[64])


def test_prior_means_and_codes_are_the_decoder_and_encoder_outputs():
    rng = np.random.default_rng(2)
    params = rv.init_params(6, 3, [5], "bernoulli", rng)
    z, x = rng.standard_normal((4, 3)), rng.random((4, 6))
    means = mv.prior_means(as_torch(params), torch.as_tensor(z))
    np.testing.assert_allclose(means.numpy(), 1 / (1 + np.exp(-rv.decode(params, z))), rtol=1e-12)
    np.testing.assert_allclose(mv.codes(as_torch(params), torch.as_tensor(x), autoencoder=False).numpy(),
                               rv.encode(params, x)[0], rtol=1e-12)


@pytest.mark.parametrize("field, value", [("latent", 0), ("hidden", (0,)), ("decoder", "poisson"), ("samples", 0),
                                          ("batch", 0), ("lr", float("nan")), ("compile", "max")])
def test_a_bad_setting_is_a_value_error_naming_it(field, value):
    with pytest.raises(ValueError, match=field):
        mv.TrainConfig(**{field: value}).validate()


@pytest.mark.gpu
def test_cuda_matches_the_cpu_in_float64_and_resumes_exactly():
    rng = np.random.default_rng(0)
    params = rv.init_params(7, 2, [5], "gaussian", rng)
    x, eps = rng.random((4, 7)), rng.standard_normal((4, 2, 2))
    loss, grads = rv.negative_elbo_gradients(params, x, eps, "gaussian")
    cuda = torch.device("cuda")
    fast_loss, fast_grads = fv.negative_elbo_gradients(as_torch(params, device=cuda), torch.as_tensor(x, device=cuda),
                                                       torch.as_tensor(eps, device=cuda), "gaussian")
    assert float(fast_loss) == pytest.approx(loss, rel=1e-10)
    for ours, reference in zip(fv.tree_leaves(fast_grads), rv.tree_leaves(grads)):
        assert np.max(np.abs(ours.cpu().numpy() - reference)) <= 1e-10 * np.max(np.abs(reference))
    config = mv.TrainConfig(latent=2, hidden=(16,), batch=32, seed=4)
    data = two_prototype_data(100, 0).to(cuda)
    straight = mv.Trainer(config, 12, cuda)
    for _ in range(3):
        straight.epoch(data)
    first = mv.Trainer(config, 12, cuda)
    first.epoch(data)
    resumed = mv.Trainer(config, 12, cuda)
    resumed.load_state_dict(saved_and_loaded(first.state_dict()))
    resumed.epoch(data)
    resumed.epoch(data)
    for a, b in zip(fv.tree_leaves(resumed.params), fv.tree_leaves(straight.params)):
        assert torch.equal(a, b)


@pytest.mark.gpu
def test_a_cuda_epoch_never_waits_on_the_host():
    """torch's sync debug mode turns every device-to-host synchronisation inside the epoch into an error."""
    cuda = torch.device("cuda")
    trainer = mv.Trainer(mv.TrainConfig(latent=2, hidden=(16,), batch=32), 12, cuda)
    data = two_prototype_data(100, 0).to(cuda)
    trainer.epoch(data)
    torch.cuda.set_sync_debug_mode("error")
    try:
        trainer.epoch(data)
    finally:
        torch.cuda.set_sync_debug_mode("default")


@pytest.mark.parametrize("decoder", ["bernoulli", "gaussian"])
def test_two_latent_parameters_have_the_reference_layout_and_bounds(decoder):
    params = fv.init_params_two_latent(6, 2, 3, (5,), decoder, torch.Generator().manual_seed(0), torch.float64)
    expected = rv.init_params_two_latent(6, 2, 3, (5,), decoder, np.random.default_rng(0))
    assert params.keys() == expected.keys()
    for name in params:
        for (W, b), (W_ref, b_ref) in zip(params[name], expected[name], strict=True):
            assert W.shape == W_ref.shape and b.shape == b_ref.shape
            bound = W.shape[1] ** -0.5
            assert float(W.abs().max()) <= bound and float(b.abs().max()) <= bound
    rng = np.random.default_rng(1)
    x = rng.random((4, 6))
    eps_y, eps_z = rng.standard_normal((4, 2, 2)), rng.standard_normal((4, 2, 3))
    as_numpy = {name: [(W.numpy(), b.numpy()) for W, b in layers] for name, layers in params.items()}
    got = fv.elbo_two_latent(params, torch.as_tensor(x), torch.as_tensor(eps_y), torch.as_tensor(eps_z), decoder)
    np.testing.assert_allclose(got.numpy(), rv.elbo_two_latent(as_numpy, x, eps_y, eps_z, decoder), rtol=1e-10)
