import Foundation
import XCTest
import Nabla
import NablaData
import NablaNN
import NablaOptim
@testable import NablaTrain

/// A three-class problem whose classes are separable: class c has its features centred at c.
func blobs(count: Int, seed: UInt64) -> (Tensor, Tensor) {
    let labels = Tensor.randint(0, 3, [count], generator: Generator(seed: seed))
    let centres = labels.cast(to: .float32).reshaped([count, 1]).expanded(to: [count, 4])
    let noise = Tensor.randn([count, 4], generator: Generator(seed: seed &+ 1)) * 0.3
    return (centres + noise, labels)
}

/// A small MLP with dropout (so the random generator's state matters), made under `seed`.
func makeClassifier(seed: UInt64 = 0) -> Sequential {
    manualSeed(seed)
    return Sequential(Linear(4, 16), ReLU(), Dropout(p: 0.2), Linear(16, 3))
}

/// The fraction of rows whose argmax equals the integer target: a metric defined here so these
/// tests do not depend on the metrics under test elsewhere.
final class TestAccuracy: Metric {
    var correct = 0.0, total = 0.0
    var name: String { "acc" }
    func update(predictions: Tensor, targets: Tensor) {
        let hits = (predictions.argmax(axis: 1) .== targets).cast(to: .float64).sum().item()
        correct += hits
        total += Double(targets.shape[0])
    }
    func result() -> Double { total > 0 ? correct / total : 0 }
    func reset() { correct = 0; total = 0 }
    func makeEmpty() -> any Metric { TestAccuracy() }
}

extension MetricSpec {
    static var testAccuracy: MetricSpec { MetricSpec { TestAccuracy() } }
}

/// Records every training batch's loss (the loss curve) and every epoch's logs.
final class Recorder: Callback {
    var batchLosses: [Double] = []
    var epochLogs: [Logs] = []
    var events: [String] = []
    func onTrainBegin(_ trainer: Trainer) { events.append("train_begin") }
    func onTrainEnd(_ trainer: Trainer, logs: Logs) { events.append("train_end") }
    func onEpochBegin(_ epoch: Int, trainer: Trainer) { events.append("epoch_begin \(epoch)") }
    func onEpochEnd(_ epoch: Int, logs: Logs, trainer: Trainer) { events.append("epoch_end \(epoch)"); epochLogs.append(logs) }
    func onTrainBatchEnd(_ batch: Int, logs: Logs, trainer: Trainer) {
        // The running mean's change gives nothing exact; read the step's own loss instead.
        batchLosses.append(trainer.lastStepLogs["loss"] ?? .nan)
    }
    func onTestBegin(_ trainer: Trainer) { events.append("test_begin") }
    func onTestEnd(_ trainer: Trainer, logs: Logs) { events.append("test_end") }
}

/// A fresh temporary directory, removed after the test.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("nabla-train-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}
