import Foundation
import Nabla

// Reading a batch of predictions and targets into Swift arrays, shared by the metrics of this folder.
//
// Metrics run on the host once per batch: the tensors are read back (`toArray`, which does not touch the
// autograd tape) and counted in Swift. Shapes that disagree are programmer errors and trap with a message
// naming the metric and both shapes.

/// The class decisions of one classification batch: one predicted and one true class per example.
struct ClassDecisions {
    /// The predicted class of each example (argmax of scores, or 0/1 by threshold for binary inputs).
    var predicted: [Int]
    /// The true class of each example.
    var actual: [Int]
    /// The number of classes the predictions speak of: `C` for `[B, C]` scores, 2 for binary inputs.
    var classCount: Int
}

/// How a classification batch is laid out.
enum ClassificationLayout {
    /// `[B]` or `[B, 1]` predictions: one probability (or logit) of class 1 per example.
    case binary(batch: Int)
    /// `[B, C]` predictions with `C >= 2`: one score per class.
    case multiClass(batch: Int, classCount: Int)

    /// The layout of `predictions`, trapping on shapes no classification metric accepts.
    init(metric: String, predictions: Tensor, targets: Tensor) {
        let shape = predictions.shape
        switch shape.count {
        case 1: self = .binary(batch: shape[0])
        case 2 where shape[1] == 1: self = .binary(batch: shape[0])
        case 2: self = .multiClass(batch: shape[0], classCount: shape[1])
        default:
            preconditionFailure("""
                \(metric): predictions must be [B, C] class scores or [B] / [B, 1] binary scores, \
                got predictions \(shape) with targets \(targets.shape)
                """)
        }
        let batch = self.batch
        let t = targets.shape
        precondition(
            targets.count == batch && (t.count == 1 || (t.count == 2 && t[1] == 1)),
            "\(metric): targets must be [B] or [B, 1] class indices with B = \(batch), got predictions \(shape) and targets \(t)"
        )
    }

    /// The number of examples in the batch.
    var batch: Int {
        switch self {
        case let .binary(batch), let .multiClass(batch, _): return batch
        }
    }
}

/// The logistic function, used to turn logits into probabilities for a threshold.
@inline(__always) func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }

/// All elements of `tensor` as doubles, read without touching the autograd tape.
func hostDoubles(_ tensor: Tensor) -> [Double] { tensor.toArray(as: Double.self) }

/// The targets of a classification batch as class indices in `0..<classCount`; int or float dtypes,
/// float targets must hold whole numbers.
func classIndices(_ targets: Tensor, classCount: Int, metric: String, predictionsShape: [Int]) -> [Int] {
    let values: [Int]
    if targets.dtype.isFloatingPoint {
        values = hostDoubles(targets).map { value in
            precondition(value.rounded() == value,
                         "\(metric): float targets must be whole class indices, got \(value) (predictions \(predictionsShape), targets \(targets.shape))")
            return Int(value)
        }
    } else {
        values = targets.toArray(as: Int64.self).map { Int($0) }
    }
    for value in values {
        precondition((0..<classCount).contains(value),
                     "\(metric): target \(value) is outside 0..<\(classCount) (predictions \(predictionsShape), targets \(targets.shape))")
    }
    return values
}

/// Index of the largest of `row`, the first one on ties (like `torch.argmax` and `numpy.argmax`).
@inline(__always) func firstArgmax(_ row: ArraySlice<Double>) -> Int {
    var best = row.startIndex
    for i in row.indices where row[i] > row[best] { best = i }
    return best - row.startIndex
}

/// The predicted and true classes of a classification batch.
///
/// `[B, C]` scores: the argmax of each row (the first one on ties). `[B]` or `[B, 1]` binary scores:
/// class 1 when the probability is above `threshold` (strictly, like Keras), where the probability is
/// `sigmoid(score)` when `fromLogits` and the score itself otherwise.
func classDecisions(metric: String, predictions: Tensor, targets: Tensor, threshold: Double, fromLogits: Bool) -> ClassDecisions {
    let layout = ClassificationLayout(metric: metric, predictions: predictions, targets: targets)
    let scores = hostDoubles(predictions)
    switch layout {
    case .binary:
        let predicted = scores.map { (fromLogits ? sigmoid($0) : $0) > threshold ? 1 : 0 }
        let actual = classIndices(targets, classCount: 2, metric: metric, predictionsShape: predictions.shape)
        return ClassDecisions(predicted: predicted, actual: actual, classCount: 2)
    case let .multiClass(batch, classCount):
        let predicted = (0..<batch).map { firstArgmax(scores[($0 * classCount)..<(($0 + 1) * classCount)]) }
        let actual = classIndices(targets, classCount: classCount, metric: metric, predictionsShape: predictions.shape)
        return ClassDecisions(predicted: predicted, actual: actual, classCount: classCount)
    }
}
