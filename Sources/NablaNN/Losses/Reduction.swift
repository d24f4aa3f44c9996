import Nabla

/// How a loss combines its per-element values: PyTorch's `reduction` argument.
///
/// ```swift
/// let perSample = mseLoss(prediction, target, reduction: .none)   // same shape as the inputs
/// let total = mseLoss(prediction, target, reduction: .sum)        // a 0-d tensor
/// ```
///
/// `klDiv` also accepts `batchmean`; it takes `KLDivReduction` instead.
public enum Reduction: String, Sendable, Hashable, CaseIterable {
    /// The per-element losses, unreduced.
    case none
    /// The mean over the elements (the weighted mean for `crossEntropy` and `nllLoss` with class weights).
    case mean
    /// The sum over the elements.
    case sum
}

extension Reduction {
    /// Reduces per-element losses (the mean of no elements is NaN, as in PyTorch).
    func apply(_ losses: Tensor) -> Tensor {
        switch self {
        case .none: return losses
        case .mean: return losses.mean()
        case .sum: return losses.sum()
        }
    }
}

/// Traps with a message naming the loss and the shapes, at the caller's file and line (a programmer
/// error, like an out-of-bounds array index).
func lossFailure(_ message: @autoclosure () -> String, file: StaticString, line: UInt) -> Never {
    fatalError(message(), file: file, line: line)
}

/// A 0-d tensor of `dtype` holding `value` (a constant operand that does not widen the other operand).
@inline(__always)
func lossScalar(_ value: Double, _ dtype: DType) -> Tensor {
    Tensor.full([], value: value, dtype: dtype)
}

/// Checks that two operands of an elementwise loss broadcast together.
func checkLossOperands(_ op: String, _ a: Tensor, _ aName: String, _ b: Tensor, _ bName: String,
                        file: StaticString, line: UInt) {
    let rank = Swift.max(a.rank, b.rank)
    let sa = [Int](repeating: 1, count: rank - a.rank) + a.shape
    let sb = [Int](repeating: 1, count: rank - b.rank) + b.shape
    for (x, y) in zip(sa, sb) where x != y && x != 1 && y != 1 {
        lossFailure("\(op): \(aName) \(a.shape) and \(bName) \(b.shape) cannot be broadcast together", file: file, line: line)
    }
}
