/// The element type of a tensor, chosen at run time (a `Tensor` is not generic).
///
/// The nine dtypes of PyTorch's common set. Promotion between them follows PyTorch's rules
/// (see `DType+Promotion.swift`).
public enum DType: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case bool
    case uint8
    case int8
    case int32
    case int64
    case float16
    case bfloat16
    case float32
    case float64

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .bool, .uint8, .int8: return 1
        case .float16, .bfloat16: return 2
        case .int32, .float32: return 4
        case .int64, .float64: return 8
        }
    }

    /// True for the four floating-point dtypes.
    public var isFloatingPoint: Bool {
        switch self {
        case .float16, .bfloat16, .float32, .float64: return true
        default: return false
        }
    }

    /// True for the four integer dtypes (not `bool`).
    public var isInteger: Bool {
        switch self {
        case .uint8, .int8, .int32, .int64: return true
        default: return false
        }
    }

    /// The name PyTorch and safetensors use ("float32", "int64", …).
    public var description: String {
        switch self {
        case .bool: return "bool"
        case .uint8: return "uint8"
        case .int8: return "int8"
        case .int32: return "int32"
        case .int64: return "int64"
        case .float16: return "float16"
        case .bfloat16: return "bfloat16"
        case .float32: return "float32"
        case .float64: return "float64"
        }
    }

    /// Parses a dtype name as `description` prints it.
    public init?(name: String) {
        guard let match = DType.allCases.first(where: { $0.description == name }) else { return nil }
        self = match
    }
}
