"""The claims of the five documents, stated as data and decided by SymPy."""
