import Foundation
import XCTest
import Nabla

/// Kernels on tensors large enough to take the parallel and vectorised paths (the fixtures are
/// small), against plain Swift references, and independent of the thread budget.
final class ParallelKernelTests: XCTestCase {
    private var savedThreadCount = 1

    override func setUp() {
        savedThreadCount = ThreadBudget.threadCount
        // An odd count gives uneven chunks even on a two-core machine.
        ThreadBudget.threadCount = 3
    }

    override func tearDown() {
        ThreadBudget.threadCount = savedThreadCount
    }

    /// Runs `body` with the thread budget at `threads`.
    private func withThreads<R>(_ threads: Int, _ body: () -> R) -> R {
        let saved = ThreadBudget.threadCount
        ThreadBudget.threadCount = threads
        defer { ThreadBudget.threadCount = saved }
        return body()
    }

    func testUnaryFloat32KernelsOnLargeTensors() {
        let n = 50_001   // above 3 threads x the vectorised kernels' grain of 8192
        let x = Tensor.randn([n], seed: 1) * 2
        let xs = x.toArray(as: Float.self).map(Double.init)
        let ops: [(String, (Tensor) -> Tensor, (Double) -> Double, [Double])] = [
            ("exp", { $0.exp() }, Foundation.exp, xs),
            ("tanh", { $0.tanh() }, Foundation.tanh, xs),
            ("sigmoid", { $0.sigmoid() }, { 1 / (1 + Foundation.exp(-$0)) }, xs),
            ("erf", { $0.erf() }, Foundation.erf, xs),
            ("sin", { $0.sin() }, Foundation.sin, xs),
            ("cos", { $0.cos() }, Foundation.cos, xs),
            ("expm1", { $0.expm1() }, Foundation.expm1, xs),
            ("log", { $0.abs().log() }, { Foundation.log(Swift.abs($0)) }, xs),
            ("log1p", { $0.abs().log1p() }, { Foundation.log1p(Swift.abs($0)) }, xs),
            ("sqrt", { $0.abs().sqrt() }, { Swift.abs($0).squareRoot() }, xs),
            ("rsqrt", { ($0.abs() + 0.1).rsqrt() }, { 1 / (Swift.abs($0) + Double(Float(0.1))).squareRoot() }, xs),
        ]
        for (name, op, reference, input) in ops {
            let got = op(x).scalars
            let want = input.map(reference)
            if let problem = mismatch(got, want, Tolerance(rtol: 4e-6, atol: 1e-6)) { XCTFail("\(name) on \(n) elements: \(problem)") }
            // The same values whatever the thread budget.
            XCTAssertEqual(withThreads(1) { op(x).scalars }, got, "\(name): one thread vs three")
        }
        // A transposed (non-contiguous) large input.
        let m = Tensor.randn([301, 333], seed: 2)
        XCTAssertEqual(m.transposed().exp().scalars, m.transposed().contiguous().exp().scalars)
    }

    func testBinaryBroadcastingOnLargeTensors() {
        let a = Tensor.randn([300, 401], seed: 3), row = Tensor.randn([401], seed: 4), column = Tensor.randn([300, 1], seed: 5)
        let av = a.toArray(as: Float.self), rv = row.toArray(as: Float.self), cv = column.toArray(as: Float.self)
        var sum = [Double](), product = [Double](), quotient = [Double]()
        for i in 0..<300 {
            for j in 0..<401 {
                sum.append(Double(av[i * 401 + j] + rv[j]))
                product.append(Double(cv[i] * rv[j]))
                quotient.append(Double(av[i * 401 + j] / cv[i]))
            }
        }
        XCTAssertEqual((a + row).scalars, sum, "dense + broadcast row")
        XCTAssertEqual((column * row).scalars, product, "column * row (both broadcast)")
        XCTAssertEqual((a / column).scalars, quotient, "dense / broadcast column")
        XCTAssertEqual((a.transposed() + row.unsqueezed(axis: 1)).transposed().scalars, sum, "transposed operands")
        XCTAssertEqual(withThreads(1) { (a * 3 + row).scalars }, (a * 3 + row).scalars)
        let big = Tensor.randn([1 << 17], seed: 6)
        XCTAssertEqual((big - big).scalars.filter { $0 != 0 }.count, 0)
        XCTAssertEqual((big .> 0).cast(to: .int64).sum().item(as: Int64.self), Int64(big.scalars.filter { $0 > 0 }.count))
        let chosen = Tensor.where(big .> 0, big, Tensor.zeros([]))
        XCTAssertEqual(chosen.scalars, big.scalars.map { Swift.max($0, 0) })
    }

    func testReductionsOnLargeTensors() {
        let n = 1_000_003
        let x = Tensor.randn([n], seed: 7, dtype: .float64)
        let xv = x.scalars
        XCTAssertEqual(x.sum().item(), xv.reduce(0, +), accuracy: 1e-9)
        XCTAssertEqual(x.max().item(), xv.max()!)
        XCTAssertEqual(x.min().item(), xv.min()!)
        XCTAssertEqual(x.argmax().item(as: Int64.self), Int64(xv.firstIndex(of: xv.max()!)!))
        let f = Tensor.randn([n], seed: 8)
        let fsum = f.toArray(as: Float.self).reduce(0.0) { $0 + Double($1) }
        XCTAssertEqual(f.sum().item(), fsum, accuracy: 1e-5 * Double(n).squareRoot() + 1e-3)
        // A middle axis of a 3-d tensor.
        let t = Tensor.randn([64, 500, 33], seed: 9, dtype: .float64)
        let tv = t.scalars
        var want = [Double](repeating: 0, count: 64 * 33)
        for i in 0..<64 { for j in 0..<500 { for k in 0..<33 { want[i * 33 + k] += tv[(i * 500 + j) * 33 + k] } } }
        if let problem = mismatch(t.sum(alongAxes: 1).scalars, want, Tolerance(rtol: 1e-12, atol: 1e-12)) { XCTFail("sum over axis 1: \(problem)") }
        if let problem = mismatch(t.permuted([2, 1, 0]).sum(alongAxes: 1).transposed().scalars, want, Tolerance(rtol: 1e-12, atol: 1e-12)) {
            XCTFail("sum over axis 1 of a permuted tensor: \(problem)")
        }
        // cumsum along a long axis.
        let c = Tensor.randn([3, 40_000], seed: 10, dtype: .float64)
        let cv = c.scalars
        var prefix = [Double]()
        for r in 0..<3 { var acc = 0.0; for j in 0..<40_000 { acc += cv[r * 40_000 + j]; prefix.append(acc) } }
        XCTAssertEqual(c.cumsum(axis: 1).scalars, prefix)
    }

    func testMovementAndCastOnLargeTensors() {
        let x = Tensor.randn([37, 41, 43], seed: 11, dtype: .float64)
        let xv = x.scalars
        let p = x.permuted([2, 0, 1]).contiguous()
        var want = [Double]()
        for k in 0..<43 { for i in 0..<37 { for j in 0..<41 { want.append(xv[(i * 41 + j) * 43 + k]) } } }
        XCTAssertEqual(p.scalars, want, "contiguous copy of a permuted view")
        XCTAssertEqual(x.flipped([0, 2]).flipped([0, 2]).scalars, xv)
        XCTAssertEqual(concat([x, x], axis: 1).slice(axis: 1, start: 41).scalars, xv)
        let h = x.cast(to: .float16)
        XCTAssertEqual(h.toArray(as: Float16.self), xv.map { Float16(Float($0)) })
        let b = x.cast(to: .bfloat16)
        XCTAssertEqual(b.toArray(as: BFloat16.self), xv.map { BFloat16(Float($0)) })
        XCTAssertEqual(x.cast(to: .int32).toArray(as: Int32.self), xv.map { Int32($0) }, "truncation toward zero")
    }

    func testRandomValuesDoNotDependOnTheThreadBudget() {
        let threeThreads = Tensor.randn([100_003], seed: 12).scalars
        let oneThread = withThreads(1) { Tensor.randn([100_003], seed: 12).scalars }
        XCTAssertEqual(threeThreads, oneThread)
        let u3 = Tensor.rand([70_001], seed: 13).scalars
        XCTAssertEqual(withThreads(1) { Tensor.rand([70_001], seed: 13).scalars }, u3)
        // A prefix of a longer draw equals the shorter draw (values are a function of the element index).
        XCTAssertEqual(Array(Tensor.randn([100_003], seed: 12).scalars.prefix(1000)), Tensor.randn([1000], seed: 12).scalars)
    }
}
