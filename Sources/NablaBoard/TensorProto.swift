/// `tensorboard.DataType`: the element types TensorBoard's `TensorProto` uses here.
public enum TensorDataType: Int64, Sendable, Equatable {
    /// `DT_INVALID`, the default.
    case invalid = 0
    /// `DT_FLOAT`.
    case float = 1
    /// `DT_DOUBLE`.
    case double = 2
    /// `DT_INT32`.
    case int32 = 3
    /// `DT_UINT8`.
    case uint8 = 4
    /// `DT_STRING`.
    case string = 7
    /// `DT_INT64`.
    case int64 = 9
    /// `DT_BOOL`.
    case bool = 10
}

/// `tensorboard.TensorShapeProto`: a shape; a scalar has no dimensions.
public struct TensorShapeProto: ProtobufMessage, Equatable {
    /// `dim` (field 2): the sizes (`Dim.size`, field 1), outermost first.
    public var dimensions: [Int64]

    /// Creates a shape.
    public init(_ dimensions: [Int64] = []) {
        self.dimensions = dimensions
    }

    /// Writes the fields in field-number order.
    public func encode(to writer: inout ProtobufWriter) {
        for size in dimensions {
            var dim = ProtobufWriter()
            dim.writeVarintIfNotDefault(1, size)
            writer.writeBytes(2, dim.bytes)
        }
    }
}

/// `tensorboard.TensorProto`: the payload of new-style summary values.
public struct TensorProto: ProtobufMessage, Equatable {
    /// `dtype` (field 1).
    public var dtype: TensorDataType
    /// `tensor_shape` (field 2).
    public var shape: TensorShapeProto?
    /// `float_val` (field 5, packed).
    public var floatValues: [Float]
    /// `double_val` (field 6, packed).
    public var doubleValues: [Double]
    /// `string_val` (field 8, repeated bytes).
    public var stringValues: [[UInt8]]

    /// Creates a tensor proto.
    public init(dtype: TensorDataType, shape: TensorShapeProto?, floatValues: [Float] = [],
                doubleValues: [Double] = [], stringValues: [[UInt8]] = []) {
        self.dtype = dtype
        self.shape = shape
        self.floatValues = floatValues
        self.doubleValues = doubleValues
        self.stringValues = stringValues
    }

    /// A rank-1 DT_STRING tensor holding the UTF-8 bytes of `strings`.
    public static func strings(_ strings: [String]) -> TensorProto {
        TensorProto(dtype: .string, shape: TensorShapeProto([Int64(strings.count)]),
                    stringValues: strings.map { Array($0.utf8) })
    }

    /// Writes the fields in field-number order.
    public func encode(to writer: inout ProtobufWriter) {
        writer.writeVarintIfNotDefault(1, dtype.rawValue)
        writer.writeMessageIfPresent(2, shape)
        writer.writePackedFloats(5, floatValues)
        writer.writePackedDoubles(6, doubleValues)
        for s in stringValues { writer.writeBytes(8, s) }
    }
}
