import Foundation
import XCTest
import Nabla

/// The autograd engine: higher-order gradients, accumulation, detaching, no-grad mode, graph
/// retention, hooks and the functional API.
final class AutogradTests: XCTestCase {
    let x0: [Double] = [0.5, -1.25, 2.0, 3.0]

    // MARK: Higher order

    func testSecondDerivativeOfCubeWithNestedGradient() {
        let x = Tensor(x0)
        let d2 = gradient(at: x) { x in gradient(at: x) { x in (x * x * x).sum() }.sum() }
        assertClose(d2, Tensor(x0.map { 6 * $0 }), rtol: 1e-12, atol: 0, "d²(x³)/dx² = 6x")
        let d1 = gradient(at: x) { x in (x * x * x).sum() }
        assertClose(d1, Tensor(x0.map { 3 * $0 * $0 }), rtol: 1e-12, atol: 0, "d(x³)/dx = 3x²")
        // Third order: d³(x³)/dx³ = 6.
        let d3 = gradient(at: x) { x in gradient(at: x) { x in gradient(at: x) { x in (x * x * x).sum() }.sum() }.sum() }
        assertClose(d3, Tensor([Double](repeating: 6, count: x0.count)), rtol: 1e-12, atol: 0, "d³(x³)/dx³ = 6")
    }

    func testSecondDerivativeOfCubeWithCreateGraph() {
        let x = Tensor(x0).requiringGrad()
        (x * x * x).sum().backward(createGraph: true)
        guard let g = x.grad else { return XCTFail("no first gradient") }
        assertClose(g, Tensor(x0.map { 3 * $0 * $0 }), rtol: 1e-12, atol: 0, "first derivative")
        XCTAssertTrue(g.requiresGrad, "with createGraph the gradient is itself differentiable")
        x.zeroGrad()
        g.sum().backward()
        guard let h = x.grad else { return XCTFail("no second gradient") }
        assertClose(h, Tensor(x0.map { 6 * $0 }), rtol: 1e-12, atol: 0, "second derivative")
    }

    func testSecondDerivativeThroughOutputSavingOps() {
        // tanh, exp and sqrt differentiate through their saved output y; the nested gradient must
        // still reach x after the first-order graph's output tensor is gone.
        let x = Tensor(x0.map { Swift.abs($0) + 0.5 })
        let d2tanh = gradient(at: x) { x in gradient(at: x) { $0.tanh().sum() }.sum() }
        assertClose(d2tanh, Tensor(x0.map { v -> Double in
            let t = Foundation.tanh(Swift.abs(v) + 0.5); return -2 * t * (1 - t * t)
        }), rtol: 1e-12, atol: 1e-15, "d²tanh/dx² = -2 tanh (1 - tanh²)")
        let d2exp = gradient(at: x) { x in gradient(at: x) { $0.exp().sum() }.sum() }
        assertClose(d2exp, x.exp(), rtol: 1e-12, atol: 0, "d²exp/dx² = exp")
        let d2sqrt = gradient(at: x) { x in gradient(at: x) { $0.sqrt().sum() }.sum() }
        assertClose(d2sqrt, x.pow(-1.5) * -0.25, rtol: 1e-12, atol: 0, "d²sqrt/dx² = -x^(-3/2) / 4")
    }

    func testGraphIsFreedAfterBackward() {
        // Nodes must not keep themselves alive (saved outputs link back weakly), with or without createGraph.
        weak var node: Node?
        weak var secondOrderNode: Node?
        do {
            let x = Tensor(x0).requiringGrad()
            let y = x.tanh()
            node = y.gradFn
            let g = gradients(of: y.sum(), wrt: [x], createGraph: true)[0]
            secondOrderNode = g.gradFn
            XCTAssertNotNil(node)
            XCTAssertNotNil(secondOrderNode)
            g.sum().backward()
        }
        XCTAssertNil(node, "the first-order graph is freed")
        XCTAssertNil(secondOrderNode, "the graph of the gradient is freed")
    }

    func testHessianVectorProductOfMLPMatchesFiniteDifferences() {
        // loss(θ) = sum((tanh(X W1 + b1) W2 + b2 - T)²) for a 3-4-2 MLP.
        let X = Tensor.randn([5, 3], seed: 1, dtype: .float64)
        let T = Tensor.randn([5, 2], seed: 2, dtype: .float64)
        let params = [Tensor.randn([3, 4], seed: 3, dtype: .float64), Tensor.randn([4], seed: 4, dtype: .float64),
                      Tensor.randn([4, 2], seed: 5, dtype: .float64), Tensor.randn([2], seed: 6, dtype: .float64)]
        let v = [Tensor.randn([3, 4], seed: 7, dtype: .float64), Tensor.randn([4], seed: 8, dtype: .float64),
                 Tensor.randn([4, 2], seed: 9, dtype: .float64), Tensor.randn([2], seed: 10, dtype: .float64)]
        func loss(_ p: [Tensor]) -> Tensor {
            let h = (matmul(X, p[0]) + p[1]).tanh()
            let d = matmul(h, p[2]) + p[3] - T
            return (d * d).sum()
        }
        func grad(_ p: [Tensor], createGraph: Bool) -> [Tensor] {
            let leaves = p.map { $0.requiringGrad() }
            return gradients(of: loss(leaves), wrt: leaves, createGraph: createGraph)
        }
        // Autograd: H v = d/dθ (∇loss · v).
        let leaves = params.map { $0.requiringGrad() }
        let g = gradients(of: loss(leaves), wrt: leaves, createGraph: true)
        var gv = (g[0] * v[0]).sum()
        for i in 1..<4 { gv = gv + (g[i] * v[i]).sum() }
        let hv = gradients(of: gv, wrt: leaves)
        // Finite differences of the gradient along v.
        let eps = 1e-5
        let plus = grad(zip(params, v).map { $0 + $1 * eps }, createGraph: false)
        let minus = grad(zip(params, v).map { $0 - $1 * eps }, createGraph: false)
        for i in 0..<4 {
            let numeric = (plus[i] - minus[i]) / (2 * eps)
            assertClose(hv[i], numeric, rtol: 1e-6, atol: 1e-8, "Hv for parameter \(i)")
        }
        XCTAssertFalse(hv[0].scalars.allSatisfy { $0 == 0 }, "Hv must not vanish")
    }

    // MARK: Accumulation and clearing

    func testGradientsAccumulateAcrossBackwardCalls() {
        let x = Tensor(x0).requiringGrad()
        (x * 2).sum().backward()
        assertClose(x.grad!, Tensor([Double](repeating: 2, count: 4)), rtol: 0, atol: 0, "first backward")
        (x * x).sum().backward()
        assertClose(x.grad!, Tensor(x0.map { 2 + 2 * $0 }), rtol: 1e-15, atol: 0, "accumulated")
        XCTAssertFalse(x.grad!.requiresGrad, "without createGraph the accumulated gradient is detached")
    }

    func testZeroGrad() {
        let x = Tensor(x0).requiringGrad()
        (x * 3).sum().backward()
        XCTAssertNotNil(x.grad)
        x.zeroGrad()
        XCTAssertNil(x.grad)
        (x * 5).sum().backward()
        assertClose(x.grad!, Tensor([Double](repeating: 5, count: 4)), rtol: 0, atol: 0, "fresh gradient after zeroGrad")
    }

    func testCopiesOfATensorShareItsGradient() {
        let x = Tensor(x0).requiringGrad()
        let copy = x
        (copy * 4).sum().backward()
        assertClose(x.grad!, Tensor([Double](repeating: 4, count: 4)), rtol: 0, atol: 0, "a copy of the value shares the leaf")
    }

    // MARK: Stopping gradients

    func testDetachedStopsGradients() {
        let x = Tensor(x0).requiringGrad()
        let d = x.detached()
        XCTAssertFalse(d.requiresGrad)
        XCTAssertNil(d.gradFn)
        (d * x).sum().backward()
        // Only the second factor is differentiated: d/dx (c * x) = c = x.
        assertClose(x.grad!, Tensor(x0), rtol: 0, atol: 0, "gradient through the attached factor only")
        XCTAssertEqual(ObjectIdentifier(d.storage), ObjectIdentifier(x.storage), "detached() shares storage")
    }

    func testWithNoGradRecordsNothing() {
        let x = Tensor(x0).requiringGrad()
        let y = withNoGrad { (x * 2).exp().sum() }
        XCTAssertNil(y.gradFn)
        XCTAssertFalse(y.requiresGrad)
        XCTAssertFalse(withNoGrad { GradMode.isEnabled })
        XCTAssertTrue(GradMode.isEnabled)
        // withGrad re-enables recording inside withNoGrad.
        let z = withNoGrad { withGrad { x * 2 } }
        XCTAssertNotNil(z.gradFn)
        // Recording resumes after the block.
        XCTAssertNotNil((x * 2).gradFn)
    }

    func testOpsOnTensorsNotRequiringGradRecordNothing() {
        let a = Tensor(x0), b = Tensor(x0)
        let y = a * b + a.exp()
        XCTAssertNil(y.gradFn)
        XCTAssertFalse(y.requiresGrad)
        XCTAssertTrue(y.isLeaf)
    }

    func testLeafAndGradFn() {
        let x = Tensor(x0).requiringGrad()
        XCTAssertTrue(x.isLeaf)
        XCTAssertNil(x.gradFn)
        let y = x.exp()
        XCTAssertFalse(y.isLeaf)
        XCTAssertEqual(y.gradFn?.primitive, .unary(.exp))
        XCTAssertEqual((x * x).gradFn?.primitive, .binary(.mul))
        // Integer results (argmax, comparisons) never require a gradient.
        XCTAssertFalse((x .> 0).requiresGrad)
        XCTAssertFalse(x.argmax().requiresGrad)
    }

    // MARK: Graph retention

    func testRetainGraphAllowsASecondBackward() {
        let x = Tensor(x0).requiringGrad()
        let y = (x * x).sum()
        y.backward(retainGraph: true)
        y.backward()
        assertClose(x.grad!, Tensor(x0.map { 4 * $0 }), rtol: 1e-15, atol: 0, "two backward passes accumulate 2 * 2x")
    }

    /// A second backward through a freed graph traps (run in a child process so the tests survive it).
    func testSecondBackwardWithoutRetainGraphTraps() throws {
        try TrapHarness.expectTrap("secondBackwardWithoutRetainGraph", message: "pass retainGraph: true to the first call")
    }

    // MARK: Hooks

    func testHookOnALeafDoublesItsGradient() {
        let x = Tensor(x0).requiringGrad()
        x.registerHook { $0 * 2 }
        (x * 3).sum().backward()
        assertClose(x.grad!, Tensor([Double](repeating: 6, count: 4)), rtol: 0, atol: 0, "hooked leaf gradient")
    }

    func testHookOnANonLeafDoublesTheGradientFlowingThroughIt() {
        let x = Tensor(x0).requiringGrad()
        let h = x * 3
        h.registerHook { $0 * 2 }
        (h * h).sum().backward()
        // d/dh (h²) = 2h, doubled = 4h = 12x, times dh/dx = 3: 36x.
        assertClose(x.grad!, Tensor(x0.map { 36 * $0 }), rtol: 1e-15, atol: 0, "hooked non-leaf gradient")
    }

    func testHookReturningNilLeavesTheGradientUnchanged() {
        let x = Tensor(x0).requiringGrad()
        let seen = SeenBox()
        x.registerHook { g in seen.record(g.scalars); return nil }
        (x * 3).sum().backward()
        assertClose(x.grad!, Tensor([Double](repeating: 3, count: 4)), rtol: 0, atol: 0, "unchanged gradient")
        XCTAssertEqual(seen.values, [3, 3, 3, 3], "the hook saw the gradient")
    }

    func testLeafHookSeesTheTotalGradientOnce() {
        // x is used twice; PyTorch runs a leaf's hook once, on the summed gradient (3 + 4 = 7).
        let x = Tensor(x0).requiringGrad()
        let seen = SeenBox()
        x.registerHook { g in seen.record(g.scalars); return g.clamped(max: 5) }
        (x * 3 + x * 4).sum().backward()
        XCTAssertEqual(seen.values, [7, 7, 7, 7], "one call with the total gradient")
        XCTAssertEqual(x.grad?.scalars, [5, 5, 5, 5], "a non-linear hook applies to the total")
        // The same through gradients(of:wrt:).
        let seen2 = SeenBox()
        let z = Tensor(x0).requiringGrad()
        z.registerHook { g in seen2.record(g.scalars); return nil }
        let g = gradients(of: (z * 3 + z * 4).sum(), wrt: [z])[0]
        XCTAssertEqual(g.scalars, [7, 7, 7, 7])
        XCTAssertEqual(seen2.values, [7, 7, 7, 7])
    }

    func testRetainGradKeepsANonLeafGradient() {
        let x = Tensor(x0).requiringGrad()
        let h = x * 3
        h.retainGrad()
        (h * h).sum().backward()
        assertClose(h.grad!, Tensor(x0.map { 6 * $0 }), rtol: 1e-15, atol: 0, "dL/dh = 2h")
    }

    // MARK: Functional API

    func testValueAndGradient() {
        let x = Tensor(x0)
        let (value, grad) = valueAndGradient(at: x) { ($0 * $0).sum() }
        XCTAssertEqual(value.item(), x0.map { $0 * $0 }.reduce(0, +), accuracy: 1e-12)
        assertClose(grad, Tensor(x0.map { 2 * $0 }), rtol: 1e-15, atol: 0, "gradient")
        XCTAssertFalse(value.requiresGrad, "the value is detached at top level")
        XCTAssertNil(x.grad)
        let (v2, grads) = valueAndGradients(at: [x, Tensor(x0.map { $0 + 1 })]) { ($0[0] * $0[1]).sum() }
        XCTAssertEqual(v2.item(), zip(x0, x0.map { $0 + 1 }).map(*).reduce(0, +), accuracy: 1e-12)
        assertClose(grads[0], Tensor(x0.map { $0 + 1 }), rtol: 1e-15, atol: 0, "d/da (a·b) = b")
        assertClose(grads[1], Tensor(x0), rtol: 1e-15, atol: 0, "d/db (a·b) = a")
    }

    func testGradientsOfDoesNotTouchGrad() {
        let x = Tensor(x0).requiringGrad()
        let w = Tensor(x0.map { $0 * 0.5 }).requiringGrad()
        let g = gradients(of: (x * w).sum(), wrt: [x])
        assertClose(g[0], Tensor(x0.map { $0 * 0.5 }), rtol: 1e-15, atol: 0, "d/dx (x·w) = w")
        XCTAssertNil(x.grad, "gradients(of:wrt:) must not accumulate into .grad")
        XCTAssertNil(w.grad, "nor into the .grad of leaves it was not asked about")
        // An input the output does not depend on gets zeros.
        let unrelated = Tensor(x0).requiringGrad()
        let z = gradients(of: (x * 2).sum(), wrt: [unrelated])[0]
        XCTAssertEqual(z.scalars, [0, 0, 0, 0])
    }

    func testGradientsWithRespectToANonLeaf() {
        let x = Tensor(x0).requiringGrad()
        let h = x.exp()
        let g = gradients(of: (h * h).sum(), wrt: [h])[0]
        assertClose(g, Tensor(x0.map { 2 * Foundation.exp($0) }), rtol: 1e-14, atol: 0, "d/dh (h²) = 2h")
    }

    func testBackwardWithASeed() {
        let x = Tensor(x0).requiringGrad()
        let seed = Tensor([1.0, 2.0, 3.0, 4.0])
        (x * x).backward(seed)
        assertClose(x.grad!, Tensor(zip(x0, [1.0, 2, 3, 4]).map { 2 * $0 * $1 }), rtol: 1e-15, atol: 0, "vector-Jacobian product")
    }

    func testGradientFlowsThroughViewsAndDiamonds() {
        // x feeds two branches (a diamond) that rejoin: gradients from both must be summed.
        let x = Tensor(shape: [2, 3], scalars: [1.0, 2, 3, 4, 5, 6]).requiringGrad()
        let a = x.transposed().reshaped([6])
        let b = x.slice(axis: 1, start: 1).sum(alongAxes: 0)
        (a.sum() * 2 + (b * b).sum()).backward()
        // d/dx: 2 everywhere, plus 2*b[j] for columns 1 and 2 (b = [2+5, 3+6] = [7, 9]).
        XCTAssertEqual(x.grad!.scalars, [2, 16, 20, 2, 16, 20])
    }
}

/// A thread-safe box for values a @Sendable hook records.
final class SeenBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Double] = []
    func record(_ values: [Double]) { lock.lock(); stored += values; lock.unlock() }
    var values: [Double] { lock.lock(); defer { lock.unlock() }; return stored }
}
