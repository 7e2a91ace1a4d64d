"""fast.residual against reference.residual (hand-written Jacobians vs torch.func.jacrev), and the transformer
language model: causality, the per-block Jacobian product against autograd through the whole stack, training."""

import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st
from torch.func import jacrev

from elbocheck.fast import residual as fast
from elbocheck.models import residual as lm
from elbocheck.reference import residual as reference
from elbocheck.shared.nn import init_mlp
from elbocheck.shared.residual import residual_step
from tests.strategies import seeds

placements = st.sampled_from(reference.PLACEMENTS)


def to_torch(layers):
    return [[(torch.as_tensor(W), torch.as_tensor(b)) for W, b in params] for params in layers]


def random_stack(seed: int, d: int, depth: int):
    rng = np.random.default_rng(seed)
    layers = [init_mlp([d, int(rng.integers(2, 6)), d], rng) for _ in range(depth)]
    return layers, rng.normal(size=d)


@given(seed=seeds, d=st.integers(3, 8), depth=st.integers(1, 5), placement=placements, data=st.data())
def test_hand_written_jacobian_equals_jacrev_in_float64(seed, d, depth, placement, data):
    layers, x0 = random_stack(seed, d, depth)
    start = data.draw(st.integers(0, depth), label="start")
    expected = reference.jacobian_product(layers, x0, placement, start)
    got = fast.jacobian_product(to_torch(layers), torch.as_tensor(x0), placement, start).numpy()
    assert np.max(np.abs(got - expected)) <= 1e-10 * np.max(np.abs(expected))


@given(seed=seeds, d=st.integers(3, 8), depth=st.integers(1, 5), placement=placements)
def test_jacrev_of_the_stack_is_the_ordered_product_of_layer_jacobians(seed, d, depth, placement):
    layers, x0 = random_stack(seed, d, depth)
    torch_layers, x = to_torch(layers), torch.as_tensor(x0)
    xs = fast.forward(torch_layers, x, placement)
    product = torch.eye(d, dtype=torch.float64)
    for i, params in enumerate(torch_layers):
        product = fast.layer_jacobian(params, xs[i], placement) @ product
    torch.testing.assert_close(fast.jacobian_product(torch_layers, x, placement), product, rtol=1e-12, atol=1e-13)


@given(seed=seeds, d=st.integers(3, 6), depth=st.integers(1, 4))
def test_sum_39_by_autograd_equals_the_jacobian(seed, d, depth):
    layers, x0 = random_stack(seed, d, depth)
    torch_layers, x = to_torch(layers), torch.as_tensor(x0)
    torch.testing.assert_close(fast.jacobian_sum(torch_layers, x), fast.jacobian_product(torch_layers, x, "pre"),
                               rtol=1e-12, atol=1e-13)


def test_residual_step_places_the_norm_as_named():
    x = torch.tensor([1.0, 2.0, 4.0])
    double, shift = (lambda v: 2 * v), (lambda v: v + 1)
    torch.testing.assert_close(residual_step(x, double, shift, "post"), 3 * x + 1)
    torch.testing.assert_close(residual_step(x, double, shift, "pre"), x + 2 * x + 1)
    torch.testing.assert_close(residual_step(x, double, shift, "prenorm"), x + 2 * (x + 1))
    with pytest.raises(ValueError, match="placement"):
        residual_step(x, double, shift, "sandwich")


def test_jacobian_norms_by_depth_are_the_norms_of_the_whole_stack():
    generator = torch.Generator().manual_seed(5)
    norms = lm.jacobian_norms_by_depth(4, "post", 6, 5, 2, generator)
    generator = torch.Generator().manual_seed(5)
    for draw in range(2):
        layers = lm.init_stack(4, 6, 5, generator)
        x0 = torch.randn(6, generator=generator, dtype=torch.float64)
        for depth in range(1, 5):
            jacobian = fast.jacobian_product(layers[:depth], x0, "post")
            assert float(norms[draw, depth - 1]) == pytest.approx(
                float(torch.linalg.matrix_norm(jacobian, ord=2)), rel=1e-12
            )


def small_model(placement: str, depth: int = 2, seed: int = 0, vocab: int = 11, context: int = 6):
    model = lm.TransformerLM(vocab, 8, 2, depth, context, placement)
    lm.init_parameters(model, torch.Generator().manual_seed(seed))
    return model.double()


@pytest.mark.parametrize("placement", reference.PLACEMENTS)
def test_attention_is_causal(placement):
    """The logits at position t do not depend on the tokens after t."""
    model = small_model(placement)
    x0 = torch.randn(1, 6, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    jacobian = jacrev(lambda x: model.residual_stream(x)[0, 2])(x0)  # (d, 1, T, d)
    assert torch.all(jacobian[:, 0, 3:] == 0) and torch.any(jacobian[:, 0, :3] != 0)


@pytest.mark.parametrize("placement", reference.PLACEMENTS)
def test_per_block_product_equals_autograd_through_the_transformer(placement):
    """transformer_jacobian_norms multiplies the blocks' Jacobians at the last position; causality makes that the
    full dx_L[t]/dx_0[t], which jacrev through the whole stack computes directly."""
    vocab, context, d = 13, 5, 8
    norms = lm.transformer_jacobian_norms(3, placement, vocab, torch.Generator().manual_seed(2), d_model=d,
                                            heads=2, context=context, draws=1)
    generator = torch.Generator().manual_seed(2)
    model = lm.TransformerLM(vocab, d, 2, 3, context, placement)
    lm.init_parameters(model, generator)
    tokens = torch.randint(0, vocab, (1, context), generator=generator)
    x0 = model.embed(tokens)[0].detach()
    for depth in range(1, 4):
        jacobian = jacrev(lambda v: model.residual_stream(torch.cat([x0[:-1], v[None]])[None], depth)[0, -1])(x0[-1])
        assert float(norms[0, depth - 1]) == pytest.approx(
            float(torch.linalg.matrix_norm(jacobian.detach().double(), ord=2)), rel=1e-4
        )


def test_placements_share_initial_weights_drawn_from_one_seed():
    post, pre = small_model("post", seed=3), small_model("pre", seed=3)
    post_weights = {name: value for name, value in post.named_parameters()}
    for name, value in pre.named_parameters():
        if name in post_weights:
            assert torch.equal(value, post_weights[name]), name
    assert not any("final_norm" in name for name in post_weights)


def test_training_records_the_last_blocks_gradient_norm_and_learns_a_pattern():
    """On the stream 0 1 2 3 0 1 2 3 ... the next token is determined; 60 Adam steps take the loss far below ln 5."""
    stream = torch.tensor([0, 1, 2, 3] * 100)
    curves = lm.train_language_model(stream, 5, "post", 2, 60, torch.Generator().manual_seed(0), d_model=16,
                                       heads=2, context=8, batch_size=8, learning_rate=1e-2)
    assert curves["loss"].shape == curves["last_layer_grad_norm"].shape == (60,)
    assert torch.all(torch.isfinite(curves["last_layer_grad_norm"])) and float(curves["last_layer_grad_norm"][0]) > 0
    assert float(curves["loss"][0]) == pytest.approx(np.log(5), abs=0.1)
    assert float(curves["loss"][-10:].mean()) < 0.2


def test_gradient_norm_is_the_norm_of_the_concatenated_gradients():
    model = small_model("pre")
    tokens = torch.tensor([[1, 2, 3, 4, 5, 6]])
    loss = model(tokens).square().mean()
    loss.backward()
    block = list(model.blocks[-1].parameters())
    flat = torch.cat([p.grad.reshape(-1) for p in block])
    assert float(lm.gradient_norm(block)) == pytest.approx(float(flat.norm()), rel=1e-12)


def test_token_stream_puts_the_start_symbol_before_each_sentence():
    stream = lm.token_stream([np.array([4, 5]), np.array([7])])
    assert stream.tolist() == [0, 4, 5, 0, 7]
    inputs, targets = lm.sample_windows(stream, 3, 2, torch.Generator().manual_seed(0))
    assert inputs.shape == targets.shape == (3, 2)
    windows = [(stream[i : i + 2].tolist(), stream[i + 1 : i + 3].tolist()) for i in range(3)]
    assert all(pair in windows for pair in zip(inputs.tolist(), targets.tolist()))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: lm.token_stream([]), "sentences"),
        (lambda: lm.sample_windows(torch.arange(4), 2, 4, torch.Generator()), "stream"),
        (lambda: lm.TransformerLM(5, 8, 3, 1, 4, "post"), "heads"),
        (lambda: lm.TransformerLM(5, 8, 2, 0, 4, "post"), "depth"),
        (lambda: lm.train_language_model(torch.arange(20), 20, "post", 1, 0, torch.Generator()), "steps"),
        (lambda: fast.jacobian_product([], torch.zeros(3, dtype=torch.float64), "pre", 1), "start"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.gpu
def test_cuda_training_and_jacobians_run():
    stream = torch.tensor([0, 1, 2, 3] * 50)
    curves = lm.train_language_model(stream, 4, "pre", 1, 3, torch.Generator().manual_seed(0), d_model=8, heads=2,
                                       context=4, batch_size=2, device="cuda")
    assert torch.all(torch.isfinite(curves["loss"]))
    norms = lm.jacobian_norms_by_depth(3, "post", 6, 5, 1, torch.Generator().manual_seed(0), device="cuda")
    reference_norms = lm.jacobian_norms_by_depth(3, "post", 6, 5, 1, torch.Generator().manual_seed(0))
    torch.testing.assert_close(norms, reference_norms, rtol=1e-10, atol=0)
