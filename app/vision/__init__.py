"""Face analysis on ONNX models: detection, landmarks, alignment, feature vectors, attributes.

`FaceEngine` runs the pipeline of face-models.md over a verified model pack; `install_pack` and
`verify_pack` manage packs; `render_detect_response` and friends turn results into sf-api JSON.
Every error is a `VisionError` (a `ProtocolError`).
"""

from app.vision._config import VisionConfig
from app.vision._engine import FaceEngine
from app.vision._errors import (
    INSTALL_COMMAND,
    ImageError,
    ImageTooLarge,
    ImageTooSmall,
    MalformedImage,
    ModelError,
    UnsupportedImage,
    VisionError,
)
from app.vision._ids import DETECTION_ID_RE, is_detection_id, new_detection_id
from app.vision._image import ACCEPTED_FORMATS, DecodedImage, ImageLimits, decode_image
from app.vision._manifest import (
    Manifest,
    ModelFile,
    ModelPack,
    PackSource,
    default_manifest_path,
    load_manifest,
)
from app.vision._packs import install_pack, pack_dir, require_pack, verify_pack
from app.vision._timing import StageTimer
from app.vision._types import (
    EMOTIONS,
    BBox,
    DetectOptions,
    Detector,
    DetectResult,
    FaceAnalysis,
    Gender,
    HeadPose,
)
from app.vision._wire import (
    ATTRIBUTES,
    decode_facen,
    encode_facen,
    encode_png,
    render_detect_response,
    render_face,
    render_features,
)

__all__ = [
    "ACCEPTED_FORMATS",
    "ATTRIBUTES",
    "BBox",
    "DETECTION_ID_RE",
    "DecodedImage",
    "DetectOptions",
    "DetectResult",
    "Detector",
    "EMOTIONS",
    "FaceAnalysis",
    "FaceEngine",
    "Gender",
    "HeadPose",
    "INSTALL_COMMAND",
    "ImageError",
    "ImageLimits",
    "ImageTooLarge",
    "ImageTooSmall",
    "MalformedImage",
    "Manifest",
    "ModelError",
    "ModelFile",
    "ModelPack",
    "PackSource",
    "StageTimer",
    "UnsupportedImage",
    "VisionConfig",
    "VisionError",
    "decode_facen",
    "decode_image",
    "default_manifest_path",
    "encode_facen",
    "encode_png",
    "install_pack",
    "is_detection_id",
    "load_manifest",
    "new_detection_id",
    "pack_dir",
    "render_detect_response",
    "render_face",
    "render_features",
    "require_pack",
    "verify_pack",
]
