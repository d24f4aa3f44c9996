import Foundation
import XCTest
import Nabla
import NablaData
import NablaNN
import NablaOptim
import NablaTestSupport
@testable import NablaTrain

final class ProgressAndBoardTests: XCTestCase {
    private func fit(display: ProgressBar, epochs: Int = 2) throws {
        let model = makeClassifier()
        model.compile(optimizer: SGD(model, learningRate: 0.1), loss: .crossEntropy, metrics: [.testAccuracy])
        let (x, y) = blobs(count: 40, seed: 1)
        try model.fit(x: x, y: y, batchSize: 10, epochs: epochs, validationData: blobs(count: 10, seed: 2), callbacks: [display], verbose: .quiet)
    }

    func testOneLinePerEpochWhenNotATerminal() throws {
        var output = ""
        try fit(display: ProgressBar(live: false) { output += $0 })
        let lines = output.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue(lines[0].hasPrefix("Epoch 1/2 - 4 steps - "), lines[0])
        XCTAssertTrue(lines[1].hasPrefix("Epoch 2/2 - 4 steps - "), lines[1])
        XCTAssertFalse(output.contains("\r"), "no carriage returns in a log file")
        for key in ["samples/s", " - loss: ", " - acc: ", " - val_loss: ", " - val_acc: ", " - lr: 0.1000"] {
            XCTAssertTrue(lines[0].contains(key), "\(key) missing from \(lines[0])")
        }
        // loss before the metrics, training values before validation ones.
        let loss = lines[0].range(of: " - loss: ")!.lowerBound, acc = lines[0].range(of: " - acc: ")!.lowerBound
        let valLoss = lines[0].range(of: " - val_loss: ")!.lowerBound
        XCTAssertLessThan(loss, acc)
        XCTAssertLessThan(acc, valLoss)
    }

    func testLiveBarRedrawsInPlaceWithStepsAndETA() throws {
        var output = ""
        try fit(display: ProgressBar(live: true) { output += $0 }, epochs: 1)
        XCTAssertTrue(output.hasPrefix("Epoch 1/1\n"), output)
        XCTAssertTrue(output.contains("\r\u{1B}[K1/4 [=======>"), output)      // first batch drawn
        XCTAssertTrue(output.contains("ETA: "), output)
        XCTAssertTrue(output.contains("4/4 [==============================] - "), output)
        XCTAssertTrue(output.hasSuffix("\n"))
    }

    func testValueFormatting() {
        XCTAssertEqual(ProgressBar.formatValue(0.123456), "0.1235")
        XCTAssertEqual(ProgressBar.formatValue(1e-4), "1.0000e-04")
        XCTAssertEqual(ProgressBar.duration(5.25), "5.2s")
        XCTAssertEqual(ProgressBar.duration(125), "2m 05s")
        XCTAssertEqual(ProgressBar.duration(3720), "1h 02m")
    }

    func testTensorBoardCallbackWritesTrainAndValidationRuns() throws {
        let dir = try temporaryDirectory(self)
        let model = makeClassifier()
        model.compile(optimizer: SGD(model, learningRate: 0.1), loss: .crossEntropy, metrics: [.testAccuracy])
        let (x, y) = blobs(count: 40, seed: 1)
        try model.fit(x: x, y: y, batchSize: 10, epochs: 2, validationData: blobs(count: 10, seed: 2),
                      callbacks: [TensorBoard(logDir: dir.path, updateFrequency: 2, histogramFrequency: 1,
                                              hyperparameters: ["lr": 0.1, "optimizer": "sgd"])],
                      verbose: .quiet)
        func eventFile(_ run: String) throws -> Data {
            let runDir = dir.appendingPathComponent(run)
            let names = try FileManager.default.contentsOfDirectory(atPath: runDir.path).filter { $0.contains("tfevents") }
            XCTAssertEqual(names.count, 1, "one event file in \(run)")
            return try Data(contentsOf: runDir.appendingPathComponent(names[0]))
        }
        let train = try eventFile("train"), validation = try eventFile("validation")
        for tag in ["epoch_loss", "epoch_acc", "epoch_learning_rate", "batch_loss", "0/weight", "brain.Event:2", "hparams"] {
            XCTAssertNotNil(train.range(of: Data(tag.utf8)), "\(tag) in train")
        }
        for tag in ["epoch_loss", "epoch_acc"] { XCTAssertNotNil(validation.range(of: Data(tag.utf8)), "\(tag) in validation") }
        XCTAssertNil(validation.range(of: Data("val_".utf8)), "validation tags drop the val_ prefix, as Keras does")
    }

    /// TensorBoard's own reader sees the callback's curves: the logged losses, epoch by epoch.
    func testTensorBoardReaderReadsTheCallbackCurves() throws {
        guard PythonRunner.canImport("tensorboard") else {
            print("SKIP: ProgressAndBoardTests.testTensorBoardReaderReadsTheCallbackCurves: python3 with tensorboard is not available")
            throw XCTSkip("tensorboard is not installed")
        }
        let dir = try temporaryDirectory(self)
        let model = makeClassifier()
        model.compile(optimizer: SGD(model, learningRate: 0.1), loss: .crossEntropy, metrics: [.testAccuracy])
        let (x, y) = blobs(count: 40, seed: 1)
        let history = try model.fit(x: x, y: y, batchSize: 10, epochs: 3, validationData: blobs(count: 10, seed: 2),
                                    callbacks: [TensorBoard(logDir: dir.path)], verbose: .quiet)
        let script = """
            import sys
            from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
            for run, tag in [("train", "epoch_loss"), ("validation", "epoch_loss"), ("validation", "epoch_acc")]:
                acc = EventAccumulator(sys.argv[1] + "/" + run, size_guidance={"scalars": 0})
                acc.Reload()
                print(run, tag, " ".join(f"{e.step}:{e.value!r}" for e in acc.Scalars(tag)))
            """
        let (status, stdout, stderr) = try PythonRunner.run(script, [dir.path])
        XCTAssertEqual(status, 0, stderr)
        func expected(_ values: [Double]) -> String {
            values.enumerated().map { "\($0.offset):\(Double(Float($0.element)))" }.joined(separator: " ")
        }
        XCTAssertEqual(stdout.split(separator: "\n").map(String.init), [
            "train epoch_loss " + expected(history.values("loss")),
            "validation epoch_loss " + expected(history.values("val_loss")),
            "validation epoch_acc " + expected(history.values("val_acc")),
        ])
    }
}

extension ProgressAndBoardTests {
    /// `TensorBoard(graphs: true)` writes the model's graph once, traced on the first batch, and
    /// leaves training as it was (mode, step function, results).
    func testTensorBoardCallbackWritesTheModelGraphOnce() throws {
        let dir = try temporaryDirectory(self)
        let model = makeClassifier()
        model.compile(optimizer: SGD(model, learningRate: 0.1), loss: .crossEntropy)
        let (x, y) = blobs(count: 40, seed: 1)
        let history = try model.fit(x: x, y: y, batchSize: 10, epochs: 2, callbacks: [TensorBoard(logDir: dir.path, graphs: true)], verbose: .quiet)
        XCTAssertEqual(history.epochs.count, 2)
        XCTAssertTrue(model.isTraining)
        XCTAssertNil(model.trainer?.trainStep, "the callback does not replace the training step")
        let runDir = dir.appendingPathComponent("train")
        let name = try XCTUnwrap(FileManager.default.contentsOfDirectory(atPath: runDir.path).first { $0.contains("tfevents") })
        let bytes = try Data(contentsOf: runDir.appendingPathComponent(name))
        // The graph's ops appear once (one GraphDef), the matmul of both Linear layers among them.
        XCTAssertNotNil(bytes.range(of: Data("matmul".utf8)), "a GraphDef with the model's matmuls")
        XCTAssertNotNil(bytes.range(of: Data("_output_shapes".utf8)))
    }
}
