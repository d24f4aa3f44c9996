import Foundation
import XCTest
@testable import NablaONNX

/// ONNX's own backend node tests run through the importer. They fail when the float32 pass rate over the
/// core operators (`ONNXNodeTests.coreOperators`) drops below the measured threshold.
final class ONNXConformanceTests: XCTestCase {
    /// The Debian `libonnx-testdata` set (ONNX 1.12, opset ≤ 17).
    static let debianDirectory = "/usr/share/libonnx-testdata/data/node"
    /// Measured pass rates (docs/ONNX.md) minus a small margin: a regression below these fails the test.
    static let debianCoreFloat32Threshold = 0.95
    static let newerCoreFloat32Threshold = 0.93

    func testDebianNodeTests() throws {
        guard FileManager.default.fileExists(atPath: Self.debianDirectory) else {
            print("SKIP testDebianNodeTests: \(Self.debianDirectory) not found (apt-get install libonnx-testdata)")
            return
        }
        try check(directory: Self.debianDirectory, label: "Debian libonnx-testdata 1.12", threshold: Self.debianCoreFloat32Threshold)
    }

    func testNewerNodeTests() throws {
        guard let directory = ProcessInfo.processInfo.environment["NABLA_ONNX_NODE_TESTS"], !directory.isEmpty else {
            print("SKIP testNewerNodeTests: set NABLA_ONNX_NODE_TESTS to the node/ folder written by ../shared/tools/onnx-node-tests.py")
            return
        }
        let node = URL(fileURLWithPath: directory).appendingPathComponent("node").path
        let root = FileManager.default.fileExists(atPath: node) ? node : directory
        try check(directory: root, label: "onnx wheel node tests (\(root))", threshold: Self.newerCoreFloat32Threshold)
    }

    private func check(directory: String, label: String, threshold: Double) throws {
        let filter = ProcessInfo.processInfo.environment["NABLA_ONNX_FILTER"]
        let report = ONNXNodeTests.run(directory: URL(fileURLWithPath: directory)) { name in
            filter.map { name.contains($0) } ?? true
        }
        XCTAssertFalse(report.cases.isEmpty, "no cases under \(directory)")
        let core = report.coreFloat32PassRate
        let float32 = report.passRate { $0.isFloat32 }
        let overall = report.passRate { _ in true }
        print("== \(label)")
        for line in report.failureLines { print("FAIL \(line)") }
        if ProcessInfo.processInfo.environment["NABLA_ONNX_VERBOSE"] != nil {
            for result in report.cases {
                if case let .unsupported(reason) = result.outcome { print("UNSUPPORTED \(result.name): \(reason)") }
            }
        }
        for (op, tally) in report.perOperator.sorted(by: { $0.key < $1.key }) where tally.failed > 0 {
            print("  \(op): \(tally.passed) passed, \(tally.failed) failed, \(tally.unsupported) unsupported")
        }
        func percent(_ r: (passed: Int, total: Int, rate: Double)) -> String {
            "\(r.passed)/\(r.total) (\(String(format: "%.1f", r.rate * 100))%)"
        }
        print("pass rate: core float32 \(percent(core)), float32 \(percent(float32)), overall \(percent(overall))")
        print(report.summary)
        if filter == nil {
            XCTAssertGreaterThanOrEqual(core.rate, threshold, "core float32 pass rate \(percent(core)) is below \(threshold)")
        }
    }
}
