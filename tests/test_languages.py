"""The languages beside en.json: every key, the same placeholders, and what a user sees.

Home Assistant fills a key a language lacks with the English text, and drops (logging an
error) a translated text whose placeholders differ from the English one, so either defect
shows English in the middle of a German or French screen. Each language file therefore holds
exactly en.json's keys, and each of its texts exactly the English text's placeholders and
code spans (examples, action names). Hassfest's schema is applied to every language file in
test_hassfest.py.
"""

from __future__ import annotations

from collections.abc import Iterator
import json
from pathlib import Path
import re
import string
from typing import Any

from homeassistant.const import ATTR_CONFIG_ENTRY_ID, ATTR_FRIENDLY_NAME
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.translation import async_get_translations
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.icws_station.const import DOMAIN

from .test_hassfest import DELETE, plant

TRANSLATIONS = (
    Path(__file__).parents[1] / "custom_components" / "icws_station" / "translations"
)
ENGLISH: dict[str, Any] = json.loads(
    (TRANSLATIONS / "en.json").read_text(encoding="utf-8")
)
LANGUAGES = sorted(
    path.stem for path in TRANSLATIONS.glob("*.json") if path.stem != "en"
)
CODE_SPAN = re.compile(r"`[^`]*`")


def _load(language: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        (TRANSLATIONS / f"{language}.json").read_text(encoding="utf-8")
    )
    return loaded


def _texts(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Yield each leaf of a translations tree with its dotted path."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(item, f"{path}.{key}" if path else key)
    else:
        yield path, value


def _placeholders(text: str) -> set[str]:
    return {
        name for _, name, _, _ in string.Formatter().parse(text) if name is not None
    }


def key_problems(translated: dict[str, Any]) -> list[str]:
    """Return the keys a language lacks, or has that en.json does not."""
    english, other = dict(_texts(ENGLISH)), dict(_texts(translated))
    return [f"missing: {key}" for key in english.keys() - other.keys()] + [
        f"not in en.json: {key}" for key in other.keys() - english.keys()
    ]


def text_problems(translated: dict[str, Any]) -> list[str]:
    """Return the texts whose placeholders, code spans or bold marks differ from English."""
    english = dict(_texts(ENGLISH))
    problems: list[str] = []
    for key, text in _texts(translated):
        source = english.get(key)
        if not isinstance(text, str) or not isinstance(source, str):
            if key in english:
                problems.append(f"{key}: not a text")
            continue
        if _placeholders(text) != _placeholders(source):
            problems.append(
                f"{key}: placeholders {sorted(_placeholders(text))}"
                f" instead of {sorted(_placeholders(source))}"
            )
        if sorted(CODE_SPAN.findall(text)) != sorted(CODE_SPAN.findall(source)):
            problems.append(f"{key}: code spans differ from English")
        if text.count("**") != source.count("**"):
            problems.append(f"{key}: bold marks differ from English")
    return problems


def english_left(translated: dict[str, Any]) -> list[str]:
    """Return the keys whose text is still the English one.

    Single words both languages share ("Status", "Session", "Notes") are no oversight; a
    sentence or a phrase left in English is.
    """
    english = dict(_texts(ENGLISH))
    return [
        key
        for key, text in _texts(translated)
        if text == english.get(key) and len(str(text).split()) > 1
    ]


def test_there_are_languages() -> None:
    assert LANGUAGES == ["de", "fr"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_key_of_en_json(language: str) -> None:
    assert key_problems(_load(language)) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_same_placeholders_and_code(language: str) -> None:
    assert text_problems(_load(language)) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_text_left_in_english(language: str) -> None:
    assert english_left(_load(language)) == []


def test_the_checks_find_planted_defects() -> None:
    """Each check flags a defect planted in a copy of en.json, which passes them all."""
    step = "config.step.station"
    description = ENGLISH["config"]["step"]["station"]["description"]
    assert key_problems(plant(ENGLISH, f"{step}.title", DELETE)) == [
        f"missing: {step}.title"
    ]
    assert key_problems(plant(ENGLISH, f"{step}.data.extra", "Extra")) == [
        f"not in en.json: {step}.data.extra"
    ]
    renamed = description.replace("{server}", "{host}")
    assert text_problems(plant(ENGLISH, f"{step}.description", renamed)) == [
        f"{step}.description: placeholders ['host', 'user'] instead of ['server', 'user']"
    ]
    dropped = "Angemeldet als {user}."
    assert text_problems(plant(ENGLISH, f"{step}.description", dropped)) == [
        f"{step}.description: placeholders ['user'] instead of ['server', 'user']",
        f"{step}.description: bold marks differ from English",
    ]
    issue = "issues.station_not_found.description"
    translated_code = "Wähle eine Station mit `icws_station.station_verbinden`."
    assert f"{issue}: code spans differ from English" in text_problems(
        plant(ENGLISH, issue, translated_code)
    )
    title = ENGLISH["config"]["step"]["station"]["title"]
    assert f"{step}.title" in english_left(plant(_load("de"), f"{step}.title", title))
    assert key_problems(ENGLISH) == text_problems(ENGLISH) == []


# --- What Home Assistant makes of them ---


def _entity_id(
    hass: HomeAssistant, entry: MockConfigEntry, domain: str, key: str
) -> str:
    found = er.async_get(hass).async_get_entity_id(
        domain, DOMAIN, f"{entry.unique_id}_{key}"
    )
    assert found is not None, (domain, key)
    return found


@pytest.mark.usefixtures("live_sessions")
@pytest.mark.parametrize(
    ("language", "dnd_name", "unknown_call"),
    [
        (
            "de",
            "Jane Doe (CIC01) Bitte nicht stören",
            "1001000999 ist keiner deiner Anrufe.",
        ),
        (
            "fr",
            "Jane Doe (CIC01) Ne pas déranger",
            "1001000999 ne fait pas partie de vos appels.",
        ),
    ],
)
async def test_home_assistant_speaks_the_language(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    language: str,
    dnd_name: str,
    unknown_call: str,
) -> None:
    """Entity names come out translated; an action's refusal reads translated in the UI.

    The frontend renders a refusal from its translation key and placeholders in the user's
    language, as done here; ``str()`` of the exception is always English.
    """
    hass.config.language = language
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    dnd = hass.states.get(
        _entity_id(hass, mock_config_entry, "binary_sensor", "do_not_disturb")
    )
    assert dnd is not None
    assert dnd.attributes[ATTR_FRIENDLY_NAME] == dnd_name

    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "end_call",
            {
                ATTR_CONFIG_ENTRY_ID: mock_config_entry.entry_id,
                "interaction_id": "1001000999",
            },
            blocking=True,
        )
    translations = await async_get_translations(hass, language, "exceptions", {DOMAIN})
    key = f"component.{DOMAIN}.exceptions.{err.value.translation_key}.message"
    placeholders = err.value.translation_placeholders or {}
    message = translations[key].format(**placeholders)
    assert message.startswith(unknown_call)
    assert "Validation of translation placeholders" not in caplog.text
