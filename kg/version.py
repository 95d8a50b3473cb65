"""The package's version, in a module of its own so that any layer can read it
without importing the package's face (kg/__init__.py imports the answers)."""

__version__ = "0.1.0"
