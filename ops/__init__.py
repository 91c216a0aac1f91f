"""Operational tooling: the load test (python -m ops.load) and the drills CI runs with `make test-ops`."""
