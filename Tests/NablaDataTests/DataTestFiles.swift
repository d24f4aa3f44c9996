import CZlib
import Foundation
import NablaTestSupport
import XCTest

/// Temporary files for the NablaData tests.
enum DataTestFiles {
    /// A fresh empty directory, removed when the test case finishes.
    static func directory(_ test: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("nabla-data-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// Writes `text` to `name` in a fresh directory.
    static func file(_ test: XCTestCase, _ name: String, _ text: String) throws -> URL {
        let url = try directory(test).appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    /// A PNG file built by hand (zlib-compressed scanlines with filter 0, CRC-checked chunks), so the
    /// decoder is checked against bytes it did not write. `colorType`: 0 gray, 2 RGB, 4 gray+alpha, 6 RGBA.
    static func png(width: Int, height: Int, colorType: UInt8, pixels: [UInt8]) -> [UInt8] {
        func be32(_ v: Int) -> [UInt8] { [24, 16, 8, 0].map { UInt8((v >> $0) & 0xFF) } }
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            let crc = body.withUnsafeBufferPointer { Int(crc32(0, $0.baseAddress, uInt($0.count))) }
            return be32(data.count) + body + be32(crc)
        }
        let channels = [0: 1, 2: 3, 4: 2, 6: 4][Int(colorType)]!
        var raw: [UInt8] = []
        for row in 0..<height {
            raw.append(0)
            raw += pixels[(row * width * channels)..<((row + 1) * width * channels)]
        }
        var compressedCount = compressBound(uLong(raw.count))
        var compressed = [UInt8](repeating: 0, count: Int(compressedCount))
        _ = compress(&compressed, &compressedCount, raw, uLong(raw.count))
        let header = be32(width) + be32(height) + [8, colorType, 0, 0, 0]
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", header)
            + chunk("IDAT", Array(compressed[0..<Int(compressedCount)])) + chunk("IEND", [])
    }

    /// Skips the test, printing a "SKIP:" line, unless python3 can import numpy.
    static func requirePythonWithNumPy(for test: String) throws {
        guard PythonRunner.canImport("numpy") else {
            let message = "SKIP: \(test): python3 with numpy is not available (scripts/install-python-tools.sh installs it)"
            print(message)
            throw XCTSkip(message)
        }
    }

    /// Runs `python3 -c script`, returning its standard output; throws with its stderr when it fails.
    @discardableResult
    static func runPython(_ script: String) throws -> String {
        let (status, stdout, stderr) = try PythonRunner.run(script)
        guard status == 0 else {
            throw NSError(domain: "python3", code: Int(status), userInfo: [NSLocalizedDescriptionKey: stderr])
        }
        return stdout
    }
}
