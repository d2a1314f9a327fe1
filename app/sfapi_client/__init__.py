"""Async sf-api client with the surface of `ntech.sfapi_client`, built on httpx.

Code written for FindFace ports by changing the import:

```
ntech.sfapi_client                     ->  app.sfapi_client
from ntech import sfapi_client         ->  from app import sfapi_client
ntech.sfapi_client.filters (Id, Meta, Detection, Face, Filter)
                                       ->  app.sfapi_client.filters
ntech.sfapi_client.objects (BBox, DetectFace, DetectResponse, FaceId, Face, ListResponse)
                                       ->  app.sfapi_client.objects (also at the top level)
ntech.sfapi_client.client.Client       ->  app.sfapi_client.client.Client
ntech.sfapi_client.gallery.Gallery     ->  app.sfapi_client.gallery.Gallery
sfapi_client.SFApiRemoteError, sfapi_client.SFApiMalformedResponseError
                                       ->  the same names here
```

sfdesk additions: `SFApiError` (common base), one `SFApiRemoteError` subclass per error code
(`BadParam`, `Conflict`, ...; `NOT_IMPLEMENTED` is `NotImplemented_`), `Client.status`,
`Client.detection_normalized`, `Gallery.info`, `Gallery.normalized`, `Gallery.list_all`,
`Gallery.create(meta_schema=...)`, and the id generator `idgen` / `IdGenerator`.
"""

from app.sfapi_client import filters, objects
from app.sfapi_client._client import DEFAULT_TIMEOUT, DEFAULT_URL, Client
from app.sfapi_client._exceptions import (
    ERROR_CLASSES,
    BadParam,
    CacheError,
    Conflict,
    ExtractionError,
    GalleryNotFound,
    LicenseError,
    MalformedRequest,
    NotFound,
    NotImplemented_,
    OverCapacity,
    SFApiError,
    SFApiMalformedResponseError,
    SFApiRemoteError,
    SourceGalleryNotFound,
    SourceNotFound,
    StorageError,
    Unauthorized,
    UnknownError,
)
from app.sfapi_client._gallery import Gallery
from app.sfapi_client._idgen import IdGenerator, idgen
from app.sfapi_client._models import (
    BBox,
    DetectFace,
    DetectResponse,
    Face,
    FaceId,
    GalleryInfo,
    GalleryListItem,
    ListResponse,
    MetaField,
    ServerStatus,
)

__all__ = [
    "BBox",
    "BadParam",
    "CacheError",
    "Client",
    "Conflict",
    "DEFAULT_TIMEOUT",
    "DEFAULT_URL",
    "DetectFace",
    "DetectResponse",
    "ERROR_CLASSES",
    "ExtractionError",
    "Face",
    "FaceId",
    "Gallery",
    "GalleryInfo",
    "GalleryListItem",
    "GalleryNotFound",
    "IdGenerator",
    "LicenseError",
    "ListResponse",
    "MalformedRequest",
    "MetaField",
    "NotFound",
    "NotImplemented_",
    "OverCapacity",
    "SFApiError",
    "SFApiMalformedResponseError",
    "SFApiRemoteError",
    "ServerStatus",
    "SourceGalleryNotFound",
    "SourceNotFound",
    "StorageError",
    "Unauthorized",
    "UnknownError",
    "filters",
    "idgen",
    "objects",
]
