import Foundation
import XCTest
import Nabla
import NablaData

/// Runs the `nabla` binary built next to the test bundle.
enum NablaCLI {
    /// The binary: `.build/<config>/nabla`, beside the test bundle.
    static var executable: URL {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return bundle.appendingPathComponent("nabla")
    }

    /// The result of one run.
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var output: String { stdout + stderr }
    }

    /// Runs `nabla arguments…` to completion.
    static func run(_ arguments: [String]) throws -> Result {
        let process = try start(arguments)
        let result = process.finish()
        return result
    }

    /// A running `nabla` process whose output goes to temporary files.
    final class Running {
        let process: Process
        let outURL: URL, errURL: URL
        init(process: Process, outURL: URL, errURL: URL) { self.process = process; self.outURL = outURL; self.errURL = errURL }

        /// Waits for the process and reads its output.
        func finish() -> Result {
            process.waitUntilExit()
            let out = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
            let err = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
            return Result(status: process.terminationStatus, stdout: out, stderr: err)
        }
    }

    /// Starts `nabla arguments…` without waiting.
    static func start(_ arguments: [String]) throws -> Running {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let tmp = FileManager.default.temporaryDirectory
        let outURL = tmp.appendingPathComponent("nabla-cli-out-\(UUID().uuidString)")
        let errURL = tmp.appendingPathComponent("nabla-cli-err-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
        return Running(process: process, outURL: outURL, errURL: errURL)
    }
}

/// A fresh temporary directory, removed after the test.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("nabla-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// A small dataset in Fashion-MNIST's IDX format (random pixels; labels follow the mean brightness,
/// so there is something to learn): `train` and `test` examples.
func writeTinyFashionMNIST(to directory: URL, train: Int = 256, test: Int = 64) throws {
    for (prefix, count, seed) in [("train", train, UInt64(1)), ("t10k", test, UInt64(2))] {
        let labels = Tensor.randint(0, 10, [count], generator: Generator(seed: seed))
        let noise = Tensor.rand([count, 28, 28], generator: Generator(seed: seed + 10)) * 100
        let images = noise + labels.cast(to: .float32).reshaped([count, 1, 1]) * 15
        try IDXWriter.write(images.cast(to: .uint8), to: directory.appendingPathComponent("\(prefix)-images-idx3-ubyte.gz"), compressed: true)
        try IDXWriter.write(labels.cast(to: .uint8), to: directory.appendingPathComponent("\(prefix)-labels-idx1-ubyte.gz"), compressed: true)
    }
}

/// Fails unless `nabla arguments…` fails with exactly one "Error: …" line mentioning `mentioning`, and
/// neither traps nor prints a stack trace.
func assertCleanFailure(_ arguments: [String], mentioning: String, file: StaticString = #filePath, line: UInt = #line) throws {
    let result = try NablaCLI.run(arguments)
    XCTAssertNotEqual(result.status, 0, "\(arguments) should fail", file: file, line: line)
    let errors = result.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }
    XCTAssertEqual(errors.count, 1, "one error line for \(arguments): \(result.output)", file: file, line: line)
    XCTAssertTrue(result.stderr.contains(mentioning), "\(arguments): '\(mentioning)' not in \(result.stderr)", file: file, line: line)
    for trap in ["Fatal error", "Stack dump", "Backtrace", "Segmentation"] {
        XCTAssertFalse(result.output.contains(trap), "\(arguments) trapped: \(result.output)", file: file, line: line)
    }
}
