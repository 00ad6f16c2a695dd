"""Benchmark of the ICWS client and the integration against the simulator, on loopback.

Run it with ``scripts/bench`` (``--help`` for the options). Most figures run in one process
and one event loop, as in the tests: the simulator, the client library and, where needed,
the integration inside a Home Assistant test instance (``async_test_home_assistant``); the
simulator's work then counts in the figure, an upper bound of the client's own cost. Some
figures need processes of their own: a real ``hass`` read over its websocket API, a fresh
process for the cold setup, and the simulator apart where its work must not count (memory
per entry, event loop lag in a reconnect storm). Traffic goes only to 127.0.0.1.

Each figure is registered with its title and goal (:mod:`bench.registry`, which shows how
to add one) by a module listed in :mod:`bench.catalogue`, and judges its goal by named
conditions next to the measurement. Prints one table and writes it as JSON
(``bench-results.json`` at the repository root).
"""
