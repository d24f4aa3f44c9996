import Foundation
import XCTest
import Nabla
import NablaNN
import NablaCheckpoint

/// A layer with PyTorch `Linear`'s parameter names (`weight` [out, in], `bias` [out]).
final class TestLinear: Module {
    let weight: Parameter
    let bias: Parameter
    init(_ inputs: Int, _ outputs: Int, seed: Int) {
        let w = (0..<(inputs * outputs)).map { Float(($0 * 7 + seed) % 11) / 10 - 0.5 }
        weight = Parameter(Tensor(shape: [outputs, inputs], scalars: w))
        bias = Parameter(Tensor(shape: [outputs], scalars: (0..<outputs).map { Float($0 + seed) / 4 }))
    }
}

/// A two-layer model: keys fc1.weight, fc1.bias, fc2.weight, fc2.bias.
final class TestNet: Module {
    let fc1: TestLinear
    let fc2: TestLinear
    init(seed: Int = 0, hidden: Int = 3) {
        fc1 = TestLinear(4, hidden, seed: seed)
        fc2 = TestLinear(hidden, 2, seed: seed + 1)
    }
}

/// A fresh temporary directory, removed when the test ends.
func makeTemporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("nabla-ckpt-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// The tensor's elements as raw bytes (bit-exact comparisons).
func rawBytes(_ t: Tensor) -> [UInt8] { t.withUnsafeBytes { Array($0) } }

/// A safetensors file assembled by hand: length prefix (or `headerLength` to lie), header, data.
func safetensorsBytes(header: String, data: [UInt8], headerLength: UInt64? = nil, pad: Bool = true) -> [UInt8] {
    var headerBytes = Array(header.utf8)
    while pad && (headerBytes.count % 8 != 0) { headerBytes.append(0x20) }
    var bytes: [UInt8] = []
    withUnsafeBytes(of: (headerLength ?? UInt64(headerBytes.count)).littleEndian) { bytes.append(contentsOf: $0) }
    return bytes + headerBytes + data
}

/// One tensor of every dtype, with awkward values (extremes, signed zero, infinities, subnormals).
func tensorsOfEveryDType() -> [(String, Tensor)] {
    [
        ("bool", Tensor(shape: [2, 3], scalars: [true, false, true, true, false, false])),
        ("uint8", Tensor(shape: [5], scalars: [0, 1, 127, 128, 255] as [UInt8])),
        ("int8", Tensor(shape: [5], scalars: [-128, -1, 0, 1, 127] as [Int8])),
        ("int32", Tensor(shape: [2, 2], scalars: [Int32.min, -7, 0, Int32.max])),
        ("int64", Tensor(shape: [4], scalars: [Int64.min, -1, (1 << 53) + 1, Int64.max])),
        ("float16", Tensor(shape: [6], scalars: [0, -0.0, 65504, .infinity, 0.000061035156, -1.5] as [Float16])),
        ("bfloat16", Tensor(shape: [3], scalars: [BFloat16(1.0), BFloat16(-3.0e38), BFloat16(bitPattern: 0x0001)])),
        ("float32", Tensor(shape: [2, 3], scalars: [0, -0.0, .greatestFiniteMagnitude, -.infinity, .leastNonzeroMagnitude, 3.14159] as [Float])),
        ("float64", Tensor(shape: [2, 2, 1], scalars: [.pi, -0.0, .leastNonzeroMagnitude, 1e308])),
        ("scalar", Tensor(Float(2.5))),
        ("empty", Tensor.zeros([0, 4], dtype: .float32)),
    ]
}

/// Runs `body`, which must throw a `CheckpointError`, and returns it (failing the test otherwise).
func expectCheckpointError(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> CheckpointError? {
    do {
        try body()
        XCTFail("expected a CheckpointError, nothing was thrown", file: file, line: line)
    } catch let error as CheckpointError {
        return error
    } catch {
        XCTFail("expected a CheckpointError, got \(error)", file: file, line: line)
    }
    return nil
}
