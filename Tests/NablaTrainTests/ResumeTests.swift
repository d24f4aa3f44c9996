import Foundation
import XCTest
import Nabla
import NablaCheckpoint
import NablaData
import NablaNN
import NablaOptim
@testable import NablaTrain

/// A run killed after epoch 1 of 3 and resumed from its checkpoint follows the uninterrupted run's
/// loss curve exactly: model, optimizer, schedule, data order and dropout's random state all resume.
final class ResumeTests: XCTestCase {
    private func loader() throws -> DataLoader<(Tensor, Tensor)> {
        let (x, y) = blobs(count: 200, seed: 21)
        return DataLoader(try TensorDataset(x, y), batchSize: 16, shuffle: true, seed: 5)
    }

    /// Builds the run's model, optimizer and schedule from scratch; `modelSeed` changes the initial weights.
    private func setUp(modelSeed: UInt64) -> (Sequential, LearningRateScheduler) {
        let model = makeClassifier(seed: modelSeed)
        let optimizer = Adam(model, learningRate: 1e-2)
        model.compile(optimizer: optimizer, loss: .crossEntropy, metrics: [.testAccuracy])
        return (model, LearningRateScheduler(StepLR(optimizer, stepSize: 1, gamma: 0.5)))
    }

    func testResumingAfterEpochOneOfThreeMatchesTheUninterruptedRun() throws {
        let dir = try temporaryDirectory(self)
        // The uninterrupted run.
        let (model, schedule) = setUp(modelSeed: 1)
        let full = Recorder()
        let fullHistory = try model.fit(try loader(), epochs: 3, callbacks: [schedule, full], verbose: .quiet)

        // The same run, "killed" after epoch 1: only its checkpoint survives.
        let (first, firstSchedule) = setUp(modelSeed: 1)
        let checkpoint = ModelCheckpoint(dir.appendingPathComponent("epoch-{epoch}.safetensors").path)
        try first.fit(try loader(), epochs: 1, callbacks: [firstSchedule, checkpoint], verbose: .quiet)
        XCTAssertEqual(checkpoint.savedPaths, [dir.appendingPathComponent("epoch-1.safetensors").path])
        // Disturb everything the checkpoint must restore: other weights, the global generator.
        manualSeed(999)
        _ = Tensor.randn([100])

        let (resumed, resumedSchedule) = setUp(modelSeed: 77)
        let rest = Recorder()
        let history = try resumed.fit(try loader(), epochs: 3, callbacks: [resumedSchedule, rest], verbose: .quiet,
                                      resumingFrom: URL(fileURLWithPath: checkpoint.savedPaths[0]))
        let perEpoch = full.batchLosses.count / 3
        XCTAssertEqual(rest.batchLosses, Array(full.batchLosses[perEpoch...]), "epochs 2 and 3 follow the same curve")
        XCTAssertEqual(history.epochs.count, 3)
        XCTAssertEqual(history.values("loss"), fullHistory.values("loss"))
        XCTAssertEqual(history.values("lr"), [1e-2, 5e-3, 2.5e-3])
        XCTAssertEqual(resumed.trainer?.globalStep, model.trainer?.globalStep)
        for ((name, a), (_, b)) in zip(model.stateDict(), resumed.stateDict()) {
            XCTAssertEqual(a.toArray(as: Float.self), b.toArray(as: Float.self), name)
        }
    }

    func testResumingChecksTheFileAndTheLoader() throws {
        let dir = try temporaryDirectory(self)
        let (model, _) = setUp(modelSeed: 1)
        let weightsOnly = dir.appendingPathComponent("weights.safetensors")
        try model.save(to: weightsOnly)
        XCTAssertThrowsError(try model.fit(try loader(), epochs: 2, verbose: .quiet, resumingFrom: weightsOnly)) { error in
            XCTAssertTrue("\(error)".contains("weights.safetensors"), "\(error)")
            XCTAssertTrue("\(error)".contains("train.epoch"), "\(error)")
        }
        let state = dir.appendingPathComponent("state.safetensors")
        try model.fit(try loader(), epochs: 1, callbacks: [ModelCheckpoint(state.path)], verbose: .quiet)
        let (x, y) = blobs(count: 200, seed: 21)
        let otherSeed = DataLoader(try TensorDataset(x, y), batchSize: 16, shuffle: true, seed: 6)
        XCTAssertThrowsError(try model.fit(otherSeed, epochs: 2, verbose: .quiet, resumingFrom: state)) { error in
            XCTAssertTrue("\(error)".contains("seed: 5"), "\(error)")
        }
        XCTAssertThrowsError(try model.fit(try loader(), epochs: 2, verbose: .quiet,
                                           resumingFrom: dir.appendingPathComponent("missing.safetensors")))
    }
}
