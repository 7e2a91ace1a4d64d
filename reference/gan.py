"""GAN back-propagation by hand, seed 003 part 2, equations (23)-(35), in NumPy float64.

The discriminator is D(x) = sigmoid(z_d^{L_d}(x)) with z_d^l = g_d^l(W_d^l z_d^{l-1} + b_d^l), z_d^0 = x, and the
identity on the last layer, so that z_d^{L_d} is the logit of (25). The generator is G(noise) = MLP_g(noise) with
an identity output layer. Parameters are lists of (W, b) in the layout of `reference._nn` (W of shape (out, in)).
The objective over a batch of real points x_i and noise vectors z_j is

    L = mean_i log D(x_i) + mean_j log(1 - D(G(z_j))),

which the discriminator ascends (34) and the generator descends (35). The document writes no biases; here every
layer has one, and its gradient is the layer's delta summed over the batch.
"""

from __future__ import annotations

import numpy as np

from elbocheck.reference._nn import activation, mlp_backward, mlp_forward
from elbocheck.shared.gan import check_gan_inputs, check_learning_rate


def _log_sigmoid(logits):
    """log sigmoid(z) = -log(1 + exp(-z)), without overflow for large |z|."""
    return -np.logaddexp(0.0, -logits)


def _sigmoid_of(logits):
    """sigmoid(z) = exp(log sigmoid(z)), without overflow for large |z|."""
    return np.exp(_log_sigmoid(logits))


def discriminator_logits(params_d, x: np.ndarray, hidden: str = "relu"):
    """z_d^{L_d}(x) of (24)-(25) for each row of x; returns (logits (B,), cache of `reference._nn.mlp_forward`)."""
    out, cache = mlp_forward(params_d, x, hidden=hidden, output="identity")  # (B, 1)
    return out[:, 0], cache


def generator_forward(params_g, noise: np.ndarray, hidden: str = "relu"):
    """G(z) = MLP_g(z) with an identity output; returns (samples (B, n), cache)."""
    return mlp_forward(params_g, noise, hidden=hidden, output="identity")


def gan_loss(params_d, params_g, x: np.ndarray, noise: np.ndarray, hidden_d: str = "relu", hidden_g: str = "relu"):
    """L = mean_i log D(x_i) + mean_j log(1 - D(G(z_j))), the objective of seed 003 (23), as a float.

    log(1 - sigmoid(z)) = log sigmoid(-z), so both terms are log-sigmoids of logits.
    Claims: 003-eq23.
    """
    check_gan_inputs(params_d, params_g, x, noise, hidden_d, hidden_g)
    real_logits, _ = discriminator_logits(params_d, x, hidden_d)
    fake, _ = generator_forward(params_g, noise, hidden_g)
    fake_logits, _ = discriminator_logits(params_d, fake, hidden_d)
    return float(np.mean(_log_sigmoid(real_logits)) + np.mean(_log_sigmoid(-fake_logits)))


def output_gradients(real_logits: np.ndarray, fake_logits: np.ndarray):
    """dL/dz at each logit through the sigmoid identities (26)-(27), seed 003.

    (26) sigmoid'(z)/sigmoid(z) = sigmoid(-z) gives dL/dz(x_i) = sigmoid(-z(x_i)) / B_real = (1 - D(x_i)) / B_real;
    (27) sigmoid'(z)/(1 - sigmoid(z)) = sigmoid(z) gives dL/dz(G(z_j)) = -sigmoid(z(G(z_j))) / B_fake.
    Claim 003-eq28: (28) prints one expression sigmoid(-z(X)) - sigmoid(z(G(X))); the two terms belong to two
    different logits (the real one and the fake one), and the generator's input is the noise z, not X.
    Returns (dL/dz_real (B_real,), dL/dz_fake (B_fake,)).
    Claims: 003-eq26, 003-eq27, 003-eq28.
    """
    real_logits = np.asarray(real_logits, dtype=np.float64)
    fake_logits = np.asarray(fake_logits, dtype=np.float64)
    if real_logits.ndim != 1 or fake_logits.ndim != 1 or real_logits.size == 0 or fake_logits.size == 0:
        raise ValueError("logits: expected two non-empty 1-D arrays (real logits, fake logits)")
    grad_real = np.empty_like(real_logits)
    for i, z in enumerate(real_logits):
        grad_real[i] = _sigmoid_of(-z) / real_logits.size
    grad_fake = np.empty_like(fake_logits)
    for j, z in enumerate(fake_logits):
        grad_fake[j] = -_sigmoid_of(z) / fake_logits.size
    return grad_real, grad_fake


def _discriminator_backward(params_d, cache, grad_logits: np.ndarray, hidden: str = "relu"):
    """The layer recursion (29)-(31) and the hand-off (32) of seed 003, one example at a time.

    (29) dL/dz^l = dL/dz^{l+1} dz^{l+1}/dz^l, and, correcting (30)-(31),
         dz^{l+1}/dz^l = diag(g^{l+1}'(W^{l+1} z^l + b^{l+1})) W^{l+1}:
    the derivative g' of the activation, not g itself (claim 003-eq30), evaluated at W^{l+1} z^l, not at W^l z^l
    (claims 003-eq30, 003-eq31). The last step, from z_d^1 down to the input, is the hand-off (32):
    dL/dx = dL/dz_d^1 diag(g_d^1'(W_d^1 x + b_d^1)) W_d^1, with the discriminator's own first-layer weights W_d^1
    where (32) prints W_g^1 and keeping the derivative of the first activation that (32) drops (claim 003-eq32).
    With delta^l = dL/dz^l * g^l'(a^l): dL/dW^l = sum over examples of delta^l (z^{l-1})^T, dL/db^l = sum of delta^l.
    Returns ([(dW, db)] per layer, dL/dx (B, n)).
    Claims: 003-eq29, 003-eq30, 003-eq31, 003-eq32.
    """
    count = grad_logits.shape[0]
    grads = [(np.zeros_like(W), np.zeros_like(b)) for W, b in params_d]
    grad_input = np.zeros_like(cache.inputs[0])  # (B, n)
    last = len(params_d) - 1
    for i in range(count):
        grad_z = np.array([grad_logits[i]])  # dL/dz^{L_d}, (1,)
        for layer in range(last, -1, -1):
            W, _ = params_d[layer]
            _, g_prime = activation("identity" if layer == last else hidden)
            delta = grad_z * g_prime(cache.preactivations[layer][i])  # (out,)
            dW, db = grads[layer]
            dW += np.outer(delta, cache.inputs[layer][i])
            db += delta
            grad_z = delta @ W  # dL/dz^{layer}, (in,)
        grad_input[i] = grad_z
    return grads, grad_input


def _generator_backward(params_g, cache, grad_samples: np.ndarray, hidden: str = "relu"):
    """The generator chain (33) of seed 003: grad_{theta_g} L = dL/dG(z) grad_{theta_g} G(z), back through MLP_g.

    `grad_samples` is the hand-off dL/dG(z_j) of (32); returns [(dW, db)] per generator layer.
    Claims: 003-eq33.
    """
    grads, _ = mlp_backward(params_g, cache, grad_samples, hidden=hidden, output="identity")
    return grads


def gan_gradients(params_d, params_g, x: np.ndarray, noise: np.ndarray, hidden_d: str = "relu", hidden_g: str = "relu"):
    """(grad_{theta_d} L, grad_{theta_g} L) by the document's route: (26)-(28), (29)-(31), (32), (33), seed 003.

    (23) grad_{theta_d} L = grad D(x)/D(x) - grad D(G(z))/(1 - D(G(z))), taken through the logits; the real and
    the fake batch each contribute to the discriminator's gradient, only the fake batch to the generator's.
    Claims: 003-eq23, 003-eq28, 003-eq29, 003-eq30, 003-eq31, 003-eq32, 003-eq33.
    """
    check_gan_inputs(params_d, params_g, x, noise, hidden_d, hidden_g)
    real_logits, real_cache = discriminator_logits(params_d, x, hidden_d)
    fake, generator_cache = generator_forward(params_g, noise, hidden_g)
    fake_logits, fake_cache = discriminator_logits(params_d, fake, hidden_d)
    grad_real_logits, grad_fake_logits = output_gradients(real_logits, fake_logits)
    grads_real, _ = _discriminator_backward(params_d, real_cache, grad_real_logits, hidden_d)
    grads_fake, handoff = _discriminator_backward(params_d, fake_cache, grad_fake_logits, hidden_d)
    grads_d = [(dW_r + dW_f, db_r + db_f) for (dW_r, db_r), (dW_f, db_f) in zip(grads_real, grads_fake)]
    grads_g = _generator_backward(params_g, generator_cache, handoff, hidden_g)
    return grads_d, grads_g


def gan_step(
    params_d,
    params_g,
    x: np.ndarray,
    noise: np.ndarray,
    learning_rate: float,
    hidden_d: str = "relu",
    hidden_g: str = "relu",
):
    """One simultaneous step, seed 003: ascent (34) theta_d + alpha grad_d L, descent (35) theta_g - alpha grad_g L.

    Both gradients are taken at the same (theta_d^t, theta_g^t). Returns (new params_d, new params_g).
    Claims: 003-eq34, 003-eq35.
    """
    check_learning_rate(learning_rate)
    grads_d, grads_g = gan_gradients(params_d, params_g, x, noise, hidden_d, hidden_g)
    new_d = [(W + learning_rate * dW, b + learning_rate * db) for (W, b), (dW, db) in zip(params_d, grads_d)]
    new_g = [(W - learning_rate * dW, b - learning_rate * db) for (W, b), (dW, db) in zip(params_g, grads_g)]
    return new_d, new_g

