import Foundation
import XCTest
import NablaTestSupport
import Nabla
import NablaNN

/// The recurrent layers against PyTorch (Fixtures/recurrent.json, written by
/// scripts/generate_rnn_fixtures.py, whose header documents the format): every case builds the Nabla
/// module from PyTorch's constructor arguments, loads PyTorch's state dict by name (strict), runs forward
/// and backward and compares output, final states and the gradients of the input, the initial states and
/// every parameter. Then float64 finite-difference checks of the cells and of a packed bidirectional LSTM,
/// parameter names, dropout between layers, and the default initialisation.
final class RecurrentTests: XCTestCase {
    // MARK: - Fixture

    struct Case {
        let name: String, module: String, attrs: [String: JSONValue], training: Bool
        let state: [(String, LayerFixtureTensor)]
        let input: LayerFixtureTensor, h0: LayerFixtureTensor?, c0: LayerFixtureTensor?, lengths: [Int]?
        let output: LayerFixtureTensor, hN: LayerFixtureTensor?, cN: LayerFixtureTensor?
        let upstreamOutput: LayerFixtureTensor, upstreamH: LayerFixtureTensor?, upstreamC: LayerFixtureTensor?
        let inputGrad: LayerFixtureTensor, h0Grad: LayerFixtureTensor?, c0Grad: LayerFixtureTensor?
        let parameterGrads: [(String, LayerFixtureTensor)]

        init(_ json: JSONValue) throws {
            func tensor(_ v: JSONValue?) throws -> LayerFixtureTensor? {
                guard let v, !v.isNull else { return nil }
                return try LayerFixtureTensor(v)
            }
            func named(_ v: JSONValue?) throws -> [(String, LayerFixtureTensor)] {
                try (v?.arrayValue ?? []).map { pair in
                    guard let items = pair.arrayValue, items.count == 2, let key = items[0].stringValue else {
                        throw LayerFixtureError("expected [key, TENSOR]")
                    }
                    return (key, try LayerFixtureTensor(items[1]))
                }
            }
            guard let name = json["name"]?.stringValue, let module = json["module"]?.stringValue,
                  let training = json["training"]?.boolValue, case let .object(attrs)? = json["attrs"],
                  let input = try tensor(json["input"]), let output = try tensor(json["output"]),
                  let upstream = json["upstream"], let upOut = try tensor(upstream["output"]),
                  let inputGrad = try tensor(json["input_grad"]) else { throw LayerFixtureError("malformed recurrent CASE") }
            (self.name, self.module, self.attrs, self.training) = (name, module, attrs, training)
            state = try named(json["state"])
            (self.input, h0, c0) = (input, try tensor(json["h0"]), try tensor(json["c0"]))
            lengths = json["lengths"]?.intArray
            (self.output, hN, cN) = (output, try tensor(json["h_n"]), try tensor(json["c_n"]))
            (upstreamOutput, upstreamH, upstreamC) = (upOut, try tensor(upstream["h_n"]), try tensor(upstream["c_n"]))
            (self.inputGrad, h0Grad, c0Grad) = (inputGrad, try tensor(json["h0_grad"]), try tensor(json["c0_grad"]))
            parameterGrads = try named(json["param_grads"])
        }

        func int(_ key: String, _ value: Int) -> Int { attrs[key]?.intValue ?? value }
        func bool(_ key: String, _ value: Bool) -> Bool { attrs[key]?.boolValue ?? value }
        var nonlinearity: RNNNonlinearity { attrs["nonlinearity"]?.stringValue == "relu" ? .relu : .tanh }
    }

    struct Model {
        let name: String, module: String, attrs: [String: JSONValue], parameterNames: [String], shapes: [[Int]]
    }

    nonisolated(unsafe) private static var cached: (cases: [Case], models: [Model])?

    static func fixtures() throws -> (cases: [Case], models: [Model]) {
        if let cached { return cached }
        guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)?.appendingPathComponent("recurrent.json") else {
            throw LayerFixtureError("Fixtures directory missing from the test bundle")
        }
        let root = try JSONReader.parse(try Data(contentsOf: url))
        guard root["generator"]?.stringValue == "scripts/generate_rnn_fixtures.py" else {
            throw LayerFixtureError("recurrent.json is not a generate_rnn_fixtures.py fixture")
        }
        let cases = try (root["cases"]?.arrayValue ?? []).map(Case.init)
        let models = try (root["models"]?.arrayValue ?? []).map { m -> Model in
            guard let name = m["name"]?.stringValue, let module = m["module"]?.stringValue, case let .object(attrs)? = m["attrs"],
                  let names = m["parameter_names"]?.arrayValue?.compactMap(\.stringValue),
                  let shapes = m["shapes"]?.arrayValue?.compactMap(\.intArray) else { throw LayerFixtureError("malformed MODEL") }
            return Model(name: name, module: module, attrs: attrs, parameterNames: names, shapes: shapes)
        }
        cached = (cases, models)
        return (cases, models)
    }

    /// The Nabla module for PyTorch's class name and constructor arguments.
    static func makeModule(_ module: String, _ attrs: [String: JSONValue], dtype: DType) throws -> Module {
        func int(_ key: String, _ value: Int? = nil) throws -> Int {
            guard let i = attrs[key]?.intValue ?? value else { throw LayerFixtureError("missing attr \(key)") }
            return i
        }
        func bool(_ key: String) -> Bool { attrs[key]?.boolValue ?? (key == "bias") }
        let (input, hidden) = (try int("input_size"), try int("hidden_size"))
        let nonlinearity: RNNNonlinearity = attrs["nonlinearity"]?.stringValue == "relu" ? .relu : .tanh
        let (layers, dropout) = (try int("num_layers", 1), attrs["dropout"]?.doubleValue ?? 0)
        switch module {
        case "RNNCell": return RNNCell(input, hidden, bias: bool("bias"), nonlinearity: nonlinearity, dtype: dtype)
        case "LSTMCell": return LSTMCell(input, hidden, bias: bool("bias"), dtype: dtype)
        case "GRUCell": return GRUCell(input, hidden, bias: bool("bias"), dtype: dtype)
        case "RNN":
            return RNN(input, hidden, numLayers: layers, nonlinearity: nonlinearity, bias: bool("bias"), batchFirst: bool("batch_first"),
                       dropout: dropout, bidirectional: bool("bidirectional"), dtype: dtype)
        case "LSTM":
            return LSTM(input, hidden, numLayers: layers, bias: bool("bias"), batchFirst: bool("batch_first"), dropout: dropout,
                        bidirectional: bool("bidirectional"), dtype: dtype)
        case "GRU":
            return GRU(input, hidden, numLayers: layers, bias: bool("bias"), batchFirst: bool("batch_first"), dropout: dropout,
                       bidirectional: bool("bidirectional"), dtype: dtype)
        default: throw LayerFixtureError("unknown module \(module)")
        }
    }

    /// Runs `module` on (input, h0, c0, lengths): (output, h_n, c_n) as the fixture names them.
    static func forward(_ module: Module, _ x: Tensor, h0: Tensor?, c0: Tensor?, lengths: [Int]?) -> (Tensor, Tensor?, Tensor?) {
        switch module {
        case let cell as RNNCell: return (cell(x, h0), nil, nil)
        case let cell as GRUCell: return (cell(x, h0), nil, nil)
        case let cell as LSTMCell:
            let (h, c) = cell(x, h0.map { (h: $0, c: c0!) })
            return (h, nil, c)
        case let rnn as RNN: let r = rnn(x, h0, lengths: lengths); return (r.output, r.hN, nil)
        case let gru as GRU: let r = gru(x, h0, lengths: lengths); return (r.output, r.hN, nil)
        case let lstm as LSTM:
            let r = lstm(x, h0.map { (h: $0, c: c0!) }, lengths: lengths)
            return (r.output, r.hN, r.cN)
        default: fatalError("not a recurrent module: \(module)")
        }
    }

    // MARK: - Golden tests

    private func replay(_ modules: Set<String>, file: StaticString = #filePath, line: UInt = #line) throws {
        let cases = try Self.fixtures().cases.filter { modules.contains($0.module) }
        XCTAssertFalse(cases.isEmpty, "no fixture cases for \(modules)", file: file, line: line)
        for c in cases {
            let dtype = c.input.dtype
            let (rtol, atol) = dtype == .float64 ? (1e-10, 1e-12) : (1e-5, 1e-6)
            let module = try Self.makeModule(c.module, c.attrs, dtype: dtype)
            try module.loadStateDict(Dictionary(uniqueKeysWithValues: c.state.map { ($0.0, $0.1.tensor) }))
            module.train(c.training)
            let x = c.input.tensor.requiringGrad(), h0 = c.h0?.tensor.requiringGrad(), c0 = c.c0?.tensor.requiringGrad()
            let (output, hN, cN) = Self.forward(module, x, h0: h0, c0: c0, lengths: c.lengths)
            assertLayerClose(output, c.output, rtol: rtol, atol: atol, "\(c.name): output", file: file, line: line)
            if let want = c.hN { assertLayerClose(hN ?? output, want, rtol: rtol, atol: atol, "\(c.name): h_n", file: file, line: line) }
            if let want = c.cN, let cN { assertLayerClose(cN, want, rtol: rtol, atol: atol, "\(c.name): c_n", file: file, line: line) }
            XCTAssertEqual(cN == nil, c.cN == nil, "\(c.name): c_n presence", file: file, line: line)

            var loss = (output * c.upstreamOutput.tensor).sum()
            if let hN, let u = c.upstreamH { loss = loss + (hN * u.tensor).sum() }
            if let cN, let u = c.upstreamC { loss = loss + (cN * u.tensor).sum() }
            let parameters = module.namedParameters()
            XCTAssertEqual(parameters.map(\.0), c.parameterGrads.map(\.0), "\(c.name): parameter names", file: file, line: line)
            let leaves = [x] + [h0, c0].compactMap { $0 } + parameters.map(\.1.value)
            let grads = gradients(of: loss, wrt: leaves)
            assertLayerClose(grads[0], c.inputGrad, rtol: rtol, atol: atol, "\(c.name): input gradient", file: file, line: line)
            var next = 1
            for (tensor, want, label) in [(h0, c.h0Grad, "h0"), (c0, c.c0Grad, "c0")] where tensor != nil {
                if let want { assertLayerClose(grads[next], want, rtol: rtol, atol: atol, "\(c.name): \(label) gradient", file: file, line: line) }
                next += 1
            }
            for ((name, want), grad) in zip(c.parameterGrads, grads[next...]) {
                assertLayerClose(grad, want, rtol: rtol, atol: atol, "\(c.name): gradient of \(name)", file: file, line: line)
            }
        }
    }

    func testCellsMatchPyTorch() throws { try replay(["RNNCell", "LSTMCell", "GRUCell"]) }
    func testRNNMatchesPyTorch() throws { try replay(["RNN"]) }
    func testLSTMMatchesPyTorch() throws { try replay(["LSTM"]) }
    func testGRUMatchesPyTorch() throws { try replay(["GRU"]) }

    /// Every configuration the brief asks for is in the fixture.
    func testFixtureCoversTheConfigurations() throws {
        let names = Set(try Self.fixtures().cases.map(\.name))
        for required in ["rnn_cell_tanh", "rnn_cell_relu_h0", "lstm_cell_h0", "gru_cell_h0", "rnn_tanh", "rnn_relu_2layers_h0",
                         "lstm_2layers_bidirectional_h0", "lstm_batch_first_h0", "lstm_lengths_unsorted",
                         "gru_2layers_bidirectional_h0", "gru_bidirectional_batch_first", "gru_2layers_bidirectional_lengths_unsorted"] {
            XCTAssertTrue(names.contains(required), "fixture lacks \(required)")
        }
    }

    // MARK: - Names

    func testParameterNamesAndShapesMatchPyTorch() throws {
        for m in try Self.fixtures().models {
            let module = try Self.makeModule(m.module, m.attrs, dtype: .float32)
            let parameters = module.namedParameters()
            XCTAssertEqual(parameters.map(\.0), m.parameterNames, m.name)
            XCTAssertEqual(parameters.map(\.1.shape), m.shapes, m.name)
            XCTAssertEqual(module.stateDict().map(\.0), m.parameterNames, m.name)
        }
        XCTAssertEqual(LSTM(2, 3, numLayers: 2, bidirectional: true).namedParameters().map(\.0).prefix(5),
                       ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_ih_l0_reverse"])
    }

    func testMisShapedStateDictIsReportedByName() {
        let gru = GRU(4, 3, numLayers: 2)
        var state = Dictionary(uniqueKeysWithValues: gru.stateDict())
        state["weight_ih_l1"] = Tensor.zeros([9, 4])
        state["bias_hh_l1"] = nil
        XCTAssertThrowsError(try gru.loadStateDict(state)) { error in
            let e = error as? StateDictError
            XCTAssertEqual(e?.missing, ["bias_hh_l1"])
            XCTAssertEqual(e?.mismatched, ["weight_ih_l1: expected shape [9, 3], got [9, 4]"])
        }
    }

    // MARK: - Finite differences (float64)

    private func normal(_ shape: [Int], _ seed: UInt64) -> Tensor { Tensor.randn(shape, seed: seed, dtype: .float64) }

    /// Installs xs[first...] as the module's parameters (in `namedParameters` order).
    private func install(_ module: Module, _ xs: ArraySlice<Tensor>) {
        for (p, x) in zip(module.parameters(), xs) { p.value = x }
    }

    private func parameterValues(_ module: Module, seed: UInt64) -> [Tensor] {
        module.parameters().enumerated().map { i, p in normal(p.shape, seed + UInt64(i)) * 0.6 }
    }

    func testRNNCellGradients() {
        for nonlinearity in [RNNNonlinearity.tanh, .relu] {
            let cell = RNNCell(4, 3, nonlinearity: nonlinearity, dtype: .float64)
            let inputs = [normal([2, 4], 1), normal([2, 3], 2)] + parameterValues(cell, seed: 10)
            checkLayerGradients("RNNCell(\(nonlinearity))", inputs) { xs in
                install(cell, xs[2...])
                return cell(xs[0], xs[1])
            }
        }
    }

    func testLSTMCellGradients() {
        let cell = LSTMCell(4, 3, dtype: .float64)
        let inputs = [normal([2, 4], 3), normal([2, 3], 4), normal([2, 3], 5)] + parameterValues(cell, seed: 20)
        checkLayerGradients("LSTMCell", inputs) { xs in
            install(cell, xs[3...])
            let (h, c) = cell(xs[0], (xs[1], xs[2]))
            return concat([h, c * 0.5], axis: 1)
        }
    }

    func testGRUCellGradients() {
        let cell = GRUCell(4, 3, dtype: .float64)
        let inputs = [normal([2, 4], 6), normal([2, 3], 7)] + parameterValues(cell, seed: 30)
        checkLayerGradients("GRUCell", inputs) { xs in
            install(cell, xs[2...])
            return cell(xs[0], xs[1])
        }
    }

    func testPackedBidirectionalLSTMGradients() {
        let lstm = LSTM(3, 2, numLayers: 2, bidirectional: true, dtype: .float64)
        let inputs = [normal([4, 3, 3], 8), normal([4, 3, 2], 9), normal([4, 3, 2], 10)] + parameterValues(lstm, seed: 40)
        checkLayerGradients("LSTM(lengths)", inputs, atol: 1e-6) { xs in
            install(lstm, xs[3...])
            let r = lstm(xs[0], (xs[1], xs[2]), lengths: [2, 4, 1])
            return concat([r.output.reshaped([-1]), r.hN.reshaped([-1]), r.cN.reshaped([-1])])
        }
    }

    // MARK: - Behaviour

    /// Dropout sits between layers only and only in training mode: with p = 1 the second layer sees
    /// zeros, so the output no longer depends on the input; in evaluation mode it does.
    func testDropoutBetweenLayers() {
        let gru = GRU(3, 4, numLayers: 2, dropout: 1)
        let a = Tensor.randn([5, 2, 3], seed: 1), b = Tensor.randn([5, 2, 3], seed: 2)
        XCTAssertEqual(gru(a).output.scalars, gru(b).output.scalars)
        gru.eval()
        XCTAssertNotEqual(gru(a).output.scalars, gru(b).output.scalars)
        let single = GRU(3, 4, dropout: 1)   // one layer: no dropout anywhere
        XCTAssertNotEqual(single(a).output.scalars, single(b).output.scalars)
    }

    /// A padded batch gives each sequence what it gets alone, and zeros past its length.
    func testLengthsMatchSeparateSequences() {
        let lstm = LSTM(3, 4, batchFirst: true, bidirectional: true, dtype: .float64)
        let x = Tensor.randn([2, 5, 3], seed: 3, dtype: .float64)
        let packed = lstm(x, lengths: [3, 5])
        let alone = lstm(x.slice(axis: 0, start: 0, end: 1).slice(axis: 1, start: 0, end: 3))
        let got = packed.output.slice(axis: 0, start: 0, end: 1)
        XCTAssertNil(layerMismatch(got.slice(axis: 1, start: 0, end: 3).scalars, alone.output.scalars, rtol: 1e-12, atol: 1e-12))
        XCTAssertEqual(got.slice(axis: 1, start: 3).scalars, [Double](repeating: 0, count: 16))
        XCTAssertNil(layerMismatch(packed.hN.slice(axis: 1, start: 0, end: 1).scalars, alone.hN.scalars, rtol: 1e-12, atol: 1e-12))
        XCTAssertNil(layerMismatch(packed.cN.slice(axis: 1, start: 0, end: 1).scalars, alone.cN.scalars, rtol: 1e-12, atol: 1e-12))
    }

    func testDefaultInitialisationIsUniformInPlusMinusOneOverSqrtHidden() {
        let lstm = LSTM(5, 16, numLayers: 2, bidirectional: true)
        let bound = 1 / 16.0.squareRoot()
        let values = lstm.parameters().flatMap(\.value.scalars)
        XCTAssertEqual(values.count, lstm.parameterCount)
        XCTAssertLessThanOrEqual(values.map { Swift.abs($0) }.max()!, bound)
        XCTAssertGreaterThan(values.map { Swift.abs($0) }.max()!, 0.9 * bound)
        let mean = values.reduce(0, +) / Double(values.count)
        XCTAssertLessThan(Swift.abs(mean), 0.01)
        XCTAssertEqual(lstm.parameterCount, 2 * (4 * 16 * (5 + 16 + 2)) + 2 * (4 * 16 * (32 + 16 + 2)))
    }

    /// Inference (nothing recorded, float32) runs the LSTM and GRU pointwise steps as one fused kernel;
    /// its values must be those of the composite that training differentiates.
    func testFusedInferenceStepsMatchTheComposite() {
        let x = Tensor.randn([6, 3, 5], seed: 11), h0 = Tensor.randn([4, 3, 7], seed: 12), c0 = Tensor.randn([4, 3, 7], seed: 13)
        let lstm = LSTM(5, 7, numLayers: 2, bidirectional: true)
        let composite = lstm(x, (h0, c0), lengths: [6, 2, 4])
        let fused = withNoGrad { lstm(x, (h0, c0), lengths: [6, 2, 4]) }
        XCTAssertTrue(composite.output.requiresGrad)
        XCTAssertFalse(fused.output.requiresGrad)
        for (a, b, what) in [(fused.output, composite.output, "output"), (fused.hN, composite.hN, "h_n"), (fused.cN, composite.cN, "c_n")] {
            XCTAssertNil(layerMismatch(a.scalars, b.scalars, rtol: 1e-6, atol: 1e-7), "LSTM \(what)")
        }
        let gru = GRU(5, 7, numLayers: 2, bidirectional: true)
        let gruComposite = gru(x, h0), gruFused = withNoGrad { gru(x, h0) }
        XCTAssertNil(layerMismatch(gruFused.output.scalars, gruComposite.output.scalars, rtol: 1e-6, atol: 1e-7), "GRU output")
        XCTAssertNil(layerMismatch(gruFused.hN.scalars, gruComposite.hN.scalars, rtol: 1e-6, atol: 1e-7), "GRU h_n")
    }

    func testShapes() {
        let rnn = RNN(3, 4, numLayers: 3, batchFirst: true, bidirectional: true)
        let (output, hN) = rnn(Tensor.randn([2, 6, 3], seed: 4))
        XCTAssertEqual(output.shape, [2, 6, 8])
        XCTAssertEqual(hN.shape, [6, 2, 4])
        let unbatched = LSTM(3, 4, numLayers: 2)(Tensor.randn([6, 3], seed: 5))
        XCTAssertEqual([unbatched.output.shape, unbatched.hN.shape, unbatched.cN.shape], [[6, 4], [2, 4], [2, 4]])
        XCTAssertEqual(GRUCell(3, 4)(Tensor.randn([3], seed: 6)).shape, [4])
    }
}
