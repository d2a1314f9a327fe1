"""Benchmark of the face pipeline: per-stage and end-to-end milliseconds, faces per second, and
the pipeline's overhead over the bare `session.run` time of the models it calls.

Run: `.venv/bin/python bench/vision.py [--runs N] [--faces DIR]`. Not a test: it prints numbers
measured in this run only. Cases: a single-face 640x480 photo (a verify photo cropped to 4:3 and
resized) and the 25-face crowd photo, each at 1 and 2 intra-op threads, for "detect + facen" and
for all attributes. The overhead ratio divides the end-to-end median by the sum, over the model
calls the pipeline made, of each model's median bare `session.run` time on a same-shaped input.
Targets on the 2-core reference machine: detect + facen of one face < 25 ms, overhead < 1.3.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from app.vision import DetectOptions, FaceEngine, StageTimer, VisionConfig  # noqa: E402

STAGES = ("decode", "detect", "landmarks", "align", "quality", "embed", "attributes")
OPTION_SETS = {
    "detect+facen": DetectOptions(facen=True),
    "all attributes": DetectOptions(facen=True, gender=True, age=True, emotions=True),
}


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000.0


def single_face_photo(faces_dir: Path) -> np.ndarray:
    """obama.jpg cropped to 4:3 about its centre and resized (box filter) to 640x480, as BGR."""
    with Image.open(faces_dir / "face_recognition" / "obama.jpg") as image:
        w, h = image.size
        cw, ch = (w, round(w * 3 / 4)) if w * 3 <= h * 4 else (round(h * 4 / 3), h)
        x0, y0 = (w - cw) // 2, (h - ch) // 2
        box = (x0, y0, x0 + cw, y0 + ch)
        rgb = image.convert("RGB").resize((640, 480), Image.Resampling.BOX, box=box)
    return np.ascontiguousarray(np.asarray(rgb)[:, :, ::-1])


def jpeg_bytes(bgr: np.ndarray) -> bytes:
    """The image as a quality-95 JPEG."""
    out = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(bgr[:, :, ::-1])).save(out, "JPEG", quality=95)
    return out.getvalue()


class BareRunner:
    """Replays the model calls of one pipeline run as bare `session.run` calls."""

    def __init__(self, engine: FaceEngine) -> None:
        models = [
            engine.detector.model,
            engine.landmarker.model,
            engine.embedder.model,
            engine.gender_model.model,
            engine.age_model.model,
            engine.pose_model.model,
            engine.expression_model.model,
        ]
        rng = np.random.default_rng(0)
        self.feeds = {
            m.name: (m, {m.input_name: rng.random(m.input_shape, dtype=np.float32)}) for m in models
        }

    def replay(self, calls: dict[str, int]) -> float:
        """Seconds taken by the same number of bare runs of each model."""
        start = time.perf_counter()
        for name, count in calls.items():
            model, feed = self.feeds[name]
            for _ in range(count):
                model.session.run(model.output_names, feed)
        return time.perf_counter() - start

    def medians_ms(self, runs: int) -> dict[str, float]:
        """Median bare ms per model."""
        return {
            name: median_ms([self.replay({name: 1}) for _ in range(runs)]) for name in self.feeds
        }


@dataclass
class Measured:
    """Medians of one case: end to end, per stage, the bare replay; and the work done."""

    e2e_ms: float
    stage_ms: dict[str, float]
    bare_ms: float
    calls: dict[str, int]
    faces: int


def measure(run: Callable[[StageTimer], int], bare: BareRunner, runs: int) -> Measured:
    """Alternate pipeline runs and bare replays of their model calls, so both see one load."""
    for _ in range(2):
        run(StageTimer())
    totals: list[float] = []
    replays: list[float] = []
    per_stage: dict[str, list[float]] = {}
    calls: dict[str, int] = {}
    faces = 0
    for _ in range(runs):
        timer = StageTimer()
        start = time.perf_counter()
        faces = run(timer)
        totals.append(time.perf_counter() - start - timer.seconds.get("decode", 0.0))
        for name, seconds in timer.seconds.items():
            per_stage.setdefault(name, []).append(seconds)
        calls = {k[4:]: v for k, v in timer.calls.items() if k.startswith("run:")}
        replays.append(bare.replay(calls))
    stage_ms = {k: median_ms(v) for k, v in per_stage.items()}
    e2e_ms = median_ms(totals) + stage_ms.get("decode", 0.0)
    return Measured(e2e_ms, stage_ms, median_ms(replays), calls, faces)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="timed runs per single-face case")
    parser.add_argument(
        "--faces", type=Path, default=REPO_ROOT.parent / "shared" / "faces", help="photo dir"
    )
    args = parser.parse_args()
    single = single_face_photo(args.faces)
    single_jpeg = jpeg_bytes(single)
    crowd_bytes = (args.faces / "retinaface" / "img3.jpg").read_bytes()
    print(f"sfdesk vision benchmark; load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs")
    header = f"{'case':<42}{'e2e ms':>9}" + "".join(f"{s:>11}" for s in STAGES)
    header += f"{'faces/s':>9}{'bare ms':>9}{'ratio':>7}"
    for threads in (1, 2):
        engine = FaceEngine(config=VisionConfig(threads=threads))
        bare = BareRunner(engine)
        medians = bare.medians_ms(args.runs)
        print(
            f"\n== {threads} thread(s); bare session.run ms: "
            + ", ".join(f"{k.removesuffix('.onnx')} {v:.2f}" for k, v in medians.items())
        )
        print(header)
        crowd_bgr = engine.decode(crowd_bytes).bgr
        for label, options in OPTION_SETS.items():
            cases: list[tuple[str, Callable[[StageTimer], int], int]] = [
                (
                    "1 face 640x480 array",
                    lambda t, o=options, e=engine: len(e.detect_array(single, o, timer=t).faces),
                    args.runs,
                ),
                (
                    "1 face 640x480 JPEG bytes",
                    lambda t, o=options, e=engine: len(e.detect(single_jpeg, o, timer=t).faces),
                    args.runs,
                ),
                (
                    "crowd 1000x644 (25+ faces)",
                    lambda t, o=options, e=engine, c=crowd_bgr: len(
                        e.detect_array(c, o, timer=t).faces
                    ),
                    max(3, args.runs // 5),
                ),
            ]
            for name, run, runs in cases:
                m = measure(run, bare, runs)
                ratio = (m.e2e_ms - m.stage_ms.get("decode", 0.0)) / m.bare_ms
                row = f"{label[:12] + ': ' + name:<42}{m.e2e_ms:>9.2f}"
                row += "".join(f"{m.stage_ms.get(s, 0.0):>11.2f}" for s in STAGES)
                row += f"{m.faces / (m.e2e_ms / 1000):>9.1f}{m.bare_ms:>9.2f}{ratio:>7.2f}"
                print(row)
    print(
        "\nbare ms = the same model calls replayed as bare session.run right after each pipeline"
        " run;\nratio = (end-to-end - decode) / bare ms, medians; stage columns are medians and"
        " include\ntheir model runs ('quality' holds the pose model, 'attributes' gender, age and"
        " expression)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
