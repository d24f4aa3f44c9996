import Nabla

/// Counts of (true class, predicted class) pairs: `matrix[t][p]` is the number of examples of class `t`
/// predicted as `p`, rows true and columns predicted like scikit-learn's `confusion_matrix`.
///
/// Inputs as for `Accuracy`: `[B, C]` scores (argmax, `C` must equal `classCount`) or, with
/// `classCount: 2`, `[B]` / `[B, 1]` binary scores thresholded at `threshold` (on probabilities, or on
/// `sigmoid(logits)` when `fromLogits`). `result()` is the overall accuracy (the trace over the total);
/// `description` prints the matrix.
///
/// ```swift
/// let confusion = ConfusionMatrix(classCount: 3)
/// confusion.update(predictions: logits, targets: labels)
/// print(confusion)
/// // true\pred  0  1  2
/// //         0  5  1  0
/// //         1  0 17  2
/// //         2  1  0  4
/// ```
public final class ConfusionMatrix: Metric, CustomStringConvertible {
    /// "confusion_matrix".
    public let name = "confusion_matrix"
    /// The number of classes (rows and columns).
    public let classCount: Int
    /// The probability above which a binary prediction counts as class 1.
    public let threshold: Double
    /// Whether binary predictions are logits (`sigmoid` is applied before the threshold).
    public let fromLogits: Bool

    /// `matrix[trueClass][predictedClass]`: the counts so far, `classCount` × `classCount`.
    public private(set) var matrix: [[Int]]

    /// An empty `classCount` × `classCount` confusion matrix (`classCount >= 2`).
    public init(classCount: Int, threshold: Double = 0.5, fromLogits: Bool = false) {
        precondition(classCount >= 2, "ConfusionMatrix: classCount must be at least 2, got \(classCount)")
        self.classCount = classCount
        self.threshold = threshold
        self.fromLogits = fromLogits
        matrix = Array(repeating: Array(repeating: 0, count: classCount), count: classCount)
    }

    /// Adds one batch's (true, predicted) pairs.
    public func update(predictions: Tensor, targets: Tensor) {
        let decisions = classDecisions(metric: "ConfusionMatrix", predictions: predictions, targets: targets,
                                       threshold: threshold, fromLogits: fromLogits)
        precondition(decisions.classCount == classCount,
                     "ConfusionMatrix: predictions \(predictions.shape) speak of \(decisions.classCount) classes, classCount is \(classCount) (targets \(targets.shape))")
        for (predicted, actual) in zip(decisions.predicted, decisions.actual) {
            matrix[actual][predicted] += 1
        }
    }

    /// The overall accuracy: the diagonal over all examples seen (0 before any update).
    public func result() -> Double {
        let total = matrix.joined().reduce(0, +)
        let correct = (0..<classCount).map { matrix[$0][$0] }.reduce(0, +)
        return total == 0 ? 0 : Double(correct) / Double(total)
    }

    /// Sets every count to 0.
    public func reset() {
        matrix = Array(repeating: Array(repeating: 0, count: classCount), count: classCount)
    }

    /// A new empty confusion matrix with the same configuration.
    public func makeEmpty() -> any Metric { ConfusionMatrix(classCount: classCount, threshold: threshold, fromLogits: fromLogits) }

    /// The matrix as a right-aligned table, a header row of predicted classes and one row per true class.
    public var description: String {
        let corner = "true\\pred"
        let width = max(String(classCount - 1).count, matrix.joined().map { String($0).count }.max() ?? 1)
        func pad(_ text: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - text.count)) + text }
        var lines = [pad(corner, corner.count) + (0..<classCount).map { " " + pad(String($0), width) }.joined()]
        for (t, row) in matrix.enumerated() {
            lines.append(pad(String(t), corner.count) + row.map { " " + pad(String($0), width) }.joined())
        }
        return lines.joined(separator: "\n")
    }
}

extension MetricSpec {
    /// `ConfusionMatrix(classCount:)`, logged as "confusion_matrix" (its overall accuracy).
    public static func confusionMatrix(classCount: Int, threshold: Double = 0.5, fromLogits: Bool = false) -> MetricSpec {
        MetricSpec { ConfusionMatrix(classCount: classCount, threshold: threshold, fromLogits: fromLogits) }
    }
}
