infix operator .== : ComparisonPrecedence
infix operator .!= : ComparisonPrecedence
infix operator .< : ComparisonPrecedence
infix operator .<= : ComparisonPrecedence
infix operator .> : ComparisonPrecedence
infix operator .>= : ComparisonPrecedence
infix operator .&& : LogicalConjunctionPrecedence
infix operator .|| : LogicalDisjunctionPrecedence

/// Elementwise comparisons (bool results) and logical ops, as operators (`x .> 0`, the SIMD
/// convention) and PyTorch-named methods (`x.gt(0)`).
extension Tensor {
    /// Elementwise `==`.
    public static func .== (lhs: Tensor, rhs: Tensor) -> Tensor { applyBinary(.eq, lhs, rhs, file: #fileID, line: #line) }
    /// Elementwise `!=`.
    public static func .!= (lhs: Tensor, rhs: Tensor) -> Tensor { applyBinary(.ne, lhs, rhs, file: #fileID, line: #line) }
    /// Elementwise `<`.
    public static func .< (lhs: Tensor, rhs: Tensor) -> Tensor { applyBinary(.lt, lhs, rhs, file: #fileID, line: #line) }
    /// Elementwise `<=`.
    public static func .<= (lhs: Tensor, rhs: Tensor) -> Tensor { applyBinary(.le, lhs, rhs, file: #fileID, line: #line) }
    /// Elementwise `>`.
    public static func .> (lhs: Tensor, rhs: Tensor) -> Tensor { applyBinary(.gt, lhs, rhs, file: #fileID, line: #line) }
    /// Elementwise `>=`.
    public static func .>= (lhs: Tensor, rhs: Tensor) -> Tensor { applyBinary(.ge, lhs, rhs, file: #fileID, line: #line) }
    /// Elementwise `==` with a scalar.
    public static func .== (lhs: Tensor, rhs: Double) -> Tensor { lhs .== lhs.wrappedScalar(rhs, category: 2) }
    /// Elementwise `!=` with a scalar.
    public static func .!= (lhs: Tensor, rhs: Double) -> Tensor { lhs .!= lhs.wrappedScalar(rhs, category: 2) }
    /// Elementwise `<` with a scalar.
    public static func .< (lhs: Tensor, rhs: Double) -> Tensor { lhs .< lhs.wrappedScalar(rhs, category: 2) }
    /// Elementwise `<=` with a scalar.
    public static func .<= (lhs: Tensor, rhs: Double) -> Tensor { lhs .<= lhs.wrappedScalar(rhs, category: 2) }
    /// Elementwise `>` with a scalar.
    public static func .> (lhs: Tensor, rhs: Double) -> Tensor { lhs .> lhs.wrappedScalar(rhs, category: 2) }
    /// Elementwise `>=` with a scalar.
    public static func .>= (lhs: Tensor, rhs: Double) -> Tensor { lhs .>= lhs.wrappedScalar(rhs, category: 2) }
    /// Elementwise logical and (operands are read as bools).
    public static func .&& (lhs: Tensor, rhs: Tensor) -> Tensor { applyBinary(.logicalAnd, lhs, rhs, file: #fileID, line: #line) }
    /// Elementwise logical or.
    public static func .|| (lhs: Tensor, rhs: Tensor) -> Tensor { applyBinary(.logicalOr, lhs, rhs, file: #fileID, line: #line) }

    /// Elementwise `==` (PyTorch's `eq`).
    public func eq(_ other: Tensor) -> Tensor { self .== other }
    /// Elementwise `!=`.
    public func ne(_ other: Tensor) -> Tensor { self .!= other }
    /// Elementwise `<`.
    public func lt(_ other: Tensor) -> Tensor { self .< other }
    /// Elementwise `<=`.
    public func le(_ other: Tensor) -> Tensor { self .<= other }
    /// Elementwise `>`.
    public func gt(_ other: Tensor) -> Tensor { self .> other }
    /// Elementwise `>=`.
    public func ge(_ other: Tensor) -> Tensor { self .>= other }
    /// Elementwise logical and.
    public func logicalAnd(_ other: Tensor) -> Tensor { self .&& other }
    /// Elementwise logical or.
    public func logicalOr(_ other: Tensor) -> Tensor { self .|| other }
    /// Elementwise logical not.
    public func logicalNot() -> Tensor { applyUnary(.logicalNot, self) }
    /// True where the element is NaN.
    public func isNaN() -> Tensor { applyUnary(.isnan, self) }
    /// True where the element is finite.
    public func isFinite() -> Tensor { applyUnary(.isfinite, self) }
}
