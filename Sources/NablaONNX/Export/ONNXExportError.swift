import Foundation

/// Why a graph or model could not be exported to ONNX.
///
/// ```swift
/// do { try exportONNX(model, exampleInput: x, to: url) } catch let error as ONNXExportError { print(error) }
/// ```
public enum ONNXExportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The primitive has no ONNX equivalent (gradient primitives, random numbers).
    case unsupportedPrimitive(String, reason: String)
    /// The requested default-domain opset is outside `ONNXExporter.supportedOpsets`.
    case unsupportedOpset(Int)
    /// The primitive needs a newer opset than the one requested.
    case opsetTooOld(primitive: String, needs: Int, requested: Int)
    /// `inputNames` or `outputNames` does not fit the graph (wrong count, empty or repeated names).
    case invalidNames(String)
    /// Tracing the model failed (it reads tensor values or draws random numbers in eval mode).
    case traceFailed(String)
    /// The file could not be written.
    case cannotWrite(path: String, reason: String)

    /// A one-line message naming the primitive, opset or path at fault.
    public var description: String {
        switch self {
        case let .unsupportedPrimitive(name, reason):
            return "ONNX export: primitive '\(name)' cannot be exported: \(reason)"
        case let .unsupportedOpset(opset):
            return "ONNX export: opset \(opset) is not supported (use \(ONNXExporter.supportedOpsets.lowerBound)...\(ONNXExporter.supportedOpsets.upperBound))"
        case let .opsetTooOld(primitive, needs, requested):
            return "ONNX export: primitive '\(primitive)' needs opset \(needs) or newer (requested \(requested))"
        case let .invalidNames(reason):
            return "ONNX export: \(reason)"
        case let .traceFailed(reason):
            return "ONNX export: tracing the model failed: \(reason)"
        case let .cannotWrite(path, reason):
            return "ONNX export: cannot write \(path): \(reason)"
        }
    }
}
