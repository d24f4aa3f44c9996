import Nabla

/// How `Precision`, `Recall` and `F1Score` combine their per-class values into one number
/// (scikit-learn's `average=` argument).
///
/// For one class `c`, with `tp`, `fp`, `fn` its true positives, false positives and false negatives:
/// precision `tp / (tp + fp)`, recall `tp / (tp + fn)`, F1 `2 tp / (2 tp + fp + fn)`; a zero
/// denominator gives 0 (scikit-learn's `zero_division=0`).
public enum Averaging: String, Sendable, Hashable, CaseIterable {
    /// The unweighted mean of the per-class values, over the classes that occur among the targets or the
    /// predictions seen (as scikit-learn and torchmetrics do). Every class counts as much as any other,
    /// so rare classes that are badly predicted pull it down.
    case macro
    /// The value computed from the counts summed over classes. For single-label classification micro
    /// precision, recall and F1 all equal the accuracy.
    case micro
    /// The mean of the per-class values weighted by each class's number of true examples (its support).
    case weighted
    /// The value for the positive class alone (class 1 by default), for binary problems.
    case binary
}

/// Per-class true positive, false positive and false negative counts, summed over batches.
struct ClassCounts {
    var truePositives: [Int] = []
    var falsePositives: [Int] = []
    var falseNegatives: [Int] = []

    var classCount: Int { truePositives.count }

    /// Adds one batch's decisions; the first batch fixes the number of classes.
    mutating func add(_ decisions: ClassDecisions) {
        if truePositives.isEmpty {
            truePositives = Array(repeating: 0, count: decisions.classCount)
            falsePositives = truePositives
            falseNegatives = truePositives
        }
        for (predicted, actual) in zip(decisions.predicted, decisions.actual) {
            if predicted == actual {
                truePositives[actual] += 1
            } else {
                falsePositives[predicted] += 1
                falseNegatives[actual] += 1
            }
        }
    }
}

/// Which per-class quantity a `ClassificationScore` averages.
enum ClassificationQuantity {
    case precision, recall, f1

    /// The quantity from counts; 0 when its denominator is 0.
    func value(tp: Int, fp: Int, fn: Int) -> Double {
        let (numerator, denominator): (Int, Int)
        switch self {
        case .precision: (numerator, denominator) = (tp, tp + fp)
        case .recall: (numerator, denominator) = (tp, tp + fn)
        case .f1: (numerator, denominator) = (2 * tp, 2 * tp + fp + fn)
        }
        return denominator == 0 ? 0 : Double(numerator) / Double(denominator)
    }

    var prefix: String {
        switch self {
        case .precision: return "precision"
        case .recall: return "recall"
        case .f1: return "f1"
        }
    }

    var typeName: String {
        switch self {
        case .precision: return "Precision"
        case .recall: return "Recall"
        case .f1: return "F1Score"
        }
    }
}

/// The shared engine of `Precision`, `Recall` and `F1Score`.
struct ClassificationScore {
    let quantity: ClassificationQuantity
    let averaging: Averaging
    let configuredClassCount: Int?
    let positiveClass: Int
    let threshold: Double
    let fromLogits: Bool
    var counts = ClassCounts()

    var name: String { averaging == .binary ? quantity.prefix : "\(quantity.prefix)_\(averaging.rawValue)" }

    init(_ quantity: ClassificationQuantity, averaging: Averaging, classCount: Int?, positiveClass: Int,
         threshold: Double, fromLogits: Bool) {
        let typeName = quantity.typeName
        if let classCount { precondition(classCount >= 2, "\(typeName): classCount must be at least 2, got \(classCount)") }
        precondition(positiveClass >= 0 && positiveClass < (classCount ?? Int.max),
                     "\(typeName): positiveClass \(positiveClass) is outside 0..<\(classCount ?? 0)")
        self.quantity = quantity
        self.averaging = averaging
        self.configuredClassCount = classCount
        self.positiveClass = positiveClass
        self.threshold = threshold
        self.fromLogits = fromLogits
    }

    mutating func update(predictions: Tensor, targets: Tensor) {
        let metric = quantity.typeName
        let decisions = classDecisions(metric: metric, predictions: predictions, targets: targets,
                                       threshold: threshold, fromLogits: fromLogits)
        let expected = counts.classCount > 0 ? counts.classCount : configuredClassCount
        if let expected {
            precondition(decisions.classCount == expected,
                         "\(metric): predictions \(predictions.shape) speak of \(decisions.classCount) classes, expected \(expected) (targets \(targets.shape))")
        }
        if averaging == .binary {
            precondition(positiveClass < decisions.classCount,
                         "\(metric): positiveClass \(positiveClass) is outside 0..<\(decisions.classCount) (predictions \(predictions.shape), targets \(targets.shape))")
        }
        counts.add(decisions)
    }

    func result() -> Double {
        let c = counts
        guard c.classCount > 0 else { return 0 }
        let perClass = (0..<c.classCount).map {
            quantity.value(tp: c.truePositives[$0], fp: c.falsePositives[$0], fn: c.falseNegatives[$0])
        }
        switch averaging {
        case .binary:
            return perClass[positiveClass]
        case .micro:
            return quantity.value(tp: c.truePositives.reduce(0, +), fp: c.falsePositives.reduce(0, +),
                                  fn: c.falseNegatives.reduce(0, +))
        case .macro:
            let present = (0..<c.classCount).filter { c.truePositives[$0] + c.falsePositives[$0] + c.falseNegatives[$0] > 0 }
            return present.isEmpty ? 0 : present.map { perClass[$0] }.reduce(0, +) / Double(present.count)
        case .weighted:
            let support = (0..<c.classCount).map { c.truePositives[$0] + c.falseNegatives[$0] }
            let total = support.reduce(0, +)
            guard total > 0 else { return 0 }
            return zip(perClass, support).map { $0 * Double($1) }.reduce(0, +) / Double(total)
        }
    }

    mutating func reset() { counts = ClassCounts() }

    func makeEmpty() -> ClassificationScore {
        ClassificationScore(quantity, averaging: averaging, classCount: configuredClassCount, positiveClass: positiveClass,
                            threshold: threshold, fromLogits: fromLogits)
    }
}

/// The shared implementation of `Precision`, `Recall` and `F1Score`: per-class counts and their average.
public class ClassificationScoreMetric: Metric {
    private var score: ClassificationScore

    /// How per-class values are combined.
    public var averaging: Averaging { score.averaging }
    /// The logged name, e.g. "precision_macro".
    public var name: String { score.name }

    required init(score: ClassificationScore) { self.score = score }

    /// Adds one batch's per-class counts.
    public func update(predictions: Tensor, targets: Tensor) { score.update(predictions: predictions, targets: targets) }
    /// The averaged score over everything seen (0 before any update).
    public func result() -> Double { score.result() }
    /// Forgets the counts.
    public func reset() { score.reset() }
    /// A new metric of the same kind and configuration.
    public func makeEmpty() -> any Metric { type(of: self).init(score: score.makeEmpty()) }
}

/// Precision, `tp / (tp + fp)`: of the examples predicted as a class, the fraction that belong to it.
///
/// Inputs as for `Accuracy`: `[B, C]` scores (argmax) or `[B]` / `[B, 1]` binary scores thresholded at
/// `threshold` (on probabilities, or on `sigmoid(logits)` when `fromLogits`), with `[B]` class-index
/// targets. The number of classes is `classCount` when given, otherwise `C` (2 for binary inputs).
/// A class never predicted has precision 0 (scikit-learn's `zero_division=0`); see `Averaging` for
/// which classes `.macro` averages over.
///
/// Logged as "precision_macro", "precision_micro", "precision_weighted", or "precision" for `.binary`.
///
/// ```swift
/// let precision = Precision(.macro)
/// precision.update(predictions: logits, targets: labels)
/// ```
public final class Precision: ClassificationScoreMetric {
    /// A precision metric. `positiveClass` is used by `.binary`; `threshold` and `fromLogits` by binary inputs.
    public convenience init(_ averaging: Averaging = .macro, classCount: Int? = nil, positiveClass: Int = 1,
                            threshold: Double = 0.5, fromLogits: Bool = false) {
        self.init(score: ClassificationScore(.precision, averaging: averaging, classCount: classCount, positiveClass: positiveClass,
                                             threshold: threshold, fromLogits: fromLogits))
    }
}

/// Recall, `tp / (tp + fn)`: of the examples of a class, the fraction predicted as it.
///
/// Inputs, class count and averaging as for `Precision`. A class with no true examples has recall 0
/// (scikit-learn's `zero_division=0`).
///
/// Logged as "recall_macro", "recall_micro", "recall_weighted", or "recall" for `.binary`.
///
/// ```swift
/// let recall = Recall(.binary, fromLogits: true)   // [B] logits of a binary classifier
/// recall.update(predictions: logits, targets: labels)
/// ```
public final class Recall: ClassificationScoreMetric {
    /// A recall metric. `positiveClass` is used by `.binary`; `threshold` and `fromLogits` by binary inputs.
    public convenience init(_ averaging: Averaging = .macro, classCount: Int? = nil, positiveClass: Int = 1,
                            threshold: Double = 0.5, fromLogits: Bool = false) {
        self.init(score: ClassificationScore(.recall, averaging: averaging, classCount: classCount, positiveClass: positiveClass,
                                             threshold: threshold, fromLogits: fromLogits))
    }
}

/// F1 score, the harmonic mean of precision and recall: `2 tp / (2 tp + fp + fn)` per class.
///
/// Inputs, class count and averaging as for `Precision`; `.macro` is the mean of the per-class F1
/// scores (not the F1 of macro precision and macro recall), like scikit-learn. A class with
/// `tp = fp = fn = 0` has F1 0 (scikit-learn's `zero_division=0`).
///
/// Logged as "f1_macro", "f1_micro", "f1_weighted", or "f1" for `.binary`.
///
/// ```swift
/// model.compile(optimizer: optimizer, loss: .crossEntropy, metrics: [.accuracy, .f1(.macro)])
/// ```
public final class F1Score: ClassificationScoreMetric {
    /// An F1 metric. `positiveClass` is used by `.binary`; `threshold` and `fromLogits` by binary inputs.
    public convenience init(_ averaging: Averaging = .macro, classCount: Int? = nil, positiveClass: Int = 1,
                            threshold: Double = 0.5, fromLogits: Bool = false) {
        self.init(score: ClassificationScore(.f1, averaging: averaging, classCount: classCount, positiveClass: positiveClass,
                                             threshold: threshold, fromLogits: fromLogits))
    }
}

extension MetricSpec {
    /// `Precision(averaging, …)`: `metrics: [.precision(.macro)]`.
    public static func precision(_ averaging: Averaging = .macro, classCount: Int? = nil, positiveClass: Int = 1,
                                 threshold: Double = 0.5, fromLogits: Bool = false) -> MetricSpec {
        MetricSpec { Precision(averaging, classCount: classCount, positiveClass: positiveClass, threshold: threshold, fromLogits: fromLogits) }
    }

    /// `Recall(averaging, …)`: `metrics: [.recall(.micro)]`.
    public static func recall(_ averaging: Averaging = .macro, classCount: Int? = nil, positiveClass: Int = 1,
                              threshold: Double = 0.5, fromLogits: Bool = false) -> MetricSpec {
        MetricSpec { Recall(averaging, classCount: classCount, positiveClass: positiveClass, threshold: threshold, fromLogits: fromLogits) }
    }

    /// `F1Score(averaging, …)`: `metrics: [.f1(.macro)]`.
    public static func f1(_ averaging: Averaging = .macro, classCount: Int? = nil, positiveClass: Int = 1,
                          threshold: Double = 0.5, fromLogits: Bool = false) -> MetricSpec {
        MetricSpec { F1Score(averaging, classCount: classCount, positiveClass: positiveClass, threshold: threshold, fromLogits: fromLogits) }
    }
}
