"""Literal NumPy float64 implementations of the documents' algorithms, one module per algorithm."""
