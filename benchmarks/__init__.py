"""Speed and memory benchmarks, run by ``make bench`` (``python -m benchmarks``).

Each ``bench_*.py`` module has a ``main()`` that measures its area, beside the peer tools
named in its issue where they are installed, and prints one line per measurement.
"""
