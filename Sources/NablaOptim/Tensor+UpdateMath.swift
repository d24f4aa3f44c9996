import Nabla

// The fused-looking PyTorch tensor methods the optimizer algorithms are written with, as compositions
// of Nabla's scalar and elementwise ops. Each computes in the same order (and so rounds the same way)
// as PyTorch's CPU kernel, and skips the multiplication when the factor is 1.

extension Tensor {
    /// `self + alpha * other` (PyTorch's `add(other, alpha:)`).
    @inline(__always)
    func adding(_ other: Tensor, scaledBy alpha: Double) -> Tensor {
        alpha == 1 ? self + other : self + other * alpha
    }

    /// `self + value * a * b` (PyTorch's `addcmul`), evaluated as `self + (value * a) * b`.
    @inline(__always)
    func addingProduct(_ a: Tensor, _ b: Tensor, scaledBy value: Double) -> Tensor {
        value == 1 ? self + a * b : self + (a * value) * b
    }

    /// `self + value * a / b` (PyTorch's `addcdiv`), evaluated as `self + (value * a) / b`.
    @inline(__always)
    func addingQuotient(_ a: Tensor, _ b: Tensor, scaledBy value: Double) -> Tensor {
        value == 1 ? self + a / b : self + (a * value) / b
    }

    /// `self + weight * (end - self)` (PyTorch's `lerp`), computed from the nearer end as PyTorch's
    /// kernel does: `end - (end - self) * (1 - weight)` when `weight >= 0.5`.
    @inline(__always)
    func lerp(to end: Tensor, weight: Double) -> Tensor {
        if Swift.abs(weight) < 0.5 { return self + (end - self) * weight }
        // PyTorch forms 1 - weight in the tensor's compute type.
        let complement = dtype == .float64 ? 1 - weight : Double(1 - Float(weight))
        return end - (end - self) * complement
    }
}

/// The gradient an update starts from: negated when maximising, plus `weightDecay * parameter`
/// (classic L2 regularisation, PyTorch's `grad.add(param, alpha=weight_decay)`) when non-zero.
@inline(__always)
func effectiveGradient(_ gradient: Tensor, parameter: Tensor, maximize: Bool, weightDecay: Double) -> Tensor {
    let g = maximize ? -gradient : gradient
    return weightDecay != 0 ? g.adding(parameter, scaledBy: weightDecay) : g
}

/// A problem message when `value` is negative or NaN.
func checkNonNegative(_ value: Double?, _ what: String) -> String? {
    guard let value else { return nil }
    return value >= 0 ? nil : "invalid \(what): \(value) (must be >= 0)"
}

/// A problem message when `value` is outside [0, 1).
func checkUnitInterval(_ value: Double?, _ what: String) -> String? {
    guard let value else { return nil }
    return (0 <= value && value < 1) ? nil : "invalid \(what): \(value) (must be in [0, 1))"
}
