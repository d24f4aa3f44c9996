import XCTest
import Nabla

/// Backward joins the gradients of a tensor's slices (a recurrent loop reads its input one step at a
/// time) with one concat instead of padding and adding each. These check that the joined sum equals
/// the padded one in every arrangement: gaps, overlaps, slices along two axes, dense uses mixed in,
/// repeated slices, leaves and non-leaves, and second-order gradients through it.
final class SliceGradientTests: XCTestCase {
    /// d(Σ w ⊙ f(x))/dx for a fixed weight w, so every position's gradient is distinct.
    private func gradient(of x: Tensor, _ f: (Tensor) -> Tensor) -> [Double] {
        let leaf = x.requiringGrad()
        return gradients(of: f(leaf), wrt: [leaf])[0].scalars
    }

    private let x = Tensor(shape: [6, 2], scalars: (0..<12).map(Double.init))

    func testStepSlicesCoveringTheAxisGiveTheIdentityGradient() {
        let g = gradient(of: x) { x in
            (0..<6).map { x.slice(axis: 0, start: $0, end: $0 + 1).sum() * Double($0 + 1) }.reduce(Tensor.zeros([], dtype: .float64), +)
        }
        XCTAssertEqual(g, [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6])
    }

    func testGapsOverlapsRepeatsAndDenseUsesAddUp() {
        let g = gradient(of: x) { x in
            let a = x.slice(axis: 0, start: 1, end: 3).sum() * 2          // rows 1, 2: +2
            let b = x.slice(axis: 0, start: 2, end: 5).sum() * 3          // rows 2-4 (overlaps a): +3
            let c = x.slice(axis: 0, start: 1, end: 2).sum() * 5          // row 1 again: +5
            let d = (x * x).sum()                                         // dense: +2x
            return a + b + c + d
        }
        // Row r gets 2x + the slice weights; rows 0 and 5 only the dense part.
        let rowWeights: [Double] = [0, 7, 5, 3, 3, 0]
        let expected = (0..<12).map { i in 2 * Double(i) + rowWeights[i / 2] }
        XCTAssertEqual(g, expected)
    }

    func testSlicesAlongTwoAxesOfOneTensor() {
        let g = gradient(of: x) { x in
            x.slice(axis: 0, start: 4, end: 6).sum() + x.slice(axis: 1, start: 1, end: 2).sum() * 10
                + x.slice(axis: 0, start: 0, end: 1).sum()
        }
        XCTAssertEqual(g, [1, 11, 0, 10, 0, 10, 0, 10, 1, 11, 1, 11])
    }

    func testSlicesOfAnIntermediateTensor() {
        // The sliced tensor is a node's output, so its summed gradient flows on through exp.
        let g = gradient(of: Tensor([0.0, 1, 2])) { x in
            let e = x.exp()
            return e.slice(axis: 0, start: 0, end: 1).sum() + e.slice(axis: 0, start: 2, end: 3).sum() * 2
        }
        XCTAssertEqual(g[0], 1, accuracy: 1e-12)
        XCTAssertEqual(g[1], 0)
        XCTAssertEqual(g[2], 2 * Foundation.exp(2), accuracy: 1e-12)
    }

    func testSecondOrderGradientThroughJoinedSlices() {
        // f = Σ_t (x_t)³ by step slices; d²f/dx² · 1 = 6x.
        let leaf = Tensor([1.0, 2, 3]).requiringGrad()
        let f = (0..<3).map { leaf.slice(axis: 0, start: $0, end: $0 + 1).pow(3.0).sum() }.reduce(Tensor.zeros([], dtype: .float64), +)
        let first = gradients(of: f, wrt: [leaf], createGraph: true)[0]
        let second = gradients(of: first.sum(), wrt: [leaf])[0]
        XCTAssertEqual(first.scalars, [3, 12, 27])
        XCTAssertEqual(second.scalars, [6, 12, 18])
    }
}
