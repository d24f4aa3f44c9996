import Nabla

/// `max(x, 0)` (PyTorch's `nn.ReLU`).
public final class ReLU: Module, Layer {
    /// The ReLU layer.
    public override init() { super.init() }
    /// `relu(input)`.
    public func callAsFunction(_ input: Tensor) -> Tensor { reportOutput(relu(input)) }
}

/// `x` for positive `x`, `negativeSlope · x` otherwise (PyTorch's `nn.LeakyReLU`).
public final class LeakyReLU: Module, Layer {
    /// The slope for negative inputs.
    public let negativeSlope: Double
    /// A leaky ReLU with `negativeSlope` (0.01 by default).
    public init(negativeSlope: Double = 0.01) {
        self.negativeSlope = negativeSlope
        super.init()
    }
    /// `leakyRelu(input)`.
    public func callAsFunction(_ input: Tensor) -> Tensor { reportOutput(leakyRelu(input, negativeSlope: negativeSlope)) }
}

/// `x` for positive `x`, `alpha · (eˣ - 1)` otherwise (PyTorch's `nn.ELU`).
public final class ELU: Module, Layer {
    /// The saturation value for negative inputs.
    public let alpha: Double
    /// An ELU with `alpha` (1 by default).
    public init(alpha: Double = 1) {
        self.alpha = alpha
        super.init()
    }
    /// `elu(input)`.
    public func callAsFunction(_ input: Tensor) -> Tensor { reportOutput(elu(input, alpha: alpha)) }
}

/// The Gaussian error linear unit, exact or with the tanh approximation (PyTorch's `nn.GELU`).
public final class GELU: Module, Layer {
    /// How the Gaussian CDF is evaluated.
    public let approximate: GELUApproximation
    /// A GELU (exact by default; `.tanh` for GPT-2/BERT's approximation).
    public init(approximate: GELUApproximation = .none) {
        self.approximate = approximate
        super.init()
    }
    /// `gelu(input)`.
    public func callAsFunction(_ input: Tensor) -> Tensor { reportOutput(gelu(input, approximate: approximate)) }
}

/// `x · sigmoid(x)` (PyTorch's `nn.SiLU`, also called swish).
public final class SiLU: Module, Layer {
    /// The SiLU layer.
    public override init() { super.init() }
    /// `silu(input)`.
    public func callAsFunction(_ input: Tensor) -> Tensor { reportOutput(silu(input)) }
}

/// The hyperbolic tangent (PyTorch's `nn.Tanh`).
public final class Tanh: Module, Layer {
    /// The tanh layer.
    public override init() { super.init() }
    /// `tanh(input)`.
    public func callAsFunction(_ input: Tensor) -> Tensor { reportOutput(input.tanh()) }
}

/// The logistic sigmoid `1 / (1 + e⁻ˣ)` (PyTorch's `nn.Sigmoid`).
public final class Sigmoid: Module, Layer {
    /// The sigmoid layer.
    public override init() { super.init() }
    /// `sigmoid(input)`.
    public func callAsFunction(_ input: Tensor) -> Tensor { reportOutput(input.sigmoid()) }
}

/// Softmax along `dim` (PyTorch's `nn.Softmax`): non-negative values summing to 1 along that axis.
///
/// ```swift
/// let probabilities = Softmax(dim: -1)(logits)
/// ```
public final class Softmax: Module, Layer {
    /// The axis normalised over (negative counts from the end).
    public let dim: Int
    /// Softmax along `dim`.
    public init(dim: Int) {
        self.dim = dim
        super.init()
    }
    /// `softmax(input, axis: dim)`.
    public func callAsFunction(_ input: Tensor) -> Tensor { reportOutput(softmax(input, axis: dim)) }
}

/// `log(softmax(x))` along `dim`, computed stably (PyTorch's `nn.LogSoftmax`).
public final class LogSoftmax: Module, Layer {
    /// The axis normalised over (negative counts from the end).
    public let dim: Int
    /// Log-softmax along `dim`.
    public init(dim: Int) {
        self.dim = dim
        super.init()
    }
    /// `logSoftmax(input, axis: dim)`.
    public func callAsFunction(_ input: Tensor) -> Tensor { reportOutput(logSoftmax(input, axis: dim)) }
}
