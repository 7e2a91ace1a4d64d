"""Vectorised PyTorch implementations with the same module and function names as `reference`."""
