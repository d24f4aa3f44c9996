/// Arithmetic operators and scalar operands.
///
/// A Swift number next to a tensor is a "wrapped scalar" (PyTorch's rule): it never widens the
/// tensor's dtype within a category, so `halfTensor * 2.5` stays float16 and `int32Tensor + 1` stays int32.
extension Tensor {
    /// A 0-d tensor holding `value` in the dtype a wrapped scalar promotes `self` to.
    func wrappedScalar(_ value: Double, category: Int) -> Tensor {
        Tensor.full([], value: value, dtype: DType.promote(dtype, withScalarOfCategory: category), device: device)
    }

    /// Elementwise sum with broadcasting.
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor { applyBinary(.add, lhs, rhs, file: #fileID, line: #line) }
    /// Elementwise difference with broadcasting.
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor { applyBinary(.sub, lhs, rhs, file: #fileID, line: #line) }
    /// Elementwise product with broadcasting.
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor { applyBinary(.mul, lhs, rhs, file: #fileID, line: #line) }
    /// Elementwise true division with broadcasting (integers divide to float32).
    public static func / (lhs: Tensor, rhs: Tensor) -> Tensor { applyBinary(.div, lhs, rhs, file: #fileID, line: #line) }
    /// Negation.
    public static prefix func - (x: Tensor) -> Tensor { applyUnary(.neg, x) }

    /// Adds a scalar.
    public static func + (lhs: Tensor, rhs: Double) -> Tensor { lhs + lhs.wrappedScalar(rhs, category: 2) }
    /// Adds a scalar.
    public static func + (lhs: Double, rhs: Tensor) -> Tensor { rhs.wrappedScalar(lhs, category: 2) + rhs }
    /// Subtracts a scalar.
    public static func - (lhs: Tensor, rhs: Double) -> Tensor { lhs - lhs.wrappedScalar(rhs, category: 2) }
    /// Subtracts from a scalar.
    public static func - (lhs: Double, rhs: Tensor) -> Tensor { rhs.wrappedScalar(lhs, category: 2) - rhs }
    /// Multiplies by a scalar.
    public static func * (lhs: Tensor, rhs: Double) -> Tensor { lhs * lhs.wrappedScalar(rhs, category: 2) }
    /// Multiplies by a scalar.
    public static func * (lhs: Double, rhs: Tensor) -> Tensor { rhs.wrappedScalar(lhs, category: 2) * rhs }
    /// Divides by a scalar.
    public static func / (lhs: Tensor, rhs: Double) -> Tensor { lhs / lhs.wrappedScalar(rhs, category: 2) }
    /// Divides a scalar.
    public static func / (lhs: Double, rhs: Tensor) -> Tensor { rhs.wrappedScalar(lhs, category: 2) / rhs }
    /// Adds an integer scalar (keeps integer dtypes).
    public static func + (lhs: Tensor, rhs: Int) -> Tensor { lhs + lhs.wrappedScalar(Double(rhs), category: 1) }
    /// Subtracts an integer scalar.
    public static func - (lhs: Tensor, rhs: Int) -> Tensor { lhs - lhs.wrappedScalar(Double(rhs), category: 1) }
    /// Multiplies by an integer scalar.
    public static func * (lhs: Tensor, rhs: Int) -> Tensor { lhs * lhs.wrappedScalar(Double(rhs), category: 1) }
    /// Adds an integer scalar.
    public static func + (lhs: Int, rhs: Tensor) -> Tensor { rhs.wrappedScalar(Double(lhs), category: 1) + rhs }
    /// Subtracts from an integer scalar.
    public static func - (lhs: Int, rhs: Tensor) -> Tensor { rhs.wrappedScalar(Double(lhs), category: 1) - rhs }
    /// Multiplies by an integer scalar.
    public static func * (lhs: Int, rhs: Tensor) -> Tensor { rhs.wrappedScalar(Double(lhs), category: 1) * rhs }

    /// In-place (copy-on-write) addition: other copies of `lhs` are unaffected.
    public static func += (lhs: inout Tensor, rhs: Tensor) { lhs = lhs + rhs }
    /// In-place (copy-on-write) subtraction.
    public static func -= (lhs: inout Tensor, rhs: Tensor) { lhs = lhs - rhs }
    /// In-place (copy-on-write) multiplication.
    public static func *= (lhs: inout Tensor, rhs: Tensor) { lhs = lhs * rhs }
    /// In-place (copy-on-write) division.
    public static func /= (lhs: inout Tensor, rhs: Tensor) { lhs = lhs / rhs }
    /// In-place (copy-on-write) scalar addition.
    public static func += (lhs: inout Tensor, rhs: Double) { lhs = lhs + rhs }
    /// In-place (copy-on-write) scalar subtraction.
    public static func -= (lhs: inout Tensor, rhs: Double) { lhs = lhs - rhs }
    /// In-place (copy-on-write) scalar multiplication.
    public static func *= (lhs: inout Tensor, rhs: Double) { lhs = lhs * rhs }
    /// In-place (copy-on-write) scalar division.
    public static func /= (lhs: inout Tensor, rhs: Double) { lhs = lhs / rhs }

    /// `self` raised to `exponent` elementwise.
    public func pow(_ exponent: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        applyBinary(.pow, self, exponent, file: file, line: line)
    }
    /// `self` raised to a scalar power.
    public func pow(_ exponent: Double) -> Tensor { pow(wrappedScalar(exponent, category: 2)) }
    /// Elementwise minimum with broadcasting.
    public func minimum(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        applyBinary(.minimum, self, other, file: file, line: line)
    }
    /// Elementwise maximum with broadcasting.
    public func maximum(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        applyBinary(.maximum, self, other, file: file, line: line)
    }
    /// Clamps into `[min, max]` (either bound may be nil), like `torch.clamp`.
    public func clamped(min lower: Double? = nil, max upper: Double? = nil) -> Tensor {
        var y = self
        if let lower { y = y.maximum(wrappedScalar(lower, category: 2)) }
        if let upper { y = y.minimum(wrappedScalar(upper, category: 2)) }
        return y
    }
}

/// Elementwise minimum.
public func minimum(_ a: Tensor, _ b: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor { a.minimum(b, file: file, line: line) }
/// Elementwise maximum.
public func maximum(_ a: Tensor, _ b: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor { a.maximum(b, file: file, line: line) }
/// `a` raised to `b` elementwise.
public func pow(_ a: Tensor, _ b: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor { a.pow(b, file: file, line: line) }
/// Clamps into `[min, max]`.
public func clamp(_ x: Tensor, min lower: Double? = nil, max upper: Double? = nil) -> Tensor { x.clamped(min: lower, max: upper) }
