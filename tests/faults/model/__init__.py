"""The model-based fault test: random walks of server changes, faults and actions, checked.

A walk drives two entries (two users, one streaming, one polling) on a simulator and its
switchover partner through interleavings of station, status and call changes, colleagues'
statuses, workgroup queues and statistics, activations and voicemail on the servers; stream
cuts, outages of every kind, sessions the server ends (with and without
``shouldReconnect``), switchovers, a station taken by another logon; the integration's
actions (the station, the status, every call action and ``dial``, with and without an
``interaction_id`` and with bad input), the call buttons, the activation switches,
colleagues and wallboard workgroups added and removed through the subentry flows, reloads
and restarts. The model checks, black-box (states, services, flows, diagnostics and the
simulators' control API and request log):

- after every step: at most one live session per user on each server, and no station
  logoff the client brought about (its DELETE, a switch, its logout) unless the step asked
  for one (an action, a reload, a restart);
- after every call action or button press: no call of another user changed, bad input
  sent nothing, and in a settled world the action did exactly what the README says to
  exactly the call it names (``call_actions.py``);
- after every subentry step: the entry did not reload, and in a settled world nobody
  logged in, the session kept its id and none of the entry's own entities was written
  (``subentries.py``);
- after every step that leaves no fault running, once the system settled (a bounded wait on
  states, no sleeping): every entity shows the simulator's truth (station, status, calls,
  voicemail, activation switches, each colleague's and each wallboard workgroup's), each
  user has exactly one session, on the expected server and on the expected station, and
  every call the entity watched produced at most one ``ringing`` and exactly one
  ``ended``/``missed`` event (``ended`` for one placed or seen answered);
- no secret in a log line, a state or the diagnostics; no personal data in a log line above
  debug or the diagnostics.

Steps are drawn from a seeded random source and from what the model itself did (faults it
started, calls it rang, entries it stopped), never from what the system answered, so a seed
and a step count give the same walk again. A failing walk is shrunk by replaying it with
steps left out (delta debugging), each replay in a fresh world.

Where things are: ``world.py`` runs the servers and entries and checks the invariants,
``truth.py`` says what each entity must show for what a simulator holds, ``steps.py`` is a
step and the base of the rules, ``changes.py``, ``faults.py``, ``actions.py``,
``call_actions.py`` and ``subentries.py`` hold the rules a walk draws its steps from,
``walks.py`` draws, replays and shrinks walks. A rule is a class registered with ``@rule``:
``draw`` picks its arguments (or says it does not apply now), ``applies`` checks them again
on replay, ``run`` performs it. An action of the integration is an ``Action`` (see
``actions.py``), an action on calls a ``CallRule`` (see ``call_actions.py``).
"""
