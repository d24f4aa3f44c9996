/// PyTorch's type promotion.
///
/// Categories rank bool < integer < floating. Between two tensors of the same category the wider
/// type wins; across categories the higher category wins. A Swift number used as an operand is a
/// "wrapped scalar": it only raises the category (an `Int` never widens an integer tensor, a
/// `Double` turns an integer tensor into the default float dtype, `float32`).
extension DType {
    /// Rank of the category: 0 bool, 1 integer, 2 floating point.
    var category: Int {
        if self == .bool { return 0 }
        return isFloatingPoint ? 2 : 1
    }

    /// The dtype of `a op b` for two tensor operands.
    public static func promote(_ a: DType, _ b: DType) -> DType {
        if a == b { return a }
        if a.category != b.category { return a.category > b.category ? a : b }
        switch (a, b) {
        case (.float16, .bfloat16), (.bfloat16, .float16): return .float32
        // uint8 with int8 is int16 in PyTorch; Nabla has no int16, so it goes to the next signed type.
        case (.uint8, .int8), (.int8, .uint8): return .int32
        default: return a.byteSize >= b.byteSize ? a : b
        }
    }

    /// The dtype of `tensor op scalar` where the scalar is a Swift number of `scalarCategory`
    /// (0 Bool, 1 integer, 2 floating point).
    static func promote(_ tensor: DType, withScalarOfCategory scalarCategory: Int) -> DType {
        if scalarCategory <= tensor.category { return tensor }
        return scalarCategory == 2 ? .float32 : .int64
    }

    /// The floating dtype an op such as `exp` or `/` computes in: float dtypes stay, others become float32.
    var floatingResult: DType { isFloatingPoint ? self : .float32 }
}
