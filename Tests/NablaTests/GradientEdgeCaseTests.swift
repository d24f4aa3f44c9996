import Foundation
import XCTest
import Nabla

/// Gradients at zeros, ties, kinks and infinities, against the values PyTorch 2.x gives there
/// (computed once with torch and written here; the conventions are PyTorch's).
final class GradientEdgeCaseTests: XCTestCase {
    private func grad(_ x: Tensor, seed: Tensor? = nil, _ f: (Tensor) -> Tensor) -> [Double] {
        let leaf = x.requiringGrad()
        let y = f(leaf)
        return gradients(of: y, wrt: [leaf], seed: seed ?? (y.count == 1 ? nil : Tensor.ones(like: y)))[0].scalars
    }

    func testProdGradientWithZeros() {
        // torch: x.prod(dim=1).backward([1, 2, 3]) -> [[0, 6, 0], [0, 0, 0], [24, 12, 6]]
        let x = Tensor(shape: [3, 3], scalars: [2.0, 0, 3, 0, 0, 5, 1, 2, 4])
        XCTAssertEqual(grad(x, seed: Tensor([1.0, 2, 3])) { $0.prod(alongAxes: 1) }, [0, 6, 0, 0, 0, 0, 24, 12, 6])
        // torch: tensor([2, 0, 3, -1]).prod().backward() -> [0, -6, 0, 0]
        XCTAssertEqual(grad(Tensor([2.0, 0, 3, -1])) { $0.prod() }, [0, -6, 0, 0])
    }

    func testMaxMinGradientsSplitTiesEvenly() {
        // torch.amax(x, dim=1) with ties: [[0, .5, .5], [1/3, 1/3, 1/3]]
        let g = grad(Tensor(shape: [2, 3], scalars: [1.0, 3, 3, 2, 2, 2])) { $0.max(alongAxes: 1) }
        XCTAssertEqual(g[0...2], [0, 0.5, 0.5])
        for v in g[3...5] { XCTAssertEqual(v, 1.0 / 3, accuracy: 1e-15) }
        XCTAssertEqual(grad(Tensor([1.0, -3, -3])) { $0.min() }, [0, 0.5, 0.5])
        // torch.maximum(a, b) with a tie at index 0: a.grad [0.5, 0, 1], b.grad [0.5, 1, 0]
        let b = Tensor([1.0, 5, 0])
        XCTAssertEqual(grad(Tensor([1.0, 2, 3])) { $0.maximum(b).sum() }, [0.5, 0, 1])
        XCTAssertEqual(grad(Tensor([1.0, 2, 3])) { $0.minimum(b).sum() }, [0.5, 1, 0])
    }

    func testKinksAtZero() {
        // torch: relu(x).sum() + x.abs().sum() at [0, -1, 2] -> [0, -1, 2]
        XCTAssertEqual(grad(Tensor([0.0, -1, 2])) { relu($0).sum() + $0.abs().sum() }, [0, -1, 2])
        // torch: x.pow(2.0) at 0 -> 0; sqrt at 0 -> inf
        XCTAssertEqual(grad(Tensor([0.0, 1])) { $0.pow(2.0).sum() }, [0, 2])
        XCTAssertEqual(grad(Tensor([0.0, 4])) { $0.sqrt().sum() }, [.infinity, 0.25])
        // torch: pow(x, e) with x = 0: de = 0 (not NaN).
        let e = Tensor([0.5, 0.5]).requiringGrad()
        let ge = gradients(of: Tensor([0.0, 1]).pow(e).sum(), wrt: [e])[0].scalars
        XCTAssertEqual(ge, [0, 0])
    }

    func testActivationGradientsAtZero() {
        // torch: leaky_relu(x, 0.2) at [0, -1, 2] -> [0.2, 0.2, 1]; elu(x, 0.5) -> [0.5, 0.1839, 1]
        XCTAssertEqual(grad(Tensor([0.0, -1, 2])) { leakyRelu($0, negativeSlope: 0.2).sum() }, [0.2, 0.2, 1])
        let e = grad(Tensor([0.0, -1, 2])) { elu($0, alpha: 0.5).sum() }
        XCTAssertEqual(e[0], 0.5, accuracy: 1e-15)
        XCTAssertEqual(e[1], 0.5 * Foundation.exp(-1.0), accuracy: 1e-15)
        XCTAssertEqual(e[2], 1)
    }

    func testMaxPoolGradientGoesToTheFirstMaximum() {
        // torch: max_pool2d([[1, 2], [2, 0]], 2) sends the gradient to the first maximum only: [0, 1, 0, 0]
        XCTAssertEqual(grad(Tensor(shape: [1, 1, 2, 2], scalars: [1.0, 2, 2, 0])) { maxPool2d($0, 2).sum() }, [0, 1, 0, 0])
    }

    func testSoftmaxFamilyWithNegativeInfinity() {
        let x = Tensor(shape: [1, 3], scalars: [-Double.infinity, 1, 2])
        let up = Tensor(shape: [1, 3], scalars: [1.0, 2, 3])
        // torch.softmax: [0, 0.2689, 0.7311]; gradient [0, -0.1966, 0.1966]
        let s = softmax(x, axis: 1).scalars
        XCTAssertEqual(s[0], 0)
        XCTAssertEqual(s[1], 0.2689414213699951, accuracy: 1e-12)
        let gs = grad(x) { (softmax($0, axis: 1) * up).sum() }
        XCTAssertEqual(gs[0], 0)
        XCTAssertEqual(gs[1], -0.19661193324148196, accuracy: 1e-12)
        XCTAssertEqual(gs[2], 0.1966119332414816, accuracy: 1e-12)
        // torch.log_softmax: [-inf, -1.3133, -0.3133]; gradient [1, 0.38635, -1.38635]
        let l = logSoftmax(x, axis: 1).scalars
        XCTAssertEqual(l[0], -.infinity)
        XCTAssertEqual(l[1], -1.3132616875182228, accuracy: 1e-12)
        let gl = grad(x) { (logSoftmax($0, axis: 1) * up).sum() }
        XCTAssertEqual(gl[0], 1, accuracy: 1e-12)
        XCTAssertEqual(gl[1], 0.3863514717800294, accuracy: 1e-12)
        XCTAssertEqual(gl[2], -1.3863514717800294, accuracy: 1e-12)
        // torch.logsumexp over a row of -inf is -inf (and 0 for [0, -inf]).
        let lse = Tensor(shape: [2, 2], scalars: [-Double.infinity, -.infinity, 0, -.infinity]).logSumExp(alongAxes: [1]).scalars
        XCTAssertEqual(lse, [-.infinity, 0])
    }

    func testEmptySlicesAndZeroSizedTensors() {
        // torch: x[2:2].sum() -> gradient zeros.
        XCTAssertEqual(grad(Tensor([1.0, 2, 3, 4, 5])) { $0.slice(axis: 0, start: 2, end: 2).sum() }, [0, 0, 0, 0, 0])
        let empty = Tensor.zeros([0, 3], dtype: .float64)
        XCTAssertEqual(grad(Tensor(shape: [1, 3], scalars: [1.0, 2, 3])) { concat([$0, empty], axis: 0).sum() }, [1, 1, 1])
        XCTAssertEqual(Tensor.zeros([0, 3]).sum(alongAxes: 0).scalars, [0, 0, 0])
    }
}
