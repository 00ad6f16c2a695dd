"""Benchmark of the ICWS client and the integration against the simulator, on loopback.

Run it with ``scripts/bench`` (``--help`` for the options). Everything runs in one process
and one event loop, as in the tests: the simulator, the client library and, for the figures
that need it, the coordinator inside a Home Assistant test instance
(``async_test_home_assistant``). The simulator's work is therefore counted in every figure;
the numbers are an upper bound of the client's own cost. Traffic goes only to 127.0.0.1.

Figures (the issue's numbering):

1. station change -> client update latency, SSE and polling at 1 s, with the ratio;
2. station change -> Home Assistant state change latency, SSE;
3. idle load: HTTP requests per minute per session, SSE and polling at 1 s;
4. burst: 100,000 station messages queued at once, drained through the coordinator;
5. resident memory growth of the client over 100,000 messages;
6. recovery after the server ends the session, with the default backoff;
7. config entry setup time.

Prints one table and writes it as JSON (``bench-results.json`` at the repository root).
"""
