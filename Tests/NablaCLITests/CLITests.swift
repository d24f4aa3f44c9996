import Foundation
import XCTest
import Nabla
import NablaCheckpoint
import NablaData

/// The `nabla` tool as a user meets it: help, training from flags or a config file, eval, predict,
/// info, and one-line errors with a non-zero exit for every kind of bad input.
final class CLITests: XCTestCase {
    func testEveryCommandHasHelp() throws {
        for command in ["train", "eval", "predict", "export", "info", "bench", "demo"] {
            let result = try NablaCLI.run([command, "--help"])
            XCTAssertEqual(result.status, 0, command)
            XCTAssertTrue(result.stdout.contains("USAGE: nabla \(command)"), "\(command): \(result.stdout)")
        }
        let top = try NablaCLI.run(["--help"])
        for command in ["train", "eval", "predict", "export", "info", "bench"] { XCTAssertTrue(top.stdout.contains(command)) }
    }

    func testBadFlagsAndUnreadableFilesGiveOneLineErrors() throws {
        let dir = try temporaryDirectory(self)
        let garbage = dir.appendingPathComponent("garbage.safetensors")
        try Data("not a checkpoint at all".utf8).write(to: garbage)
        let badConfig = dir.appendingPathComponent("bad.yaml")
        try "epochs: 2\nbatchsize: 3\n".write(to: badConfig, atomically: true, encoding: .utf8)
        let mistyped = dir.appendingPathComponent("mistyped.json")
        try #"{"epochs": "many"}"#.write(to: mistyped, atomically: true, encoding: .utf8)
        let notYAML = dir.appendingPathComponent("broken.yaml")
        try "epochs: [1, 2\n".write(to: notYAML, atomically: true, encoding: .utf8)

        try assertCleanFailure(["train", "--model", "transformer"], mentioning: "transformer")
        try assertCleanFailure(["train", "--epochs", "zero"], mentioning: "--epochs")
        try assertCleanFailure(["train", "--epochs", "0"], mentioning: "epochs must be positive")
        try assertCleanFailure(["train", "--optimizer", "adamax"], mentioning: "adamax")
        try assertCleanFailure(["train", "--schedule", "exponential"], mentioning: "exponential")
        try assertCleanFailure(["train", "--no-such-flag"], mentioning: "--no-such-flag")
        try assertCleanFailure(["train", "--data-dir", dir.appendingPathComponent("nowhere").path], mentioning: "nowhere")
        try assertCleanFailure(["train", "--config", dir.appendingPathComponent("missing.yaml").path], mentioning: "missing.yaml")
        try assertCleanFailure(["train", "--config", badConfig.path], mentioning: "unknown setting \"batchsize\"")
        try assertCleanFailure(["train", "--config", mistyped.path], mentioning: "epochs must be an integer")
        try assertCleanFailure(["train", "--config", notYAML.path], mentioning: "broken.yaml")
        try assertCleanFailure(["train", "--resume", dir.appendingPathComponent("gone.safetensors").path], mentioning: "gone.safetensors")
        try assertCleanFailure(["info", garbage.path], mentioning: "garbage.safetensors")
        try assertCleanFailure(["info", dir.appendingPathComponent("absent.safetensors").path], mentioning: "absent.safetensors")
        try assertCleanFailure(["eval", garbage.path], mentioning: "garbage.safetensors")
        try assertCleanFailure(["predict", garbage.path, garbage.path], mentioning: "garbage.safetensors")
        try assertCleanFailure(["bench", "nothing"], mentioning: "nothing")
    }

    func testTrainFromAConfigFileThenEvalPredictAndInfo() throws {
        let dir = try temporaryDirectory(self)
        let data = dir.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try writeTinyFashionMNIST(to: data)
        let runs = dir.appendingPathComponent("runs")
        let model = runs.appendingPathComponent("model.safetensors")
        let config = dir.appendingPathComponent("run.yaml")
        try """
            model: mlp
            data_dir: \(data.path)
            epochs: 3          # overridden by the flag below
            batch_size: 32
            learning_rate: 0.01
            optimizer: sgd
            logdir: \(runs.path)
            output: \(model.path)
            """.write(to: config, atomically: true, encoding: .utf8)
        let train = try NablaCLI.run(["train", "--config", config.path, "--epochs", "2"])
        XCTAssertEqual(train.status, 0, train.output)
        let epochLines = train.stdout.split(separator: "\n").filter { $0.hasPrefix("Epoch ") }
        XCTAssertEqual(epochLines.count, 2, "one line per epoch when not a terminal: \(train.stdout)")
        XCTAssertTrue(epochLines[0].contains("8 steps"), String(epochLines[0]))
        XCTAssertTrue(train.stdout.contains("sgd lr 0.01"), train.stdout)
        XCTAssertTrue(train.stdout.contains("test accuracy: "), train.stdout)
        XCTAssertTrue(train.stdout.contains("tensorboard --logdir \(runs.path)"), train.stdout)
        for path in ["train", "validation", "log.csv", "checkpoints/epoch-1.safetensors", "checkpoints/epoch-2.safetensors", "model.safetensors"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: runs.appendingPathComponent(path).path), path)
        }
        XCTAssertEqual(try String(contentsOf: runs.appendingPathComponent("log.csv"), encoding: .utf8).split(separator: "\n").count, 3)

        let info = try NablaCLI.run(["info", model.path])
        XCTAssertEqual(info.status, 0, info.output)
        XCTAssertTrue(info.stdout.contains("1.weight"), info.stdout)
        XCTAssertTrue(info.stdout.contains("float32  [256, 784]"), info.stdout)
        XCTAssertTrue(info.stdout.contains("nabla.model: mlp"), info.stdout)

        let eval = try NablaCLI.run(["eval", model.path, "--data-dir", data.path])
        XCTAssertEqual(eval.status, 0, eval.output)
        let accuracy = train.stdout.split(separator: "\n").first { $0.hasPrefix("test accuracy: ") }!.dropFirst("test accuracy: ".count)
        XCTAssertTrue(eval.stdout.contains("accuracy: \(accuracy)"), "eval agrees with training's last validation: \(eval.stdout)")
        XCTAssertTrue(eval.stdout.contains("confusion matrix"), eval.stdout)

        // predict: a CSV of two test images (with a label column) gives two lines of top-3 classes.
        let pixels = try FashionMNIST(.test, directory: data.path, requiringFullSplit: false).images
        let rows = (0..<2).map { i in (["3"] + pixels[i].reshaped([784]).toArray(as: Float.self).map { String(Int(($0 * 255).rounded())) }).joined(separator: ",") }
        let csv = dir.appendingPathComponent("rows.csv")
        try ((["label"] + (0..<784).map { "p\($0)" }).joined(separator: ",") + "\n" + rows.joined(separator: "\n") + "\n")
            .write(to: csv, atomically: true, encoding: .utf8)
        let predict = try NablaCLI.run(["predict", model.path, csv.path, "--label-column", "label", "--top-k", "3"])
        XCTAssertEqual(predict.status, 0, predict.output)
        let lines = predict.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 2, predict.stdout)
        XCTAssertTrue(lines[0].hasPrefix("\(csv.path) row 1: "), String(lines[0]))
        XCTAssertEqual(lines[0].split(separator: ",").count, 3, String(lines[0]))
        XCTAssertTrue(lines[0].hasSuffix("(label: Dress)"), String(lines[0]))
        try assertCleanFailure(["predict", model.path, data.appendingPathComponent("t10k-labels-idx1-ubyte.gz").path], mentioning: "t10k-labels")
    }

    /// The issue's resume test: a run killed after epoch 1 of 3 and resumed gives the same loss curve
    /// (the same CSV rows, to the last digit) as a run that was never interrupted.
    func testAKilledRunResumesOnTheUninterruptedLossCurve() throws {
        let dir = try temporaryDirectory(self)
        let data = dir.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try writeTinyFashionMNIST(to: data)
        func arguments(_ logdir: String) -> [String] {
            ["train", "--model", "mlp", "--data-dir", data.path, "--epochs", "3", "--batch-size", "16", "--seed", "7",
             "--logdir", dir.appendingPathComponent(logdir).path, "--quiet"]
        }
        let full = try NablaCLI.run(arguments("full"))
        XCTAssertEqual(full.status, 0, full.output)

        let killed = try NablaCLI.start(arguments("killed"))
        let firstCheckpoint = dir.appendingPathComponent("killed/checkpoints/epoch-1.safetensors")
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: firstCheckpoint.path) && killed.process.isRunning && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.02)
        }
        kill(killed.process.processIdentifier, SIGKILL)
        let killedResult = killed.finish()
        XCTAssertTrue(FileManager.default.fileExists(atPath: firstCheckpoint.path), killedResult.output)

        let resumed = try NablaCLI.run(arguments("resumed") + ["--resume", firstCheckpoint.path])
        XCTAssertEqual(resumed.status, 0, resumed.output)
        let fullRows = try String(contentsOf: dir.appendingPathComponent("full/log.csv"), encoding: .utf8).split(separator: "\n")
        let resumedRows = try String(contentsOf: dir.appendingPathComponent("resumed/log.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(fullRows.count, 4)
        XCTAssertEqual(resumedRows.first, fullRows.first, "same columns")
        XCTAssertEqual(Array(resumedRows.dropFirst()), Array(fullRows.suffix(2)), "epochs 2 and 3 match to the last digit")
        // And the final weights are identical.
        let a = try Checkpoint.read(from: dir.appendingPathComponent("full/checkpoints/epoch-3.safetensors")).modelState
        let b = try Checkpoint.read(from: dir.appendingPathComponent("resumed/checkpoints/epoch-3.safetensors")).modelState
        XCTAssertEqual(Set(a.keys), Set(b.keys))
        for (name, tensor) in a { XCTAssertEqual(tensor.toArray(as: Float.self), b[name]!.toArray(as: Float.self), name) }
    }
}
