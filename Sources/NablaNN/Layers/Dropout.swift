import Nabla

/// Randomly zeroes elements with probability `p` during training and scales the survivors by
/// 1/(1-p) (PyTorch's `nn.Dropout`); the identity in evaluation mode.
///
/// ```swift
/// let mlp = Sequential(Linear(784, 256), ReLU(), Dropout(p: 0.5), Linear(256, 10))
/// mlp.eval()   // dropout off
/// ```
public final class Dropout: Module, Layer {
    /// The probability of zeroing an element.
    public let p: Double
    /// The source of the masks (`Generator.default` when nil).
    public let generator: Generator?

    /// Dropout with probability `p` (in [0, 1]).
    public init(p: Double = 0.5, generator: Generator? = nil) {
        precondition(p >= 0 && p <= 1, "Dropout: probability has to be between 0 and 1, but got \(p)")
        (self.p, self.generator) = (p, generator)
        super.init()
    }

    /// `input` with dropout applied in training mode.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        reportOutput(dropout(input, p: p, training: isTraining, generator: generator))
    }
}

/// Randomly zeroes whole channels of an [N, C, ...] input with probability `p` during training and
/// scales the survivors by 1/(1-p) (PyTorch's `nn.Dropout2d`); the identity in evaluation mode.
public final class Dropout2d: Module, Layer {
    /// The probability of zeroing a channel.
    public let p: Double
    /// The source of the masks (`Generator.default` when nil).
    public let generator: Generator?

    /// Channel dropout with probability `p` (in [0, 1]).
    public init(p: Double = 0.5, generator: Generator? = nil) {
        precondition(p >= 0 && p <= 1, "Dropout2d: probability has to be between 0 and 1, but got \(p)")
        (self.p, self.generator) = (p, generator)
        super.init()
    }

    /// `input` with channel dropout applied in training mode.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        reportOutput(dropout2d(input, p: p, training: isTraining, generator: generator))
    }
}
