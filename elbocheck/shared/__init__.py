"""What `reference` and `fast` share, written once: each algorithm's constants, its argument checks, and the
parameter containers both sides take.

One module per algorithm, named as in `reference/` and `fast/` (`shared.residual` serves `reference.residual` and
`fast.residual`), plus `nn` (activation names, the (W, b) layer layout) and `params` (dicts of lists of (W, b)).
The checks take NumPy arrays or torch tensors alike.
"""
