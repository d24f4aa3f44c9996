import Foundation
import Nabla

/// The running sum of an elementwise error over every element seen, shared by the regression metrics.
struct ElementwiseErrorSum {
    var sum = 0.0
    var count = 0

    /// Adds `error(prediction - target)` for every element; predictions and targets must have as many
    /// elements (their shapes may differ only in layout, e.g. `[B, 1]` against `[B]`).
    mutating func add(metric: String, predictions: Tensor, targets: Tensor, error: (Double) -> Double) {
        precondition(predictions.count == targets.count,
                     "\(metric): predictions \(predictions.shape) and targets \(targets.shape) have different element counts")
        let p = hostDoubles(predictions), t = hostDoubles(targets)
        for i in p.indices { sum += error(p[i] - t[i]) }
        count += p.count
    }

    var mean: Double { count == 0 ? 0 : sum / Double(count) }
}

/// Mean squared error over every element seen, `mean((prediction − target)²)` (Keras' "mse").
///
/// Predictions and targets must have the same number of elements (`[B, 1]` against `[B]` is fine); the
/// mean is over all elements of all batches, so batches of different sizes weigh by their size.
///
/// ```swift
/// let mse = MeanSquaredError()
/// mse.update(predictions: Tensor([1, 2, 3] as [Float]), targets: Tensor([1, 0, 4] as [Float]))
/// mse.result()   // (0 + 4 + 1) / 3
/// ```
public final class MeanSquaredError: Metric {
    /// "mse".
    public let name = "mse"
    private var errors = ElementwiseErrorSum()

    /// An empty mean squared error.
    public init() {}

    /// Adds the squared errors of one batch.
    public func update(predictions: Tensor, targets: Tensor) {
        errors.add(metric: "MeanSquaredError", predictions: predictions, targets: targets) { $0 * $0 }
    }
    /// The mean squared error over every element seen (0 before any update).
    public func result() -> Double { errors.mean }
    /// Forgets the sums.
    public func reset() { errors = ElementwiseErrorSum() }
    /// A new empty mean squared error.
    public func makeEmpty() -> any Metric { MeanSquaredError() }
}

/// Root mean squared error, `sqrt(mean((prediction − target)²))` over every element seen ("rmse"):
/// the square root of the whole run's mean, not a mean of per-batch roots.
///
/// ```swift
/// let rmse = RootMeanSquaredError()
/// rmse.update(predictions: Tensor([0, 0] as [Float]), targets: Tensor([3, 4] as [Float]))
/// rmse.result()   // sqrt(12.5)
/// ```
public final class RootMeanSquaredError: Metric {
    /// "rmse".
    public let name = "rmse"
    private var errors = ElementwiseErrorSum()

    /// An empty root mean squared error.
    public init() {}

    /// Adds the squared errors of one batch.
    public func update(predictions: Tensor, targets: Tensor) {
        errors.add(metric: "RootMeanSquaredError", predictions: predictions, targets: targets) { $0 * $0 }
    }
    /// The root of the mean squared error over every element seen (0 before any update).
    public func result() -> Double { errors.mean.squareRoot() }
    /// Forgets the sums.
    public func reset() { errors = ElementwiseErrorSum() }
    /// A new empty root mean squared error.
    public func makeEmpty() -> any Metric { RootMeanSquaredError() }
}

/// Mean absolute error over every element seen, `mean(|prediction − target|)` (Keras' "mae").
///
/// Shapes as for `MeanSquaredError`.
///
/// ```swift
/// let mae = MeanAbsoluteError()
/// mae.update(predictions: Tensor([1, 2, 3] as [Float]), targets: Tensor([1, 0, 4] as [Float]))
/// mae.result()   // (0 + 2 + 1) / 3 = 1
/// ```
public final class MeanAbsoluteError: Metric {
    /// "mae".
    public let name = "mae"
    private var errors = ElementwiseErrorSum()

    /// An empty mean absolute error.
    public init() {}

    /// Adds the absolute errors of one batch.
    public func update(predictions: Tensor, targets: Tensor) {
        errors.add(metric: "MeanAbsoluteError", predictions: predictions, targets: targets) { Swift.abs($0) }
    }
    /// The mean absolute error over every element seen (0 before any update).
    public func result() -> Double { errors.mean }
    /// Forgets the sums.
    public func reset() { errors = ElementwiseErrorSum() }
    /// A new empty mean absolute error.
    public func makeEmpty() -> any Metric { MeanAbsoluteError() }
}

extension MetricSpec {
    /// `MeanSquaredError()`, logged as "mse".
    public static var mse: MetricSpec { MetricSpec { MeanSquaredError() } }
    /// `RootMeanSquaredError()`, logged as "rmse".
    public static var rmse: MetricSpec { MetricSpec { RootMeanSquaredError() } }
    /// `MeanAbsoluteError()`, logged as "mae".
    public static var mae: MetricSpec { MetricSpec { MeanAbsoluteError() } }
}
