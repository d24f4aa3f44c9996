import Foundation
import XCTest
import Nabla
import NablaCheckpoint
import NablaData
import NablaNN
import NablaOptim
@testable import NablaTrain

final class CallbackTests: XCTestCase {
    func testEarlyStoppingWaitsPatienceEpochsAndRestoresTheBestWeights() throws {
        let stopper = EarlyStopping(monitor: "loss_script", patience: 1, restoreBestWeights: true)
        let model = makeClassifier()
        let values = [1.0, 0.5, 0.6, 0.55, 0.4, 0.3]
        var weightsAtEpoch: [[Float]] = []
        let step: Trainer.TrainStep = { trainer, _, _ in
            for parameter in trainer.model.parameters() { parameter.value = parameter.value + 1 }
            return ["loss_script": values[trainer.epoch]]
        }
        model.compile(optimizer: SGD(model, learningRate: 0.1), loss: .crossEntropy, trainStep: step)
        let snapshot = LambdaCallback(onEpochEnd: { _, _, trainer in
            weightsAtEpoch.append(trainer.model.parameters()[0].value.toArray(as: Float.self))
        })
        let (x, y) = blobs(count: 4, seed: 1)
        let history = try model.fit(x: x, y: y, batchSize: 4, epochs: 6, callbacks: [snapshot, stopper], verbose: .quiet)
        // Best 0.5 at epoch 1; epochs 2 and 3 do not improve; patience 1 stops after epoch 3.
        XCTAssertEqual(history.epochs.count, 4)
        XCTAssertEqual(stopper.stoppedEpoch, 3)
        XCTAssertEqual(stopper.bestEpoch, 1)
        XCTAssertEqual(stopper.bestValue, 0.5)
        XCTAssertEqual(model.parameters()[0].value.toArray(as: Float.self), weightsAtEpoch[1])
    }

    func testEarlyStoppingMinDeltaAndMode() throws {
        let model = makeClassifier()
        let values = [0.80, 0.805, 0.809, 0.9]
        model.compile(optimizer: SGD(model, learningRate: 0.1), loss: .crossEntropy) { trainer, _, _ in ["val_accuracy": values[trainer.epoch]] }
        let stopper = EarlyStopping(monitor: "val_accuracy", minDelta: 0.01, patience: 1)
        let (x, y) = blobs(count: 4, seed: 1)
        let history = try model.fit(x: x, y: y, batchSize: 4, epochs: 4, callbacks: [stopper], verbose: .quiet)
        // "accuracy" is maximised; +0.005 and +0.009 are below minDelta, so epoch 2 stops the run.
        XCTAssertEqual(history.epochs.count, 3)
        XCTAssertEqual(stopper.stoppedEpoch, 2)
        XCTAssertThrowsError(try model.fit(x: x, y: y, batchSize: 4, epochs: 1, callbacks: [EarlyStopping(monitor: "val_nothing")], verbose: .quiet)) { error in
            XCTAssertTrue("\(error)".contains("val_nothing"), "\(error)")
        }
    }

    func testModelCheckpointBestOnlyAndEveryNEpochs() throws {
        let dir = try temporaryDirectory(self)
        let model = makeClassifier()
        let values = [3.0, 2.0, 2.5, 1.0, 1.5, 1.2]
        model.compile(optimizer: SGD(model, learningRate: 0.1), loss: .crossEntropy) { trainer, _, _ in ["score": values[trainer.epoch]] }
        let best = ModelCheckpoint(dir.appendingPathComponent("best-{epoch}-{score}.safetensors").path, monitor: "score", mode: .min, saveBestOnly: true)
        let everyTwo = ModelCheckpoint(dir.appendingPathComponent("every-{epoch}.safetensors").path, weightsOnly: true, frequency: .epochs(2))
        let (x, y) = blobs(count: 8, seed: 1)
        try model.fit(x: x, y: y, batchSize: 4, epochs: 6, callbacks: [best, everyTwo], verbose: .quiet)
        XCTAssertEqual(best.savedPaths.map { URL(fileURLWithPath: $0).lastPathComponent },
                       ["best-1-3.0000.safetensors", "best-2-2.0000.safetensors", "best-4-1.0000.safetensors"])
        XCTAssertEqual(everyTwo.savedPaths.map { URL(fileURLWithPath: $0).lastPathComponent },
                       ["every-2.safetensors", "every-4.safetensors", "every-6.safetensors"])
        // Full checkpoints carry the optimizer and position; weights-only ones just the model. Both load into a model.
        let full = try Checkpoint.read(from: URL(fileURLWithPath: best.savedPaths[2]))
        XCTAssertNotNil(full.optimizerState)
        XCTAssertEqual(full.extraMetadata["train.epoch"], "4")
        XCTAssertEqual(full.step, 8)
        XCTAssertNil(try Checkpoint.read(from: URL(fileURLWithPath: everyTwo.savedPaths[0])).optimizerState)
        try makeClassifier(seed: 5).load(from: URL(fileURLWithPath: best.savedPaths[2]))
        // Atomic saves: no temporary files are left behind.
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        XCTAssertEqual(names.filter { !$0.hasSuffix(".safetensors") }, [])
    }

    func testModelCheckpointFailureThrowsAndKeepsThePreviousFile() throws {
        let dir = try temporaryDirectory(self)
        let target = dir.appendingPathComponent("model.safetensors")
        let model = makeClassifier()
        model.compile(optimizer: SGD(model, learningRate: 0.1), loss: .crossEntropy)
        let (x, y) = blobs(count: 8, seed: 1)
        try model.fit(x: x, y: y, batchSize: 4, epochs: 1, callbacks: [ModelCheckpoint(target.path)], verbose: .quiet)
        let before = try Data(contentsOf: target)
        // A path under a regular file cannot be written: the error names it and the old checkpoint is intact.
        let impossible = target.appendingPathComponent("nested.safetensors")
        XCTAssertThrowsError(try model.fit(x: x, y: y, batchSize: 4, epochs: 1, callbacks: [ModelCheckpoint(impossible.path)], verbose: .quiet))
        XCTAssertEqual(try Data(contentsOf: target), before)
    }

    func testLearningRateSchedulesClosureStepLRAndPlateau() throws {
        let (x, y) = blobs(count: 8, seed: 1)
        let model = makeClassifier()
        let optimizer = SGD(model, learningRate: 1.0)
        model.compile(optimizer: optimizer, loss: .crossEntropy)
        var history = try model.fit(x: x, y: y, batchSize: 4, epochs: 4,
                                    callbacks: [LearningRateScheduler { epoch, lr in epoch == 0 ? 0.1 : lr / 2 }], verbose: .quiet)
        XCTAssertEqual(history.values("lr"), [0.1, 0.05, 0.025, 0.0125])

        let stepOptimizer = SGD(model, learningRate: 1.0)
        model.compile(optimizer: stepOptimizer, loss: .crossEntropy)
        history = try model.fit(x: x, y: y, batchSize: 4, epochs: 4,
                                callbacks: [LearningRateScheduler(StepLR(stepOptimizer, stepSize: 2, gamma: 0.1))], verbose: .quiet)
        // The logged rate is the one the epoch trained with; StepLR steps after each epoch.
        XCTAssertEqual(history.values("lr").map { ($0 * 1000).rounded() / 1000 }, [1, 1, 0.1, 0.1])

        let plateauOptimizer = SGD(model, learningRate: 1.0)
        let values = [1.0, 1.0, 1.0, 1.0, 1.0]
        model.compile(optimizer: plateauOptimizer, loss: .crossEntropy) { trainer, _, _ in ["metric": values[trainer.epoch]] }
        let plateau = LearningRateScheduler(ReduceLROnPlateau(plateauOptimizer, factor: 0.5, patience: 1), monitor: "metric")
        history = try model.fit(x: x, y: y, batchSize: 4, epochs: 5, callbacks: [plateau], verbose: .quiet)
        XCTAssertEqual(history.values("lr"), [1, 1, 1, 0.5, 0.5])

        // The schedule itself is a callback too, as Keras' ReduceLROnPlateau is.
        let direct = SGD(model, learningRate: 1.0)
        model.compile(optimizer: direct, loss: .crossEntropy) { trainer, _, _ in ["metric": values[trainer.epoch]] }
        let schedule = ReduceLROnPlateau(direct, factor: 0.5, patience: 1)
        schedule.monitor = "metric"
        history = try model.fit(x: x, y: y, batchSize: 4, epochs: 5, callbacks: [schedule], verbose: .quiet)
        XCTAssertEqual(history.values("lr"), [1, 1, 1, 0.5, 0.5])
    }

    func testCSVLoggerWritesAHeaderAndARowPerEpoch() throws {
        let dir = try temporaryDirectory(self)
        let path = dir.appendingPathComponent("logs/run.csv").path
        let model = makeClassifier()
        model.compile(optimizer: SGD(model, learningRate: 0.1), loss: .crossEntropy) { trainer, _, _ in ["loss": Double(trainer.epoch) + 0.5] }
        let (x, y) = blobs(count: 8, seed: 1)
        try model.fit(x: x, y: y, batchSize: 4, epochs: 2, callbacks: [CSVLogger(path)], verbose: .quiet)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "epoch,loss,lr\n0,0.5,0.1\n1,1.5,0.1\n")
        try model.fit(x: x, y: y, batchSize: 4, epochs: 1, callbacks: [CSVLogger(path, append: true)], verbose: .quiet)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "epoch,loss,lr\n0,0.5,0.1\n1,1.5,0.1\n0,0.5,0.1\n")
    }

    func testTerminateOnNaNStopsAtTheBadBatch() throws {
        let model = makeClassifier()
        var steps = 0
        model.compile(optimizer: SGD(model, learningRate: 0.1), loss: .crossEntropy) { _, _, _ in
            steps += 1
            return ["loss": steps == 3 ? .nan : 1]
        }
        let (x, y) = blobs(count: 40, seed: 1)
        let terminate = TerminateOnNaN()
        try model.fit(x: x, y: y, batchSize: 4, epochs: 3, callbacks: [terminate], verbose: .quiet)
        XCTAssertEqual(steps, 3)
        XCTAssertEqual(terminate.terminatedAt?.epoch, 0)
        XCTAssertEqual(terminate.terminatedAt?.batch, 2)
    }

    func testHooksAreCalledInKerasOrderAndErrorsStopTraining() throws {
        let model = makeClassifier()
        model.compile(optimizer: SGD(model, learningRate: 0.1), loss: .crossEntropy)
        var events: [String] = []
        let hooks = LambdaCallback(onTrainBegin: { _ in events.append("train_begin") }, onTrainEnd: { _, _ in events.append("train_end") },
                                   onEpochBegin: { e, _ in events.append("epoch_begin \(e)") }, onEpochEnd: { e, _, _ in events.append("epoch_end \(e)") },
                                   onTrainBatchBegin: { b, _ in events.append("batch_begin \(b)") }, onTrainBatchEnd: { b, _, _ in events.append("batch_end \(b)") })
        let (x, y) = blobs(count: 8, seed: 1)
        try model.fit(x: x, y: y, batchSize: 4, epochs: 1, callbacks: [hooks], verbose: .quiet)
        XCTAssertEqual(events, ["train_begin", "epoch_begin 0", "batch_begin 0", "batch_end 0", "batch_begin 1", "batch_end 1", "epoch_end 0", "train_end"])
        struct Boom: Error {}
        XCTAssertThrowsError(try model.fit(x: x, y: y, batchSize: 4, epochs: 1,
                                           callbacks: [LambdaCallback(onTrainBatchEnd: { _, _, _ in throw Boom() })], verbose: .quiet)) { error in
            XCTAssertTrue(error is Boom)
        }
    }
}
