import Foundation
import XCTest
import Nabla
import NablaData
import NablaNN
import NablaOptim
@testable import NablaTrain

final class FitTests: XCTestCase {
    func testFitLearnsAndReportsLossMetricsAndValidation() throws {
        let (x, y) = blobs(count: 600, seed: 1)
        let (vx, vy) = blobs(count: 200, seed: 2)
        let model = makeClassifier()
        model.compile(optimizer: Adam(model, learningRate: 1e-2), loss: .crossEntropy, metrics: [.testAccuracy])
        let recorder = Recorder()
        let history = try model.fit(x: x, y: y, batchSize: 32, epochs: 4, validationData: (vx, vy), seed: 3,
                                    callbacks: [recorder], verbose: .quiet)
        XCTAssertEqual(history.epochs.count, 4)
        let losses = history.values("loss")
        XCTAssertLessThan(losses.last!, losses.first!)
        XCTAssertGreaterThan(history.values("val_acc").last!, 0.9)
        XCTAssertEqual(history.values("lr"), [1e-2, 1e-2, 1e-2, 1e-2])
        XCTAssertEqual(recorder.batchLosses.count, 4 * 19)   // 600 / 32 rounded up
        XCTAssertEqual(recorder.events.first, "train_begin")
        XCTAssertEqual(Array(recorder.events.prefix(4)), ["train_begin", "epoch_begin 0", "test_begin", "test_end"])
        XCTAssertEqual(recorder.events.last, "train_end")
        let scores = try model.evaluate(x: vx, y: vy, batchSize: 50)
        XCTAssertEqual(scores["loss"]!, history.values("val_loss").last!, accuracy: 1e-6)
        XCTAssertEqual(scores["acc"]!, history.values("val_acc").last!)
        XCTAssertTrue(model.isTraining, "fit and evaluate leave the model in training mode")
    }

    func testEvaluateMatchesAHandComputedLossAndPredictConcatenatesBatches() throws {
        let (x, y) = blobs(count: 50, seed: 4)
        let model = makeClassifier()
        model.compile(optimizer: SGD(model, learningRate: 0.1), loss: .crossEntropy)
        model.eval()
        let expected = withNoGrad { crossEntropy(model(x), y).item() }
        model.train()
        let scores = try model.evaluate(x: x, y: y, batchSize: 7)   // uneven batches: weighted by size
        XCTAssertEqual(scores["loss"]!, expected, accuracy: 1e-5)
        let predictions = try model.predict(x, batchSize: 7)
        XCTAssertEqual(predictions.shape, [50, 3])
        model.eval()
        let whole = withNoGrad { model(x) }
        // Batches of 7 may round differently from one GEMM of 50 rows: equal to float32 precision.
        for (a, b) in zip(predictions.toArray(as: Float.self), whole.toArray(as: Float.self)) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    }

    func testValidationSplitHoldsOutTheLastExamples() throws {
        let (x, y) = blobs(count: 100, seed: 5)
        let model = makeClassifier()
        model.compile(optimizer: Adam(model), loss: .crossEntropy)
        let recorder = Recorder()
        var batches = 0
        let counter = LambdaCallback(onTrainBatchEnd: { _, _, _ in batches += 1 })
        let history = try model.fit(x: x, y: y, batchSize: 10, epochs: 1, validationSplit: 0.2, callbacks: [recorder, counter], verbose: .quiet)
        XCTAssertEqual(batches, 8)                          // 80 training examples
        XCTAssertNotNil(history.epochs[0]["val_loss"])
        XCTAssertThrowsError(try model.fit(x: x, y: y, epochs: 1, validationSplit: 1.0, verbose: .quiet))
    }

    func testCustomTrainStepReplacesTheDefault() throws {
        let (x, y) = blobs(count: 64, seed: 6)
        let model = makeClassifier()
        var calls = 0
        model.compile(optimizer: SGD(model, learningRate: 0.1), loss: .crossEntropy) { trainer, inputs, targets in
            calls += 1
            let loss = trainer.loss.compute(trainer.model(inputs), targets)
            trainer.optimizer.zeroGrad()
            loss.backward()
            trainer.optimizer.step()
            return ["loss": loss.item(), "custom": 2.0]
        }
        let history = try model.fit(x: x, y: y, batchSize: 16, epochs: 2, verbose: .quiet)
        XCTAssertEqual(calls, 8)
        XCTAssertEqual(history.values("custom"), [2, 2])
    }

    func testFitBeforeCompileAndBadArgumentsThrowClearErrors() throws {
        let (x, y) = blobs(count: 10, seed: 7)
        let model = makeClassifier()
        XCTAssertThrowsError(try model.fit(x: x, y: y, epochs: 1, verbose: .quiet)) { error in
            XCTAssertEqual(error as? TrainingError, .notCompiled)
            XCTAssertTrue("\(error)".contains("compile"))
        }
        model.compile(optimizer: Adam(model), loss: .crossEntropy)
        XCTAssertThrowsError(try model.fit(x: x, y: y, epochs: 0, verbose: .quiet))
        XCTAssertThrowsError(try model.fit(x: x, y: Tensor.zeros([9], dtype: .int64), epochs: 1, verbose: .quiet)) { error in
            XCTAssertTrue("\(error)".contains("10 examples"), "\(error)")
        }
    }

    func testTheSameSeedGivesABitIdenticalLossCurve() throws {
        func run() throws -> [Double] {
            let (x, y) = blobs(count: 300, seed: 8)
            let model = makeClassifier(seed: 42)
            model.compile(optimizer: Adam(model, learningRate: 1e-2), loss: .crossEntropy)
            let recorder = Recorder()
            let loader = DataLoader(try TensorDataset(x, y), batchSize: 16, shuffle: true, seed: 9, workers: 1)
            try model.fit(loader, epochs: 2, callbacks: [recorder], verbose: .quiet)
            return recorder.batchLosses
        }
        let first = try run(), second = try run()
        XCTAssertEqual(first.count, 2 * 19)
        XCTAssertEqual(first, second, "same seed, same loss curve, bit for bit")
        XCTAssertEqual(Set(first).count, first.count, "the curve is not constant")
    }
}
