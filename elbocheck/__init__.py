"""elbocheck: the documents' claims decided, their algorithms implemented literally and fast, and cross-checked."""

__version__ = "0.1.0"
