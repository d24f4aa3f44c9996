import Foundation
import XCTest
@testable import Nabla

/// A shape error stops with a message naming the op, both shapes and the caller's file and line.
///
/// The trap is observed in a child process: the test binary re-runs itself on `testChildCrash`
/// with `NABLA_SHAPE_ERROR_CHILD` set, and the parent reads the child's standard error.
final class ShapeErrorTests: XCTestCase {
    static let childVariable = "NABLA_SHAPE_ERROR_CHILD"
    /// The line of the bad call below; the message must point here.
    static let badCallLine = 19

    func testChildCrash() throws {
        guard let which = ProcessInfo.processInfo.environment[Self.childVariable] else { return }
        let a = Tensor.zeros([2, 3]), b = Tensor.zeros([4, 5])
        switch which {
        case "matmul":
            _ = matmul(a, b)
        case "add":
            _ = a + Tensor.zeros([4])
        case "reshape":
            _ = a.reshaped([4, 2])
        default:
            break
        }
    }

    /// Runs the child with `mode`; returns (exit status, standard error).
    private func runChild(_ mode: String) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        let selfArguments = CommandLine.arguments
        process.arguments = Array(selfArguments.dropFirst().filter { $0.hasSuffix(".xctest") }) + ["NablaTests.ShapeErrorTests/testChildCrash"]
        var environment = ProcessInfo.processInfo.environment
        environment[Self.childVariable] = mode
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = Pipe()
        try process.run()
        let data = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func testMatmulShapeErrorNamesOpShapesAndCaller() throws {
        let (status, stderr) = try runChild("matmul")
        XCTAssertNotEqual(status, 0, "the child must trap")
        XCTAssertTrue(stderr.contains("matmul"), stderr)
        XCTAssertTrue(stderr.contains("[2, 3]") && stderr.contains("[4, 5]"), stderr)
        XCTAssertTrue(stderr.contains("ShapeErrorTests.swift:\(Self.badCallLine)"), "message must point at the caller's line: \(stderr)")
    }

    func testBroadcastErrorNamesOpAndShapes() throws {
        let (status, stderr) = try runChild("add")
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(stderr.contains("add") && stderr.contains("[2, 3]") && stderr.contains("[4]"), stderr)
    }

    func testReshapeErrorNamesShapes() throws {
        let (status, stderr) = try runChild("reshape")
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(stderr.contains("reshape") && stderr.contains("[2, 3]") && stderr.contains("[4, 2]"), stderr)
    }
}
