"""Data the commands read: text corpora, scikit-learn's digits, MNIST's IDX files."""
