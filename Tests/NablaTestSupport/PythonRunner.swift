// Shared by the test targets that check interop with Python tools (safetensors, TensorBoard).
import Foundation

/// Runs Python snippets for interop tests: `python3 -c script args…`, or `$PYTHON` when set
/// (as `scripts/install-python-tools.sh` honours it).
public enum PythonRunner {
    /// The interpreter: `$PYTHON`, else `python3` (looked up on `PATH` through `/usr/bin/env`).
    public static var interpreter: String {
        ProcessInfo.processInfo.environment["PYTHON"] ?? "python3"
    }

    /// Runs `interpreter -c script arguments…` and returns its exit status, stdout and stderr.
    ///
    /// ```swift
    /// let (status, stdout, _) = try PythonRunner.run("import sys; print(sys.argv[1])", ["hi"])
    /// ```
    ///
    /// Throws only when the process cannot be started; a missing interpreter shows as status 127
    /// from `/usr/bin/env`.
    public static func run(_ script: String, _ arguments: [String] = []) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [interpreter, "-c", script] + arguments
        // stderr goes to a file, so a chatty stderr cannot fill a pipe while stdout is being read.
        let errorURL = FileManager.default.temporaryDirectory
            .appendingPathComponent("nabla-python-stderr-\(UUID().uuidString).txt")
        guard FileManager.default.createFile(atPath: errorURL.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: errorURL.path])
        }
        defer { try? FileManager.default.removeItem(at: errorURL) }
        let errorHandle = try FileHandle(forWritingTo: errorURL)
        let out = Pipe()
        process.standardOutput = out
        process.standardError = errorHandle
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try? errorHandle.close()
        let stderr = (try? Data(contentsOf: errorURL)) ?? Data()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    /// True when the interpreter runs and `import modules` succeeds (e.g. `"tensorboard, numpy"`).
    public static func canImport(_ modules: String) -> Bool {
        (try? run("import \(modules)"))?.status == 0
    }
}
