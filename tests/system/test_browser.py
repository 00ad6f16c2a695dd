"""The config flow and the device pages in Home Assistant's frontend, driven in Chromium.

A person's path: log in, Settings → Devices & services → Add integration, search, fill each
form (one wrong password first), finish, and read the device page; then Add workgroup on
the integration's page, and the workgroup's device page. Every form is checked for
human text only (no raw translation keys), and the screenshots the README shows are taken:
into screenshots/<leg>/, or over docs/screenshots/ with ICWS_REFRESH_SCREENSHOTS=1 (conftest).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import json
import re
import shutil
from typing import Any

import aiohttp
from playwright.async_api import Locator, Page, async_playwright, expect
import pytest

from custom_components.icws_station.config_flow import ADDRESS_EXAMPLES

from .conftest import OWNER, ROOT, SCREENSHOTS, RunningHomeAssistant, websocket_command
from .test_system import add_integration, control

CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium keeps calling out, and a closed network refuses it.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.usefixtures("socket_enabled"),
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="Chromium is not installed (no `chromium` on PATH); the browser test needs "
        "Debian's chromium package",
    ),
]

WAIT = 30.0  # seconds for any one step: two other test runs may share the two cores
STEP_MS = WAIT * 1000
VIEWPORT = {"width": 1280, "height": 900}
STRINGS: dict[str, Any] = json.loads(
    (ROOT / "custom_components/icws_station/translations/en.json").read_text()
)
CONFIG = STRINGS["config"]
STEPS = CONFIG["step"]
DEVICE = "Jane Doe (CIC01)"
ACCOUNT = {"user": "Jane Doe", "server": "CIC01"}
SIMULATED_EXTENSION = "114"

# What the frontend shows when a translation is missing: the key path, a reference it could
# not resolve, or the bare key of a field, error or option.
RAW_TRANSLATION = re.compile(
    r"component\.|\bconfig\.(?:step|error|abort)\b|data_description|\[%key:"
    r"|\bui\.[a-z_]+\.|\{[a-z_]+\}"
)
SNAKE_CASE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
KEYS = (
    set(STEPS)
    | {key for step in STEPS.values() for key in step.get("data", {})}
    | set(CONFIG["error"])
    | set(CONFIG["abort"])
    | set(STRINGS["config_subentries"]["colleague"]["error"])
    | {
        option
        for selector in STRINGS["selector"].values()
        for option in selector["options"]
    }
)

# The text a person sees in an element: its rendered text nodes, through shadow roots and
# slots as the browser composes them, leaving out what is not laid out or is hidden.
VISIBLE_TEXT = """
(root) => {
  const texts = [];
  const shown = (node) => {
    const range = document.createRange();
    range.selectNodeContents(node);
    return range.getClientRects().length > 0
      && getComputedStyle(node.parentElement).visibility !== "hidden";
  };
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) {
      const text = node.textContent.trim();
      if (text && shown(node)) texts.push(text);
      return;
    }
    if (node.nodeType !== Node.ELEMENT_NODE) return;
    if (["STYLE", "SCRIPT", "TEMPLATE"].includes(node.tagName)) return;
    let children = node.childNodes;
    if (node.shadowRoot) children = node.shadowRoot.childNodes;
    else if (node.tagName === "SLOT" && node.assignedNodes().length) {
      children = node.assignedNodes();
    }
    for (const child of children) walk(child);
  };
  walk(root);
  return texts;
}
"""


def plain(markdown: str, placeholders: dict[str, str] | None = None) -> str:
    """Return a translation as the frontend renders it: placeholders filled, no markup."""
    for name, value in (placeholders or {}).items():
        markdown = markdown.replace(f"{{{name}}}", value)
    return markdown.replace("**", "").replace("`", "")


def squash(text: str) -> str:
    """Drop all white space: rendered markup splits and joins text at its own places."""
    return re.sub(r"\s+", "", text)


def step_texts(step: str, fields: list[str], **placeholders: str) -> list[str]:
    """Return what a config flow step must show from en.json: title, description, fields."""
    strings = STEPS[step]
    return [
        strings["title"],
        plain(strings["description"], placeholders),
        *(strings["data"][field] for field in fields),
        *(plain(strings["data_description"][field], placeholders) for field in fields),
    ]


async def expect_picked(dialog: Locator, label: str, value: str) -> None:
    """The form's field ``label`` shows ``value`` picked.

    The pinned release's frontend renders a picked option as a list item (its text slotted
    in), the newest as a button named after the field and the option.
    """
    pattern = f"{re.escape(label)}.*{re.escape(value)}"
    item = dialog.get_by_role("listitem")
    button = dialog.get_by_role("button", name=re.compile(pattern))
    await expect(item.or_(button).first).to_be_visible(timeout=STEP_MS)
    if await button.count():
        return
    await expect(item).to_match_aria_snapshot(
        f"- listitem: /{pattern}/", timeout=STEP_MS
    )


async def assert_human_text(where: Locator, expected: list[str]) -> None:
    """Assert ``where`` shows ``expected`` and nothing that looks like a translation key."""
    texts: list[str] = await where.evaluate(VISIBLE_TEXT)
    # The accessibility tree adds the names of controls (aria-label and the like).
    aria = [
        line
        for line in (await where.aria_snapshot()).splitlines()
        if not line.lstrip().startswith("- /url:")
    ]
    for text in texts + aria:
        assert not RAW_TRANSLATION.search(text), f"raw translation key in {text!r}"
        assert not SNAKE_CASE.search(text), f"bare key in {text!r}"
    bare = [text for text in texts if text.rstrip("*").strip() in KEYS]
    assert not bare, f"bare keys shown as text: {bare}"
    shown = squash("".join(texts))
    missing = [text for text in expected if squash(text) not in shown]
    assert not missing, f"not shown: {missing}\nshown: {texts}"


async def screenshot(page: Page, name: str) -> None:
    """Save one of the README's screenshots, replacing the previous run's."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # The pointer rests where nothing reacts to it, not on the control last clicked.
    await page.mouse.move(VIEWPORT["width"] - 5, VIEWPORT["height"] // 2)
    await page.screenshot(
        path=SCREENSHOTS / name, animations="disabled", timeout=STEP_MS
    )


async def remove_integration(ha: RunningHomeAssistant, flows: list[str]) -> None:
    """Abort ``flows`` if still open and remove every ICWS Station entry, over REST."""
    headers = {"Authorization": f"Bearer {ha.token}"}
    async with aiohttp.ClientSession(
        headers=headers, timeout=aiohttp.ClientTimeout(total=WAIT)
    ) as http:
        for flow_id in flows:
            # A finished flow is gone already: 404.
            async with http.delete(
                f"{ha.url}/api/config/config_entries/flow/{flow_id}"
            ) as response:
                assert response.status in {200, 404}, await response.text()
        async with http.get(
            f"{ha.url}/api/config/config_entries/entry",
            params={"domain": "icws_station"},
        ) as response:
            assert response.status == 200, await response.text()
            entries = await response.json()
        for entry in entries:
            async with http.delete(
                f"{ha.url}/api/config/config_entries/entry/{entry['entry_id']}"
            ) as response:
                assert response.status == 200, await response.text()
        async with http.get(f"{ha.simulator_url}/_simulator/state") as response:
            assert (await response.json())["sessionCount"] == 0


@pytest.fixture
async def flows(home_assistant: RunningHomeAssistant) -> AsyncIterator[list[str]]:
    """Collect the flows the test starts; remove the integration before and after it.

    The system test shares this Home Assistant and the simulator, in either order. A flow
    the browser left open would block the next one for the same account.
    """
    ha = home_assistant
    await remove_integration(ha, [])
    # The station and the status as the screenshots show them.
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=WAIT)) as http:
        for path, body in (
            ("stations/WS-114", {"extension": SIMULATED_EXTENSION}),
            ("status/users/jdoe", {"status_id": "Available"}),
        ):
            async with http.post(
                f"{ha.simulator_url}/_simulator/{path}", json=body
            ) as response:
                assert response.status == 200, await response.text()
    started: list[str] = []
    try:
        yield started
    finally:
        await remove_integration(ha, started)


async def log_in(page: Page, ha: RunningHomeAssistant) -> None:
    """Open Home Assistant and log in as the owner on its login page."""
    await page.goto(ha.url)
    await page.get_by_role("textbox", name="Username").fill(OWNER["username"])
    await page.get_by_role("textbox", name="Password").fill(OWNER["password"])
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("link", name="Settings")).to_be_visible(
        timeout=STEP_MS
    )


async def open_config_flow(page: Page, flows: list[str]) -> Locator:
    """Settings → Devices & services → Add integration → ICWS Station; return the dialog."""
    await page.get_by_role("link", name="Settings").click()
    await page.get_by_role("link", name="Devices & services").click()
    await page.get_by_role("button", name="Add integration").click()
    # The dialog's own element: its content is slotted into the <dialog>, not inside it.
    brands = page.locator("dialog-add-integration")
    await brands.get_by_placeholder("Search for a brand name").fill("ICWS Station")
    async with page.expect_response(
        lambda response: (
            response.request.method == "POST"
            and response.url.endswith("/api/config/config_entries/flow")
        )
    ) as started:
        await brands.get_by_role("button", name="ICWS Station", exact=True).click()
    flows.append((await (await started.value).json())["flow_id"])
    return page.locator("dialog-data-entry-flow")


async def test_add_through_the_frontend(
    home_assistant: RunningHomeAssistant, flows: list[str]
) -> None:
    ha = home_assistant
    assert CHROMIUM is not None
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, timeout=STEP_MS
        )
        try:
            context = await browser.new_context(
                viewport={"width": VIEWPORT["width"], "height": VIEWPORT["height"]},
                locale="en-US",
                timezone_id="UTC",
                color_scheme="light",
                reduced_motion="reduce",
            )
            context.set_default_timeout(STEP_MS)
            page = await context.new_page()
            await log_in(page, ha)
            dialog = await open_config_flow(page, flows)
            submit = dialog.get_by_role("button", name="Submit")

            # Sign in: the empty form, then a wrong password, then the right one.
            user = STEPS["user"]
            await expect(dialog.get_by_text(user["title"], exact=True)).to_be_visible(
                timeout=STEP_MS
            )
            for field in ("url", "username", "password"):
                await expect(
                    dialog.get_by_role("textbox", name=user["data"][field])
                ).to_be_visible(timeout=STEP_MS)
            await expect(dialog.get_by_role("alert")).to_have_count(0, timeout=STEP_MS)
            fields = ["url", "username", "password", "verify_ssl"]
            await assert_human_text(
                dialog, step_texts("user", fields, **ADDRESS_EXAMPLES)
            )
            await screenshot(page, "config-flow-user.png")

            await dialog.get_by_role("textbox", name=user["data"]["url"]).fill(
                ha.simulator_url
            )
            await dialog.get_by_role("textbox", name=user["data"]["username"]).fill(
                "jdoe"
            )
            password = dialog.get_by_role("textbox", name=user["data"]["password"])
            await password.fill("not-the-password")
            await submit.click()
            refused = CONFIG["error"]["invalid_auth"]
            # The alert's text is slotted into it: match the accessibility tree.
            await expect(dialog.get_by_role("alert")).to_match_aria_snapshot(
                f"- alert: {json.dumps(refused)}", timeout=STEP_MS
            )
            await assert_human_text(
                dialog, [*step_texts("user", fields, **ADDRESS_EXAMPLES), refused]
            )
            await screenshot(page, "config-flow-error.png")

            await password.fill("secret")
            await submit.click()

            # The station type.
            station = STEPS["station"]
            await expect(
                dialog.get_by_text(station["title"], exact=True)
            ).to_be_visible(timeout=STEP_MS)
            options = STRINGS["selector"]["station_type"]["options"]
            for option in options.values():
                await expect(
                    dialog.get_by_role("radio", name=option, exact=True)
                ).to_be_visible(timeout=STEP_MS)
            await expect(
                dialog.get_by_role("radio", name=options["none"], exact=True)
            ).to_be_checked(timeout=STEP_MS)
            await assert_human_text(
                dialog,
                [
                    *step_texts("station", ["station_type"], **ACCOUNT),
                    *options.values(),
                ],
            )
            await screenshot(page, "config-flow-station.png")
            await dialog.get_by_role(
                "radio", name=options["workstation"], exact=True
            ).check()
            await submit.click()

            # The workstation.
            details = STEPS["station_details"]
            await expect(
                dialog.get_by_text(details["title"], exact=True)
            ).to_be_visible(timeout=STEP_MS)
            workstation = dialog.get_by_role(
                "textbox", name=details["data"]["workstation"]
            )
            await expect(workstation).to_be_visible(timeout=STEP_MS)
            await expect(dialog.get_by_role("textbox")).to_have_count(
                1, timeout=STEP_MS
            )
            await assert_human_text(
                dialog, step_texts("station_details", ["workstation"], **ACCOUNT)
            )
            await workstation.fill("WS-114")
            await screenshot(page, "config-flow-station-details.png")
            await submit.click()

            # Home Assistant's last page of the flow: the device, named by the entry.
            device_name = dialog.get_by_role("textbox", name="Device name")
            await expect(device_name).to_have_value(DEVICE, timeout=STEP_MS)
            await assert_human_text(dialog, [])
            await dialog.get_by_role("button", name="Skip and finish").click()
            await expect(dialog.get_by_role("dialog")).to_have_count(0, timeout=STEP_MS)

            # The frontend opens the new device's page.
            await page.wait_for_url("**/config/devices/device/*")
            device_page = page.locator("ha-config-device-page")
            await expect(
                device_page.get_by_text(DEVICE, exact=True).first
            ).to_be_visible(timeout=STEP_MS)
            sensors = STRINGS["entity"]["sensor"]
            rows = {
                sensors["extension"]["name"]: SIMULATED_EXTENSION,
                sensors["station_id"]["name"]: "WS-114",
                sensors["station_type"]["name"]: sensors["station_type"]["state"][
                    "workstation"
                ],
                STRINGS["entity"]["binary_sensor"]["station_connected"]["name"]: "On",
            }
            for name, state in rows.items():
                row = device_page.locator("hui-generic-entity-row").filter(
                    has=page.get_by_text(name, exact=True)
                )
                await expect(row).to_contain_text(state, timeout=STEP_MS)
            await assert_human_text(
                device_page,
                [DEVICE, *(f"{name}{state}" for name, state in rows.items())],
            )
            await screenshot(page, "device-page.png")

            # The status select, among the device's controls, open on the statuses the
            # user may pick.
            select_name = STRINGS["entity"]["select"]["set_status"]["name"]
            status_row = device_page.locator("hui-select-entity-row").filter(
                has=page.get_by_text(select_name, exact=True)
            )
            await expect(status_row).to_contain_text("Available", timeout=STEP_MS)
            await status_row.scroll_into_view_if_needed(timeout=STEP_MS)
            await status_row.locator("ha-select").click()
            # The open list: each option the user may pick, and nothing the server sets.
            for option in ("Do Not Disturb", "In a Meeting", "Gone Home"):
                await expect(page.get_by_text(option, exact=True).first).to_be_visible(
                    timeout=STEP_MS
                )
            await expect(page.get_by_text("ACD - Agent Not Answering")).to_have_count(
                0, timeout=STEP_MS
            )
            await screenshot(page, "device-page-status.png")
            await page.keyboard.press("Escape")

            await add_colleague(page, ha)
        finally:
            await browser.close()


COLLEAGUE = "ada.allen"
COLLEAGUE_NAME = "Ada Allen"


async def add_colleague(page: Page, ha: RunningHomeAssistant) -> None:
    """The entry's Add colleague flow, then the colleague's own page."""
    strings = STRINGS["config_subentries"]["colleague"]
    step = strings["step"]["user"]
    await page.goto(f"{ha.url}/config/integrations/integration/icws_station")
    # The integration's page offers each subentry type's flow beside "Add service".
    add = page.get_by_role("button", name=strings["initiate_flow"]["user"], exact=True)
    await expect(add).to_be_visible(timeout=STEP_MS)
    await add.click()
    dialog = page.locator("dialog-data-entry-flow")
    await expect(dialog.get_by_text(step["title"], exact=True)).to_be_visible(
        timeout=STEP_MS
    )
    await expect(
        dialog.get_by_text(plain(step["data_description"]["user_id"]), exact=True)
    ).to_be_visible(timeout=STEP_MS)
    await assert_human_text(
        dialog,
        [
            step["title"],
            plain(step["description"], {"title": DEVICE}),
            step["data"]["user_id"],
            plain(step["data_description"]["user_id"]),
        ],
    )
    # The picker starts on the first colleague by name, Ada Allen, as the form sends her.
    await expect_picked(dialog, step["data"]["user_id"], COLLEAGUE)
    await screenshot(page, "colleague-flow.png")
    await dialog.get_by_role("button", name="Submit").click()
    # The frontend says the colleague was added; closing it leaves the page.
    finish = dialog.get_by_role("button", name="Finish")
    await expect(finish).to_be_visible(timeout=STEP_MS)
    await finish.click()
    await expect(dialog.get_by_role("dialog")).to_have_count(0, timeout=STEP_MS)

    devices = websocket_command(
        ha.url, ha.token, {"type": "config/device_registry/list"}
    )
    device_id = next(d["id"] for d in devices if d["name"] == COLLEAGUE_NAME)
    await page.goto(f"{ha.url}/config/devices/device/{device_id}")
    device_page = page.locator("ha-config-device-page")
    await expect(
        device_page.get_by_text(COLLEAGUE_NAME, exact=True).first
    ).to_be_visible(timeout=STEP_MS)
    sensors, binary = STRINGS["entity"]["sensor"], STRINGS["entity"]["binary_sensor"]
    rows = {
        sensors["status"]["name"]: "Available",
        binary["on_call"]["name"]: "Off",
        binary["do_not_disturb"]["name"]: "Off",
    }
    for name, state in rows.items():
        row = device_page.locator("hui-generic-entity-row").filter(
            has=page.get_by_text(name, exact=True)
        )
        await expect(row).to_contain_text(state, timeout=STEP_MS)
    await assert_human_text(
        device_page,
        [COLLEAGUE_NAME, *(f"{name}{state}" for name, state in rows.items())],
    )
    await screenshot(page, "colleague-device.png")


async def test_a_workgroup_on_the_wallboard(
    http: aiohttp.ClientSession,
    home_assistant: RunningHomeAssistant,
    flows: list[str],
) -> None:
    """Add workgroup on the integration's page, then the workgroup's device page."""
    ha = home_assistant
    subentry = STRINGS["config_subentries"]["workgroup"]
    sensors = STRINGS["entity"]["sensor"]
    await add_integration(http, ha)
    # A busy moment on the queue: three callers, one answered, one agent left free.
    for path, body in (
        ("statistics/workgroups/Support", {"reset": True, "agents_available": 2}),
        ("statistics/workgroups/Support/calls/arrive", {"count": 4}),
        ("statistics/workgroups/Support/calls/answer", {"count": 1}),
    ):
        await control(http, ha, path, body)
    assert CHROMIUM is not None
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, timeout=STEP_MS
        )
        try:
            context = await browser.new_context(
                viewport={"width": VIEWPORT["width"], "height": VIEWPORT["height"]},
                locale="en-US",
                timezone_id="UTC",
                color_scheme="light",
                reduced_motion="reduce",
            )
            context.set_default_timeout(STEP_MS)
            page = await context.new_page()
            await log_in(page, ha)
            await page.goto(f"{ha.url}/config/integrations/integration/icws_station")
            await page.get_by_role(
                "button", name=subentry["initiate_flow"]["user"]
            ).first.click()
            dialog = page.locator("dialog-data-entry-flow")
            step = subentry["step"]["user"]
            await expect(dialog.get_by_text(step["title"], exact=True)).to_be_visible(
                timeout=STEP_MS
            )
            # The list's first workgroup is picked already; its text is slotted in.
            await expect_picked(dialog, step["data"]["workgroup"], "Support")
            for text in (step["description"], step["data_description"]["workgroup"]):
                await expect(dialog.get_by_text(plain(text))).to_be_visible(
                    timeout=STEP_MS
                )
            await assert_human_text(dialog, [step["title"], step["data"]["workgroup"]])
            await dialog.get_by_role("button", name="Submit").click()
            await dialog.get_by_role("button", name="Finish").click()
            await expect(dialog.get_by_role("dialog")).to_have_count(0, timeout=STEP_MS)

            device_id = await _device_named(ha, "Support")
            await page.goto(f"{ha.url}/config/devices/device/{device_id}")
            device_page = page.locator("ha-config-device-page")
            rows = {
                sensors["interactions_waiting"]["name"]: "3",
                sensors["agents_available"]["name"]: "1",
                sensors["interactions_connected"]["name"]: "1",
            }
            for name, state in rows.items():
                row = device_page.locator("hui-generic-entity-row").filter(
                    has=page.get_by_text(name, exact=True)
                )
                await expect(row).to_contain_text(state, timeout=STEP_MS)
            await assert_human_text(
                device_page, ["Support", subentry["entry_type"], *rows]
            )
            await screenshot(page, "workgroup-device.png")
        finally:
            await browser.close()


async def _device_named(ha: RunningHomeAssistant, name: str) -> str:
    """Return the id of the device with this name, from the device registry."""
    devices = await asyncio.to_thread(
        websocket_command,
        ha.url,
        ha.token,
        {"type": "config/device_registry/list"},
    )
    (device,) = [device for device in devices if device["name"] == name]
    device_id: str = device["id"]
    return device_id
