"""The event-stream decoder, fed the byte patterns real servers and networks produce."""

from __future__ import annotations

import pytest

from custom_components.icws_station.icws.sse import SseDecoder


@pytest.mark.parametrize("ending", [b"\n", b"\r\n", b"\r"])
def test_line_endings(ending: bytes) -> None:
    decoder = SseDecoder()
    # A final comment line: a lone CR at the end could still be the start of a CRLF.
    stream = ending.join([b"data: one", b"", b"data: two", b"", b": more", b""])

    assert decoder.feed(stream) == ["one", "two"]


def test_event_split_at_every_byte() -> None:
    decoder = SseDecoder()
    stream = b': ping\r\nretry: 1500\r\ndata: {"a":\r\ndata: 1}\r\n\r\n'

    events = [event for byte in stream for event in decoder.feed(bytes([byte]))]

    assert events == ['{"a":\n1}']
    assert decoder.retry == 1.5


def test_comments_and_other_fields_are_not_events() -> None:
    decoder = SseDecoder()

    assert decoder.feed(b": keep-alive\n\nevent: x\nid: 7\nretry: soon\n\n") == []
    assert decoder.retry is None


def test_data_without_space_and_without_value() -> None:
    decoder = SseDecoder()

    assert decoder.feed(b"data:x\ndata\n\n") == ["x\n"]


def test_oversized_event_is_dropped_and_the_next_one_kept() -> None:
    decoder = SseDecoder(max_event_bytes=16)

    events = decoder.feed(
        b"data: " + b"x" * 10 + b"\ndata: " + b"y" * 10 + b"\n\ndata: ok\n\n"
    )

    assert events == ["ok"]
    assert decoder.dropped_events == 1


def test_oversized_unterminated_line_is_dropped() -> None:
    decoder = SseDecoder(max_event_bytes=16)

    assert decoder.feed(b"data: " + b"z" * 64) == []
    assert decoder.feed(b"z\n\ndata: ok\n\n") == ["ok"]
    assert decoder.dropped_events == 1


def test_invalid_utf8_is_replaced_not_fatal() -> None:
    assert SseDecoder().feed(b"data: \xff\n\n") == ["\ufffd"]
