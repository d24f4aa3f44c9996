import Foundation
import XCTest
import Nabla
import NablaNN
@testable import NablaOptim

// Decoding of Tests/NablaOptimTests/Fixtures/optim.json (written by scripts/generate_optim_fixtures.py,
// whose header documents the format) and helpers shared by the optimizer tests.

struct OptimFixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A JSON value of the fixture file.
enum JSON: Decodable, Equatable {
    case null, bool(Bool), number(Double), string(String), array([JSON]), object([String: JSON])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSON].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSON].self)) }
    }

    var double: Double? {
        switch self {
        case let .number(d): return d
        case let .bool(b): return b ? 1 : 0
        default: return nil
        }
    }
    var int: Int? { double.flatMap { Int(exactly: $0) } }
    var string: String? { if case let .string(s) = self { return s }; return nil }
    var bool: Bool? { if case let .bool(b) = self { return b }; return nil }
    var array: [JSON]? { if case let .array(a) = self { return a }; return nil }
}

/// A TENSOR: float32 values in row-major order.
struct FixtureTensor: Decodable {
    let dtype: String
    let shape: [Int]
    let data: [Double]

    func tensor() throws -> Tensor {
        guard dtype == "float32" else { throw OptimFixtureError("unexpected dtype \(dtype)") }
        guard shape.reduce(1, *) == data.count else { throw OptimFixtureError("shape \(shape) for \(data.count) values") }
        return Tensor(shape: shape, scalars: data.map { Float($0) })
    }
}

struct OptimizerCase: Decodable {
    struct Group: Decodable {
        let params: [Int]
        let options: [String: JSON]
    }
    let name: String
    let optimizer: String
    let options: [String: JSON]
    let groups: [Group]
    let params: [FixtureTensor]
    let grads: [[FixtureTensor?]]
    let expected: [[FixtureTensor]]
}

struct ClipCase: Decodable {
    let name: String
    let kind: String
    let max_norm: Double?
    let norm_type: JSON?
    let clip_value: Double?
    let grads: [FixtureTensor]
    let total_norm: FixtureTensor?
    let clipped: [FixtureTensor]
}

struct ScheduleCase: Decodable {
    let name: String
    let scheduler: String
    let args: [String: JSON]
    let optimizer: String
    let base_lrs: [Double]
    let metrics: [Double]?
    let lrs: [[Double]]
    let momenta: [[Double]]?

    func arg(_ key: String) throws -> JSON {
        guard let v = args[key] else { throw OptimFixtureError("\(name): missing arg \(key)") }
        return v
    }
    func double(_ key: String) throws -> Double {
        guard let v = try arg(key).double else { throw OptimFixtureError("\(name): arg \(key) is not a number") }
        return v
    }
    func int(_ key: String) throws -> Int {
        guard let v = try arg(key).int else { throw OptimFixtureError("\(name): arg \(key) is not an int") }
        return v
    }
    func doubles(_ key: String) throws -> [Double] {
        guard let list = try arg(key).array?.compactMap(\.double) else { throw OptimFixtureError("\(name): arg \(key) is not a list") }
        return list
    }
}

struct OptimFixtureFile: Decodable {
    let generator: String
    let optimizers: [OptimizerCase]
    let clipping: [ClipCase]
    let schedulers: [ScheduleCase]

    /// The committed fixture file (decoded once).
    static func load() throws -> OptimFixtureFile {
        guard let directory = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            throw OptimFixtureError("the Fixtures directory is missing from the test bundle")
        }
        let url = directory.appendingPathComponent("optim.json")
        let file = try JSONDecoder().decode(OptimFixtureFile.self, from: Data(contentsOf: url))
        guard file.generator == "scripts/generate_optim_fixtures.py" else { throw OptimFixtureError("unexpected generator \(file.generator)") }
        return file
    }
}

/// Fixture option names to hyperparameters (booleans as 0/1).
func hyperparameters(_ options: [String: JSON]) throws -> Hyperparameters {
    var result = Hyperparameters()
    for (key, value) in options {
        guard let v = value.double else { throw OptimFixtureError("option \(key) is not a number or flag") }
        result[Hyperparameter(rawValue: key)] = v
    }
    return result
}

/// The optimizer named `name` over `groups` with defaults read from `options` by each optimizer's `Options`.
func makeOptimizer(_ name: String, _ groups: [ParameterGroup], _ options: Hyperparameters) throws -> Optimizer {
    switch name {
    case "SGD": return SGD(groups, options: SGD.Options(options))
    case "Adam": return Adam(groups, options: Adam.Options(options))
    case "AdamW": return AdamW(groups, options: AdamW.Options(options))
    case "RMSprop": return RMSprop(groups, options: RMSprop.Options(options))
    case "Adagrad": return Adagrad(groups, options: Adagrad.Options(options))
    case "Adadelta": return Adadelta(groups, options: Adadelta.Options(options))
    case "Lion": return Lion(groups, options: Lion.Options(options))
    default: throw OptimFixtureError("unknown optimizer \(name)")
    }
}

/// Why `actual` differs from `expected` beyond |a - e| <= atol + rtol |e| (nil when close).
func mismatch(_ actual: [Double], _ expected: [Double], rtol: Double, atol: Double) -> String? {
    guard actual.count == expected.count else { return "\(actual.count) values, expected \(expected.count)" }
    var bad = 0, first: Int?, worst = 0.0
    for i in actual.indices {
        let diff = abs(actual[i] - expected[i])
        if !(diff <= atol + rtol * abs(expected[i])) {
            bad += 1
            worst = max(worst, diff)
            if first == nil { first = i }
        }
    }
    guard let i = first else { return nil }
    return "\(bad) of \(actual.count) values differ (worst |diff| \(worst)); first at \(i): \(actual[i]) vs expected \(expected[i])"
}

/// Asserts that `actual` has the fixture's shape and values within float32 tolerances (rtol 1e-5, atol 1e-6).
func assertClose(_ actual: Tensor, _ expected: FixtureTensor, rtol: Double = 1e-5, atol: Double = 1e-6,
                 _ message: @autoclosure () -> String, file: StaticString = #filePath, line: UInt = #line) {
    guard actual.shape == expected.shape else {
        XCTFail("\(message()): shape \(actual.shape), expected \(expected.shape)", file: file, line: line)
        return
    }
    if let problem = mismatch(actual.scalars, expected.data, rtol: rtol, atol: atol) {
        XCTFail("\(message()): \(problem)", file: file, line: line)
    }
}

/// The exact float32 values of a tensor (for bit-for-bit comparisons).
func floats(_ t: Tensor) -> [Float] { t.toArray(as: Float.self) }

/// A linear layer's parameters, enough for naming tests (no forward pass needed).
final class TinyAffine: Module {
    let weight: Parameter
    let bias: Parameter
    init(_ input: Int, _ output: Int, seed: UInt64) {
        weight = Parameter(Tensor.randn([output, input], seed: seed))
        bias = Parameter(Tensor.randn([output], seed: seed + 1))
    }
}

/// A two-layer module: parameters fc1.weight, fc1.bias, fc2.weight, fc2.bias.
final class TinyNet: Module {
    let fc1: TinyAffine
    let fc2: TinyAffine
    init(seed: UInt64 = 1) {
        fc1 = TinyAffine(4, 3, seed: seed)
        fc2 = TinyAffine(3, 2, seed: seed + 10)
    }
}

/// Deterministic gradients for every parameter of `model` at `step`.
func setGradients(_ parameters: [Parameter], step: Int) {
    for (i, p) in parameters.enumerated() {
        p.grad = Tensor.randn(p.shape, seed: UInt64(1000 + 37 * step + i))
    }
}
