import XCTest
import NablaTestSupport
import Nabla

/// Deterministic float64 test inputs.
enum GradData {
    /// Standard normal values.
    static func normal(_ shape: [Int], seed: UInt64) -> Tensor {
        Tensor.randn(shape, seed: seed, dtype: .float64)
    }

    /// Normal values moved at least `margin` away from 0 (away from the kinks of abs, relu, sign, …).
    static func awayFromZero(_ shape: [Int], seed: UInt64, margin: Double = 0.1) -> Tensor {
        map(normal(shape, seed: seed)) { $0 + ($0 >= 0 ? margin : -margin) }
    }

    /// Uniform values on [low, high).
    static func uniform(_ shape: [Int], seed: UInt64, _ low: Double, _ high: Double) -> Tensor {
        Tensor.rand(shape, low: low, high: high, dtype: .float64, generator: Generator(seed: seed))
    }

    /// Values without ties and at least 0.3 apart (a shuffled grid with jitter), for max/min/sort/pooling.
    static func distinct(_ shape: [Int], seed: UInt64) -> Tensor {
        let n = shape.reduce(1, *)
        let keys = normal([n], seed: seed).scalars
        let order = keys.indices.sorted { keys[$0] < keys[$1] }
        var values = [Double](repeating: 0, count: n)
        let jitter = uniform([n], seed: seed &+ 1, 0, 0.05).scalars
        for (rank, i) in order.enumerated() { values[i] = (Double(rank) - Double(n) / 2) * 0.37 + jitter[i] }
        return Tensor(shape: shape, scalars: values)
    }

    /// Values whose fractional part lies in [0.2, 0.3) (away from the jumps of floor, ceil and round).
    static func awayFromIntegers(_ shape: [Int], seed: UInt64) -> Tensor {
        let whole = normal(shape, seed: seed).scalars.map { ($0 * 3).rounded(.down) }
        let frac = uniform(shape, seed: seed &+ 1, 0.2, 0.3).scalars
        return Tensor(shape: shape, scalars: zip(whole, frac).map(+))
    }

    static func map(_ t: Tensor, _ f: (Double) -> Double) -> Tensor {
        Tensor(shape: t.shape, scalars: t.scalars.map(f))
    }
}

/// Compares autograd with central finite differences in float64 and returns the disagreements.
///
/// `f` maps the inputs to a tensor; it is scalarised as `sum(f(x) * u)` with a fixed random upstream
/// `u`, so every output element takes part. Each input element is perturbed by ±eps.
func gradientProblems(_ inputs: [Tensor], eps: Double = 1e-6, rtol: Double = 1e-5, atol: Double = 1e-7,
                      _ f: ([Tensor]) -> Tensor) -> [String] {
    for (i, x) in inputs.enumerated() where x.dtype != .float64 {
        return ["input \(i) is \(x.dtype); gradient checks run in float64"]
    }
    let leaves = inputs.map { $0.requiringGrad() }
    let y = f(leaves)
    guard y.requiresGrad else { return ["the output does not require a gradient (nothing was recorded)"] }
    guard y.dtype == .float64 else { return ["output dtype \(y.dtype)"] }
    let upstream = Tensor.randn(y.shape, seed: 9001, dtype: .float64)
    let analytic = gradients(of: (y * upstream).sum(), wrt: leaves)

    func loss(_ xs: [Tensor]) -> Double { (f(xs) * upstream).sum().item() }

    var problems: [String] = []
    for (i, x) in inputs.enumerated() {
        let g = analytic[i]
        guard g.shape == x.shape, g.dtype == x.dtype else {
            problems.append("gradient of input \(i) has shape \(g.shape) \(g.dtype), expected \(x.shape) \(x.dtype)")
            continue
        }
        let numeric = centralDifferences(of: loss, inputs: inputs, index: i, eps: eps)
        if let problem = mismatch(g.scalars, numeric, Tolerance(rtol: rtol, atol: atol)) {
            problems.append("gradient of input \(i) (autograd vs finite differences): \(problem)")
        }
    }
    return problems
}

/// Asserts that autograd agrees with central finite differences (see `gradientProblems`).
func checkGradients(_ name: String, _ inputs: [Tensor], eps: Double = 1e-6, rtol: Double = 1e-5, atol: Double = 1e-7,
                    file: StaticString = #filePath, line: UInt = #line, _ f: ([Tensor]) -> Tensor) {
    for problem in gradientProblems(inputs, eps: eps, rtol: rtol, atol: atol, f) {
        XCTFail("\(name): \(problem)", file: file, line: line)
    }
}

/// One-input form of `checkGradients`.
func checkGradient(_ name: String, _ input: Tensor, eps: Double = 1e-6, rtol: Double = 1e-5, atol: Double = 1e-7,
                   file: StaticString = #filePath, line: UInt = #line, _ f: (Tensor) -> Tensor) {
    checkGradients(name, [input], eps: eps, rtol: rtol, atol: atol, file: file, line: line) { f($0[0]) }
}
