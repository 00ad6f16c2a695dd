"""The model-based fault test: random walks of server changes, faults and actions, checked.

A walk drives two entries (two users, one streaming, one polling) on a simulator and its
switchover partner through interleavings of station, status and call changes, stream cuts,
outages of every kind, sessions the server ends (with and without ``shouldReconnect``),
switchovers, a station taken by another logon, the integration's actions, reloads and
restarts. The model checks, black-box (states, services, diagnostics and the simulators'
control API):

- after every step: at most one live session per user on each server, and no station
  logoff the client brought about (its DELETE, a switch, its logout) unless the step asked
  for one (an action, a reload, a restart);
- after every step that leaves no fault running, once the system settled (a bounded wait on
  states, no sleeping): every entity shows the simulator's truth, each user has exactly one
  session, on the expected server and on the expected station, and every call the entity
  watched produced at most one ``ringing`` and exactly one ``ended``/``missed`` event;
- no secret in a log line, a state or the diagnostics.

Steps are drawn from a seeded random source and from what the model itself did (faults it
started, calls it rang, entries it stopped), never from what the system answered, so a seed
and a step count give the same walk again. A failing walk is shrunk by replaying it with
steps left out (delta debugging), each replay in a fresh world.

Where things are: ``world.py`` runs the servers and entries and checks the invariants,
``truth.py`` says what each entity must show for what a simulator holds, ``steps.py`` is a
step and the base of the rules, ``changes.py``, ``faults.py`` and ``actions.py`` hold the
rules a walk draws its steps from, ``walks.py`` draws, replays and shrinks walks. A rule is
a class registered with ``@rule``: ``draw`` picks its arguments (or says it does not apply
now), ``applies`` checks them again on replay, ``run`` performs it. An action of the
integration is an ``Action`` (see ``actions.py``).
"""
