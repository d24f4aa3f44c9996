import Nabla

/// The fraction of examples whose predicted class is the true class (Keras' `accuracy`).
///
/// Two input layouts:
/// - **multi-class**: predictions `[B, C]` scores (logits or probabilities), targets `[B]` (or `[B, 1]`)
///   class indices; the predicted class is the argmax of each row, the first one on ties (like
///   `torch.argmax`).
/// - **binary**: predictions `[B]` or `[B, 1]`, targets 0 or 1; the prediction is class 1 when the
///   probability is strictly above `threshold`. The predictions are taken to be probabilities unless
///   `fromLogits` is true, in which case `sigmoid` is applied first (so the default threshold 0.5 then
///   means "logit above 0").
///
/// Targets may be any integer dtype, or a float dtype holding whole numbers.
///
/// ```swift
/// let accuracy = Accuracy()
/// accuracy.update(predictions: Tensor([[2, 1, 0], [0, 1, 3]] as [[Float]]), targets: Tensor([0, 1] as [Int64]))
/// accuracy.result()   // 0.5
///
/// let binary = Accuracy(fromLogits: true)   // a model trained with binaryCrossEntropy(withLogits:)
/// ```
public final class Accuracy: Metric {
    /// "accuracy".
    public let name = "accuracy"
    /// The probability above which a binary prediction counts as class 1.
    public let threshold: Double
    /// Whether binary predictions are logits (`sigmoid` is applied before the threshold).
    public let fromLogits: Bool

    private var correct = 0
    private var total = 0

    /// An accuracy metric; `threshold` and `fromLogits` only matter for binary (`[B]` / `[B, 1]`) predictions.
    public init(threshold: Double = 0.5, fromLogits: Bool = false) {
        self.threshold = threshold
        self.fromLogits = fromLogits
    }

    /// Counts the examples of one batch and how many of them are classified correctly.
    public func update(predictions: Tensor, targets: Tensor) {
        let decisions = classDecisions(metric: "Accuracy", predictions: predictions, targets: targets,
                                       threshold: threshold, fromLogits: fromLogits)
        correct += zip(decisions.predicted, decisions.actual).count { $0 == $1 }
        total += decisions.actual.count
    }

    /// Correct examples over all examples seen (0 before any update).
    public func result() -> Double { total == 0 ? 0 : Double(correct) / Double(total) }

    /// Forgets the counts.
    public func reset() { correct = 0; total = 0 }

    /// A new accuracy metric with the same threshold and logits flag.
    public func makeEmpty() -> any Metric { Accuracy(threshold: threshold, fromLogits: fromLogits) }
}

/// The fraction of examples whose true class is among the `k` highest scores (Keras'
/// `top_k_categorical_accuracy`, with integer targets).
///
/// Predictions are `[B, C]` scores, targets `[B]` (or `[B, 1]`) class indices. Ties follow
/// TensorFlow's `in_top_k`: the target counts when fewer than `k` classes score strictly higher than
/// it, so classes tied with the target at the boundary never push it out. When `k >= C` every example
/// counts. `TopKAccuracy(k: 1)` is `Accuracy` except on ties for the first place.
///
/// ```swift
/// let top2 = TopKAccuracy(k: 2)
/// top2.update(predictions: Tensor([[0.1, 0.5, 0.4], [0.6, 0.3, 0.1]] as [[Float]]), targets: Tensor([2, 2] as [Int64]))
/// top2.result()   // 0.5: class 2 is second in the first row, last in the second
/// ```
public final class TopKAccuracy: Metric {
    /// How many of the highest scores a target may be among.
    public let k: Int
    /// "top_\(k)_accuracy", e.g. "top_5_accuracy".
    public var name: String { "top_\(k)_accuracy" }

    private var correct = 0
    private var total = 0

    /// A top-`k` accuracy metric (`k >= 1`).
    public init(k: Int) {
        precondition(k >= 1, "TopKAccuracy: k must be at least 1, got \(k)")
        self.k = k
    }

    /// Counts the examples of one batch and how many have their target among the `k` highest scores.
    public func update(predictions: Tensor, targets: Tensor) {
        let metric = "TopKAccuracy(k: \(k))"
        guard case let .multiClass(batch, classCount) = ClassificationLayout(metric: metric, predictions: predictions, targets: targets) else {
            preconditionFailure("\(metric): predictions must be [B, C] class scores with C >= 2, got predictions \(predictions.shape) and targets \(targets.shape)")
        }
        let scores = hostDoubles(predictions)
        let labels = classIndices(targets, classCount: classCount, metric: metric, predictionsShape: predictions.shape)
        for (row, label) in zip(0..<batch, labels) {
            let base = row * classCount
            let target = scores[base + label]
            var higher = 0
            for c in 0..<classCount where scores[base + c] > target { higher += 1 }
            if higher < k { correct += 1 }
        }
        total += batch
    }

    /// Examples with their target in the top `k` over all examples seen (0 before any update).
    public func result() -> Double { total == 0 ? 0 : Double(correct) / Double(total) }

    /// Forgets the counts.
    public func reset() { correct = 0; total = 0 }

    /// A new top-`k` accuracy metric with the same `k`.
    public func makeEmpty() -> any Metric { TopKAccuracy(k: k) }
}

extension MetricSpec {
    /// `Accuracy()`: argmax of `[B, C]` scores, or binary probabilities thresholded at 0.5.
    public static var accuracy: MetricSpec { MetricSpec { Accuracy() } }

    /// `Accuracy(threshold:fromLogits:)`, for binary models (e.g. `.accuracy(fromLogits: true)`).
    public static func accuracy(threshold: Double = 0.5, fromLogits: Bool = false) -> MetricSpec {
        MetricSpec { Accuracy(threshold: threshold, fromLogits: fromLogits) }
    }

    /// `TopKAccuracy(k: k)`, logged as "top_\(k)_accuracy": `metrics: [.topKAccuracy(5)]`.
    public static func topKAccuracy(_ k: Int) -> MetricSpec {
        precondition(k >= 1, "topKAccuracy: k must be at least 1, got \(k)")
        return MetricSpec { TopKAccuracy(k: k) }
    }
}
