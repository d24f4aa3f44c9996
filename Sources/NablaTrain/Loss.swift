import Nabla
import NablaNN

/// The objective `fit` minimises: a name for the logs and a function of (predictions, targets)
/// returning a scalar tensor.
///
/// ```swift
/// model.compile(optimizer: Adam(model), loss: .crossEntropy)
/// model.compile(optimizer: SGD(model, learningRate: 0.1), loss: .custom("hinge") { p, t in relu(1 - p * t).mean() })
/// ```
public struct Loss: @unchecked Sendable {
    /// The loss's name ("cross_entropy", …), for summaries.
    public let name: String
    /// Computes the scalar loss of a batch.
    public let compute: (_ predictions: Tensor, _ targets: Tensor) -> Tensor

    /// A loss named `name` computed by `compute`.
    public init(_ name: String, _ compute: @escaping (_ predictions: Tensor, _ targets: Tensor) -> Tensor) {
        self.name = name
        self.compute = compute
    }

    /// Softmax cross-entropy of logits `[B, C]` with class indices `[B]` (or class probabilities `[B, C]`).
    public static let crossEntropy = Loss("cross_entropy") { NablaNN.crossEntropy($0, $1) }
    /// Negative log-likelihood of log-probabilities `[B, C]` with class indices `[B]`.
    public static let nll = Loss("nll") { nllLoss($0, $1) }
    /// Binary cross-entropy of probabilities with 0/1 targets of the same shape.
    public static let binaryCrossEntropy = Loss("binary_cross_entropy") { NablaNN.binaryCrossEntropy($0, $1.cast(to: $0.dtype)) }
    /// Binary cross-entropy of logits with 0/1 targets of the same shape (numerically stable).
    public static let binaryCrossEntropyWithLogits = Loss("binary_cross_entropy_with_logits") {
        NablaNN.binaryCrossEntropyWithLogits($0, $1.cast(to: $0.dtype))
    }
    /// Mean squared error.
    public static let meanSquaredError = Loss("mse") { mseLoss($0, $1.cast(to: $0.dtype)) }
    /// Mean absolute error.
    public static let meanAbsoluteError = Loss("mae") { l1Loss($0, $1.cast(to: $0.dtype)) }
    /// Huber loss with threshold `delta`.
    public static func huber(delta: Double = 1) -> Loss { Loss("huber") { huberLoss($0, $1.cast(to: $0.dtype), delta: delta) } }
    /// A loss of your own.
    public static func custom(_ name: String, _ compute: @escaping (Tensor, Tensor) -> Tensor) -> Loss { Loss(name, compute) }
}
