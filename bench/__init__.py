"""Benchmarks: `python -m bench NAME` runs one against the PostgreSQL in DATABASE_URL.

Each prints one line per goal, ``<goal>: <measured> (target <target>) PASS|FAIL``, where the measured
value is a ratio against a baseline measured in the same run (this box drifts 35-40 % between runs,
see performance.md, so absolute numbers are printed only as context on stderr).
"""
