import Nabla

/// The (weighted) mean of values given one by one, logged under any name (Keras' `Mean`).
///
/// `fit` keeps the running loss with `Mean(name: "loss")`, adding each batch's mean loss weighted by
/// its batch size, so the epoch's value is the mean over examples even when the last batch is short.
/// Through the `Metric` protocol, `update(predictions:targets:)` adds every element of `predictions`
/// with weight 1 and ignores `targets`.
///
/// ```swift
/// let loss = Mean(name: "loss")
/// loss.update(value: 0.9, weight: 64)
/// loss.update(value: 0.6, weight: 32)
/// loss.result()   // (0.9 * 64 + 0.6 * 32) / 96 = 0.8
/// ```
public final class Mean: Metric {
    /// The key the mean is logged under.
    public let name: String
    private var weightedSum = 0.0
    private var totalWeight = 0.0

    /// An empty mean logged as `name`.
    public init(name: String) { self.name = name }

    /// Adds `value` with `weight` (the batch size, for a per-batch mean that should weigh by examples).
    public func update(value: Double, weight: Double = 1) {
        weightedSum += value * weight
        totalWeight += weight
    }

    /// Adds every element of `predictions` with weight 1; `targets` is ignored.
    public func update(predictions: Tensor, targets: Tensor) {
        let values = hostDoubles(predictions)
        weightedSum += values.reduce(0, +)
        totalWeight += Double(values.count)
    }

    /// The weighted mean of everything added (0 before any update or when the weights sum to 0).
    public func result() -> Double { totalWeight == 0 ? 0 : weightedSum / totalWeight }

    /// Forgets everything added.
    public func reset() { weightedSum = 0; totalWeight = 0 }

    /// A new empty mean with the same name.
    public func makeEmpty() -> any Metric { Mean(name: name) }
}

extension MetricSpec {
    /// `Mean(name:)`: the mean of the predictions' elements, logged as `name`.
    public static func mean(name: String) -> MetricSpec { MetricSpec { Mean(name: name) } }
}
