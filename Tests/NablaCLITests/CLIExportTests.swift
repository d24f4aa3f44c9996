import Foundation
import XCTest
import Nabla
import NablaData

/// `nabla export` and `nabla predict --model file.onnx`: a trained checkpoint exported to ONNX gives the
/// same predictions as the checkpoint; bad ONNX files and flags give one-line errors.
final class CLIExportTests: XCTestCase {
    /// A CSV of the first `count` test images (pixel values 0-255, with a label column).
    private func writeCSV(of data: URL, count: Int, to url: URL) throws {
        let test = try FashionMNIST(.test, directory: data.path, requiringFullSplit: false)
        let labels = test.labels.toArray(as: Int64.self)
        let rows = (0..<count).map { i in
            ([String(labels[i])] + test.images[i].reshaped([784]).toArray(as: Float.self).map { String(Int(($0 * 255).rounded())) })
                .joined(separator: ",")
        }
        try ((["label"] + (0..<784).map { "p\($0)" }).joined(separator: ",") + "\n" + rows.joined(separator: "\n") + "\n")
            .write(to: url, atomically: true, encoding: .utf8)
    }

    /// The top-1 class of each output line ("path row 1: Dress 0.412, …" → "Dress").
    private func topClasses(_ stdout: String) -> [String] {
        stdout.split(separator: "\n").map { line in
            let afterColon = line.split(separator: ":", maxSplits: 1).last ?? ""
            let first = afterColon.split(separator: ",").first?.trimmingCharacters(in: .whitespaces) ?? ""
            return first.split(separator: " ").dropLast().joined(separator: " ")   // the name without its probability
        }
    }

    func testExportedModelsPredictLikeTheirCheckpoints() throws {
        let dir = try temporaryDirectory(self)
        let data = dir.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try writeTinyFashionMNIST(to: data, train: 64, test: 16)
        let csv = dir.appendingPathComponent("rows.csv")
        try writeCSV(of: data, count: 8, to: csv)

        for kind in ["mlp", "cnn"] {
            let checkpoint = dir.appendingPathComponent("\(kind).safetensors")
            let train = try NablaCLI.run(["train", "--model", kind, "--data-dir", data.path, "--epochs", "1", "--batch-size", "16",
                                          "--output", checkpoint.path, "--quiet"])
            XCTAssertEqual(train.status, 0, train.output)

            let onnx = dir.appendingPathComponent("\(kind).onnx")
            let export = try NablaCLI.run(["export", checkpoint.path, "--output", onnx.path])
            XCTAssertEqual(export.status, 0, export.output)
            XCTAssertTrue(export.stdout.contains("(\(kind))") && export.stdout.contains("opset 17"), export.stdout)
            XCTAssertTrue(FileManager.default.fileExists(atPath: onnx.path))

            let fromCheckpoint = try NablaCLI.run(["predict", checkpoint.path, csv.path, "--label-column", "label", "--top-k", "3"])
            XCTAssertEqual(fromCheckpoint.status, 0, fromCheckpoint.output)
            let fromONNX = try NablaCLI.run(["predict", "--model", onnx.path, csv.path, "--label-column", "label", "--top-k", "3"])
            XCTAssertEqual(fromONNX.status, 0, fromONNX.output)
            XCTAssertEqual(fromONNX.stdout.split(separator: "\n").count, 8, fromONNX.stdout)
            XCTAssertEqual(topClasses(fromONNX.stdout), topClasses(fromCheckpoint.stdout), "\(kind): same top-1 classes")
            XCTAssertEqual(topClasses(fromONNX.stdout).filter { FashionMNIST.classNames.contains($0) }.count, 8, fromONNX.stdout)

            // --model also takes the checkpoint itself; --kind replaces predict's and eval's old --model.
            let viaFlag = try NablaCLI.run(["predict", "--model", checkpoint.path, "--kind", kind, csv.path, "--label-column", "label"])
            XCTAssertEqual(viaFlag.status, 0, viaFlag.output)
            XCTAssertEqual(topClasses(viaFlag.stdout), topClasses(fromCheckpoint.stdout))
        }
        let eval = try NablaCLI.run(["eval", dir.appendingPathComponent("mlp.safetensors").path, "--kind", "mlp", "--data-dir", data.path])
        XCTAssertEqual(eval.status, 0, eval.output)
        XCTAssertTrue(eval.stdout.contains("(mlp)"), eval.stdout)

        // Default output path: the checkpoint's, with .onnx.
        let defaultExport = try NablaCLI.run(["export", dir.appendingPathComponent("cnn.safetensors").path, "--opset", "18"])
        XCTAssertEqual(defaultExport.status, 0, defaultExport.output)
        XCTAssertTrue(defaultExport.stdout.contains(dir.appendingPathComponent("cnn.onnx").path), defaultExport.stdout)
    }

    func testBadONNXFilesAndFlagsGiveOneLineErrors() throws {
        let dir = try temporaryDirectory(self)
        let data = dir.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try writeTinyFashionMNIST(to: data, train: 32, test: 4)
        let csv = dir.appendingPathComponent("rows.csv")
        try writeCSV(of: data, count: 2, to: csv)
        let checkpoint = dir.appendingPathComponent("mlp.safetensors")
        let train = try NablaCLI.run(["train", "--model", "mlp", "--data-dir", data.path, "--epochs", "1", "--batch-size", "16",
                                      "--output", checkpoint.path, "--quiet"])
        XCTAssertEqual(train.status, 0, train.output)
        let onnx = dir.appendingPathComponent("mlp.onnx")
        XCTAssertEqual(try NablaCLI.run(["export", checkpoint.path, "-o", onnx.path]).status, 0)

        let garbage = dir.appendingPathComponent("garbage.onnx")
        try Data("not a protobuf at all \u{1}\u{2}\u{3}".utf8).write(to: garbage)
        let truncated = dir.appendingPathComponent("truncated.onnx")
        let bytes = try Data(contentsOf: onnx)
        try bytes.prefix(bytes.count / 2).write(to: truncated)
        let empty = dir.appendingPathComponent("empty.onnx")
        try Data().write(to: empty)

        try assertCleanFailure(["predict", "--model", garbage.path, csv.path], mentioning: "garbage.onnx")
        try assertCleanFailure(["predict", "--model", truncated.path, csv.path], mentioning: "truncated.onnx")
        try assertCleanFailure(["predict", "--model", empty.path, csv.path], mentioning: "empty.onnx")
        try assertCleanFailure(["predict", "--model", dir.appendingPathComponent("absent.onnx").path, csv.path], mentioning: "absent.onnx")
        try assertCleanFailure(["predict", "--model", onnx.path, "--kind", "mlp", csv.path], mentioning: "--kind")
        try assertCleanFailure(["predict", "--model", onnx.path], mentioning: "at least one")
        try assertCleanFailure(["predict", checkpoint.path, csv.path, "--kind", "transformer"], mentioning: "transformer")
        try assertCleanFailure(["eval", checkpoint.path, "--model", "mlp"], mentioning: "--model")
        try assertCleanFailure(["export", garbage.path, "--output", dir.appendingPathComponent("x.onnx").path], mentioning: "garbage.onnx")
        try assertCleanFailure(["export", checkpoint.path, "--opset", "5"], mentioning: "--opset")
        try assertCleanFailure(["export", checkpoint.path, "--output", dir.appendingPathComponent("no/such/dir/x.onnx").path], mentioning: "no/such/dir")
    }
}
