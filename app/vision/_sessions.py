"""ONNX Runtime sessions of a model pack and their input tensors: created once, checked, reused.

`InferenceSession.run` is thread-safe, so one `OnnxModel` serves every request thread. Each session
uses `threads` intra-op threads, one inter-op thread and no spinning (so idle sessions do not
burn the cores that parallel requests need), and logs only errors: fr_gender lists its weights
as graph inputs, which ORT reports as harmless warnings.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from app.vision._errors import INSTALL_COMMAND, ModelError
from app.vision._manifest import ModelFile
from app.vision._raster import resize_bilinear
from app.vision._timing import StageTimer

Tensor = npt.NDArray[np.float32]


def blob(
    image: npt.NDArray[np.uint8],
    scale: float | Tensor,
    *,
    mean: float | Tensor = 0.0,
    size: tuple[int, int] | None = None,
    swap_rb: bool = False,
) -> Tensor:
    """The 1 x C x H x W float32 tensor `(pixel - mean) * scale`, resized (bilinear) to `size`
    and with the first and third channels swapped on request (BGR -> RGB).

    `mean` and `scale` are one number, or one per channel in the network's channel order.
    """
    if size is not None and size != (image.shape[1], image.shape[0]):
        image = resize_bilinear(image, *size)
    planes = image.transpose(2, 0, 1)
    tensor = np.empty((1, *planes.shape), dtype=np.float32)
    per_plane = (-1, 1, 1)
    np.subtract(
        planes[::-1] if swap_rb else planes,
        np.asarray(mean, dtype=np.float32).reshape(per_plane),
        out=tensor[0],
    )
    tensor *= np.asarray(scale, dtype=np.float32).reshape(per_plane)
    return tensor


def session_options(threads: int) -> ort.SessionOptions:
    """The session options every sfdesk model runs with."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    return options


class OnnxModel:
    """One model file's session, with its input/output names checked against the manifest."""

    def __init__(self, path: Path, spec: ModelFile, threads: int) -> None:
        self.name = spec.name
        try:
            self.session = ort.InferenceSession(
                str(path), session_options(threads), providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # ORT raises its own untyped errors for unreadable graphs
            raise ModelError(
                f"cannot load {path}: {exc}; run `{INSTALL_COMMAND}` to reinstall it"
            ) from exc
        inputs = {i.name: tuple(i.shape) for i in self.session.get_inputs()}
        outputs = {o.name: tuple(o.shape) for o in self.session.get_outputs()}
        for wanted, actual in ((spec.inputs, inputs), (spec.outputs, outputs)):
            for tensor_name, shape in wanted.items():
                if actual.get(tensor_name) != shape:
                    raise ModelError(
                        f"{path}: tensor {tensor_name!r} has shape {actual.get(tensor_name)}, "
                        f"the manifest says {shape}"
                    )
        self.input_name = next(iter(spec.inputs))
        self.input_shape = spec.inputs[self.input_name]
        self.output_names = list(spec.outputs)
        self.output_shapes = dict(spec.outputs)

    def run(self, tensor: Tensor, timer: StageTimer | None = None) -> list[Tensor]:
        """Run the model on one input tensor; outputs in manifest order."""
        if timer is None:
            outputs: list[Tensor] = self.session.run(self.output_names, {self.input_name: tensor})
            return outputs
        with timer.stage(f"run:{self.name}"):
            outputs = self.session.run(self.output_names, {self.input_name: tensor})
        return outputs

    def __repr__(self) -> str:
        return f"OnnxModel({self.name!r}, input={self.input_shape})"
