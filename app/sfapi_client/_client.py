"""`Client`: the connection to one sf-api server, and the one place wire failures become errors.

Every request goes through `Client._request`, which is the client's only error boundary:
httpx failures (refused connection, timeout, broken or truncated response) and bodies that do
not have the expected shape become `SFApiMalformedResponseError` with the low-level exception as
`__cause__`; error bodies become the `SFApiRemoteError` subclass of their code.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, TypeVar

import httpx

from app import __version__
from app.sfapi_client._exceptions import SFApiMalformedResponseError, remote_error
from app.sfapi_client._gallery import Gallery
from app.sfapi_client._models import DetectResponse, GalleryListItem, ServerStatus
from app.sfapi_client._refs import detection_id
from app.sfapi_client._types import DetectionRef
from app.sfapi_client._wire import image_body, path_segment

_T = TypeVar("_T")
log = logging.getLogger(__name__)

DEFAULT_URL = "http://127.0.0.1:18411"
#: Seconds per request unless a call passes its own `timeout`; detection on a CPU takes a while.
DEFAULT_TIMEOUT = 30.0

#: Leading bytes of the image formats the server reads, and their content types.
_IMAGE_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"BM", "image/bmp"),
)


def _image_content_type(image: bytes) -> str:
    """The content type of an image from its leading bytes (octet-stream if unknown)."""
    if image[:4] == b"RIFF" and image[8:12] == b"WEBP":
        return "image/webp"
    for signature, content_type in _IMAGE_SIGNATURES:
        if image.startswith(signature):
            return content_type
    return "application/octet-stream"


class Client:
    """An async sf-api client: `async with Client(url) as client: ...`.

    `timeout` is the default per request in seconds (None waits forever); each method's own
    `timeout=None` means "use this default". `token` is sent as `Authorization: Bearer` (for a
    server started with `--token`). `transport` replaces the network (e.g. `httpx.MockTransport`
    in tests). Proxy environment variables are ignored: sf-api servers live on the local network.
    """

    def __init__(
        self,
        url: str = DEFAULT_URL,
        *,
        timeout: float | None = DEFAULT_TIMEOUT,
        token: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        headers = {"User-Agent": f"sfdesk-sfapi-client/{__version__}"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        self.url = url
        self._http = httpx.AsyncClient(
            base_url=url, timeout=timeout, headers=headers, transport=transport, trust_env=False
        )

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool; the client is unusable afterwards."""
        await self._http.aclose()

    def __repr__(self) -> str:
        return f"<Client url={self.url!r}>"

    async def _request(
        self,
        method: str,
        path: str,
        parse: Callable[[httpx.Response], _T],
        *,
        timeout: float | None,
        params: list[tuple[str, str]] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> _T:
        """Send one request and return `parse(response)`; the only error boundary."""
        what = f"{method} {path}"
        try:
            response = await self._http.request(
                method,
                path,
                params=None if params is None else tuple(params),
                json=json,
                content=content,
                headers=headers,
                timeout=httpx.USE_CLIENT_DEFAULT if timeout is None else timeout,
            )
        except httpx.HTTPError as exc:
            raise SFApiMalformedResponseError(f"{what}: {type(exc).__name__}: {exc}") from exc
        status = response.status_code
        log.debug("%s -> %d", what, status)
        try:
            if response.is_success:
                return parse(response)
            error = remote_error(response.json(), status)
        except (KeyError, TypeError, ValueError) as exc:
            raise SFApiMalformedResponseError(
                f"{what}: unreadable HTTP {status} response ({type(exc).__name__}: {exc}); "
                f"body starts {response.content[:80]!r}",
                status=status,
            ) from exc
        raise error

    def gallery(self, name: str) -> Gallery:
        """A handle on the gallery `name`; no request is made (the gallery need not exist)."""
        return Gallery(self, name)

    def __getitem__(self, name: str) -> Gallery:
        """`client["name"]` is `client.gallery("name")`."""
        return self.gallery(name)

    async def detect(
        self,
        *,
        url: str | None = None,
        image: bytes | None = None,
        facen: bool = False,
        gender: bool = False,
        age: bool = False,
        emotions: bool = False,
        return_facen: bool = False,
        autorotate: bool = False,
        detector: str | None = None,
        timeout: float | None = None,
    ) -> DetectResponse:
        """Detect the faces in an image given as bytes (`image`) or as a `url` the server fetches.

        `facen=True` extracts feature vectors and caches the detections, so their ids can be
        added to a gallery or searched with `filters.Detection`; `gender`/`age`/`emotions` add
        those attributes to `features`; `return_facen` returns the vector itself; `autorotate`
        also tries the image rotated; `detector="normalized"` takes the image as an aligned crop.
        """
        if (url is None) == (image is None):
            raise ValueError("pass exactly one of url= or image=")
        flags = {
            "facen": facen,
            "gender": gender,
            "age": age,
            "emotions": emotions,
            "return_facen": return_facen,
            "autorotate": autorotate,
        }
        params = [(name, "true") for name, on in flags.items() if on]
        if detector is not None:
            params.append(("detector", detector))
        if image is not None:
            content, content_type = bytes(image), _image_content_type(image)
        else:
            content, content_type = str(url).encode(), "text/x-url"
        return await self._request(
            "POST",
            "/v2/detect",
            lambda r: DetectResponse.from_json(r.json()),
            timeout=timeout,
            params=params,
            content=content,
            headers={"Content-Type": content_type},
        )

    async def list_galleries(self, timeout: float | None = None) -> list[GalleryListItem]:
        """Every gallery with its `name` and `number` of faces."""
        return await self._request(
            "GET",
            "/v2/galleries",
            lambda r: [GalleryListItem.from_json(g) for g in r.json()["galleries"]],
            timeout=timeout,
        )

    async def status(self, timeout: float | None = None) -> ServerStatus:
        """The server's status, version and model pack (extension: `GET /v2/status`)."""
        return await self._request(
            "GET", "/v2/status", lambda r: ServerStatus.from_json(r.json()), timeout=timeout
        )

    async def detection_normalized(
        self, detection: DetectionRef, timeout: float | None = None
    ) -> bytes:
        """The aligned 112x112 PNG crop of a cached detection (extension)."""
        return await self._request(
            "GET",
            f"/v2/detect/{path_segment(detection_id(detection))}/normalized",
            image_body,
            timeout=timeout,
        )
