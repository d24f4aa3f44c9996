import Foundation
import XCTest
import NablaTestSupport
import Nabla
import NablaNN

// Decoding of Tests/NablaNNTests/Fixtures/layers.json (written by scripts/generate_nn_fixtures.py,
// whose header documents the format), comparison helpers and a float64 finite-difference checker.

struct LayerFixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One TENSOR object.
struct LayerFixtureTensor {
    let dtype: DType
    let shape: [Int]
    let values: [Double]

    init(_ json: JSONValue) throws {
        guard let name = json["dtype"]?.stringValue, let dtype = DType(name: name), let shape = json["shape"]?.intArray,
              let data = json["data"]?.arrayValue, data.count == shape.reduce(1, *) else {
            throw LayerFixtureError("malformed TENSOR")
        }
        self.dtype = dtype
        self.shape = shape
        values = try data.map { v in
            guard let d = v.doubleValue else { throw LayerFixtureError("TENSOR element \(v) is not a number") }
            return d
        }
    }

    /// The Nabla tensor (int64 elements are exact up to 2^53, far beyond the fixtures' indices).
    var tensor: Tensor {
        switch dtype {
        case .int64: return Tensor(shape: shape, scalars: values.map { Int64($0) })
        case .float64: return Tensor(shape: shape, scalars: values)
        default: return Tensor(shape: shape, scalars: values.map { Float($0) }).cast(to: dtype)
        }
    }
}

/// A list of [key, TENSOR] pairs.
private func namedTensors(_ json: JSONValue?) throws -> [(String, LayerFixtureTensor)] {
    try (json?.arrayValue ?? []).map { pair in
        guard let items = pair.arrayValue, items.count == 2, let key = items[0].stringValue else {
            throw LayerFixtureError("expected [key, TENSOR]")
        }
        return (key, try LayerFixtureTensor(items[1]))
    }
}

/// One layer CASE.
struct LayerCase {
    let name: String
    let layer: String
    let attrs: [String: JSONValue]
    let training: Bool
    let state: [(String, LayerFixtureTensor)]
    let inputs: [LayerFixtureTensor]
    let output: LayerFixtureTensor
    let upstream: LayerFixtureTensor?
    let inputGrads: [LayerFixtureTensor?]
    let parameterGrads: [(String, LayerFixtureTensor)]
    let stateAfter: [(String, LayerFixtureTensor)]

    init(_ json: JSONValue) throws {
        guard let name = json["name"]?.stringValue, let layer = json["layer"]?.stringValue, let training = json["training"]?.boolValue,
              let output = json["output"] else { throw LayerFixtureError("case without name, layer, training or output") }
        (self.name, self.layer, self.training) = (name, layer, training)
        if case let .object(members)? = json["attrs"] { attrs = members } else { attrs = [:] }
        state = try namedTensors(json["state"])
        inputs = try (json["inputs"]?.arrayValue ?? []).map(LayerFixtureTensor.init)
        self.output = try LayerFixtureTensor(output)
        if let up = json["upstream"], !up.isNull { upstream = try LayerFixtureTensor(up) } else { upstream = nil }
        inputGrads = try (json["input_grads"]?.arrayValue ?? []).map { $0.isNull ? nil : try LayerFixtureTensor($0) }
        parameterGrads = try namedTensors(json["param_grads"])
        stateAfter = try namedTensors(json["state_after"])
    }

    // Attribute accessors in PyTorch's argument names; a missing attribute takes `default`.

    func int(_ key: String, default value: Int? = nil) throws -> Int {
        guard let v = attrs[key] else {
            if let value { return value }
            throw LayerFixtureError("\(name): missing attr \(key)")
        }
        guard let i = v.intValue else { throw LayerFixtureError("\(name): attr \(key) is not an int") }
        return i
    }
    func double(_ key: String, default value: Double) throws -> Double {
        guard let v = attrs[key] else { return value }
        guard let d = v.doubleValue else { throw LayerFixtureError("\(name): attr \(key) is not a number") }
        return d
    }
    /// A number, JSON null (nil), or `default` when absent.
    func optionalDouble(_ key: String, default value: Double?) throws -> Double? {
        guard let v = attrs[key] else { return value }
        if v.isNull { return nil }
        guard let d = v.doubleValue else { throw LayerFixtureError("\(name): attr \(key) is not a number or null") }
        return d
    }
    func bool(_ key: String, default value: Bool) throws -> Bool {
        guard let v = attrs[key] else { return value }
        guard let b = v.boolValue else { throw LayerFixtureError("\(name): attr \(key) is not a bool") }
        return b
    }
    func string(_ key: String, default value: String) throws -> String {
        guard let v = attrs[key] else { return value }
        guard let s = v.stringValue else { throw LayerFixtureError("\(name): attr \(key) is not a string") }
        return s
    }
    func ints(_ key: String) throws -> [Int] {
        guard let v = attrs[key]?.intArray else { throw LayerFixtureError("\(name): attr \(key) is not a list of ints") }
        return v
    }
    /// PyTorch's "int or pair" argument.
    func pair(_ key: String, default value: (Int, Int)? = nil) throws -> (Int, Int) {
        guard let v = attrs[key] else {
            if let value { return value }
            throw LayerFixtureError("\(name): missing attr \(key)")
        }
        if let i = v.intValue { return (i, i) }
        if let list = v.intArray, list.count == 2 { return (list[0], list[1]) }
        throw LayerFixtureError("\(name): attr \(key) is neither an int nor a pair")
    }
}

/// A module tree described by PyTorch (names and counts).
struct LayerModelFixture {
    let name: String
    let parameterNames: [String]
    let stateKeys: [String]
    let parameterCount: Int
    let trainableCount: Int
}

/// The whole layers.json file.
struct LayerFixtures {
    let cases: [LayerCase]
    let models: [String: LayerModelFixture]
    let fans: [(shape: [Int], fanIn: Int, fanOut: Int)]
    let gains: [(nonlinearity: String, param: Double?, gain: Double)]

    /// Loaded once per process.
    nonisolated(unsafe) private static var cached: LayerFixtures?

    static func load() throws -> LayerFixtures {
        if let cached { return cached }
        guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)?.appendingPathComponent("layers.json") else {
            throw LayerFixtureError("Fixtures directory missing from the test bundle")
        }
        let root = try JSONReader.parse(try Data(contentsOf: url))
        guard root["generator"]?.stringValue == "scripts/generate_nn_fixtures.py" else {
            throw LayerFixtureError("layers.json is not a generate_nn_fixtures.py fixture")
        }
        let cases = try (root["cases"]?.arrayValue ?? []).map(LayerCase.init)
        var models: [String: LayerModelFixture] = [:]
        for m in root["models"]?.arrayValue ?? [] {
            guard let name = m["name"]?.stringValue, let names = m["parameter_names"]?.arrayValue?.compactMap(\.stringValue),
                  let keys = m["state_keys"]?.arrayValue?.compactMap(\.stringValue), let count = m["parameter_count"]?.intValue,
                  let trainable = m["trainable_count"]?.intValue else { throw LayerFixtureError("malformed MODEL") }
            models[name] = LayerModelFixture(name: name, parameterNames: names, stateKeys: keys, parameterCount: count, trainableCount: trainable)
        }
        let fans = try (root["fans"]?.arrayValue ?? []).map { f -> (shape: [Int], fanIn: Int, fanOut: Int) in
            guard let shape = f["shape"]?.intArray, let i = f["fan_in"]?.intValue, let o = f["fan_out"]?.intValue else {
                throw LayerFixtureError("malformed FAN")
            }
            return (shape, i, o)
        }
        let gains = try (root["gains"]?.arrayValue ?? []).map { g -> (nonlinearity: String, param: Double?, gain: Double) in
            guard let n = g["nonlinearity"]?.stringValue, let gain = g["gain"]?.doubleValue else { throw LayerFixtureError("malformed GAIN") }
            return (n, g["param"]?.doubleValue, gain)
        }
        let fixtures = LayerFixtures(cases: cases, models: models, fans: fans, gains: gains)
        cached = fixtures
        return fixtures
    }
}

// MARK: - Comparison

/// Why `got` differs from `want` (nil when |got - want| <= atol + rtol·|want| everywhere).
func layerMismatch(_ got: [Double], _ want: [Double], rtol: Double, atol: Double) -> String? {
    guard got.count == want.count else { return "\(got.count) elements, expected \(want.count)" }
    var bad = 0, first = -1, worst = 0.0
    for i in got.indices {
        let diff = Swift.abs(got[i] - want[i])
        if !(diff <= atol + rtol * Swift.abs(want[i])) {
            bad += 1
            if first < 0 { first = i }
            worst = Swift.max(worst, diff.isNaN ? .infinity : diff)
        }
    }
    guard first >= 0 else { return nil }
    return "\(bad) of \(got.count) elements differ (rtol \(rtol), atol \(atol), worst |diff| \(worst)); "
        + "first at flat index \(first): \(got[first]) vs expected \(want[first])"
}

/// Asserts shape, dtype and values of `actual` against a fixture tensor.
func assertLayerClose(_ actual: Tensor, _ expected: LayerFixtureTensor, rtol: Double = 1e-5, atol: Double = 1e-5,
                      _ message: @autoclosure () -> String, file: StaticString = #filePath, line: UInt = #line) {
    guard actual.shape == expected.shape else {
        return XCTFail("\(message()): shape \(actual.shape), expected \(expected.shape)", file: file, line: line)
    }
    guard actual.dtype == expected.dtype else {
        return XCTFail("\(message()): dtype \(actual.dtype), expected \(expected.dtype)", file: file, line: line)
    }
    if let problem = layerMismatch(actual.scalars, expected.values, rtol: rtol, atol: atol) {
        XCTFail("\(message()): \(problem)", file: file, line: line)
    }
}

// MARK: - Finite differences

/// Compares autograd with central finite differences in float64: `f` is scalarised as
/// `sum(f(xs) · u)` with a fixed random `u`; the inputs listed in `wrt` are perturbed by ±eps.
func layerGradientProblems(_ inputs: [Tensor], wrt: [Int]? = nil, eps: Double = 1e-6, rtol: Double = 1e-5, atol: Double = 1e-7,
                           _ f: ([Tensor]) -> Tensor) -> [String] {
    let checked = wrt ?? Array(inputs.indices)
    for i in checked where inputs[i].dtype != .float64 { return ["input \(i) is \(inputs[i].dtype); gradient checks run in float64"] }
    let leaves = inputs.enumerated().map { i, x in checked.contains(i) ? x.requiringGrad() : x }
    let y = f(leaves)
    guard y.requiresGrad, y.dtype == .float64 else { return ["the output (\(y.dtype)) does not require a gradient"] }
    let upstream = Tensor.randn(y.shape, seed: 9001, dtype: .float64)
    let analytic = gradients(of: (y * upstream).sum(), wrt: checked.map { leaves[$0] })
    func loss(_ xs: [Tensor]) -> Double { withNoGrad { (f(xs) * upstream).sum().item() } }
    var problems: [String] = []
    for (slot, i) in checked.enumerated() {
        let x = inputs[i]
        let numeric = centralDifferences(of: loss, inputs: inputs, index: i, eps: eps)
        if let problem = layerMismatch(analytic[slot].scalars, numeric, rtol: rtol, atol: atol) {
            problems.append("gradient of input \(i): \(problem)")
        }
    }
    return problems
}

/// Asserts that autograd agrees with finite differences (see `layerGradientProblems`).
func checkLayerGradients(_ name: String, _ inputs: [Tensor], wrt: [Int]? = nil, rtol: Double = 1e-5, atol: Double = 1e-7,
                         file: StaticString = #filePath, line: UInt = #line, _ f: ([Tensor]) -> Tensor) {
    for problem in layerGradientProblems(inputs, wrt: wrt, rtol: rtol, atol: atol, f) {
        XCTFail("\(name): \(problem)", file: file, line: line)
    }
}
