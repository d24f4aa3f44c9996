/// Activation functions: composites over the elementwise primitives (so they differentiate,
/// trace and fuse for free).

/// max(x, 0).
public func relu(_ x: Tensor) -> Tensor { applyUnary(.relu, x) }

/// x for x > 0, `negativeSlope * x` otherwise.
public func leakyRelu(_ x: Tensor, negativeSlope: Double = 0.01) -> Tensor {
    Tensor.where(x .> 0, x, x * negativeSlope)
}

/// x for x > 0, `alpha * (e^x - 1)` otherwise.
public func elu(_ x: Tensor, alpha: Double = 1.0) -> Tensor {
    // The negative branch reads x through `where` (not `minimum`, whose tie at 0 would halve the
    // gradient there), so the slope at 0 is alpha, as in PyTorch; positive x never reach expm1.
    let positive = x .> 0
    return Tensor.where(positive, x, alpha * Tensor.where(positive, Tensor.zeros(like: x), x).expm1())
}

/// How `gelu` evaluates the Gaussian CDF.
public enum GELUApproximation: Sendable {
    /// x * Φ(x) with the exact error function.
    case none
    /// The tanh approximation of GPT-2 and BERT.
    case tanh
}

/// Gaussian error linear unit, exact or with the tanh approximation.
public func gelu(_ x: Tensor, approximate: GELUApproximation = .none) -> Tensor {
    switch approximate {
    case .none:
        return geluExact(x)
    case .tanh:
        let inner = (x + x * x * x * 0.044715) * (2 / Double.pi).squareRoot()
        return x * 0.5 * (1 + inner.tanh())
    }
}

/// x * sigmoid(x) (also called swish).
public func silu(_ x: Tensor) -> Tensor { x * x.sigmoid() }

/// log(1 + e^(βx)) / β, linear above `threshold` (PyTorch's definition), computed stably.
public func softplus(_ x: Tensor, beta: Double = 1, threshold: Double = 20) -> Tensor {
    let z = x * beta
    let stable = (relu(z) + (-z.abs()).exp().log1p()) / beta
    return Tensor.where(z .> threshold, x, stable)
}
