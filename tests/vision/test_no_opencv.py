"""`app.vision` runs without OpenCV, which the desktop build no longer ships (issue 7)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

# Every module of app.vision is imported with `cv2` blocked, then one real photo goes through
# every pre-processing path: detection, all attributes, the normalized detector and PNG crops.
SCRIPT = """
import importlib, pkgutil, sys
sys.modules["cv2"] = None  # from here on, `import cv2` raises ImportError
import app.vision
for module in pkgutil.walk_packages(app.vision.__path__, "app.vision."):
    importlib.import_module(module.name)
from app.vision import DetectOptions, FaceEngine, encode_png
engine = FaceEngine()
everything = DetectOptions(facen=True, gender=True, age=True, emotions=True)
face = engine.detect(open(sys.argv[1], "rb").read(), everything).faces[0]
crop = encode_png(face.normalized)
again = engine.detect(crop, DetectOptions(detector="normalized", facen=True)).faces[0]
print(len(crop), face.emotions is not None, round(float(face.facen @ again.facen), 3))
"""


def test_vision_imports_and_detects_with_cv2_blocked(faces_dir: Path) -> None:
    photo = faces_dir / "face_recognition" / "obama.jpg"
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(photo)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    png_bytes, has_emotions, same_face = run.stdout.split()
    assert int(png_bytes) > 1000 and has_emotions == "True"
    assert float(same_face) > 0.99
