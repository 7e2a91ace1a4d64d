"""Parameter containers: dicts of lists of (W, b), holding NumPy arrays or torch tensors alike."""

from __future__ import annotations


def tree_map(function, *trees):
    """`function` applied leafwise to parameter containers of one structure (dicts of lists of (W, b))."""
    first = trees[0]
    if isinstance(first, dict):
        return {key: tree_map(function, *(tree[key] for tree in trees)) for key in first}
    if isinstance(first, (list, tuple)):
        return type(first)(tree_map(function, *items) for items in zip(*trees))
    return function(*trees)


def tree_leaves(tree) -> list:
    """The arrays (or tensors) of a parameter container, in order."""
    if isinstance(tree, dict):
        return [leaf for key in tree for leaf in tree_leaves(tree[key])]
    if isinstance(tree, (list, tuple)):
        return [leaf for item in tree for leaf in tree_leaves(item)]
    return [tree]


def tree_unflatten(tree, leaves: list):
    """A container shaped like `tree` holding `leaves` in order (the inverse of tree_leaves)."""
    iterator = iter(leaves)
    return tree_map(lambda _: next(iterator), tree)
