import XCTest
import Nabla
import NablaNN

/// Initialisers: fans and gains against PyTorch, distribution moments and bounds on large tensors,
/// and the default initialisation of every layer with parameters.
final class InitTests: XCTestCase {
    /// (mean, standard deviation, min, max) of the values.
    private func moments(_ t: Tensor) -> (mean: Double, std: Double, min: Double, max: Double) {
        let v = t.scalars
        let mean = v.reduce(0, +) / Double(v.count)
        let variance = v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(v.count)
        return (mean, variance.squareRoot(), v.min()!, v.max()!)
    }

    /// Asserts U(-bound, bound): every value inside, the extremes near the bounds, mean ≈ 0, std ≈ bound/√3.
    private func assertUniform(_ t: Tensor, bound: Double, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let m = moments(t)
        XCTAssertGreaterThanOrEqual(m.min, -bound, what, file: file, line: line)
        XCTAssertLessThanOrEqual(m.max, bound, what, file: file, line: line)
        XCTAssertLessThan(m.min, -0.98 * bound, "\(what): the lower bound is not reached", file: file, line: line)
        XCTAssertGreaterThan(m.max, 0.98 * bound, "\(what): the upper bound is not reached", file: file, line: line)
        XCTAssertEqual(m.mean, 0, accuracy: 0.05 * bound, what, file: file, line: line)
        XCTAssertEqual(m.std, bound / 3.0.squareRoot(), accuracy: 0.03 * bound, what, file: file, line: line)
    }

    /// Asserts N(mean, std²) through the first two moments.
    private func assertNormal(_ t: Tensor, mean: Double, std: Double, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let m = moments(t)
        XCTAssertEqual(m.mean, mean, accuracy: 0.02 * std + 1e-12, what, file: file, line: line)
        XCTAssertEqual(m.std, std, accuracy: 0.02 * std, what, file: file, line: line)
    }

    func testFansAndGainsMatchPyTorch() throws {
        let fixtures = try LayerFixtures.load()
        XCTAssertFalse(fixtures.fans.isEmpty)
        for f in fixtures.fans {
            let fans = Init.fans(f.shape)
            XCTAssertEqual(fans.fanIn, f.fanIn, "fan in of \(f.shape)")
            XCTAssertEqual(fans.fanOut, f.fanOut, "fan out of \(f.shape)")
        }
        let names: [String: Init.Nonlinearity] = ["linear": .linear, "conv2d": .conv2d, "sigmoid": .sigmoid, "tanh": .tanh,
                                                  "relu": .relu, "leaky_relu": .leakyRelu, "selu": .selu]
        for g in fixtures.gains {
            guard let nonlinearity = names[g.nonlinearity] else { XCTFail("unknown nonlinearity \(g.nonlinearity)"); continue }
            XCTAssertEqual(Init.gain(nonlinearity, param: g.param), g.gain, accuracy: 1e-12, "gain of \(g.nonlinearity) \(String(describing: g.param))")
        }
    }

    func testUniformNormalAndConstants() {
        let p = Parameter(Tensor.zeros([200, 500]))
        Init.uniform(p, low: -2, high: 3, generator: Generator(seed: 1))
        let m = moments(p.value)
        XCTAssertGreaterThanOrEqual(m.min, -2)
        XCTAssertLessThan(m.max, 3)
        XCTAssertEqual(m.mean, 0.5, accuracy: 0.05)
        XCTAssertEqual(m.std, 5 / 12.0.squareRoot(), accuracy: 0.02)
        Init.normal(p, mean: 1.5, std: 0.3, generator: Generator(seed: 2))
        assertNormal(p.value, mean: 1.5, std: 0.3, "normal")
        Init.constant(p, 0.25)
        XCTAssertEqual(Set(p.value.scalars), [0.25])
        Init.zeros(p)
        XCTAssertEqual(Set(p.value.scalars), [0])
        Init.ones(p)
        XCTAssertEqual(Set(p.value.scalars), [1])
        XCTAssertTrue(p.requiresGrad, "initialisers keep the parameter trainable")
        XCTAssertTrue(p.value.isLeaf)
    }

    func testInitialisersKeepTheParameterIdentityAndGradient() {
        let p = Parameter(Tensor.zeros([3, 4]))
        (p.value * 2).sum().backward()
        XCTAssertNotNil(p.grad)
        Init.xavierUniform(p)
        XCTAssertNotNil(p.grad, "writing values in place keeps the accumulated gradient")
        XCTAssertEqual(p.value.dtype, .float32)
        XCTAssertEqual(p.shape, [3, 4])
    }

    func testXavierAndKaiming() {
        manualSeed(99)
        let p = Parameter(Tensor.zeros([300, 200]))   // fanIn 200, fanOut 300
        Init.xavierUniform(p, gain: 2)
        assertUniform(p.value, bound: 2 * (6.0 / 500).squareRoot(), "xavierUniform")
        Init.xavierNormal(p)
        assertNormal(p.value, mean: 0, std: (2.0 / 500).squareRoot(), "xavierNormal")
        Init.kaimingUniform(p)   // leaky ReLU with a = 0: gain √2, fanIn
        assertUniform(p.value, bound: 3.0.squareRoot() * 2.0.squareRoot() / 200.0.squareRoot(), "kaimingUniform")
        Init.kaimingUniform(p, a: 5.0.squareRoot())   // PyTorch's Linear default: 1/√fanIn
        assertUniform(p.value, bound: 1 / 200.0.squareRoot(), "kaimingUniform(a: √5)")
        Init.kaimingNormal(p, mode: .fanOut, nonlinearity: .relu)
        assertNormal(p.value, mean: 0, std: 2.0.squareRoot() / 300.0.squareRoot(), "kaimingNormal fanOut")
        let conv = Parameter(Tensor.zeros([64, 32, 3, 3]))   // fanIn 288, fanOut 576
        Init.kaimingNormal(conv, nonlinearity: .tanh)
        assertNormal(conv.value, mean: 0, std: (5.0 / 3) / 288.0.squareRoot(), "kaimingNormal conv")
    }

    func testOrthogonal() {
        for shape in [[6, 10], [10, 6], [8, 2, 3], [5, 5]] {
            let p = Parameter(Tensor.zeros(shape))
            Init.orthogonal(p, gain: 2)
            let rows = shape[0], cols = shape.dropFirst().reduce(1, *)
            let w = p.value.reshaped([rows, cols]).cast(to: .float64)
            let gram = rows <= cols ? matmul(w, w.T) : matmul(w.T, w)
            let n = Swift.min(rows, cols)
            let expected = (Tensor.eye(n, dtype: .float64) * 4).scalars
            XCTAssertNil(layerMismatch(gram.scalars, expected, rtol: 0, atol: 1e-5), "orthogonal \(shape): \(gram)")
        }
    }

    func testGeneratorsMakeInitialisationReproducible() {
        let a = Parameter(Tensor.zeros([4, 5])), b = Parameter(Tensor.zeros([4, 5]))
        Init.kaimingUniform(a, generator: Generator(seed: 7))
        Init.kaimingUniform(b, generator: Generator(seed: 7))
        XCTAssertEqual(a.value.scalars, b.value.scalars)
        Init.orthogonal(a, generator: Generator(seed: 8))
        Init.orthogonal(b, generator: Generator(seed: 8))
        XCTAssertEqual(a.value.scalars, b.value.scalars)
        manualSeed(11)
        let first = Linear(5, 4).weight.value.scalars
        manualSeed(11)
        XCTAssertEqual(Linear(5, 4).weight.value.scalars, first, "layers draw from Generator.default")
    }

    func testLayerDefaultInitialisation() {
        manualSeed(1234)   // layers draw from Generator.default; a fixed seed keeps the statistics deterministic
        let fc = Linear(400, 300)
        assertUniform(fc.weight.value, bound: 1 / 400.0.squareRoot(), "Linear.weight")
        XCTAssertTrue(fc.bias!.value.scalars.allSatisfy { Swift.abs($0) <= 1 / 400.0.squareRoot() })
        XCTAssertGreaterThan(moments(fc.bias!.value).std, 0.5 / 400.0.squareRoot() / 3.0.squareRoot())

        let conv = Conv2d(16, 256, kernelSize: 5, groups: 4)   // fanIn 4 * 25 = 100
        assertUniform(conv.weight.value, bound: 0.1, "Conv2d.weight")
        assertUniform(Conv1d(50, 2000, kernelSize: 2).bias!.value, bound: 0.1, "Conv1d.bias")
        let convT = ConvTranspose2d(64, 36, kernelSize: 5)   // PyTorch's fanIn: weight.size(1) * 25 = 900
        assertUniform(convT.weight.value, bound: 1 / 30.0, "ConvTranspose2d.weight")
        assertUniform(Bilinear(25, 7, 400).weight.value, bound: 0.2, "Bilinear.weight")

        let embed = Embedding(500, 100, paddingIdx: 3)
        let rows = embed.weight.value.scalars
        XCTAssertEqual(Array(rows[300..<400]), [Double](repeating: 0, count: 100), "the padding row starts at zero")
        assertNormal(Tensor(shape: [499 * 100], scalars: Array(rows[..<300]) + Array(rows[400...])), mean: 0, std: 1, "Embedding.weight")

        for (name, module) in [("BatchNorm1d", BatchNorm1d(5) as Module), ("LayerNorm", LayerNorm(5)), ("GroupNorm", GroupNorm(1, 5)),
                               ("RMSNorm", RMSNorm(5))] {
            for (key, p) in module.namedParameters() {
                XCTAssertEqual(Set(p.value.scalars), key == "weight" ? [1] : [0], "\(name).\(key)")
            }
        }
        let bn = BatchNorm2d(3)
        let state = Dictionary(uniqueKeysWithValues: bn.stateDict())
        XCTAssertEqual(state["running_mean"]?.scalars, [0, 0, 0])
        XCTAssertEqual(state["running_var"]?.scalars, [1, 1, 1])
        XCTAssertEqual(state["num_batches_tracked"]?.dtype, .int64)
        XCTAssertEqual(state["num_batches_tracked"]?.shape, [])
    }
}
