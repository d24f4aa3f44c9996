import Foundation
import Nabla
import NablaTrain
import XCTest

/// [B, C] float32 scores with a 1 at each predicted class and 0 elsewhere, so that argmax is `predicted`.
private func oneHotScores(_ predicted: [Int], classCount: Int) -> Tensor {
    Tensor(predicted.map { p in (0..<classCount).map { $0 == p ? Float(1) : Float(0) } })
}

private func labels(_ values: [Int]) -> Tensor { Tensor(values.map { Int64($0) }) }

/// Deterministic pseudo-random numbers in [0, 1) (a linear congruential generator), for streaming tests.
private struct LCG {
    var state: UInt64
    mutating func next() -> Double {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Double(state >> 11) / Double(1 << 53)
    }
}

final class MetricsTests: XCTestCase {
    // MARK: Accuracy

    func testAccuracyMultiClassArgmaxFirstOnTies() {
        // argmax of the rows: 0, 2, 0 (tie between 0 and 1: the first), 1; targets 0, 2, 1, 1 → 3 of 4.
        let accuracy = Accuracy()
        accuracy.update(predictions: Tensor([[2, 1, 0], [0, 1, 3], [1, 1, 0], [0, 5, 1]] as [[Float]]),
                        targets: labels([0, 2, 1, 1]))
        XCTAssertEqual(accuracy.name, "accuracy")
        XCTAssertEqual(accuracy.result(), 0.75, accuracy: 1e-12)
    }

    func testAccuracyBinaryProbabilitiesAndLogits() {
        // Probabilities > 0.5 → 0, 1, 0 (0.5 itself is not above), 1 against 0, 1, 1, 0 → 2 of 4.
        let probabilities = Accuracy()
        probabilities.update(predictions: Tensor([0.2, 0.7, 0.5, 0.9] as [Float]), targets: labels([0, 1, 1, 0]))
        XCTAssertEqual(probabilities.result(), 0.5, accuracy: 1e-12)

        // Logits -1, 2, 0, 3 → sigmoid above 0.5: 0, 1, 0, 1; [B, 1] predictions, float targets → 4 of 4.
        let logits = Accuracy(fromLogits: true)
        logits.update(predictions: Tensor(shape: [4, 1], scalars: [-1, 2, 0, 3] as [Float]),
                      targets: Tensor([0, 1, 0, 1] as [Float]))
        XCTAssertEqual(logits.result(), 1, accuracy: 1e-12)

        // The same logits read as probabilities: -1 → 0, 2 → 1, 0 → 0, 3 → 1 (also all right), but with
        // threshold 2.5 only 3 is positive: 0, 0, 0, 1 against 0, 1, 0, 1 → 3 of 4.
        let high = Accuracy(threshold: 2.5)
        high.update(predictions: Tensor([-1, 2, 0, 3] as [Float]), targets: labels([0, 1, 0, 1]))
        XCTAssertEqual(high.result(), 0.75, accuracy: 1e-12)
    }

    func testAccuracyAcceptsOtherDtypes() {
        let scores = Tensor([[2, 1, 0], [0, 1, 3], [1, 1, 0], [0, 5, 1]] as [[Float]])
        for dtype in [DType.float16, .bfloat16, .float64] {
            let accuracy = Accuracy()
            accuracy.update(predictions: scores.cast(to: dtype), targets: labels([0, 2, 1, 1]).cast(to: .int32))
            XCTAssertEqual(accuracy.result(), 0.75, accuracy: 1e-12, "\(dtype)")
        }
        let floatTargets = Accuracy()
        floatTargets.update(predictions: scores, targets: Tensor(shape: [4, 1], scalars: [0, 2, 1, 1] as [Double]))
        XCTAssertEqual(floatTargets.result(), 0.75, accuracy: 1e-12)
    }

    // MARK: Top-k accuracy

    func testTopKAccuracy() {
        // k = 2. Row 0: target class 2 (0.4), one score above it → in. Row 1: target 2 (0.1), two above → out.
        // Row 2: target 1 (0.2), only 0.6 above it; class 0 ties at 0.2 and does not push it out → in. 2 of 3.
        let predictions = Tensor([[0.1, 0.5, 0.4], [0.6, 0.3, 0.1], [0.2, 0.2, 0.6]] as [[Float]])
        let targets = labels([2, 2, 1])
        let top2 = TopKAccuracy(k: 2)
        top2.update(predictions: predictions, targets: targets)
        XCTAssertEqual(top2.name, "top_2_accuracy")
        XCTAssertEqual(top2.result(), 2.0 / 3.0, accuracy: 1e-12)

        // k = 1: every row has a score strictly above its target → 0.
        let top1 = TopKAccuracy(k: 1)
        top1.update(predictions: predictions, targets: targets)
        XCTAssertEqual(top1.result(), 0, accuracy: 1e-12)

        // k >= C: everything counts.
        let top3 = TopKAccuracy(k: 3)
        top3.update(predictions: predictions, targets: targets)
        XCTAssertEqual(top3.result(), 1, accuracy: 1e-12)
    }

    func testTopOneCountsTiesForTheTargetUnlikeAccuracy() {
        // Row [0.5, 0.5, 0] with target 1: nothing scores above class 1, so top-1 counts it; argmax is 0.
        let predictions = Tensor([[0.5, 0.5, 0]] as [[Float]]), targets = labels([1])
        let top1 = TopKAccuracy(k: 1), accuracy = Accuracy()
        top1.update(predictions: predictions, targets: targets)
        accuracy.update(predictions: predictions, targets: targets)
        XCTAssertEqual(top1.result(), 1)
        XCTAssertEqual(accuracy.result(), 0)
    }

    // MARK: Precision, recall, F1

    // Imbalanced: 6 of class 0, 2 of class 1, 2 of class 2.
    //   true:      0 0 0 0 0 0 1 1 2 2
    //   predicted: 0 0 0 0 0 1 1 0 2 0
    // class 0: tp 5, fp 2, fn 1 → P 5/7, R 5/6, F1 10/13
    // class 1: tp 1, fp 1, fn 1 → P 1/2, R 1/2, F1 1/2
    // class 2: tp 1, fp 0, fn 1 → P 1,   R 1/2, F1 2/3
    // macro:    P 31/42, R 11/18, F1 151/234;  micro: all 7/10 (the accuracy)
    // weighted (support 6, 2, 2): P 51/70, R 7/10, F1 271/390
    private let imbalancedTrue = [0, 0, 0, 0, 0, 0, 1, 1, 2, 2]
    private let imbalancedPredicted = [0, 0, 0, 0, 0, 1, 1, 0, 2, 0]

    private func score(_ metric: any Metric, classCount: Int = 3) -> Double {
        metric.update(predictions: oneHotScores(imbalancedPredicted, classCount: classCount), targets: labels(imbalancedTrue))
        return metric.result()
    }

    func testPrecisionRecallF1MacroMicroWeightedOnImbalancedClasses() {
        XCTAssertEqual(score(Precision(.macro)), 31.0 / 42.0, accuracy: 1e-12)
        XCTAssertEqual(score(Recall(.macro)), 11.0 / 18.0, accuracy: 1e-12)
        XCTAssertEqual(score(F1Score(.macro)), 151.0 / 234.0, accuracy: 1e-12)

        XCTAssertEqual(score(Precision(.micro)), 0.7, accuracy: 1e-12)
        XCTAssertEqual(score(Recall(.micro)), 0.7, accuracy: 1e-12)
        XCTAssertEqual(score(F1Score(.micro)), 0.7, accuracy: 1e-12)

        XCTAssertEqual(score(Precision(.weighted)), 51.0 / 70.0, accuracy: 1e-12)
        XCTAssertEqual(score(Recall(.weighted)), 0.7, accuracy: 1e-12)
        XCTAssertEqual(score(F1Score(.weighted)), 271.0 / 390.0, accuracy: 1e-12)

        // Macro and micro really differ here (the rare classes are predicted worse).
        XCTAssertGreaterThan(abs(score(F1Score(.macro)) - score(F1Score(.micro))), 0.05)

        // .binary on a multi-class problem: class `positiveClass` alone.
        XCTAssertEqual(score(Precision(.binary, positiveClass: 0)), 5.0 / 7.0, accuracy: 1e-12)
        XCTAssertEqual(score(Recall(.binary, positiveClass: 2)), 0.5, accuracy: 1e-12)
    }

    func testMacroSkipsClassesThatNeverOccur() {
        // A fourth class that is neither a target nor a prediction does not change the macro averages.
        XCTAssertEqual(score(Precision(.macro, classCount: 4), classCount: 4), 31.0 / 42.0, accuracy: 1e-12)
        XCTAssertEqual(score(F1Score(.macro), classCount: 4), 151.0 / 234.0, accuracy: 1e-12)
    }

    func testZeroDivisionGivesZero() {
        // true 0 0 1, predicted 0 2 1. Class 2 is predicted once but never true: P 0/1 = 0, R 0/0 → 0, F1 0.
        // class 0: P 1, R 1/2, F1 2/3; class 1: P 1, R 1, F1 1.
        let predictions = oneHotScores([0, 2, 1], classCount: 3), targets = labels([0, 0, 1])
        let precision = Precision(.macro), recall = Recall(.macro), f1 = F1Score(.macro)
        for metric in [precision, recall, f1] as [any Metric] { metric.update(predictions: predictions, targets: targets) }
        XCTAssertEqual(precision.result(), 2.0 / 3.0, accuracy: 1e-12)
        XCTAssertEqual(recall.result(), 0.5, accuracy: 1e-12)
        XCTAssertEqual(f1.result(), (2.0 / 3.0 + 1) / 3, accuracy: 1e-12)

        let never = Recall(.binary, positiveClass: 2)
        never.update(predictions: predictions, targets: targets)
        XCTAssertEqual(never.result(), 0)
    }

    func testBinaryPrecisionRecallF1() {
        // probabilities 0.9 0.8 0.3 0.6 0.1 0.4 → predicted 1 1 0 1 0 0
        //       targets   1   0   1   1   0   1
        // class 1: tp 2, fp 1, fn 2 → P 2/3, R 1/2, F1 4/7
        // class 0: tp 1, fp 2, fn 1 → P 1/3, R 1/2 → macro P 1/2, macro R 1/2
        let predictions = Tensor([0.9, 0.8, 0.3, 0.6, 0.1, 0.4] as [Float]), targets = labels([1, 0, 1, 1, 0, 1])
        let cases: [(any Metric, String, Double)] = [
            (Precision(.binary), "precision", 2.0 / 3.0),
            (Recall(.binary), "recall", 0.5),
            (F1Score(.binary), "f1", 4.0 / 7.0),
            (Precision(.macro), "precision_macro", 0.5),
            (Recall(.macro), "recall_macro", 0.5),
            (F1Score(.micro), "f1_micro", 0.5),
        ]
        for (metric, name, expected) in cases {
            metric.update(predictions: predictions, targets: targets)
            XCTAssertEqual(metric.name, name)
            XCTAssertEqual(metric.result(), expected, accuracy: 1e-12, name)
        }
    }

    // MARK: AUC

    func testAUCWithAndWithoutTies() {
        // Positives 0.35, 0.8 against negatives 0.1, 0.4: 0.35 beats 0.1 only, 0.8 beats both → 3/4.
        let auc = AUC()
        auc.update(predictions: Tensor([0.1, 0.4, 0.35, 0.8] as [Float]), targets: labels([0, 0, 1, 1]))
        XCTAssertEqual(auc.name, "auc")
        XCTAssertEqual(auc.result(), 0.75, accuracy: 1e-12)

        // A tie between a positive and a negative counts one half: positives 0.6, 0.9 against 0.2, 0.6
        // → (1 + 0.5) + 2 = 3.5 of 4.
        let tied = AUC()
        tied.update(predictions: Tensor([0.2, 0.6, 0.6, 0.9] as [Double]), targets: labels([0, 0, 1, 1]))
        XCTAssertEqual(tied.result(), 0.875, accuracy: 1e-12)

        // All scores equal → 0.5.
        let flat = AUC()
        flat.update(predictions: Tensor([0.5, 0.5, 0.5, 0.5] as [Float]), targets: labels([0, 1, 0, 1]))
        XCTAssertEqual(flat.result(), 0.5, accuracy: 1e-12)
    }

    func testAUCIsTheSameForLogitsAndTwoColumnScores() {
        // Logits of the probabilities 0.1, 0.4, 0.35, 0.8: the order, hence the AUC, is unchanged.
        let logits = [0.1, 0.4, 0.35, 0.8].map { Foundation.log($0 / (1 - $0)) }
        let fromLogits = AUC()
        fromLogits.update(predictions: Tensor(shape: [4, 1], scalars: logits), targets: labels([0, 0, 1, 1]))
        XCTAssertEqual(fromLogits.result(), 0.75, accuracy: 1e-12)

        // [B, 2] logits: column 1 alone is not in the order of p(class 1); the difference z1 - z0 is.
        // Differences -2, 1, 0, 3 with targets 0 0 1 1: positives 0, 3 against -2, 1 → 1 + 2 = 3 of 4
        // (column 1 alone, 5 6 0 2, would give 0).
        let twoColumn = AUC()
        twoColumn.update(predictions: Tensor([[7, 5], [5, 6], [0, 0], [-1, 2]] as [[Float]]), targets: labels([0, 0, 1, 1]))
        XCTAssertEqual(twoColumn.result(), 0.75, accuracy: 1e-12)
    }

    func testAUCOneVsRestMacro() {
        // class 0 column 0.7 0.2 0.1 0.5, positive row 0 only, highest → 1
        // class 1 column 0.2 0.5 0.3 0.25, positives 0.5, 0.25 against 0.2, 0.3 → 2 + 1 = 3 of 4
        // class 2 column 0.1 0.3 0.6 0.25, positive row 2 only, highest → 1
        // macro (1 + 0.75 + 1) / 3
        let auc = AUC()
        auc.update(predictions: Tensor([[0.7, 0.2, 0.1], [0.2, 0.5, 0.3], [0.1, 0.3, 0.6], [0.5, 0.25, 0.25]] as [[Double]]),
                   targets: labels([0, 1, 2, 1]))
        XCTAssertEqual(auc.result(), 2.75 / 3, accuracy: 1e-12)
    }

    func testAUCUndefinedWithOneClassIsZero() {
        let auc = AUC()
        XCTAssertEqual(auc.result(), 0)
        auc.update(predictions: Tensor([0.1, 0.9] as [Float]), targets: labels([1, 1]))
        XCTAssertEqual(auc.result(), 0)
        auc.update(predictions: Tensor([0.5] as [Float]), targets: labels([0]))
        XCTAssertEqual(auc.result(), 0.5, accuracy: 1e-12)   // 0.9 beats 0.5, 0.1 does not
    }

    // MARK: Confusion matrix

    func testConfusionMatrixLayoutAndDescription() {
        // true 0 0 1 2 2 2, predicted 0 1 1 2 0 2: rows are true classes, columns predicted ones.
        let confusion = ConfusionMatrix(classCount: 3)
        confusion.update(predictions: oneHotScores([0, 1, 1, 2, 0, 2], classCount: 3), targets: labels([0, 0, 1, 2, 2, 2]))
        XCTAssertEqual(confusion.name, "confusion_matrix")
        XCTAssertEqual(confusion.matrix, [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
        XCTAssertEqual(confusion.matrix[0][1], 1, "a class-0 example predicted as 1 is row 0, column 1")
        XCTAssertEqual(confusion.result(), 4.0 / 6.0, accuracy: 1e-12)
        XCTAssertEqual(confusion.description, """
            true\\pred 0 1 2
                    0 1 1 0
                    1 0 1 0
                    2 1 0 2
            """)
    }

    func testConfusionMatrixBinary() {
        // probabilities 0.9 0.2 0.6 0.4, targets 1 1 0 0 → (1,1) (1,0) (0,1) (0,0)
        let confusion = ConfusionMatrix(classCount: 2)
        confusion.update(predictions: Tensor([0.9, 0.2, 0.6, 0.4] as [Float]), targets: labels([1, 1, 0, 0]))
        XCTAssertEqual(confusion.matrix, [[1, 1], [1, 1]])
        confusion.update(predictions: Tensor([0.7] as [Float]), targets: labels([1]))
        XCTAssertEqual(confusion.matrix, [[1, 1], [1, 2]])
        XCTAssertEqual(confusion.result(), 0.6, accuracy: 1e-12)
    }

    // MARK: Regression and Mean

    func testMeanSquaredAndAbsoluteError() {
        // errors 0, 2, -1 → squares 0 4 1 (mean 5/3), absolute 0 2 1 (mean 1)
        let predictions = Tensor([1, 2, 3] as [Float]), targets = Tensor([1, 0, 4] as [Float])
        let mse = MeanSquaredError(), mae = MeanAbsoluteError(), rmse = RootMeanSquaredError()
        for metric in [mse, mae, rmse] as [any Metric] { metric.update(predictions: predictions, targets: targets) }
        XCTAssertEqual(mse.name, "mse")
        XCTAssertEqual(mae.name, "mae")
        XCTAssertEqual(rmse.name, "rmse")
        XCTAssertEqual(mse.result(), 5.0 / 3.0, accuracy: 1e-12)
        XCTAssertEqual(mae.result(), 1, accuracy: 1e-12)
        XCTAssertEqual(rmse.result(), (5.0 / 3.0).squareRoot(), accuracy: 1e-12)

        // [B, 1] predictions against [B] targets; the mean is over elements, so a batch of 1 after a batch
        // of 3 weighs 1/4: squares 0 4 1 then 9 → 14/4.
        let streamed = MeanSquaredError()
        streamed.update(predictions: predictions.reshaped([3, 1]), targets: targets)
        streamed.update(predictions: Tensor([3] as [Double]), targets: Tensor([0] as [Int64]))
        XCTAssertEqual(streamed.result(), 14.0 / 4.0, accuracy: 1e-12)
    }

    func testMeanWeightedValuesAndTensors() {
        let loss = Mean(name: "loss")
        XCTAssertEqual(loss.name, "loss")
        XCTAssertEqual(loss.result(), 0)
        loss.update(value: 0.9, weight: 64)
        loss.update(value: 0.6, weight: 32)
        XCTAssertEqual(loss.result(), 0.8, accuracy: 1e-12)   // (57.6 + 19.2) / 96

        let mean = Mean(name: "score")
        mean.update(predictions: Tensor([[1, 2], [3, 6]] as [[Float]]), targets: Tensor([0] as [Float]))
        XCTAssertEqual(mean.result(), 3, accuracy: 1e-12)
        mean.update(value: 8)
        XCTAssertEqual(mean.result(), 4, accuracy: 1e-12)   // (12 + 8) / 5
    }

    // MARK: Streaming, reset, makeEmpty

    /// Every metric, configured as a user would, with data it accepts.
    private func allMetrics() -> [(any Metric, Bool)] {
        // (metric, wants regression data)
        [
            (Accuracy(), false), (TopKAccuracy(k: 2), false),
            (Precision(.macro), false), (Recall(.micro), false), (F1Score(.macro), false), (F1Score(.weighted), false),
            (Precision(.binary, positiveClass: 2), false),
            (AUC(), false), (ConfusionMatrix(classCount: 4), false),
            (MeanSquaredError(), true), (MeanAbsoluteError(), true), (RootMeanSquaredError(), true), (Mean(name: "m"), true),
        ]
    }

    /// 20 examples: [20, 4] scores and class targets, or [20] values and targets; as one batch and as 7 + 7 + 6.
    private func data(regression: Bool, seed: UInt64) -> (whole: (Tensor, Tensor), parts: [(Tensor, Tensor)]) {
        var rng = LCG(state: seed)
        let n = 20, c = regression ? 1 : 4
        let scores = (0..<(n * c)).map { _ in Float(rng.next()) }
        let targets = (0..<n).map { _ in regression ? Double(rng.next()) : Double(Int(rng.next() * 4)) }
        func make(_ range: Range<Int>) -> (Tensor, Tensor) {
            let shape = regression ? [range.count] : [range.count, c]
            let predictions = Tensor(shape: shape, scalars: Array(scores[(range.lowerBound * c)..<(range.upperBound * c)]))
            let t = Array(targets[range])
            return (predictions, regression ? Tensor(t) : Tensor(t.map { Int64($0) }))
        }
        return (make(0..<n), [make(0..<7), make(7..<14), make(14..<n)])
    }

    func testStreamingOverBatchesEqualsOneBatch() {
        for ((whole, regression), (streamed, _)) in zip(allMetrics(), allMetrics()) {
            let d = data(regression: regression, seed: 42)
            whole.update(predictions: d.whole.0, targets: d.whole.1)
            for (p, t) in d.parts { streamed.update(predictions: p, targets: t) }
            XCTAssertGreaterThan(whole.result(), 0, whole.name)
            XCTAssertEqual(streamed.result(), whole.result(), accuracy: 1e-12, whole.name)
        }
    }

    func testResetClears() {
        for ((metric, regression), (fresh, _)) in zip(allMetrics(), allMetrics()) {
            let first = data(regression: regression, seed: 1), second = data(regression: regression, seed: 2)
            metric.update(predictions: first.whole.0, targets: first.whole.1)
            metric.reset()
            XCTAssertEqual(metric.result(), 0, "\(metric.name) after reset")
            metric.update(predictions: second.whole.0, targets: second.whole.1)
            fresh.update(predictions: second.whole.0, targets: second.whole.1)
            XCTAssertEqual(metric.result(), fresh.result(), accuracy: 1e-12, metric.name)
        }
        let confusion = ConfusionMatrix(classCount: 2)
        confusion.update(predictions: Tensor([0.9] as [Float]), targets: labels([1]))
        confusion.reset()
        XCTAssertEqual(confusion.matrix, [[0, 0], [0, 0]])
    }

    func testMakeEmptyGivesAnIndependentEmptyInstance() {
        for (metric, regression) in allMetrics() {
            let first = data(regression: regression, seed: 3), second = data(regression: regression, seed: 4)
            metric.update(predictions: first.whole.0, targets: first.whole.1)
            let before = metric.result()
            let empty = metric.makeEmpty()
            XCTAssertFalse(empty === metric, metric.name)
            XCTAssertEqual(empty.name, metric.name)
            XCTAssertEqual(empty.result(), 0, "\(metric.name) makeEmpty")
            empty.update(predictions: second.whole.0, targets: second.whole.1)
            XCTAssertEqual(metric.result(), before, accuracy: 1e-12, "\(metric.name): updating the copy changed the original")
            XCTAssertEqual(ObjectIdentifier(type(of: empty)), ObjectIdentifier(type(of: metric)), metric.name)
        }
        // Configuration carries over.
        let binary = Accuracy(threshold: 0.3, fromLogits: true).makeEmpty() as! Accuracy
        XCTAssertEqual(binary.threshold, 0.3)
        XCTAssertTrue(binary.fromLogits)
        XCTAssertEqual((F1Score(.weighted).makeEmpty() as! F1Score).averaging, .weighted)
    }

    // MARK: MetricSpec

    func testMetricSpecsMakeFreshNamedInstances() {
        let specs: [MetricSpec] = [
            .accuracy, .accuracy(fromLogits: true), .topKAccuracy(5), .precision(.macro), .recall(.micro),
            .f1(.macro), .f1(.weighted), .f1(.binary), .auc, .confusionMatrix(classCount: 3), .mse, .mae, .rmse,
            .mean(name: "loss"),
        ]
        XCTAssertEqual(specs.map { $0.make().name }, [
            "accuracy", "accuracy", "top_5_accuracy", "precision_macro", "recall_micro",
            "f1_macro", "f1_weighted", "f1", "auc", "confusion_matrix", "mse", "mae", "rmse", "loss",
        ])
        for spec in specs { XCTAssertFalse(spec.make() === spec.make()) }
        XCTAssertTrue((MetricSpec.accuracy(fromLogits: true).make() as! Accuracy).fromLogits)
    }
}
