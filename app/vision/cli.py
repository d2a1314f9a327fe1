"""Commands of app.vision for `python -m app`: `models install|verify` and `detect IMAGE`.

Heavy modules (onnxruntime, numpy, Pillow) are imported inside the command functions so that
`python -m app --help` stays fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from app.common import default_model_dir

_MODELS_HELP = """\
Model packs are named, versioned sets of ONNX files (default: faceplugin-0.0.1, from the npm
package faceplugin-face-recognition-js@0.0.1). `install` downloads the package with `npm pack`
(npm's own configured registry), checks the tarball's sha256 against
resources/models/manifest.toml, extracts only the listed model files and checks each file's
size and sha256 before moving them into place. It does nothing when the verified files are
already there. `verify` re-checks an installed pack. Nothing is ever downloaded at run time.
"""

_DETECT_HELP = """\
Detect and analyse the faces in IMAGE (JPEG, PNG, WEBP or BMP; `-` reads standard input) and
print the JSON that sf-api's `POST /v2/detect` returns: {"orientation": n, "faces": [...]}, each
face with a detection id, its bbox and features (detector "score", "quality" 0..1 and
"quality_issues", plus the attributes asked for in the old attribute style). Errors are printed
as `CODE: reason` on standard error with a non-zero exit status.
"""


def _add_pack_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--pack", metavar="NAME", help="model pack to use (default: the manifest's default pack)"
    )
    parser.add_argument(
        "--model-dir",
        metavar="DIR",
        type=Path,
        help=f"directory holding model packs (default: {default_model_dir()})",
    )


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add this layer's subcommands to the top-level parser."""
    models = subparsers.add_parser(
        "models",
        help="install or verify the face-analysis model packs",
        description=_MODELS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    install = actions.add_parser(
        "install",
        help="download (npm pack), verify and install a model pack",
        description="Download, verify and install a model pack; no-op when already verified.",
    )
    _add_pack_options(install)
    install.add_argument(
        "--from-tarball",
        metavar="PATH",
        type=Path,
        help="install offline from a package tarball you already have (its sha256 is checked)",
    )
    install.set_defaults(func=_models_install)
    verify = actions.add_parser(
        "verify",
        help="re-check an installed model pack (exit status 1 on any problem)",
        description="Re-check every file of an installed model pack against the manifest.",
    )
    _add_pack_options(verify)
    verify.set_defaults(func=_models_verify)

    detect = subparsers.add_parser(
        "detect",
        help="detect faces in an image and print sf-api detect JSON",
        description=_DETECT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    detect.add_argument("image", metavar="IMAGE", help="image file, or - for standard input")
    detect.add_argument(
        "--facen", action="store_true", help="compute and print each face's base64 feature vector"
    )
    detect.add_argument("--gender", action="store_true", help="estimate gender")
    detect.add_argument("--age", action="store_true", help="estimate age (approximate)")
    detect.add_argument(
        "--emotions", action="store_true", help="score the seven expressions (loads a 28 MB model)"
    )
    detect.add_argument(
        "--autorotate", action="store_true", help="also look for faces turned by 90/180/270 degrees"
    )
    detect.add_argument(
        "--detector",
        choices=("nnd", "normalized"),
        default="nnd",
        help="nnd: find faces (default); normalized: IMAGE is already an aligned face crop",
    )
    _add_pack_options(detect)
    detect.add_argument(
        "--threads", type=int, default=1, metavar="N", help="ONNX Runtime threads per model"
    )
    detect.set_defaults(func=_detect)


def _fail(exc: Exception) -> int:
    from app.protocol import ProtocolError

    if isinstance(exc, ProtocolError):
        print(f"{exc.code}: {exc.reason}", file=sys.stderr)
    else:
        print(f"ERROR: {exc}", file=sys.stderr)
    return 1


def _models_install(args: argparse.Namespace) -> int:
    from app.vision import VisionError, install_pack, load_manifest

    try:
        pack = load_manifest().pack(args.pack)
        install_pack(
            pack,
            args.model_dir or default_model_dir(),
            tarball=args.from_tarball,
            report=lambda msg: print(msg, file=sys.stderr),
        )
    except VisionError as exc:
        return _fail(exc)
    return 0


def _models_verify(args: argparse.Namespace) -> int:
    from app.vision import VisionError, load_manifest, pack_dir, verify_pack

    model_dir = args.model_dir or default_model_dir()
    try:
        pack = load_manifest().pack(args.pack)
    except VisionError as exc:
        return _fail(exc)
    problems = verify_pack(pack, model_dir)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(
            f"{pack.pack_id}: {len(problems)} problem(s); run `python -m app models install`",
            file=sys.stderr,
        )
        return 1
    print(f"{pack.pack_id}: all {len(pack.files)} files verified in {pack_dir(model_dir, pack)}")
    return 0


def _detect(args: argparse.Namespace) -> int:
    from app.vision import (
        DetectOptions,
        FaceEngine,
        VisionConfig,
        VisionError,
        new_detection_id,
        render_detect_response,
    )

    try:
        data = sys.stdin.buffer.read() if args.image == "-" else Path(args.image).read_bytes()
    except OSError as exc:
        return _fail(exc)
    options = DetectOptions(
        facen=args.facen,
        gender=args.gender,
        age=args.age,
        emotions=args.emotions,
        autorotate=args.autorotate,
        detector=args.detector,
    )
    try:
        engine = FaceEngine(args.model_dir, VisionConfig(threads=args.threads), pack=args.pack)
        result = engine.detect(data, options)
    except (VisionError, ValueError) as exc:
        return _fail(exc)
    attributes = {name for name in ("gender", "age", "emotions") if getattr(args, name)}
    body = render_detect_response(
        result,
        [new_detection_id() for _ in result.faces],
        old_style=attributes,
        return_facen=args.facen,
    )
    print(json.dumps(body, indent=2))
    return 0
