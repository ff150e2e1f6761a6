"""The version of rexcheck, in a module of its own so that nothing imports the package that
re-exports it (the public API in api/__init__.py) to learn it."""

__version__ = "0.2.0"
