import Foundation
import XCTest
import NablaTestSupport
import Nabla
import NablaNN

// The reader of Tests/NablaNNTests/Fixtures/attention.json (written by
// scripts/generate_attention_fixtures.py, whose header documents the format), shared by
// AttentionTests, TransformerDecoderTests, PositionalEmbeddingTests and KeyValueCacheTests.

/// One CASE of attention.json.
struct SequenceFixtureCase {
    let name: String
    let kind: String
    let attrs: [String: JSONValue]
    let training: Bool
    let state: [(String, LayerFixtureTensor)]
    let inputs: [String: LayerFixtureTensor]
    let output: LayerFixtureTensor
    let upstream: LayerFixtureTensor
    /// MultiheadAttention's attention weights, when the case recorded them.
    let weights: LayerFixtureTensor?
    let inputGrads: [String: LayerFixtureTensor]
    let parameterGrads: [(String, LayerFixtureTensor)]

    init(_ json: JSONValue) throws {
        guard let name = json["name"]?.stringValue, let kind = json["kind"]?.stringValue, let training = json["training"]?.boolValue,
              let output = json["output"], let upstream = json["upstream"], case let .object(attrs)? = json["attrs"],
              case let .object(inputs)? = json["inputs"], case let .object(grads)? = json["input_grads"] else {
            throw LayerFixtureError("malformed attention CASE")
        }
        (self.name, self.kind, self.attrs, self.training) = (name, kind, attrs, training)
        func pairs(_ v: JSONValue?) throws -> [(String, LayerFixtureTensor)] {
            try (v?.arrayValue ?? []).map { pair in
                guard let items = pair.arrayValue, items.count == 2, let key = items[0].stringValue else { throw LayerFixtureError("expected [key, TENSOR]") }
                return (key, try LayerFixtureTensor(items[1]))
            }
        }
        state = try pairs(json["state"])
        parameterGrads = try pairs(json["param_grads"])
        self.inputs = try inputs.mapValues(LayerFixtureTensor.init)
        inputGrads = try grads.mapValues(LayerFixtureTensor.init)
        self.output = try LayerFixtureTensor(output)
        self.upstream = try LayerFixtureTensor(upstream)
        if let w = json["weights"], !w.isNull { weights = try LayerFixtureTensor(w) } else { weights = nil }
    }

    func int(_ key: String) -> Int { attrs[key]?.intValue ?? 0 }
    func bool(_ key: String) -> Bool { attrs[key]?.boolValue ?? false }
    func double(_ key: String) -> Double? { attrs[key]?.doubleValue }
    var activation: TransformerActivation { attrs["activation"]?.stringValue == "gelu" ? .gelu : .relu }
    /// float64 cases are compared tightly, float32 ones at float32 accuracy.
    var isFloat64: Bool { output.dtype == .float64 }
}

enum SequenceFixtures {
    nonisolated(unsafe) private static var cached: [SequenceFixtureCase]?

    /// The cases of attention.json of `kind` (loaded once per process).
    static func cases(_ kind: String) throws -> [SequenceFixtureCase] {
        if cached == nil {
            guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)?.appendingPathComponent("attention.json") else {
                throw LayerFixtureError("Fixtures directory missing from the test bundle")
            }
            let root = try JSONReader.parse(try Data(contentsOf: url))
            guard root["generator"]?.stringValue == "scripts/generate_attention_fixtures.py" else {
                throw LayerFixtureError("attention.json is not a generate_attention_fixtures.py fixture")
            }
            cached = try (root["cases"]?.arrayValue ?? []).map(SequenceFixtureCase.init)
        }
        let found = cached!.filter { $0.kind == kind }
        XCTAssertFalse(found.isEmpty, "no \(kind) cases in attention.json")
        return found
    }

    /// Runs `forward` on the case's inputs (those with expected gradients as leaves), then checks the
    /// output, the input gradients and (for modules) parameter names, order and gradients.
    static func check(_ c: SequenceFixtureCase, module: Module?, rtol: Double? = nil, atol: Double? = nil,
                      file: StaticString = #filePath, line: UInt = #line, _ forward: ([String: Tensor]) -> Tensor) throws {
        try check(c, module: module, rtol: rtol, atol: atol, file: file, line: line) { (forward($0), nil) }
    }

    /// `check` for a forward that may also return attention weights, compared with the case's weights
    /// (and required to be absent when the case has none).
    static func check(_ c: SequenceFixtureCase, module: Module?, rtol: Double? = nil, atol: Double? = nil,
                      file: StaticString = #filePath, line: UInt = #line,
                      _ forward: ([String: Tensor]) -> (output: Tensor, weights: Tensor?)) throws {
        let rtol = rtol ?? (c.isFloat64 ? 1e-10 : 1e-4), atol = atol ?? (c.isFloat64 ? 1e-10 : 2e-5)
        if let module {
            module.train(c.training)
            try module.loadStateDict(Dictionary(uniqueKeysWithValues: c.state.map { ($0.0, $0.1.tensor) }))
        }
        var leaves: [String: Tensor] = [:]
        for (name, t) in c.inputs {
            leaves[name] = c.inputGrads[name] != nil ? t.tensor.requiringGrad() : t.tensor
        }
        let (output, weights) = forward(leaves)
        assertLayerClose(output, c.output, rtol: rtol, atol: atol, "\(c.name): output", file: file, line: line)
        if let expected = c.weights {
            guard let weights else { return XCTFail("\(c.name): no attention weights returned", file: file, line: line) }
            assertLayerClose(weights, expected, rtol: rtol, atol: atol, "\(c.name): weights", file: file, line: line)
        } else {
            XCTAssertNil(weights, "\(c.name): weights returned although need_weights is false", file: file, line: line)
        }
        (output * c.upstream.tensor).sum().backward()
        for (name, expected) in c.inputGrads.sorted(by: { $0.key < $1.key }) {
            guard let grad = leaves[name]?.grad else { XCTFail("\(c.name): no gradient for \(name)", file: file, line: line); continue }
            assertLayerClose(grad, expected, rtol: rtol, atol: atol, "\(c.name): d/d\(name)", file: file, line: line)
        }
        if let module {
            let parameters = Dictionary(uniqueKeysWithValues: module.namedParameters())
            XCTAssertEqual(module.namedParameters().map(\.0), c.parameterGrads.map(\.0), "\(c.name): parameter names and order",
                           file: file, line: line)
            XCTAssertEqual(module.stateDict().map(\.0), c.state.map(\.0), "\(c.name): state-dict keys", file: file, line: line)
            for (name, expected) in c.parameterGrads {
                guard let p = parameters[name] else { XCTFail("\(c.name): no parameter \(name)", file: file, line: line); continue }
                assertLayerClose(p.grad ?? Tensor.zeros(p.shape, dtype: p.value.dtype), expected, rtol: rtol, atol: atol,
                                 "\(c.name): d/d\(name)", file: file, line: line)
            }
        }
    }
}
