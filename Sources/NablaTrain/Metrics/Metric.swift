import Nabla

/// A streaming quality measure of a model's outputs: fed batch by batch with `update`, read with
/// `result()`, cleared with `reset()` (Keras' `Metric`, torchmetrics' `Metric`).
///
/// `fit` makes one instance per metric for training and one for validation (`makeEmpty()`), resets
/// them at the start of each epoch and logs `result()` under `name` (and `"val_" + name`).
///
/// ```swift
/// let accuracy = Accuracy()
/// accuracy.update(predictions: logits, targets: labels)   // [B, C] scores, [B] class indices
/// print(accuracy.result())
/// ```
public protocol Metric: AnyObject {
    /// The key the metric is logged under ("accuracy", "top_5_accuracy", "f1_macro", …).
    var name: String { get }

    /// Accumulates one batch. `predictions` are the model's outputs (logits, probabilities or values),
    /// `targets` the batch's targets, as the loss sees them.
    func update(predictions: Tensor, targets: Tensor)

    /// The value over everything accumulated since the last `reset()` (0 before any update).
    func result() -> Double

    /// Forgets everything accumulated.
    func reset()

    /// A new instance with the same configuration and nothing accumulated.
    func makeEmpty() -> any Metric
}

/// A metric to pass to `compile(optimizer:loss:metrics:)`: a recipe that makes fresh instances,
/// so that training and validation each get their own.
///
/// ```swift
/// model.compile(optimizer: Adam(model), loss: .crossEntropy, metrics: [.accuracy, .topKAccuracy(3)])
/// ```
public struct MetricSpec: @unchecked Sendable {
    /// Makes a fresh instance of the metric.
    public let make: () -> any Metric

    /// A spec making instances with `make`.
    public init(_ make: @escaping () -> any Metric) { self.make = make }
}
