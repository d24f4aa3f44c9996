import Foundation
import XCTest

/// Checks that a programmer error traps with a message. A trap ends the process, so each case runs in
/// a child copy of the test binary: the child re-runs one test method (`childTest`, e.g.
/// "NablaTests.TrapTests/testTrapChild") with `variable` naming the case, and that method calls
/// `runTrapCase(_:variable:)`.
public enum TrapChild {
    /// Runs case `name` in a child process and asserts that it traps with `message` in its output.
    public static func expectTrap(_ name: String, message: String, childTest: String, variable: String,
                                  file: StaticString = #filePath, line: UInt = #line) throws {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0])
        guard FileManager.default.isExecutableFile(atPath: executable.path), executable.path.hasSuffix(".xctest") else {
            throw XCTSkip("cannot locate the XCTest executable to run trapping children (\(executable.path))")
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = [childTest]
        var environment = ProcessInfo.processInfo.environment
        environment[variable] = name
        environment["SWIFT_BACKTRACE"] = "enable=no"   // no slow symbolication in the child
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertTrue(text.contains("NABLA-CHILD: running \(name)"), "\(name): the child did not run the case; output:\n\(text)", file: file, line: line)
        XCTAssertEqual(process.terminationReason, .uncaughtSignal, "\(name) must trap; child output:\n\(text)", file: file, line: line)
        XCTAssertTrue(text.contains(message), "\(name): the trap message must contain \"\(message)\"; child output:\n\(text)", file: file, line: line)
        XCTAssertFalse(text.contains("NABLA-CHILD: returned"), "\(name) returned instead of trapping", file: file, line: line)
    }

    /// In a child process: runs the case that `variable` names (it should trap). Skips in a normal run.
    public static func runCase(from cases: [String: @Sendable () -> Void], variable: String) throws {
        guard let name = ProcessInfo.processInfo.environment[variable] else {
            throw XCTSkip("runs only in a child process started by TrapChild.expectTrap")
        }
        guard let body = cases[name] else { return XCTFail("unknown trap case \(name)") }
        // Unbuffered writes: buffered stdout would be lost when the case traps.
        FileHandle.standardError.write(Data("NABLA-CHILD: running \(name)\n".utf8))
        body()
        FileHandle.standardError.write(Data("NABLA-CHILD: returned\n".utf8))
    }
}
