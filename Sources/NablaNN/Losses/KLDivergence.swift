import Nabla

/// How `klDiv` reduces its per-element terms. PyTorch's `F.kl_div` reductions, including `batchmean`,
/// the one that matches the mathematical definition of the KL divergence.
public enum KLDivReduction: String, Sendable, Hashable, CaseIterable {
    /// The per-element terms, unreduced.
    case none
    /// The mean over all elements (PyTorch's default; it divides by the number of classes too).
    case mean
    /// The sum over all elements.
    case sum
    /// The sum divided by the batch size (the size of axis 0).
    case batchmean

    /// The `KLDivReduction` with the same meaning as a general `Reduction`.
    public init(_ reduction: Reduction) {
        switch reduction {
        case .none: self = .none
        case .mean: self = .mean
        case .sum: self = .sum
        }
    }
}

/// Kullback-Leibler divergence terms between a target distribution and `input` log-probabilities
/// (PyTorch's `F.kl_div`): `target · (log(target) - input)`, with `0 · log 0 = 0`, or with
/// `logTarget: true` (target given as log-probabilities) `exp(target) · (target - input)`.
///
/// Use `reduction: .batchmean` for the KL divergence per sample; `.mean` (the default, as in PyTorch)
/// also divides by the number of classes. `input` and `target` broadcast together.
///
/// ```swift
/// let logQ = logSoftmax(Tensor.randn([8, 10]).requiringGrad(), axis: 1)
/// let p = softmax(Tensor.randn([8, 10]), axis: 1)
/// let kl = klDiv(logQ, p, reduction: .batchmean)   // mean over the batch of KL(p ‖ q)
/// ```
public func klDiv(_ input: Tensor, _ target: Tensor, reduction: KLDivReduction = .mean, logTarget: Bool = false,
                  file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    checkLossOperands("klDiv", input, "input", target, "target", file: file, line: line)
    let terms: Tensor
    if logTarget {
        terms = target.exp() * (target - input)
    } else {
        // xlogy(t, t) = t · log(t) with 0 at t = 0: log reads 1 there, so neither the value nor the
        // gradient sees log(0). Negative targets still give NaN, as in PyTorch.
        let dtype = target.dtype.isFloatingPoint ? target.dtype : .float32
        let t = target.cast(to: dtype)
        let safe = Tensor.where(t .== lossScalar(0, dtype), lossScalar(1, dtype), t)
        terms = t * (safe.log() - input)
    }
    switch reduction {
    case .none: return terms
    case .mean: return terms.mean()
    case .sum: return terms.sum()
    case .batchmean: return input.rank == 0 ? terms.sum() : terms.sum() / Double(input.shape[0])
    }
}
