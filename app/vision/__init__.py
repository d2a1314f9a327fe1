"""Face analysis on ONNX models: detection, landmarks, alignment, feature vectors, attributes."""
