"""Tests of the ICWS Station integration, its client library and the simulator."""
