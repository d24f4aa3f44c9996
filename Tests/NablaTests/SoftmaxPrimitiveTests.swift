import Foundation
import XCTest
import Nabla

/// The `softmax` primitive (`safeSoftmax`): the float32 row kernels against the composite, masked rows,
/// finite differences in float64 and second-order gradients.
final class SoftmaxPrimitiveTests: XCTestCase {
    private func composite(_ x: Tensor) -> Tensor {
        let m = withNoGrad { () -> Tensor in
            let rowMax = x.max(alongAxes: -1, keepingDims: true)
            return Tensor.where(rowMax.isFinite(), rowMax, Tensor.zeros([], dtype: rowMax.dtype))
        }
        let e = (x - m).exp()
        let total = e.sum(alongAxes: -1, keepingDims: true)
        return e / Tensor.where(total .== 0, Tensor.ones([], dtype: total.dtype), total)
    }

    func testFloat32KernelsMatchTheComposite() {
        // A transposed (non-dense) input, rows of 37 (not a multiple of the vector width).
        let x = (Tensor.randn([37, 6], seed: 9) * 4).transposed(), upstream = Tensor.randn([6, 37], seed: 10)
        func run(_ f: (Tensor) -> Tensor) -> ([Float], [Float]) {
            let leaf = x.requiringGrad()
            let y = f(leaf)
            return (y.toArray(as: Float.self), gradients(of: (y * upstream).sum(), wrt: [leaf])[0].toArray(as: Float.self))
        }
        let (y, g) = run(safeSoftmax), (yRef, gRef) = run(composite)
        for (a, b) in zip(y, yRef) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        for (a, b) in zip(g, gRef) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    }

    func testMaskedRowsGiveZerosAndPartlyMaskedRowsIgnoreTheMaskedEntries() {
        let x = Tensor(shape: [3, 3], scalars: [0, 0, -Float.infinity, -Float.infinity, -Float.infinity, -Float.infinity, 1, 2, 3] as [Float])
        let y = safeSoftmax(x).toArray(as: Float.self)
        XCTAssertEqual(Array(y[0..<3]), [0.5, 0.5, 0])
        XCTAssertEqual(Array(y[3..<6]), [0, 0, 0])
        let e = [Foundation.exp(-2.0), Foundation.exp(-1.0), 1.0], s = e.reduce(0, +)
        for (a, b) in zip(y[6..<9], e.map { $0 / s }) { XCTAssertEqual(Double(a), b, accuracy: 1e-6) }
    }

    func testFiniteDifferencesInFloat64() {
        checkGradient("safeSoftmax", GradData.normal([3, 5], seed: 51)) { safeSoftmax($0) * GradData.normal([3, 5], seed: 52) }
    }

    func testSecondOrderGradientsMatchTheComposite() {
        let w = Tensor.randn([2, 4], seed: 61)
        func hessianVector(_ f: (Tensor) -> Tensor) -> [Float] {
            let x = Tensor.randn([2, 4], seed: 62).requiringGrad()
            let first = gradients(of: (f(x) * w).sum(), wrt: [x], createGraph: true)[0]
            return gradients(of: (first * first).sum(), wrt: [x])[0].toArray(as: Float.self)
        }
        for (a, b) in zip(hessianVector(safeSoftmax), hessianVector(composite)) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    }

    func testTracesRecordThePrimitiveAndItsBackwardKernel() {
        let observer = PrimitiveRecorder()
        let x = Tensor.randn([3, 5], seed: 121).requiringGrad(), g = Tensor.randn([3, 5], seed: 122)
        _ = Tracing.withObserver(observer) { gradients(of: (safeSoftmax(x) * g).sum(), wrt: [x]) }
        let names = observer.primitives.map(\.description)
        XCTAssertTrue(names.contains("softmax"), "\(names)")
        XCTAssertTrue(names.contains("softmaxBackward"), "\(names)")
        XCTAssertFalse(names.contains("exp"), "no composite: \(names)")
        let y = safeSoftmax(x.detached())
        XCTAssertEqual(Primitive.softmaxBackward.forward([y, g])[0].scalars,
                       gradients(of: (safeSoftmax(x) * g).sum(), wrt: [x])[0].scalars)
    }
}
