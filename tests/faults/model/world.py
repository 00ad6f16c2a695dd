"""The world a walk runs in: two servers, two entries, what the model expects, the checks."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass, field
import json
import logging
import time
from typing import Any, Final

from homeassistant.config_entries import ConfigEntryState, ConfigSubentryData
from homeassistant.const import (
    EVENT_STATE_CHANGED,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import (
    Event,
    EventStateChangedData,
    HomeAssistant,
    ServiceResponse,
    callback,
)
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.icws_station.colleagues import CONF_USER_ID, SUBENTRY_COLLEAGUE
from custom_components.icws_station.const import (
    CONF_STATION_TYPE,
    CONF_WORKGROUP,
    CONF_WORKSTATION,
    DOMAIN,
)
from custom_components.icws_station.icws import RetrievalMode
from custom_components.icws_station.wallboard import WORKGROUP_SUBENTRY
from icws_simulator import IcwsSimulator, SimulatedStation
from icws_simulator.state import SimulatorState
from icws_simulator.stations import CLIENT_LOGOFF_CAUSES
from icws_simulator.statistics import parse_keys
from icws_simulator.voicemail import STATE_NORMAL
from icws_testing.entries import config_entry
from tests.conftest import PASSWORD, SERVER_NAME, make_stations
from tests.faults.conftest import SERVER_LOGGERS, LiveSessions, Secrets

from .steps import RULES, InvariantError, Rule, Step
from .truth import (
    WALLBOARD,
    Truth,
    activation_truth,
    call_state_view,
    call_truth,
    colleague_truth,
    diff,
    is_choice,
    select_view,
    station_truth,
    statistic_key,
    statistic_shown,
    status_truth,
    voicemail_truth,
)

PRIMARY: Final = "primary"
PARTNER: Final = "partner"
PARTNER_HOST: Final = "127.0.0.2"
SETTLE_WITHIN: Final = 15.0  # seconds a settle may take, beyond how long faults lasted
STEP_WITHIN: Final = 15.0  # seconds a step's own wait may take
CALLS: Final = "AOSRCH"  # Eic_State letters of a call that is up


@dataclass(frozen=True)
class User:
    """A user of both servers, with the workstation their entry starts on."""

    user_id: str
    password: str
    name: str
    workstation: str


USERS: Final = (
    User("jdoe", PASSWORD, "Jane Doe", "WS-114"),
    User("asmith", "pw-As7-secret", "Adam Smith", "WS-115"),
)
# Users of both servers who never log in here: colleagues to watch, and nothing else.
OTHERS: Final = (
    User("bwayne", "pw-Bw3-secret", "Bruce Wayne", ""),
    User("dprince", "pw-Dp4-secret", "Diana Prince", ""),
)
DIRECTORY: Final = (*USERS, *OTHERS)
PARTNER_SIP_PASSWORDS: Final = {"WS-114": "sip-Alt-2114", "WS-115": "sip-Alt-2115"}
SECRETS: Final = (
    *(user.password for user in DIRECTORY),
    *PARTNER_SIP_PASSWORDS.values(),
)
# The servers' workgroups: the two every user is in, and one only the others are in (on
# the wallboard, never a switch of the entries' users).
WORKGROUPS: Final = ("Support", "Sales", "Billing")
BILLING_MEMBERS: Final = {"bwayne": True, "dprince": False}
# Entities that show a moment (a press, an event): only their availability is the truth's.
MOMENTS: Final = frozenset({"event", "button"})
FIRST_SUBENTRIES: Final = (
    ConfigSubentryData(
        data={CONF_USER_ID: OTHERS[0].user_id},
        subentry_type=SUBENTRY_COLLEAGUE,
        title=OTHERS[0].name,
        unique_id=OTHERS[0].user_id,
    ),
    ConfigSubentryData(
        data={CONF_WORKGROUP: WORKGROUPS[0]},
        subentry_type=WORKGROUP_SUBENTRY,
        title=WORKGROUPS[0],
        unique_id=WORKGROUPS[0].casefold(),
    ),
)
RETRIEVAL: Final = (RetrievalMode.AUTO, RetrievalMode.POLL)

STATUS_IDS: Final = (
    "Available",
    "Available Forward",
    "At Lunch",
    "Do Not Disturb",
    "Gone Home",
    "In a Meeting",
    "Follow Up",
    "AcdAgentNotAnswering",
)


@dataclass
class Stats:
    """What walks did, for the soak's report."""

    walks: int = 0
    steps: int = 0
    faults: int = 0
    settles: int = 0
    checks: int = 0
    calls: int = 0
    events: int = 0
    rules: Counter[str] = field(default_factory=Counter)
    # Call actions by what the model expected: worked, refused, nothing (no session),
    # unknown (a fault ran); subentry flows by what they did.
    outcomes: Counter[str] = field(default_factory=Counter)


@dataclass
class CallModel:
    """A call the model rang or placed; its state is the simulator's."""

    number: str
    entry: int
    server: str
    interaction_id: str
    outbound: bool
    made_at: int  # the step that made it
    seen_live_epoch: int | None = None
    seen_answered: bool = False  # seen connected or held by its entry


@dataclass
class EntryModel:
    """One config entry and what the model expects of it."""

    index: int
    user: User
    retrieval: RetrievalMode
    entry: MockConfigEntry
    station: dict[str, Any] | None  # the chosen station's options; None: no station
    server: str = PRIMARY
    taken: bool = False
    stopped: bool = False
    epoch: int = 0
    epoch_began: float = 0.0  # the step after which the current load watched its queue
    runtime: object = None  # the runtime data of the load the model knows
    entities: dict[tuple[str, str], str] = field(default_factory=dict)
    own: set[str] = field(default_factory=set)  # entity ids of no subentry

    @property
    def streams(self) -> bool:
        """Whether the entry reads an event stream (else it polls)."""
        return self.retrieval is RetrievalMode.AUTO


class World:
    """Two servers, two entries, the faults running, and the checks."""

    def __init__(
        self,
        hass: HomeAssistant,
        hass_client: ClientSessionGenerator,
        secrets: Secrets,
        guard: LiveSessions,
        caplog: pytest.LogCaptureFixture,
        stats: Stats,
        *,
        clear_logs: bool = False,
    ) -> None:
        """Nothing runs yet; :meth:`open` starts it."""
        self.hass = hass
        self.hass_client = hass_client
        self.secrets = secrets
        self.guard = guard
        self.caplog = caplog
        self.stats = stats
        self.clear_logs = clear_logs
        self.servers: dict[str, IcwsSimulator] = {}
        self.entries: list[EntryModel] = []
        self.outages: dict[str, str] = {}
        self.calls: dict[str, CallModel] = {}
        self.numbers = 0  # calls drawn so far: each gets a number of its own
        self.step = 0
        self.fault_time = 0.0  # seconds faults ran since the last settle
        self.fault_began: float | None = None
        self._events: dict[str, list[tuple[str, str | None]]] = {}
        self._event_stamps: set[str] = set()
        self._event_entities: dict[str, int] = {}
        self._began = dt_util.utcnow()
        self._changed = asyncio.Event()
        self._log_index = 0
        self._violations = len(guard.violations)
        self._logoffs: dict[str, int] = {}
        self.writes: Counter[str] = Counter()  # state writes by entity id
        self._unlisten = hass.bus.async_listen(EVENT_STATE_CHANGED, self._state_changed)
        self._pulses: list[asyncio.Task[None]] = []

    # ---- lifecycle -----------------------------------------------------------------------

    async def open(self) -> None:
        """Start both servers, add and set up the entries, and settle."""
        secrets = self.secrets
        secrets.add(*SECRETS)
        # Colleagues' names and ids are personal data (colleagues.py).
        secrets.add_personal(
            *(value for user in OTHERS for value in (user.name, user.user_id))
        )
        # Both add HTTP views, which the test client's first request freezes.
        for component in ("diagnostics", "repairs"):
            assert await async_setup_component(self.hass, component, {})
        primary = IcwsSimulator(
            users={user.user_id: user.password for user in DIRECTORY},
            display_names={user.user_id: user.name for user in DIRECTORY},
            server_name=SERVER_NAME,
            stations=make_stations(),
            sse_ping_interval=0.5,
            sse_retry_ms=100,
        )
        await primary.start()
        partner = IcwsSimulator(
            host=PARTNER_HOST,
            port=primary.port,
            users={user.user_id: user.password for user in DIRECTORY},
            display_names={user.user_id: user.name for user in DIRECTORY},
            server_name="CIC02",
            stations=[
                SimulatedStation(
                    id=station_id,
                    extension=f"2{station_id[-3:]}",
                    sip_address=f"sip:{station_id.lower()}@cic02.example.com",
                    sip_user=f"alt-{station_id.lower()}",
                    sip_password=sip_password,
                    allowed_media_types=(1,),
                    can_be_dialed=False,
                    ring_always=True,
                )
                for station_id, sip_password in PARTNER_SIP_PASSWORDS.items()
            ],
            sse_ping_interval=0.5,
            sse_retry_ms=100,
        )
        await partner.start()
        self.servers = {PRIMARY: primary, PARTNER: partner}
        for server in self.servers.values():
            # Calls leave the queue, and placed calls ring, when the model says so.
            server.calls.removal_delay = None
            server.calls.proceed_delay = None
            server.workgroups.add_workgroup(WORKGROUPS[2], BILLING_MEMBERS)
            self._logoffs[server.server_name] = 0
            self._pulses.append(asyncio.create_task(self._watch(server)))
        for index, user in enumerate(USERS):
            station = {
                CONF_STATION_TYPE: "workstation",
                CONF_WORKSTATION: user.workstation,
            }
            entry = config_entry(
                primary.url,
                user.user_id,
                user.password,
                title=f"{user.name} ({SERVER_NAME})",
                station=station,
                retrieval_mode=RETRIEVAL[index % len(RETRIEVAL)],
                # The first starts with a colleague and a workgroup, as after a restart.
                subentries=() if index else FIRST_SUBENTRIES,
            )
            entry.add_to_hass(self.hass)
            model = EntryModel(
                index, user, RETRIEVAL[index % len(RETRIEVAL)], entry, station
            )
            self.entries.append(model)
            assert await self.hass.config_entries.async_setup(entry.entry_id)
            self._loaded(model)
        await self.hass.async_block_till_done()
        await self.settle()

    async def close(self) -> None:
        """Remove the entries and stop the servers."""
        for model in self.entries:
            with suppress(Exception):
                await self.hass.config_entries.async_remove(model.entry.entry_id)
        await self.hass.async_block_till_done()
        for task in self._pulses:
            task.cancel()
        for task in self._pulses:
            with suppress(asyncio.CancelledError):
                await task
        for server in self.servers.values():
            await server.stop()
        self._unlisten()

    async def _watch(self, server: SimulatorState) -> None:
        """Wake the waits of :meth:`settle` at every change of the server."""
        while True:
            asked = False

            def next_change() -> bool:
                nonlocal asked
                woken, asked = asked, True
                return woken

            await server.wait_until(next_change)
            self._changed.set()

    @callback
    def _state_changed(self, event: Event[EventStateChangedData]) -> None:
        self._changed.set()
        entity_id = event.data["entity_id"]
        self.writes[entity_id] += 1
        if (index := self._event_entities.get(entity_id)) is None:
            return
        new = event.data["new_state"]
        if new is None or new.state in {STATE_UNAVAILABLE, STATE_UNKNOWN}:
            return
        stamp = new.state
        # A state coming back after an outage, or restored on a reload, repeats an event.
        if stamp in self._event_stamps:
            return
        moment = dt_util.parse_datetime(stamp)
        if moment is None or moment < self._began:
            return
        self._event_stamps.add(stamp)
        number = new.attributes.get("remote_number")
        self._events.setdefault(self._event_key(index, number), []).append(
            (str(new.attributes.get("event_type")), number)
        )
        self.stats.events += 1

    @staticmethod
    def _event_key(index: int, number: object) -> str:
        return f"{index}:{number}"

    def events_of(self, call: CallModel) -> list[str]:
        """The event types the call's entry fired for it, in order."""
        return [
            kind
            for kind, _ in self._events.get(
                self._event_key(call.entry, call.number), []
            )
        ]

    def _loaded(self, model: EntryModel) -> None:
        """The entry (re)loaded: a new epoch of its call events, entities looked up."""
        model.epoch += 1
        model.epoch_began = self.step + 0.5
        model.runtime = model.entry.runtime_data
        self.look_up(model)

    def look_up(self, model: EntryModel) -> None:
        """Find the entry's entities as they are now (subentries and workgroups come and go).

        Each is keyed by its unique ID after the entry's: ``status``, a colleague's
        ``colleague_<user>_status``, a wallboard's ``<subentry id>_longest_wait``.
        """
        registry = er.async_get(self.hass)
        model.entities.clear()
        model.own.clear()
        for entity in er.async_entries_for_config_entry(registry, model.entry.entry_id):
            key = entity.unique_id.removeprefix(f"{model.entry.unique_id}_")
            model.entities[entity.domain, key] = entity.entity_id
            if entity.config_subentry_id is None:
                model.own.add(entity.entity_id)
            if (entity.domain, key) == ("event", "call"):
                self._event_entities[entity.entity_id] = model.index

    # ---- what the model knows ------------------------------------------------------------

    def server_of(self, model: EntryModel) -> IcwsSimulator:
        """The server the entry's session is (or will be) on."""
        return self.servers[model.server]

    def other(self, name: str) -> str:
        """The other server of the pair."""
        return PARTNER if name == PRIMARY else PRIMARY

    def login_server(self) -> str:
        """Where a login from the entry's own address lands: the primary unless it refuses."""
        return PARTNER if self.servers[PRIMARY].refusal is not None else PRIMARY

    @property
    def faulty(self) -> bool:
        """Whether a fault is running now (an outage on either server)."""
        return bool(self.outages)

    def live_calls(self) -> list[CallModel]:
        """The calls still on a queue (up or ended, not yet removed)."""
        return [
            call
            for call in self.calls.values()
            if call.interaction_id in self.servers[call.server].calls.interactions
        ]

    def call_state(self, call: CallModel) -> str | None:
        """The call's Eic_State letter on its server (None: off the queue)."""
        interaction = self.servers[call.server].calls.interactions.get(
            call.interaction_id
        )
        return None if interaction is None else interaction.state

    def adopt_calls(self) -> None:
        """Take in calls the integration placed: the model follows them as its own.

        Also those whose answer a fault lost: the server placed them all the same.
        """
        known = {(call.server, call.interaction_id) for call in self.calls.values()}
        users = {model.user.user_id.casefold(): model.index for model in self.entries}
        for name, server in self.servers.items():
            for interaction in server.calls.interactions.values():
                if (name, interaction.interaction_id) in known:
                    continue
                self.calls[interaction.remote_number] = CallModel(
                    interaction.remote_number,
                    users[interaction.user_id.casefold()],
                    name,
                    interaction.interaction_id,
                    interaction.direction == "O",
                    self.step,
                )
                self.stats.calls += 1

    def mark(self) -> dict[str, int]:
        """Where each server's request log stands now (for :meth:`call_requests`)."""
        return {
            name: len(server.traffic.requests) for name, server in self.servers.items()
        }

    def call_requests(self, mark: dict[str, int]) -> list[str]:
        """Call control and dial requests either server answered since ``mark``.

        Shown from ``/interactions`` on: the path's session id is a secret.
        """
        return [
            f"{name}: {method} {path[path.index('/interactions') :]} ({status})"
            for name, server in self.servers.items()
            for method, path, status in server.traffic.requests[mark[name] :]
            if "/interactions" in path
        ]

    # ---- performing steps ----------------------------------------------------------------

    async def perform(self, step: Step) -> None:
        """Run one step, check the step's invariants, and settle when no fault runs."""
        rule_class = RULES[step.rule]
        self.step += 1
        self.stats.steps += 1
        self.stats.rules[step.rule] += 1
        if rule_class.fault:
            self.stats.faults += 1
        faulty_before = self.faulty
        async with asyncio.timeout(STEP_WITHIN + SETTLE_WITHIN):
            await rule_class.run(self, step.args)
        self.adopt_calls()
        if faulty_before and self.fault_began is not None:
            self.fault_time += time.monotonic() - self.fault_began
        self.fault_began = time.monotonic() if self.faulty else None
        self.check_sessions(str(step))
        self.check_logoffs(step, rule_class)
        if not self.faulty:
            await self.settle()

    def check_sessions(self, where: str) -> None:
        """At most one live session per user on each server, now and at every login."""
        self.stats.checks += 1
        counts = self.guard.counts()
        if any(count > 1 for count in counts.values()):
            raise InvariantError("two sessions", f"{where}: {counts}")
        if len(self.guard.violations) > self._violations:
            raise InvariantError(
                "two sessions", "; ".join(self.guard.violations[self._violations :])
            )

    def check_logoffs(self, step: Step, rule_class: type[Rule]) -> None:
        """No station logoff the client caused unless the step asked for it."""
        self.stats.checks += 1
        if rule_class.all_entries:
            users = {model.user.user_id for model in self.entries}
        elif "entry" in step.args:
            users = {self.entries[step.args["entry"]].user.user_id}
        else:
            users = set()
        for server in self.servers.values():
            seen = self._logoffs[server.server_name]
            for logoff in server.stations.logoffs[seen:]:
                if logoff.cause not in CLIENT_LOGOFF_CAUSES or (
                    logoff.cause in rule_class.logoffs and logoff.user_id in users
                ):
                    continue
                raise InvariantError(
                    "station logoff",
                    f"{logoff.user_id} lost {logoff.station_id} on "
                    f"{server.server_name} ({logoff.cause}) during {step}",
                )
            self._logoffs[server.server_name] = len(server.stations.logoffs)

    # ---- settling and the truth ----------------------------------------------------------

    async def settle(self) -> None:
        """Wait (bounded) until everything shows the servers' truth, then check it."""
        self.stats.settles += 1
        within = SETTLE_WITHIN + self.fault_time
        self.fault_time = 0.0
        retried: set[int] = set()
        problems: list[str] = []
        try:
            async with asyncio.timeout(within):
                while True:
                    self._changed.clear()
                    for model in self.entries:
                        state = model.entry.state
                        if (
                            state is ConfigEntryState.SETUP_RETRY
                            and model.index not in retried
                        ):
                            # Home Assistant retries after 5 s or more; the model does it now.
                            retried.add(model.index)
                            await self.hass.config_entries.async_reload(
                                model.entry.entry_id
                            )
                        if (
                            model.entry.state is ConfigEntryState.LOADED
                            and model.entry.runtime_data is not model.runtime
                        ):
                            self._loaded(model)
                        else:
                            self.look_up(model)
                    self.check_sessions("while settling")
                    problems = self.differences()
                    if not problems:
                        break
                    await self._changed.wait()
        except TimeoutError:
            raise InvariantError(
                "not settled", f"after {within:.0f} s: " + "; ".join(problems)
            ) from None
        self.check_events()
        self.check_texts(self.state_texts(), personal=True)

    def differences(self) -> list[str]:
        """What differs between the entities, the sessions and the truth (empty: settled)."""
        problems: list[str] = []
        for model in self.entries:
            problems += self._entry_differences(model)
        return problems

    def _entry_differences(self, model: EntryModel) -> list[str]:
        name = model.user.user_id
        if model.entry.state is not ConfigEntryState.LOADED:
            return [f"{name}: entry {model.entry.state}"]
        sessions = {
            key: server.sessions.of(name) for key, server in self.servers.items()
        }
        shown = self._shown(model)
        if model.stopped:
            problems = [
                f"{name}: session on {key}" for key, found in sessions.items() if found
            ]
            expected = dict.fromkeys(shown, STATE_UNAVAILABLE)
            expected["binary_sensor", "server_connection"] = STATE_OFF
            issue = ir.async_get(self.hass).async_get_issue(
                DOMAIN, f"session_{model.entry.entry_id}"
            )
            if issue is None:
                problems.append(f"{name}: no repair issue")
            return problems + diff(name, shown, expected)
        here = sessions[model.server]
        elsewhere = sessions[self.other(model.server)]
        if len(here) != 1 or elsewhere or here[0].ending:
            return [
                f"{name}: sessions {len(here)} on {model.server}, {len(elsewhere)} elsewhere"
            ]
        (session,) = here
        problems = []
        wanted = None if model.taken else model.station
        station = session.station
        if (station is None) != (wanted is None) or (
            station is not None
            and wanted is not None
            and not is_choice(station, wanted)
        ):
            problems.append(
                f"{name}: on {station.id if station else 'no station'}, "
                f"expected {wanted}"
            )
        server = self.server_of(model)
        return problems + diff(name, shown, self._truth(model, server, station))

    def _shown(self, model: EntryModel) -> dict[tuple[str, str], str]:
        shown: dict[tuple[str, str], str] = {}
        for key, entity_id in model.entities.items():
            state = self.hass.states.get(entity_id)
            if key[0] in MOMENTS:
                # The moment of the last event or press: only its availability is the truth's.
                shown[key] = (
                    STATE_UNAVAILABLE
                    if state is None or state.state == STATE_UNAVAILABLE
                    else "available"
                )
            elif key == ("select", "status"):
                shown[key] = select_view(state)
            elif key == ("sensor", "call_state"):
                shown[key] = call_state_view(state)
            else:
                shown[key] = STATE_UNAVAILABLE if state is None else state.state
        return shown

    def _truth(
        self,
        model: EntryModel,
        server: IcwsSimulator,
        station: SimulatedStation | None,
    ) -> Truth:
        user = model.user.user_id
        truth: Truth = {
            ("binary_sensor", "server_connection"): STATE_ON,
            ("event", "call"): "available",
        }
        truth |= station_truth(station)
        status = server.status.user_status(user)
        message = server.status.find_status_message(status.status_id)
        for key, shown in status_truth(status, message).items():
            truth["sensor" if key == "status" else "binary_sensor", key] = shown
        # The select offers what the user may pick, and shows the current status even
        # when they may not pick it (one the ACD set), by its text (README, "Presence").
        options = {
            found.text("en")
            for status_id in server.status.access(user)
            if (found := server.status.find_status_message(status_id)) is not None
            and found.is_selectable
        }
        current = str(truth["sensor", "status"])
        if not server.status.may_pick(user, status.status_id):
            if current in options:
                current = f"{current} ({status.status_id})"
            options.add(current)
        truth["select", "status"] = json.dumps([current, sorted(options)])
        truth |= call_truth(
            (interaction.state, interaction.remote_number, interaction.muted)
            for interaction in server.calls.queue(user)
            if interaction.object_type == "Call"
        )
        truth = {key: value for key, value in truth.items() if key in model.entities}
        # The server offers all of these: each entity must be there, and show the truth.
        truth |= dict.fromkeys(
            (("button", "answer_call"), ("button", "end_call")), "available"
        )
        truth |= voicemail_truth(
            server.voicemail.count(user),
            normal=server.voicemail.state == STATE_NORMAL,
        )
        truth |= activation_truth(server.workgroups.activations(user))
        return truth | self._subentry_truth(model, server)

    @staticmethod
    def _subentry_truth(model: EntryModel, server: IcwsSimulator) -> Truth:
        """What the entities of the entry's colleagues and wallboard workgroups show."""
        truth: Truth = {}
        now = dt_util.utcnow()
        user_key = model.user.user_id.casefold()
        for subentry_id, subentry in model.entry.subentries.items():
            if subentry.subentry_type == SUBENTRY_COLLEAGUE:
                colleague = subentry.data[CONF_USER_ID]
                status = server.status.user_status(colleague)
                message = server.status.find_status_message(status.status_id)
                prefix = f"{SUBENTRY_COLLEAGUE}_{colleague.casefold()}_"
                truth |= {
                    (domain, prefix + key): shown
                    for (domain, key), shown in colleague_truth(status, message).items()
                }
            elif subentry.subentry_type == WORKGROUP_SUBENTRY:
                workgroup = subentry.data[CONF_WORKGROUP]
                for key, statistic in WALLBOARD.items():
                    (wire,) = parse_keys([statistic_key(statistic, workgroup)])
                    truth["sensor", f"{subentry_id}_{key}"] = statistic_shown(
                        statistic, server.statistics.value(wire, user_key), now
                    )
        return truth

    # ---- call events ---------------------------------------------------------------------

    def check_events(self) -> None:
        """Per call: one ringing at most, one terminal at most, in order; none missing.

        A call placed, or one its entry saw answered, ends ``ended``, never ``missed``.
        """
        self.stats.checks += 1
        for call in self.calls.values():
            model = self.entries[call.entry]
            events = self.events_of(call)
            where = f"call {call.number} of {model.user.user_id}: {events}"
            terminal = [
                i for i, kind in enumerate(events) if kind in {"ended", "missed"}
            ]
            ringing = [i for i, kind in enumerate(events) if kind == "ringing"]
            if len(ringing) > 1 or len(terminal) > 1:
                raise InvariantError("call events", f"{where}: repeated")
            if terminal and terminal[0] != len(events) - 1:
                raise InvariantError("call events", f"{where}: an event after the end")
            if ringing and (call.outbound or ringing[0] != 0):
                raise InvariantError("call events", f"{where}: ringing out of place")
            if (
                terminal
                and events[terminal[0]] == "missed"
                and (call.outbound or call.seen_answered)
            ):
                raise InvariantError("call events", f"{where}: answered, yet missed")
            watching = (
                not model.stopped
                and model.server == call.server
                and model.entry.state is ConfigEntryState.LOADED
            )
            if not watching:
                continue
            state = self.call_state(call)
            if state is not None and state in CALLS:
                call.seen_live_epoch = model.epoch
                call.seen_answered = call.seen_answered or state in "CH"
                if (
                    state in "AO"
                    and not call.outbound
                    and call.made_at > model.epoch_began
                    and not ringing
                ):
                    raise InvariantError(
                        "call events", f"{where}: rang without ringing"
                    )
            elif call.seen_live_epoch == model.epoch and not terminal:
                raise InvariantError("call events", f"{where}: ended without an event")

    # ---- secrets -------------------------------------------------------------------------

    def state_texts(self) -> list[str]:
        """Every state and its attributes, as text."""
        return [
            json.dumps(
                {"state": state.state, "attributes": dict(state.attributes)},
                default=str,
            )
            for state in self.hass.states.async_all()
        ]

    def check_texts(self, texts: Iterable[str], *, personal: bool = False) -> None:
        """No secret in these texts, nor in the log lines since the last check.

        No personal data either (callers, numbers, colleagues) in a log line above debug,
        nor in these texts unless they may show it (``personal``: states).
        """
        self.stats.checks += 1
        records = self.caplog.records
        formatter = logging.Formatter()
        lines = list(texts)
        private = [] if personal else list(lines)
        for record in records[self._log_index :]:
            if record.name.startswith(SERVER_LOGGERS):
                continue
            text = record.getMessage()
            if record.exc_info:
                text += formatter.formatException(record.exc_info)
            lines.append(text)
            if record.levelno > logging.DEBUG:
                private.append(text)
        if self.clear_logs:
            self.caplog.clear()
            self._log_index = 0
        else:
            self._log_index = len(records)
        if leaks := self.secrets.leaks(lines):
            raise InvariantError("secret leaked", str(leaks))
        if leaks := self.secrets.personal_leaks(private):
            raise InvariantError("personal data leaked", str(leaks))

    def log_lines(self) -> list[str]:
        """The log since the last check, as a person reads it (for a failure's report)."""
        formatter = logging.Formatter(
            "%(relativeCreated)9.0f %(levelname)s %(name)s %(message)s"
        )
        return [
            formatter.format(record)
            for record in self.caplog.records[self._log_index :]
        ]

    async def check_diagnostics(self, model: EntryModel) -> None:
        """The entry's diagnostics hold no secret (loaded entries only)."""
        if model.entry.state is not ConfigEntryState.LOADED:
            return
        diagnostics = await get_diagnostics_for_config_entry(
            self.hass, self.hass_client, model.entry
        )
        self.check_texts([json.dumps(diagnostics, default=str)])

    # ---- waits within a step -------------------------------------------------------------

    async def until(self, predicate: Callable[[], bool], what: str) -> None:
        """Wait (bounded) until ``predicate()`` holds after a state or server change."""
        try:
            async with asyncio.timeout(STEP_WITHIN):
                while not predicate():
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            raise InvariantError("step stuck", what) from None

    def shows(self, model: EntryModel, key: tuple[str, str], state: str) -> bool:
        """Whether the entry's entity ``key`` shows ``state``."""
        found = self.hass.states.get(model.entities[key])
        return found is not None and found.state == state

    async def call_service(
        self, domain: str, service: str, data: dict[str, Any]
    ) -> bool:
        """Call an action as a user would; return whether it worked (errors are answers)."""
        return (await self.answer(domain, service, data)).error is None

    async def answer(
        self,
        domain: str,
        service: str,
        data: dict[str, Any],
        *,
        response: bool = False,
    ) -> Answer:
        """Call an action as a user would; return its response, or the error it raised."""
        try:
            found = await self.hass.services.async_call(
                domain, service, data, blocking=True, return_response=response
            )
        except HomeAssistantError as err:
            return Answer(error=err)
        return Answer(response=found)


@dataclass(frozen=True)
class Answer:
    """What an action answered: its response (if it gives one), or the error it raised."""

    response: ServiceResponse = None
    error: HomeAssistantError | None = None
