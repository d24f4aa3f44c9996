import Foundation

/// What went wrong reading or running an ONNX model. Every case names where: the file (when the model
/// came from one), the node (its name and `op_type`) and the field or attribute at fault.
///
/// ```swift
/// do { _ = try ONNXModel(contentsOf: url) } catch let error as ONNXError { print(error) }
/// ```
public enum ONNXError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be read.
    case unreadableFile(path: String, reason: String)
    /// The bytes are not a valid protobuf `ModelProto` (or `TensorProto`).
    case malformedProtobuf(file: String?, reason: String)
    /// The model breaks a structural rule of the ONNX IR (`field` names the offending field).
    case invalidModel(file: String?, field: String, reason: String)
    /// A tensor cannot be converted (unknown data type, external data, size mismatch, …).
    case invalidTensor(file: String?, tensor: String, field: String, reason: String)
    /// No kernel for this operator in this domain and opset version.
    case unsupportedOperator(op: String, domain: String, opset: Int)
    /// A node's attribute is missing, of the wrong type, or has a value this importer does not handle.
    case invalidAttribute(node: String, op: String, attribute: String, reason: String)
    /// A node's input is missing, has the wrong dtype or a shape the operator cannot take.
    case invalidInput(node: String, op: String, input: String, reason: String)
    /// A node uses a feature of its operator that this importer does not implement.
    case unsupportedFeature(node: String, op: String, feature: String)
    /// `run` was called without a value for a graph input, or with an unknown name.
    case missingInput(name: String)
    /// A graph output was never produced.
    case missingOutput(name: String)
    /// A graph input or output that is not a tensor (a sequence, map or optional).
    case unsupportedValueType(file: String?, value: String, kind: String)
    /// An element type this importer cannot represent as a Nabla tensor.
    case unsupportedDataType(file: String?, tensor: String, dataType: Int)

    /// A message naming the file, node and field involved.
    public var description: String {
        func where_(_ file: String?) -> String { file.map { " in \($0)" } ?? "" }
        switch self {
        case let .unreadableFile(path, reason):
            return "ONNX: cannot read \(path): \(reason)"
        case let .malformedProtobuf(file, reason):
            return "ONNX: malformed protobuf\(where_(file)): \(reason)"
        case let .invalidModel(file, field, reason):
            return "ONNX: invalid model\(where_(file)): field \(field): \(reason)"
        case let .invalidTensor(file, tensor, field, reason):
            return "ONNX: tensor '\(tensor)'\(where_(file)): field \(field): \(reason)"
        case let .unsupportedOperator(op, domain, opset):
            return "ONNX: unsupported operator \(domain.isEmpty ? "ai.onnx" : domain)::\(op) (opset \(opset))"
        case let .invalidAttribute(node, op, attribute, reason):
            return "ONNX: node '\(node)' (\(op)): attribute '\(attribute)': \(reason)"
        case let .invalidInput(node, op, input, reason):
            return "ONNX: node '\(node)' (\(op)): input '\(input)': \(reason)"
        case let .unsupportedFeature(node, op, feature):
            return "ONNX: node '\(node)' (\(op)): unsupported: \(feature)"
        case let .missingInput(name):
            return "ONNX: no value given for graph input '\(name)'"
        case let .missingOutput(name):
            return "ONNX: graph output '\(name)' was not produced by any node"
        case let .unsupportedValueType(file, value, kind):
            return "ONNX: graph value '\(value)'\(where_(file)) is a \(kind); only tensors are supported"
        case let .unsupportedDataType(file, tensor, dataType):
            return "ONNX: tensor '\(tensor)'\(where_(file)): unsupported data type \(ONNXDataTypeName.name(dataType)) (\(dataType))"
        }
    }

    /// The same error with `file` filled in where the case carries one and it was unknown.
    func attributed(to file: String) -> ONNXError {
        switch self {
        case let .malformedProtobuf(nil, reason): return .malformedProtobuf(file: file, reason: reason)
        case let .invalidModel(nil, field, reason): return .invalidModel(file: file, field: field, reason: reason)
        case let .invalidTensor(nil, tensor, field, reason): return .invalidTensor(file: file, tensor: tensor, field: field, reason: reason)
        case let .unsupportedDataType(nil, tensor, dataType): return .unsupportedDataType(file: file, tensor: tensor, dataType: dataType)
        case let .unsupportedValueType(nil, value, kind): return .unsupportedValueType(file: file, value: value, kind: kind)
        default: return self
        }
    }
}

/// Names of ONNX's `TensorProto.DataType` values, for messages.
enum ONNXDataTypeName {
    static let names = ["UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32", "INT64", "STRING", "BOOL",
                        "FLOAT16", "DOUBLE", "UINT32", "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16", "FLOAT8E4M3FN",
                        "FLOAT8E4M3FNUZ", "FLOAT8E5M2", "FLOAT8E5M2FNUZ", "UINT4", "INT4", "FLOAT4E2M1"]
    static func name(_ code: Int) -> String { code >= 0 && code < names.count ? names[code] : "unknown" }
}
