"""Errors: the code -> class table, error bodies, and every way a response can be unusable."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from sfapi_fakes import Fake

import app.sfapi_client as sfapi_client
from app.protocol import HTTP_STATUS, ErrorCode
from app.sfapi_client import (
    ERROR_CLASSES,
    BadParam,
    Client,
    SFApiError,
    SFApiMalformedResponseError,
    SFApiRemoteError,
)

# ------------------------------------------------------------------ the table


def test_every_error_code_has_its_own_class() -> None:
    assert set(ERROR_CLASSES) == set(ErrorCode)
    assert len(set(ERROR_CLASSES.values())) == len(ErrorCode)
    for code, cls in ERROR_CLASSES.items():
        assert issubclass(cls, SFApiRemoteError)
        # Class names are the CamelCase of the code; a builtin name gets a trailing underscore.
        camel = "".join(part.capitalize() for part in code.split("_"))
        assert cls.__name__.rstrip("_") == camel
        assert getattr(sfapi_client, cls.__name__) is cls
    assert sfapi_client.NotImplemented_.__name__ == "NotImplemented_"


def test_the_tree_has_one_root() -> None:
    assert issubclass(SFApiRemoteError, SFApiError)
    assert issubclass(SFApiMalformedResponseError, SFApiError)
    assert not issubclass(SFApiMalformedResponseError, SFApiRemoteError)


@pytest.mark.parametrize("code", list(ErrorCode))
async def test_each_error_body_raises_its_class_with_the_protocol_status(
    fake: Fake, code: ErrorCode
) -> None:
    status = HTTP_STATUS[code]
    fake.reply(status, json={"code": code, "reason": "because", "param": "p", "value": "v"})
    with pytest.raises(ERROR_CLASSES[code]) as info:
        await fake.client.list_galleries()
    err = info.value
    assert (err.code, err.reason, err.param, err.value, err.status) == (
        code,
        "because",
        "p",
        "v",
        status,
    )
    assert str(err) == f"{code}: because"
    # Built by hand, a remote error takes its status from the same protocol table.
    assert ERROR_CLASSES[code](code, "x").status == status


async def test_reason_falls_back_to_desc(fake: Fake) -> None:
    fake.reply(404, json={"code": "NOT_FOUND", "desc": "no such face"})
    with pytest.raises(sfapi_client.NotFound, match="^NOT_FOUND: no such face$") as info:
        await fake.client.gallery("g").get(1)
    assert info.value.param is None


async def test_an_unknown_code_raises_the_base_class(fake: Fake) -> None:
    fake.reply(423, json={"code": "DELETING", "reason": "busy"})
    with pytest.raises(SFApiRemoteError) as info:
        await fake.client.list_galleries()
    assert type(info.value) is SFApiRemoteError
    assert (info.value.code, info.value.status) == ("DELETING", 423)


def test_repr_is_readable() -> None:
    err = BadParam("BAD_PARAM", "must be 0..1", "threshold", "1.7")
    assert repr(err) == (
        "BadParam(code='BAD_PARAM', reason='must be 0..1', param='threshold', value='1.7', "
        "status=400)"
    )


# ------------------------------------------------------------------ unusable responses


def _assert_malformed(exc: SFApiMalformedResponseError, cause: type[BaseException]) -> None:
    assert isinstance(exc.__cause__, cause), repr(exc.__cause__)


@pytest.mark.parametrize(
    ("status", "kwargs", "cause"),
    [
        # A body cut off in the middle.
        (200, {"content": b'{"galleries": [{"name": "a", "numb'}, json.JSONDecodeError),
        # A proxy's HTML page instead of the API.
        (
            200,
            {"content": b"<html>Login</html>", "headers": {"content-type": "text/html"}},
            json.JSONDecodeError,
        ),
        # A gateway error without a JSON body.
        (502, {"content": b"Bad Gateway"}, json.JSONDecodeError),
        # JSON, but not an error body.
        (500, {"json": ["oops"]}, ValueError),
        # JSON of the wrong shape.
        (200, {"json": {"galleries": [{"name": "a"}]}}, KeyError),
        (200, {"json": {"galleries": [{"name": "a", "number_of_faces": 1.5}]}}, TypeError),
        (200, {"json": {"galleries": [{"name": "a", "number_of_faces": True}]}}, TypeError),
    ],
    ids=["truncated", "html", "502", "no-code", "missing-field", "float-count", "bool-count"],
)
async def test_unreadable_responses_are_malformed(
    fake: Fake, status: int, kwargs: dict[str, object], cause: type[BaseException]
) -> None:
    fake.reply(status, **kwargs)
    with pytest.raises(SFApiMalformedResponseError) as info:
        await fake.client.list_galleries()
    _assert_malformed(info.value, cause)
    assert info.value.status == status
    assert f"HTTP {status}" in str(info.value)
    assert "body starts b" in str(info.value)


async def test_a_normalized_image_that_is_not_an_image_is_malformed(fake: Fake) -> None:
    fake.reply(json={"code": "x"})
    with pytest.raises(SFApiMalformedResponseError) as info:
        await fake.client.gallery("g").normalized(1)
    _assert_malformed(info.value, ValueError)


async def test_a_transport_failure_is_malformed(fake: Fake) -> None:
    fake.raise_(httpx.ReadTimeout("timed out"))
    with pytest.raises(SFApiMalformedResponseError, match="ReadTimeout") as info:
        await fake.client.status()
    _assert_malformed(info.value, httpx.ReadTimeout)
    assert info.value.status is None


# Real sockets for the low-level failures, so the errors are the ones httpx really raises.

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@pytest.fixture
async def raw_server() -> AsyncIterator[Callable[[Handler], Awaitable[str]]]:
    servers: list[asyncio.Server] = []

    async def start(handler: Handler) -> str:
        server = await asyncio.start_server(handler, "127.0.0.1", 0)
        servers.append(server)
        port = server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


async def _read_request(reader: asyncio.StreamReader) -> None:
    await reader.readuntil(b"\r\n\r\n")


async def test_a_body_shorter_than_its_content_length_is_malformed(
    raw_server: Callable[[Handler], Awaitable[str]],
) -> None:
    async def truncating(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n"
            b'{"galleries": ['
        )
        await writer.drain()
        writer.close()

    async with Client(await raw_server(truncating)) as client:
        with pytest.raises(SFApiMalformedResponseError) as info:
            await client.list_galleries()
    _assert_malformed(info.value, httpx.RemoteProtocolError)


async def test_a_timeout_is_malformed(raw_server: Callable[[Handler], Awaitable[str]]) -> None:
    release = asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        await release.wait()
        writer.close()

    async with Client(await raw_server(silent)) as client:
        with pytest.raises(SFApiMalformedResponseError) as info:
            await client.status(timeout=0.2)
    release.set()
    _assert_malformed(info.value, httpx.ReadTimeout)


async def test_a_refused_connection_is_malformed() -> None:
    # A bound socket that does not listen: connecting to it is refused, and nobody can take the
    # port while we hold it.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        async with Client(url) as client:
            with pytest.raises(SFApiMalformedResponseError, match="GET /v2/status") as info:
                await client.status()
    _assert_malformed(info.value, httpx.ConnectError)
