"""Constants of the ICWS Station integration."""

from __future__ import annotations

import logging
from typing import Final

DOMAIN: Final = "icws_station"
LOGGER = logging.getLogger(__package__)

APPLICATION_NAME: Final = "Home Assistant"

# Entry options (data holds url, username, password, verify_ssl).
CONF_STATION_TYPE: Final = "station_type"
CONF_WORKSTATION: Final = "workstation"
CONF_REMOTE_NUMBER: Final = "remote_number"
CONF_PERSISTENT: Final = "persistent"
CONF_RETRIEVAL_MODE: Final = "retrieval_mode"
# Set when the server gave the chosen station to another logon: not taken back until the
# user chooses a station again.
CONF_STATION_TAKEN: Final = "station_taken"
# An option of entries before version 1.2, which the migration drops.
CONF_POLL_INTERVAL: Final = "poll_interval"

# The data of a wallboard workgroup (a config subentry): the workgroup's name on the server.
CONF_WORKGROUP: Final = "workgroup"

# Fields of the set_status action.
ATTR_STATUS: Final = "status"
ATTR_NOTES: Final = "notes"
ATTR_UNTIL: Final = "until"
ATTR_FORWARD_NUMBER: Final = "forward_number"
# A colleague whose status a supervisor sets (absent: the user's own).
ATTR_USER_ID: Final = "user_id"

# Fields of the call actions.
ATTR_INTERACTION_ID: Final = "interaction_id"
ATTR_MUTE: Final = "mute"
ATTR_TARGET: Final = "target"
ATTR_DIGITS: Final = "digits"
ATTR_NUMBER: Final = "number"
ATTR_WORKGROUP: Final = "workgroup"

# Seconds between polls when the server cannot stream: the vendor's own example polls every
# second (docs/icws-protocol.md §4). A poll drains the session's queue, so a shorter interval
# only adds requests; Home Assistant does not let users choose polling intervals.
POLL_INTERVAL: Final = 1.0
