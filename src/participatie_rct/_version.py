"""The package's version, in one place: pyproject.toml reads it from here (setuptools' ``attr``).

A plain string, so that ``participatie-rct --help`` need not import ``importlib.metadata``
(over 0.1 s at start-up) to learn it.
"""

__version__ = "0.1.0"
