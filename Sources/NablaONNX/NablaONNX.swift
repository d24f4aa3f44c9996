// NablaONNX: ONNX import and export.
