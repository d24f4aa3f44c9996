import Nabla
import NablaNN

/// Scales the gradients of `parameters` so that their total norm is at most `maxNorm`, and returns
/// the total norm before clipping (PyTorch's `torch.nn.utils.clip_grad_norm_`).
///
/// The total norm is the `normType`-norm of the per-parameter gradient norms (the norm of all
/// gradients concatenated); `.infinity` takes the largest magnitude. Every gradient is multiplied by
/// `min(maxNorm / (total + 1e-6), 1)`. Parameters without a gradient are ignored; with none at all the
/// result is 0.
///
/// ```swift
/// loss.backward()
/// let norm = clipGradNorm(model, maxNorm: 1.0)
/// optimizer.step()
/// ```
@discardableResult
public func clipGradNorm(_ parameters: some ParameterSource, maxNorm: Double, normType: Double = 2) -> Tensor {
    precondition(normType > 0, "clipGradNorm: normType must be positive or .infinity (got \(normType))")
    let withGrads = parameters.makeParameterGroups().flatMap(\.parameters).compactMap { p in p.grad.map { (p, $0) } }
    guard !withGrads.isEmpty else { return Tensor(Float(0)) }
    return withNoGrad {
        let norms = withGrads.map { vectorNorm($0.1.detached(), normType) }
        let total = norms.count == 1 ? norms[0] : vectorNorm(stack(norms), normType)
        let coefficient = (maxNorm / (total + 1e-6)).clamped(max: 1)
        for (parameter, gradient) in withGrads {
            parameter.grad = gradient.detached() * coefficient.cast(to: gradient.dtype)
        }
        return total
    }
}

/// Clamps every gradient of `parameters` into `[-clipValue, clipValue]` (PyTorch's `clip_grad_value_`).
///
/// ```swift
/// clipGradValue(model, clipValue: 0.5)
/// ```
public func clipGradValue(_ parameters: some ParameterSource, clipValue: Double) {
    precondition(clipValue >= 0, "clipGradValue: clipValue must be non-negative (got \(clipValue))")
    withNoGrad {
        for parameter in parameters.makeParameterGroups().flatMap(\.parameters) {
            if let gradient = parameter.grad {
                parameter.grad = gradient.detached().clamped(min: -clipValue, max: clipValue)
            }
        }
    }
}

/// The `p`-norm of all elements of `x` as a 0-d tensor (`.infinity`: the largest magnitude).
func vectorNorm(_ x: Tensor, _ p: Double) -> Tensor {
    if p.isInfinite { return x.abs().max(alongAxes: nil) }
    if p == 2 { return (x * x).sum().sqrt() }
    if p == 1 { return x.abs().sum() }
    return x.abs().pow(p).sum().pow(1 / p)
}
