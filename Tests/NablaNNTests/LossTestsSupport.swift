import Foundation
import XCTest
import NablaTestSupport
import Nabla
import NablaNN

// Decoding of Tests/NablaNNTests/Fixtures/losses.json (written by scripts/generate_loss_fixtures.py,
// whose header documents the format), the comparison helper and the float64 finite-difference
// gradient checker the loss tests share. Every name here starts with `Loss` so it cannot collide with
// other test files of the NablaNNTests target.

struct LossFixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

// MARK: - Fixture model

/// One element of a TENSOR's data: a JSON number, or "nan" / "inf" / "-inf".
private struct LossFixtureScalar: Decodable {
    let value: Double

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) {
            value = number
            return
        }
        let text = try container.decode(String.self)
        switch text {
        case "nan": value = .nan
        case "inf": value = .infinity
        case "-inf": value = -.infinity
        default: throw LossFixtureError("tensor element \"\(text)\" is neither a number nor nan/inf/-inf")
        }
    }
}

/// A TENSOR object: dtype, shape and the flat row-major data.
struct LossFixtureTensor: Decodable {
    let dtype: DType
    let shape: [Int]
    /// Every element as a double (exact for float32/float64 data and for the small integers used).
    let values: [Double]

    private enum CodingKeys: String, CodingKey { case dtype, shape, data }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let name = try container.decode(String.self, forKey: .dtype)
        guard let dtype = DType(name: name) else { throw LossFixtureError("unknown dtype \"\(name)\"") }
        self.dtype = dtype
        shape = try container.decode([Int].self, forKey: .shape)
        values = try container.decode([LossFixtureScalar].self, forKey: .data).map(\.value)
        guard values.count == shape.reduce(1, *) else {
            throw LossFixtureError("a tensor of shape \(shape) holds \(values.count) elements")
        }
        if !dtype.isFloatingPoint, let bad = values.first(where: { $0 != $0.rounded() || !$0.isFinite }) {
            throw LossFixtureError("\(dtype) tensor holds the non-integer \(bad)")
        }
    }

    /// The tensor with the fixture's dtype.
    func makeTensor() throws -> Tensor {
        switch dtype {
        case .float32: return Tensor(shape: shape, scalars: values.map { Float($0) })
        case .float64: return Tensor(shape: shape, scalars: values)
        case .int64: return Tensor(shape: shape, scalars: values.map { Int64($0) })
        case .int32: return Tensor(shape: shape, scalars: values.map { Int32($0) })
        case .uint8: return Tensor(shape: shape, scalars: values.map { UInt8($0) })
        default: throw LossFixtureError("dtype \(dtype) is not used by the loss fixtures")
        }
    }
}

/// A non-tensor argument: a string, a number or a bool.
enum LossFixtureAttribute: Decodable, CustomStringConvertible {
    case bool(Bool)
    case number(Double)
    case string(String)

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let b = try? container.decode(Bool.self) { self = .bool(b) }
        else if let d = try? container.decode(Double.self) { self = .number(d) }
        else { self = .string(try container.decode(String.self)) }
    }

    var description: String {
        switch self {
        case let .bool(b): return "\(b)"
        case let .number(d): return "\(d)"
        case let .string(s): return "\"\(s)\""
        }
    }
}

/// One CASE: a loss, its inputs by role, its attributes, the expected output and gradients.
struct LossFixtureCase: Decodable {
    let name: String
    let loss: String
    let attrs: [String: LossFixtureAttribute]
    let inputs: [String: LossFixtureTensor]
    let output: LossFixtureTensor
    let upstream: LossFixtureTensor?
    let grads: [String: LossFixtureTensor]

    func attribute(_ key: String) throws -> LossFixtureAttribute {
        guard let value = attrs[key] else { throw LossFixtureError("missing attr \"\(key)\"") }
        return value
    }
    func double(_ key: String) throws -> Double {
        guard case let .number(d) = try attribute(key) else { throw LossFixtureError("attr \"\(key)\" is not a number") }
        return d
    }
    func int(_ key: String) throws -> Int {
        let d = try double(key)
        guard let i = Int(exactly: d) else { throw LossFixtureError("attr \"\(key)\" = \(d) is not an integer") }
        return i
    }
    func bool(_ key: String) throws -> Bool {
        guard case let .bool(b) = try attribute(key) else { throw LossFixtureError("attr \"\(key)\" is not a bool") }
        return b
    }
    func string(_ key: String) throws -> String {
        guard case let .string(s) = try attribute(key) else { throw LossFixtureError("attr \"\(key)\" is not a string") }
        return s
    }
    /// The "reduction" attr as a `Reduction` (throws for "batchmean" and unknown names).
    func reduction() throws -> Reduction {
        let name = try string("reduction")
        guard let r = Reduction(rawValue: name) else { throw LossFixtureError("reduction \"\(name)\" is not a Reduction") }
        return r
    }
    /// The "reduction" attr as a `KLDivReduction`.
    func klReduction() throws -> KLDivReduction {
        let name = try string("reduction")
        guard let r = KLDivReduction(rawValue: name) else { throw LossFixtureError("reduction \"\(name)\" is not a KLDivReduction") }
        return r
    }
}

/// The whole fixture file.
struct LossFixtureFile: Decodable {
    let generator: String
    let torchVersion: String
    let cases: [LossFixtureCase]

    private enum CodingKeys: String, CodingKey {
        case generator, cases
        case torchVersion = "torch_version"
    }

    /// Loads losses.json from the test bundle's Fixtures directory.
    static func load() throws -> LossFixtureFile {
        guard let directory = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            throw LossFixtureError("the Fixtures directory is missing from the test bundle")
        }
        let data = try Data(contentsOf: directory.appendingPathComponent("losses.json"))
        return try JSONDecoder().decode(LossFixtureFile.self, from: data)
    }
}

/// The inputs of a case by role, remembering which roles the loss read, so that a fixture input
/// the Swift call ignores (a misspelt or forgotten "weight") fails the test.
final class LossFixtureInputs {
    private let tensors: [String: Tensor]
    private(set) var used: Set<String> = []

    init(_ tensors: [String: Tensor]) { self.tensors = tensors }

    func required(_ role: String) throws -> Tensor {
        guard let t = tensors[role] else { throw LossFixtureError("missing input \"\(role)\"") }
        used.insert(role)
        return t
    }

    func optional(_ role: String) -> Tensor? {
        used.insert(role)
        return tensors[role]
    }

    var unused: [String] { tensors.keys.filter { !used.contains($0) }.sorted() }
}

// MARK: - Comparison

/// Why `got` differs from `want` (nil when every element satisfies |got - want| <= atol + rtol·|want|;
/// NaN matches only NaN, an infinity only the same infinity).
func lossMismatch(_ got: [Double], _ want: [Double], rtol: Double, atol: Double) -> String? {
    guard got.count == want.count else { return "\(got.count) elements, expected \(want.count)" }
    var bad = 0, first: Int?
    for i in got.indices {
        let a = got[i], e = want[i]
        let ok: Bool
        if e.isNaN || a.isNaN { ok = e.isNaN && a.isNaN }
        else if e.isInfinite || a.isInfinite { ok = a == e }
        else { ok = Swift.abs(a - e) <= atol + rtol * Swift.abs(e) }
        if !ok { bad += 1; if first == nil { first = i } }
    }
    guard let i = first else { return nil }
    return "\(bad) of \(got.count) elements differ (rtol \(rtol), atol \(atol)); first at flat index \(i): \(got[i]) vs expected \(want[i])"
}

/// Why `actual` differs from the fixture tensor in shape, dtype or values (nil when it matches).
func lossMismatch(_ actual: Tensor, _ expected: LossFixtureTensor, rtol: Double = 1e-5, atol: Double = 1e-6) -> String? {
    if actual.shape != expected.shape { return "shape \(actual.shape), expected \(expected.shape)" }
    if actual.dtype != expected.dtype { return "dtype \(actual.dtype), expected \(expected.dtype)" }
    return lossMismatch(actual.scalars, expected.values, rtol: rtol, atol: atol)
}

// MARK: - Finite differences

/// Compares autograd with central finite differences in float64 for the float64 entries of `inputs`
/// listed in `wrt` (the others, such as integer targets, are passed through unchanged) and returns
/// the disagreements. A non-scalar output is scalarised as `sum(f(x) · u)` with a fixed random `u`.
func lossGradientProblems(_ inputs: [Tensor], wrt: [Int], eps: Double = 1e-6, rtol: Double = 1e-5, atol: Double = 1e-7,
                          _ f: ([Tensor]) -> Tensor) -> [String] {
    for i in wrt where inputs[i].dtype != .float64 { return ["input \(i) is \(inputs[i].dtype); gradient checks run in float64"] }
    var leaves = inputs
    for i in wrt { leaves[i] = inputs[i].requiringGrad() }
    let y = f(leaves)
    guard y.requiresGrad else { return ["the output does not require a gradient (nothing was recorded)"] }
    guard y.dtype == .float64 else { return ["output dtype \(y.dtype)"] }
    let upstream = y.rank == 0 ? Tensor(1.0) : Tensor.randn(y.shape, seed: 9001, dtype: .float64)
    let analytic = gradients(of: (y * upstream).sum(), wrt: wrt.map { leaves[$0] })
    func value(_ xs: [Tensor]) -> Double { (f(xs) * upstream).sum().item() }

    var problems: [String] = []
    for (k, i) in wrt.enumerated() {
        let x = inputs[i], g = analytic[k]
        guard g.shape == x.shape else { problems.append("gradient of input \(i) has shape \(g.shape), expected \(x.shape)"); continue }
        let numeric = centralDifferences(of: value, inputs: inputs, index: i, eps: eps)
        if let problem = lossMismatch(g.scalars, numeric, rtol: rtol, atol: atol) {
            problems.append("gradient of input \(i) (autograd vs finite differences): \(problem)")
        }
    }
    return problems
}

/// Asserts that autograd agrees with central finite differences (see `lossGradientProblems`).
func checkLossGradients(_ name: String, _ inputs: [Tensor], wrt: [Int], rtol: Double = 1e-5, atol: Double = 1e-7,
                        file: StaticString = #filePath, line: UInt = #line, _ f: ([Tensor]) -> Tensor) {
    for problem in lossGradientProblems(inputs, wrt: wrt, rtol: rtol, atol: atol, f) {
        XCTFail("\(name): \(problem)", file: file, line: line)
    }
}

/// Deterministic float64 test data for the gradient checks.
enum LossData {
    static func normal(_ shape: [Int], seed: UInt64, scale: Double = 1) -> Tensor {
        Tensor.randn(shape, seed: seed, dtype: .float64) * scale
    }

    static func uniform(_ shape: [Int], seed: UInt64, _ low: Double, _ high: Double) -> Tensor {
        Tensor.rand(shape, low: low, high: high, dtype: .float64, generator: Generator(seed: seed))
    }

    /// Rows of a probability distribution along `axis`.
    static func probabilities(_ shape: [Int], seed: UInt64, axis: Int = 1) -> Tensor {
        softmax(normal(shape, seed: seed), axis: axis).detached()
    }

    /// Class indices in 0..<classes, as int64.
    static func classes(_ shape: [Int], _ classes: Int, seed: UInt64) -> Tensor {
        Tensor.randint(0, classes, shape, generator: Generator(seed: seed))
    }

    /// ±1 labels (float64).
    static func signs(_ shape: [Int], seed: UInt64) -> Tensor {
        Tensor.where(uniform(shape, seed: seed, 0, 1) .< 0.5, Tensor(-1.0), Tensor(1.0))
    }

    /// (prediction, target) pairs whose |difference| lies in [0.05, 3) away from `kinks` by 0.02.
    static func spreadPairs(_ shape: [Int], seed: UInt64, kinks: [Double]) -> (Tensor, Tensor) {
        let target = normal(shape, seed: seed)
        let magnitudes = uniform(shape, seed: seed &+ 1, 0.05, 3).scalars.map { m in
            kinks.contains(where: { Swift.abs(m - $0) < 0.02 }) ? m + 0.05 : m
        }
        let signs = signs(shape, seed: seed &+ 2).scalars
        let input = zip(target.scalars, zip(magnitudes, signs)).map { t, ms in t + ms.0 * ms.1 }
        return (Tensor(shape: shape, scalars: input), target)
    }
}
