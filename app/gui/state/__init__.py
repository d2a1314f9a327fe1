"""Qt-free state of the desktop app: observable objects the Qt models and views adapt."""

from app.gui.state._attributes import (
    ISSUE_TEXT,
    describe_attributes,
    issues_of,
    quality_of,
)
from app.gui.state._cameras import (
    CameraInfo,
    camera_of_index,
    preferred_camera,
)
from app.gui.state._candidates import (
    Candidate,
    candidate_of,
    detect_photo,
    fetch_crop,
)
from app.gui.state._connection import (
    ConnectionInfo,
    ConnectionState,
    ConnectionWatcher,
    Phase,
)
from app.gui.state._enroll import (
    EnrollState,
    SimilarFace,
)
from app.gui.state._errors import (
    EXPECTED_ERRORS,
    GuiError,
    MediaError,
    NotConnectedError,
    ValidationError,
    describe_error,
)
from app.gui.state._events import (
    Event,
)
from app.gui.state._faces import (
    PAGE_SIZE,
    FaceRecord,
    FacesState,
)
from app.gui.state._filters import (
    ID_FIELD,
    FilterBuilderState,
    FilterRow,
    Operator,
    operators_for,
)
from app.gui.state._galleries import (
    GalleriesState,
    GalleryItem,
)
from app.gui.state._live import (
    LiveFace,
    LiveOptions,
    LiveState,
    LiveStats,
    faces_summary,
)
from app.gui.state._messages import (
    Level,
    Message,
    MessageBridge,
)
from app.gui.state._meta import (
    MetaField,
    MetaType,
    MetaValue,
    changed_meta,
    format_meta_value,
    parse_meta_text,
    schema_from_info,
    schema_to_wire,
    split_list,
)
from app.gui.state._operations import (
    Operation,
    Operations,
    guarded,
)
from app.gui.state._search import (
    Hit,
    Probe,
    SearchState,
)
from app.gui.state._session import (
    Session,
)
from app.gui.state._settings import (
    ServerMode,
    Settings,
)
from app.gui.state._video import (
    Decode,
    Frame,
    FrameSource,
    encode_jpeg,
    read_file,
)

__all__ = [
    "CameraInfo",
    "Candidate",
    "ConnectionInfo",
    "ConnectionState",
    "ConnectionWatcher",
    "Decode",
    "EXPECTED_ERRORS",
    "EnrollState",
    "Event",
    "FaceRecord",
    "FacesState",
    "FilterBuilderState",
    "FilterRow",
    "Frame",
    "FrameSource",
    "GalleriesState",
    "GalleryItem",
    "GuiError",
    "Hit",
    "ID_FIELD",
    "ISSUE_TEXT",
    "Level",
    "LiveFace",
    "LiveOptions",
    "LiveState",
    "LiveStats",
    "MediaError",
    "Message",
    "MessageBridge",
    "MetaField",
    "MetaType",
    "MetaValue",
    "NotConnectedError",
    "Operation",
    "Operations",
    "Operator",
    "PAGE_SIZE",
    "Phase",
    "Probe",
    "SearchState",
    "ServerMode",
    "Session",
    "Settings",
    "SimilarFace",
    "ValidationError",
    "camera_of_index",
    "candidate_of",
    "changed_meta",
    "describe_attributes",
    "describe_error",
    "detect_photo",
    "encode_jpeg",
    "faces_summary",
    "fetch_crop",
    "format_meta_value",
    "guarded",
    "issues_of",
    "operators_for",
    "parse_meta_text",
    "preferred_camera",
    "quality_of",
    "read_file",
    "schema_from_info",
    "schema_to_wire",
    "split_list",
]
