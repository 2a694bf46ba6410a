"""mailcore's benchmarks: code, with a deterministic corpus, printing JSON lines.

``make bench`` (or ``python -m benchmarks``) runs every registered benchmark;
``python -m benchmarks NAME...`` runs the named ones. Each figure is one line
on stdout, ``{"bench": NAME, "value": X, "unit": U}`` (sometimes with extra
keys giving its context), printed as soon as it is measured. Scratch data
goes under ``<repo>/.bench/`` on the repository's disk, so that fsyncs cost
what they cost in production, and is removed afterwards.

``MAILCORE_BENCH_SCALE`` (default 1) shrinks every benchmark's counts and
durations for a smoke run: ``tests/benchmarks/test_bench_smoke.py`` runs each
at a tiny scale, where the figures mean nothing but must still be printed.
"""
