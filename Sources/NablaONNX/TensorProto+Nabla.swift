import Foundation
import Nabla

/// Conversions between ONNX `TensorProto`s and Nabla tensors.
///
/// Element types map one to one where Nabla has the type (FLOAT, DOUBLE, FLOAT16, BFLOAT16, INT8, UINT8,
/// INT32, INT64, BOOL). INT16 and UINT16 widen to int32, UINT32 to int64 (values are preserved); UINT64,
/// strings, complex and the 8-/4-bit float formats are rejected with `ONNXError.unsupportedDataType`.
extension Onnx_TensorProto {
    /// The Nabla dtype an ONNX element type code loads as, or nil when it has none.
    static func nablaType(forDataType code: Int) -> DType? {
        switch code {
        case 1: return .float32
        case 2: return .uint8
        case 3: return .int8
        case 4, 5, 6: return .int32
        case 7, 12: return .int64
        case 9: return .bool
        case 10: return .float16
        case 11: return .float64
        case 16: return .bfloat16
        default: return nil
        }
    }

    /// The ONNX element type code for a Nabla dtype.
    static func dataType(for dtype: DType) -> Int32 {
        switch dtype {
        case .float32: return 1
        case .uint8: return 2
        case .int8: return 3
        case .int32: return 6
        case .int64: return 7
        case .bool: return 9
        case .float16: return 10
        case .float64: return 11
        case .bfloat16: return 16
        }
    }

    /// A serialized tensor holding `tensor`'s elements in `raw_data` (little-endian).
    ///
    /// ```swift
    /// let weight = Onnx_TensorProto(Tensor.randn([4, 3]), name: "fc.weight")
    /// ```
    public init(_ tensor: Tensor, name: String = "") {
        self.init()
        self.name = name
        dims = tensor.shape.map(Int64.init)
        dataType = Self.dataType(for: tensor.dtype)
        rawData = tensor.withUnsafeBytes { Data($0) }
    }

    /// Converts to a Nabla tensor, checking that the data fits the declared shape and type.
    ///
    /// Throws `ONNXError.invalidTensor` or `.unsupportedDataType`, never traps.
    public func nablaTensor(file: String? = nil) throws -> Tensor {
        let label = name.isEmpty ? "<unnamed>" : name
        func fail(_ field: String, _ reason: String) -> ONNXError {
            .invalidTensor(file: file, tensor: label, field: field, reason: reason)
        }
        if dataLocation == .external || !externalData.isEmpty {
            throw fail("external_data", "tensors stored in external files are not supported")
        }
        if hasSegment { throw fail("segment", "segmented tensors are not supported") }
        let code = Int(dataType)
        guard let dtype = Self.nablaType(forDataType: code) else {
            throw ONNXError.unsupportedDataType(file: file, tensor: label, dataType: code)
        }
        guard dims.allSatisfy({ $0 >= 0 && $0 < (1 << 40) }) else { throw fail("dims", "invalid dimensions \(dims)") }
        let shape = dims.map(Int.init)
        var count = 1
        for d in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow, product < (1 << 40) else { throw fail("dims", "too many elements in \(dims)") }
            count = product
        }
        if !rawData.isEmpty || (count == 0 && floatData.isEmpty && int32Data.isEmpty && int64Data.isEmpty && doubleData.isEmpty) {
            return try fromRaw(shape: shape, count: count, code: code, dtype: dtype, fail: fail)
        }
        func check(_ n: Int, _ field: String) throws {
            guard n == count else { throw fail(field, "holds \(n) values, but dims \(dims) need \(count)") }
        }
        switch code {
        case 1:
            try check(floatData.count, "float_data")
            return Tensor(shape: shape, scalars: floatData)
        case 11:
            try check(doubleData.count, "double_data")
            return Tensor(shape: shape, scalars: doubleData)
        case 7:
            try check(int64Data.count, "int64_data")
            return Tensor(shape: shape, scalars: int64Data)
        case 12:
            try check(uint64Data.count, "uint64_data")
            return Tensor(shape: shape, scalars: uint64Data.map { Int64(truncatingIfNeeded: $0) })
        case 2, 3, 4, 5, 6, 9:
            try check(int32Data.count, "int32_data")
            switch dtype {
            case .bool: return Tensor(shape: shape, scalars: int32Data.map { $0 != 0 })
            case .uint8: return Tensor(shape: shape, scalars: int32Data.map { UInt8(truncatingIfNeeded: $0) })
            case .int8: return Tensor(shape: shape, scalars: int32Data.map { Int8(truncatingIfNeeded: $0) })
            default: return Tensor(shape: shape, scalars: int32Data)
            }
        case 10, 16:
            // 16-bit floats travel as their bit patterns in int32_data.
            try check(int32Data.count, "int32_data")
            let bits = int32Data.map { UInt16(truncatingIfNeeded: $0) }
            return bits.withUnsafeBytes { Tensor(shape: shape, dtype: dtype, copyingBytes: $0) }
        default:
            throw ONNXError.unsupportedDataType(file: file, tensor: label, dataType: code)
        }
    }

    private func fromRaw(shape: [Int], count: Int, code: Int, dtype: DType,
                         fail: (String, String) -> ONNXError) throws -> Tensor {
        let width: Int
        switch code {
        case 4, 5: width = 2
        case 12: width = 4
        default: width = dtype.byteSize
        }
        guard rawData.count == count * width else {
            throw fail("raw_data", "holds \(rawData.count) bytes, but dims \(dims) of \(ONNXDataTypeName.name(code)) need \(count * width)")
        }
        // Little-endian on the wire; Nabla's CPU storage is native (little-endian on every supported host).
        switch code {
        case 4, 5, 12:
            let values: [Int64] = rawData.withUnsafeBytes { raw in
                (0..<count).map { i in
                    switch code {
                    case 4: return Int64(raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self).littleEndian)
                    case 5: return Int64(raw.loadUnaligned(fromByteOffset: i * 2, as: Int16.self).littleEndian)
                    default: return Int64(raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self).littleEndian)
                    }
                }
            }
            return Tensor(shape: shape, scalars: values).cast(to: dtype)
        case 9:
            return Tensor(shape: shape, scalars: rawData.map { $0 != 0 })
        default:
            return rawData.withUnsafeBytes { Tensor(shape: shape, dtype: dtype, copyingBytes: $0) }
        }
    }
}
