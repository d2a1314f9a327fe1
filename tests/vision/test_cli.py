"""`python -m app detect` and `python -m app models`: output, errors and help texts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from vision_helpers import encode

from app.__main__ import main
from app.vision import decode_facen

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_detect_prints_sfapi_json_with_attributes_and_facen(
    faces_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    photo = faces_dir / "face_recognition/obama_and_biden.jpg"
    assert main(["detect", str(photo), "--facen", "--gender", "--age", "--emotions"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["orientation"] == 1 and len(body["faces"]) == 3
    for face in body["faces"]:
        assert len(face["id"]) == 20
        assert set(face["bbox"]) == {"left", "top", "right", "bottom"}
        features = face["features"]
        assert {"score", "quality", "quality_issues", "gender", "age", "emotions"} <= set(features)
        assert features["gender"]["gender"] in ("MALE", "FEMALE")
        assert len(features["emotions"]) == 7
        assert decode_facen(face["facen"], 512).shape == (512,)
    assert len({f["id"] for f in body["faces"]}) == 3


def test_detect_without_options_has_no_attributes(
    faces_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["detect", str(faces_dir / "insightface/view.jpg")]) == 0
    assert json.loads(capsys.readouterr().out) == {"orientation": 1, "faces": []}


@pytest.mark.parametrize(
    ("content", "code"),
    [(b"", "MALFORMED_REQUEST"), (encode(Image.new("RGB", (32, 32)), "GIF"), "BAD_PARAM")],
)
def test_detect_errors_print_code_and_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, code: str
) -> None:
    path = tmp_path / "bad.img"
    path.write_bytes(content)
    assert main(["detect", str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith(f"{code}: ")


def test_detect_reports_missing_models(
    faces_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    photo = str(faces_dir / "face_recognition/obama.jpg")
    assert main(["detect", photo, "--model-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("EXTRACTION_ERROR: ") and "python -m app models install" in err


def test_detect_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["detect", str(tmp_path / "nope.jpg")]) == 1
    assert "nope.jpg" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["models", "--help"], ["install", "verify", "npm pack", "sha256"]),
        (["models", "install", "--help"], ["--pack", "--model-dir", "--from-tarball"]),
        (["models", "verify", "--help"], ["--model-dir"]),
        (
            ["detect", "--help"],
            ["IMAGE", "--facen", "--gender", "--age", "--emotions", "--autorotate", "normalized"],
        ),
    ],
)
def test_help_texts(args: list[str], words: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for word in words:
        assert word in out, word


def test_detect_runs_as_a_process_reading_stdin(faces_dir: Path) -> None:
    proc: Any = subprocess.run(
        [sys.executable, "-m", "app", "detect", "-", "--autorotate"],
        input=(faces_dir / "face_recognition/obama.jpg").read_bytes(),
        cwd=REPO_ROOT,
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)["faces"]) == 1
