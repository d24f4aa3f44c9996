import Foundation
import XCTest
import NablaTestSupport
import Nabla

// Decoding of the PyTorch golden fixtures in Tests/NablaTests/Fixtures/*.json (written by
// scripts/generate_fixtures.py; its header documents the format) and the comparison helpers the
// golden tests share.

// MARK: - Fixture model

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One TENSOR object: dtype, shape and the flat row-major data, kept exactly.
struct FixtureTensor {
    let dtype: DType
    let shape: [Int]
    /// Every element as a double (exact for all floats, and for integers up to 2^53).
    let doubles: [Double]
    /// Every element as an int64 (exact), for integer and bool dtypes; nil for floats.
    let int64s: [Int64]?

    init(_ json: JSONValue) throws {
        guard let name = json["dtype"]?.stringValue, let dtype = DType(name: name) else {
            throw FixtureError("TENSOR without a known dtype: \(String(describing: json["dtype"]))")
        }
        guard let shape = json["shape"]?.intArray, let data = json["data"]?.arrayValue else {
            throw FixtureError("TENSOR without shape or data")
        }
        guard data.count == shape.reduce(1, *) else {
            throw FixtureError("TENSOR of shape \(shape) holds \(data.count) elements")
        }
        self.dtype = dtype
        self.shape = shape
        if dtype == .bool {
            let bools = try data.map { v -> Bool in
                guard let b = v.boolValue else { throw FixtureError("bool TENSOR element \(v)") }
                return b
            }
            int64s = bools.map { $0 ? 1 : 0 }
            doubles = bools.map { $0 ? 1 : 0 }
        } else if dtype.isInteger {
            let ints = try data.map { v -> Int64 in
                guard let i = v.int64Value else { throw FixtureError("integer TENSOR element \(v) is not an int64 literal") }
                return i
            }
            int64s = ints
            doubles = ints.map { Double($0) }
        } else {
            int64s = nil
            doubles = try data.map { v -> Double in
                guard let d = v.doubleValue else { throw FixtureError("float TENSOR element \(v)") }
                return d
            }
        }
    }

    /// The tensor as a Nabla `Tensor` of the same dtype, built from the matching Swift scalar type.
    func makeTensor() throws -> Tensor {
        func narrow<T: FixedWidthInteger & TensorScalar>(_: T.Type) throws -> Tensor {
            let values = try int64s!.map { v -> T in
                guard let x = T(exactly: v) else { throw FixtureError("\(v) does not fit \(dtype)") }
                return x
            }
            return Tensor(shape: shape, scalars: values)
        }
        switch dtype {
        case .bool: return Tensor(shape: shape, scalars: int64s!.map { $0 != 0 })
        case .uint8: return try narrow(UInt8.self)
        case .int8: return try narrow(Int8.self)
        case .int32: return try narrow(Int32.self)
        case .int64: return Tensor(shape: shape, scalars: int64s!)
        case .float16: return Tensor(shape: shape, scalars: doubles.map { Float16($0) })
        case .bfloat16: return Tensor(shape: shape, scalars: doubles.map { BFloat16(Float($0)) })
        case .float32: return Tensor(shape: shape, scalars: doubles.map { Float($0) })
        case .float64: return Tensor(shape: shape, scalars: doubles)
        }
    }
}

/// One CASE of a fixture file.
struct FixtureCase {
    let name: String
    let op: String
    let attrs: [String: JSONValue]
    let inputs: [FixtureTensor]
    let gradInputs: [Int]
    let outputs: [FixtureTensor]
    let upstream: FixtureTensor?
    let grads: [FixtureTensor]

    init(_ json: JSONValue) throws {
        guard let name = json["name"]?.stringValue, let op = json["op"]?.stringValue else {
            throw FixtureError("case without name or op")
        }
        self.name = name
        self.op = op
        if case let .object(members)? = json["attrs"] { attrs = members } else { attrs = [:] }
        inputs = try (json["inputs"]?.arrayValue ?? []).map(FixtureTensor.init)
        gradInputs = json["grad_inputs"]?.intArray ?? []
        outputs = try (json["outputs"]?.arrayValue ?? []).map(FixtureTensor.init)
        if let up = json["upstream"], !up.isNull { upstream = try FixtureTensor(up) } else { upstream = nil }
        grads = try (json["grads"]?.arrayValue ?? []).map(FixtureTensor.init)
        guard grads.count == gradInputs.count else { throw FixtureError("\(name): \(grads.count) grads for \(gradInputs.count) grad_inputs") }
    }

    // Attribute accessors that throw on a missing or mistyped attribute (so a fixture change is loud).

    func attr(_ key: String) throws -> JSONValue {
        guard let v = attrs[key] else { throw FixtureError("\(name): missing attr \"\(key)\"") }
        return v
    }
    func int(_ key: String) throws -> Int {
        guard let v = try attr(key).intValue else { throw FixtureError("\(name): attr \"\(key)\" is not an int") }
        return v
    }
    func optionalInt(_ key: String) throws -> Int? {
        let v = try attr(key)
        if v.isNull { return nil }
        guard let i = v.intValue else { throw FixtureError("\(name): attr \"\(key)\" is not an int or null") }
        return i
    }
    func double(_ key: String) throws -> Double {
        guard let v = try attr(key).doubleValue else { throw FixtureError("\(name): attr \"\(key)\" is not a number") }
        return v
    }
    func optionalDouble(_ key: String) throws -> Double? {
        let v = try attr(key)
        if v.isNull { return nil }
        guard let d = v.doubleValue else { throw FixtureError("\(name): attr \"\(key)\" is not a number or null") }
        return d
    }
    func bool(_ key: String) throws -> Bool {
        guard let v = try attr(key).boolValue else { throw FixtureError("\(name): attr \"\(key)\" is not a bool") }
        return v
    }
    func string(_ key: String) throws -> String {
        guard let v = try attr(key).stringValue else { throw FixtureError("\(name): attr \"\(key)\" is not a string") }
        return v
    }
    func ints(_ key: String) throws -> [Int] {
        guard let v = try attr(key).intArray else { throw FixtureError("\(name): attr \"\(key)\" is not a list of ints") }
        return v
    }
    /// A list of ints, or nil for JSON null (reduction "axes").
    func optionalInts(_ key: String) throws -> [Int]? {
        let v = try attr(key)
        if v.isNull { return nil }
        guard let list = v.intArray else { throw FixtureError("\(name): attr \"\(key)\" is not a list of ints or null") }
        return list
    }
    /// PyTorch's "int or pair" attributes (stride, padding, kernel_size, …).
    func pair(_ key: String) throws -> (Int, Int) {
        let v = try attr(key)
        if let i = v.intValue { return (i, i) }
        if let list = v.intArray, list.count == 2 { return (list[0], list[1]) }
        if let list = v.intArray, list.count == 1 { return (list[0], list[0]) }
        throw FixtureError("\(name): attr \"\(key)\" is neither an int nor a pair")
    }
    /// The input_transform attr: (input index, (d0, d1)), if present.
    func transpose() throws -> (index: Int, dims: (Int, Int))? {
        guard let t = attrs["input_transform"] else { return nil }
        guard let spec = t["transpose_input"]?.arrayValue, spec.count == 2, let i = spec[0].intValue,
              let dims = spec[1].intArray, dims.count == 2 else {
            throw FixtureError("\(name): unsupported input_transform \(t)")
        }
        return (i, (dims[0], dims[1]))
    }
    /// The per-piece upstreams of split/chunk cases.
    func upstreams() throws -> [FixtureTensor] {
        guard let list = try attr("upstreams").arrayValue else { throw FixtureError("\(name): upstreams is not a list") }
        return try list.map(FixtureTensor.init)
    }
}

/// The committed fixture files.
enum Fixtures {
    /// The directory of fixture files inside the test bundle.
    static func directory() throws -> URL {
        guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            throw FixtureError("Fixtures directory missing from the test bundle")
        }
        return url
    }

    /// All cases of `family` ("elementwise", "reduction", …).
    static func load(_ family: String) throws -> [FixtureCase] {
        let url = try directory().appendingPathComponent("\(family).json")
        let root = try JSONReader.parse(try Data(contentsOf: url))
        guard root["generator"]?.stringValue == "scripts/generate_fixtures.py", let cases = root["cases"]?.arrayValue else {
            throw FixtureError("\(family).json is not a generate_fixtures.py fixture file")
        }
        return try cases.map(FixtureCase.init)
    }
}

// MARK: - Comparison

/// Relative and absolute tolerance: |actual - expected| <= atol + rtol * |expected|.
struct Tolerance: CustomStringConvertible {
    var rtol: Double
    var atol: Double

    static let exact = Tolerance(rtol: 0, atol: 0)

    /// The defaults per dtype: float32 1e-5/1e-6, float64 1e-10, float16 1e-3, bfloat16 1e-2, integers and bool exact.
    static func standard(_ dtype: DType) -> Tolerance {
        switch dtype {
        case .float32: return Tolerance(rtol: 1e-5, atol: 1e-6)
        case .float64: return Tolerance(rtol: 1e-10, atol: 1e-10)
        case .float16: return Tolerance(rtol: 1e-3, atol: 1e-3)
        case .bfloat16: return Tolerance(rtol: 1e-2, atol: 1e-2)
        default: return .exact
        }
    }

    /// Transcendental kernels (exp, log, erf, tanh, …): float32 absolute tolerance 1e-5.
    static func transcendental(_ dtype: DType) -> Tolerance {
        dtype == .float32 ? Tolerance(rtol: 1e-5, atol: 1e-5) : standard(dtype)
    }

    var description: String { "rtol \(rtol), atol \(atol)" }
}

/// Why `actual` differs from the fixture tensor (nil when they agree): shape, dtype and values, with
/// NaN equal to NaN and infinities equal only to the same infinity. Integers and bools compare exactly.
func mismatch(_ actual: Tensor, _ expected: FixtureTensor, _ tolerance: Tolerance) -> String? {
    if actual.shape != expected.shape { return "shape \(actual.shape), expected \(expected.shape)" }
    if actual.dtype != expected.dtype { return "dtype \(actual.dtype), expected \(expected.dtype)" }
    if let ints = expected.int64s {
        let got = actual.toArray(as: Int64.self)
        for i in got.indices where got[i] != ints[i] {
            let bad = got.indices.filter { got[$0] != ints[$0] }.count
            return "\(bad) of \(got.count) elements differ; first at flat index \(i): \(got[i]) vs expected \(ints[i])"
        }
        return nil
    }
    return mismatch(actual.scalars, expected.doubles, tolerance)
}

/// Elementwise comparison of two double arrays (see `mismatch(_:_:_:)`).
func mismatch(_ got: [Double], _ want: [Double], _ tolerance: Tolerance) -> String? {
    guard got.count == want.count else { return "\(got.count) elements, expected \(want.count)" }
    var firstBad: Int?
    var bad = 0
    var worst = 0.0
    for i in got.indices {
        let a = got[i], e = want[i]
        let ok: Bool
        if e.isNaN { ok = a.isNaN } else if e.isInfinite || a.isInfinite || a.isNaN { ok = a == e } else {
            let diff = Swift.abs(a - e)
            ok = diff <= tolerance.atol + tolerance.rtol * Swift.abs(e)
            if !ok { worst = Swift.max(worst, diff) }
        }
        if !ok {
            bad += 1
            if firstBad == nil { firstBad = i }
        }
    }
    guard let i = firstBad else { return nil }
    return "\(bad) of \(got.count) elements differ (\(tolerance), worst |diff| \(worst)); first at flat index \(i): \(got[i]) vs expected \(want[i])"
}

/// Asserts that `actual` matches the fixture tensor in shape, dtype and values.
func assertClose(_ actual: Tensor, _ expected: FixtureTensor, rtol: Double, atol: Double, _ message: @autoclosure () -> String = "",
                 file: StaticString = #filePath, line: UInt = #line) {
    if let problem = mismatch(actual, expected, Tolerance(rtol: rtol, atol: atol)) {
        XCTFail("\(message()): \(problem)", file: file, line: line)
    }
}

/// Asserts that `actual` matches the fixture tensor with the standard tolerance of its dtype.
func assertClose(_ actual: Tensor, _ expected: FixtureTensor, _ message: @autoclosure () -> String = "",
                 file: StaticString = #filePath, line: UInt = #line) {
    let t = Tolerance.standard(expected.dtype)
    assertClose(actual, expected, rtol: t.rtol, atol: t.atol, message(), file: file, line: line)
}

/// Asserts that two tensors hold the same shape and close values (doubles).
func assertClose(_ actual: Tensor, _ expected: Tensor, rtol: Double, atol: Double, _ message: @autoclosure () -> String = "",
                 file: StaticString = #filePath, line: UInt = #line) {
    guard actual.shape == expected.shape else {
        XCTFail("\(message()): shape \(actual.shape), expected \(expected.shape)", file: file, line: line)
        return
    }
    if let problem = mismatch(actual.scalars, expected.scalars, Tolerance(rtol: rtol, atol: atol)) {
        XCTFail("\(message()): \(problem)", file: file, line: line)
    }
}

// MARK: - The golden-case runner

/// An op name a golden test does not map: a failure, so new fixture cases are never skipped silently.
struct UnknownOp: Error, CustomStringConvertible {
    let op: String
    var description: String { "unknown op \"\(op)\": add it to the golden test's mapping" }
}

/// Runs every case of a fixture family: forward outputs, then (for cases with grad_inputs)
/// gradients of sum(outputs[0] * upstream) (split/chunk: the sum over pieces) with respect to the
/// marked inputs, compared with the fixture.
///
/// - `forward` maps the case's op and attrs to the Nabla call on the given arguments (inputs with
///   the input_transform already applied) and returns the outputs in the fixture's order.
/// - `tolerance` chooses the tolerance for an output (or gradient) of a case.
/// - `knownFailures` names cases that expose a Nabla bug (each must say why at its definition);
///   they are reported and skipped, and an entry that no longer names a case fails the test.
struct GoldenRunner {
    let family: String
    var knownFailures: Set<String> = []
    var tolerance: (FixtureCase, DType) -> Tolerance = { _, dtype in .standard(dtype) }
    /// Tolerance of gradients (defaults to `tolerance`).
    var gradientTolerance: ((FixtureCase, DType) -> Tolerance)?

    /// Returns (cases run, cases passed).
    @discardableResult
    func run(file: StaticString = #filePath, line: UInt = #line, _ forward: (FixtureCase, [Tensor]) throws -> [Tensor]) -> (run: Int, passed: Int) {
        let cases: [FixtureCase]
        do { cases = try Fixtures.load(family) } catch {
            XCTFail("\(family): cannot load fixtures: \(error)", file: file, line: line)
            return (0, 0)
        }
        XCTAssertFalse(cases.isEmpty, "\(family): no cases", file: file, line: line)
        let names = Set(cases.map(\.name))
        for stale in knownFailures.subtracting(names) {
            XCTFail("\(family): knownFailures lists \"\(stale)\", which is not a fixture case", file: file, line: line)
        }
        var passed = 0, run = 0
        for c in cases {
            if knownFailures.contains(c.name) {
                print("[golden] \(family): KNOWN FAILURE skipped: \(c.name)")
                continue
            }
            run += 1
            let problems = check(c, forward)
            if problems.isEmpty {
                passed += 1
            } else {
                for p in problems { XCTFail("\(family)/\(c.name) [\(c.op)]: \(p)", file: file, line: line) }
            }
        }
        print("[golden] \(family): \(cases.count) cases, \(run) run, \(passed) passed, \(knownFailures.count) known failures")
        return (run, passed)
    }

    /// The problems of one case (empty when it passes).
    private func check(_ c: FixtureCase, _ forward: (FixtureCase, [Tensor]) throws -> [Tensor]) -> [String] {
        var problems: [String] = []
        do {
            var inputs = try c.inputs.map { try $0.makeTensor() }
            for i in c.gradInputs { inputs[i] = inputs[i].requiringGrad() }
            var args = inputs
            if let (i, (d0, d1)) = try c.transpose() { args[i] = args[i].transposed(d0, d1) }
            let outputs = try forward(c, args)
            guard outputs.count == c.outputs.count else {
                return ["\(outputs.count) outputs, expected \(c.outputs.count)"]
            }
            for (k, (got, want)) in zip(outputs, c.outputs).enumerated() {
                if let p = mismatch(got, want, tolerance(c, want.dtype)) { problems.append("output \(k): \(p)") }
            }
            guard !c.gradInputs.isEmpty, problems.isEmpty else { return problems }

            if c.attrs["upstreams"] != nil {
                let ups = try c.upstreams().map { try $0.makeTensor() }
                guard ups.count == outputs.count else { return ["\(ups.count) upstreams for \(outputs.count) outputs"] }
                var loss = (outputs[0] * ups[0]).sum()
                for k in 1..<outputs.count { loss = loss + (outputs[k] * ups[k]).sum() }
                loss.backward()
            } else {
                guard let upstream = try c.upstream?.makeTensor() else { return ["grad_inputs without an upstream"] }
                guard outputs[0].requiresGrad else { return ["output 0 does not require a gradient"] }
                (outputs[0] * upstream).sum().backward()
            }
            let gradTolerance = gradientTolerance ?? tolerance
            for (j, i) in c.gradInputs.enumerated() {
                guard let g = inputs[i].grad else {
                    problems.append("input \(i) received no gradient")
                    continue
                }
                if let p = mismatch(g, c.grads[j], gradTolerance(c, c.grads[j].dtype)) { problems.append("grad of input \(i): \(p)") }
            }
        } catch {
            problems.append("\(error)")
        }
        return problems
    }
}
