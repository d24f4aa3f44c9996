import Foundation
import Nabla

/// Small tensor helpers the operator kernels share.
extension Tensor {
    /// `f` applied to every element through Double, in the tensor's dtype (the fallback for functions
    /// Nabla has no primitive for, such as asin or atan).
    func mapElements(_ f: (Double) -> Double) -> Tensor {
        Tensor(shape: shape, scalars: toArray(as: Double.self).map(f)).cast(to: dtype)
    }

    /// `f` applied to every element as Int64, in the tensor's dtype (bitwise operators).
    func mapIntegers(_ f: (Int64) -> Int64) -> Tensor {
        Tensor(shape: shape, scalars: toArray(as: Int64.self).map(f)).cast(to: dtype)
    }

    /// A 1-d int64 tensor.
    static func int64s(_ values: [Int]) -> Tensor { Tensor(shape: [values.count], scalars: values.map { Int64($0) }) }

    /// A 0-d tensor of `dtype` holding `value`.
    static func scalar(_ value: Double, dtype: DType) -> Tensor { Tensor.full([], value: value, dtype: dtype) }

    /// Rounds toward zero.
    func truncated() -> Tensor {
        dtype.isFloatingPoint ? Tensor.where(self .< 0, ceil(), floor()) : self
    }
}

/// The product of `shape`'s dimensions.
func elementCount(_ shape: [Int]) -> Int { shape.reduce(1, *) }

/// The ONNX element type `code` as a Nabla dtype, or throws naming the attribute.
func nablaType(code: Int, _ context: NodeContext, attribute: String) throws -> DType {
    guard let dtype = Onnx_TensorProto.nablaType(forDataType: code), ![4, 5, 12].contains(code) else {
        throw ONNXError.unsupportedFeature(node: context.name, op: context.op,
                                           feature: "\(attribute) = \(ONNXDataTypeName.name(code)) (\(code)) has no Nabla dtype")
    }
    return dtype
}

/// Clamps an integer read from a model (which may be INT64_MAX) into a safe range for index arithmetic.
func clampIndex(_ v: Int, _ low: Int, _ high: Int) -> Int { Swift.min(Swift.max(v, low), high) }
