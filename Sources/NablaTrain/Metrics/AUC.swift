import Nabla

/// Area under the ROC curve (scikit-learn's `roc_auc_score`), computed exactly over every example seen.
///
/// The AUC is the probability that a random positive example scores higher than a random negative one,
/// a tie counting one half; it is computed from the average ranks of the scores (the Mann–Whitney U
/// statistic), which equals the trapezoidal area under the ROC curve with tied scores forming one
/// diagonal step. Only the order of the scores matters, so probabilities and logits give the same AUC.
///
/// Inputs:
/// - **binary**: predictions `[B]` or `[B, 1]` scores of class 1, or `[B, 2]` two-class scores (the
///   difference `score₁ − score₀` is used, which orders examples like the probability of class 1 for
///   both logits and probabilities); targets `[B]` (or `[B, 1]`) of 0 and 1.
/// - **multi-class** (`[B, C]`, `C > 2`): one-vs-rest macro average (scikit-learn's
///   `multi_class="ovr", average="macro"`): the binary AUC of column `c` against `target == c`, averaged
///   over the classes that have both positive and negative examples. Pass probabilities to match
///   scikit-learn: softmax does not keep the order of a single column.
///
/// AUC is undefined when all targets are of one class; `result()` is then 0 (as it is before any update),
/// where scikit-learn raises an error.
///
/// Unlike the other metrics, AUC keeps every score it has seen (8 bytes per example and class), and
/// `result()` sorts them.
///
/// ```swift
/// let auc = AUC()
/// auc.update(predictions: Tensor([0.1, 0.4, 0.35, 0.8] as [Float]), targets: Tensor([0, 0, 1, 1] as [Int64]))
/// auc.result()   // 0.75
/// ```
public final class AUC: Metric {
    /// "auc".
    public let name = "auc"

    /// The scores seen, `columns` per example, row-major.
    private var scores: [Double] = []
    /// The true class of each example seen.
    private var labels: [Int] = []
    /// 1 for binary inputs, `C` for multi-class ones; fixed by the first update.
    private var columns = 0

    /// An empty AUC metric.
    public init() {}

    /// Keeps one batch's scores and targets.
    public func update(predictions: Tensor, targets: Tensor) {
        let layout = ClassificationLayout(metric: "AUC", predictions: predictions, targets: targets)
        let values = hostDoubles(predictions)
        let batchColumns: Int
        let batchScores: [Double]
        let classCount: Int
        switch layout {
        case .binary:
            (batchColumns, batchScores, classCount) = (1, values, 2)
        case let .multiClass(batch, 2):
            (batchColumns, batchScores, classCount) = (1, (0..<batch).map { values[2 * $0 + 1] - values[2 * $0] }, 2)
        case let .multiClass(_, c):
            (batchColumns, batchScores, classCount) = (c, values, c)
        }
        if columns == 0 { columns = batchColumns }
        precondition(batchColumns == columns,
                     "AUC: predictions \(predictions.shape) do not match the \(columns == 1 ? "binary" : "\(columns)-class") scores of earlier batches (targets \(targets.shape))")
        labels += classIndices(targets, classCount: classCount, metric: "AUC", predictionsShape: predictions.shape)
        scores += batchScores
    }

    /// The AUC over everything seen: binary, or the one-vs-rest macro average (0 when undefined).
    public func result() -> Double {
        guard !labels.isEmpty else { return 0 }
        if columns == 1 { return AUC.binaryAUC(scores: scores, positive: labels.map { $0 == 1 }) ?? 0 }
        var sum = 0.0, defined = 0
        for c in 0..<columns {
            let column = labels.indices.map { scores[$0 * columns + c] }
            if let auc = AUC.binaryAUC(scores: column, positive: labels.map { $0 == c }) {
                sum += auc
                defined += 1
            }
        }
        return defined == 0 ? 0 : sum / Double(defined)
    }

    /// Forgets every score seen.
    public func reset() { scores = []; labels = []; columns = 0 }

    /// A new empty AUC metric.
    public func makeEmpty() -> any Metric { AUC() }

    /// The exact ROC AUC of `scores` against `positive`, ties counting one half; nil without both classes.
    ///
    /// Ranks the scores (tied scores share the average of their ranks) and returns
    /// `(sum of positive ranks − P (P + 1) / 2) / (P N)`.
    static func binaryAUC(scores: [Double], positive: [Bool]) -> Double? {
        let positives = positive.count { $0 }
        let negatives = positive.count - positives
        guard positives > 0, negatives > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var positiveRankSum = 0.0
        var start = 0
        while start < order.count {
            var end = start + 1
            while end < order.count && scores[order[end]] == scores[order[start]] { end += 1 }
            // Ranks start + 1 ... end (1-based) share their average.
            let averageRank = Double(start + 1 + end) / 2
            for i in start..<end where positive[order[i]] { positiveRankSum += averageRank }
            start = end
        }
        let p = Double(positives), n = Double(negatives)
        return (positiveRankSum - p * (p + 1) / 2) / (p * n)
    }
}

extension MetricSpec {
    /// `AUC()`: exact ROC AUC, logged as "auc".
    public static var auc: MetricSpec { MetricSpec { AUC() } }
}
