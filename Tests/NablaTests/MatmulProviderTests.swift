import XCTest
@testable import Nabla

/// Float32 products that `GEMM` sends to oneDNN's matmul primitive (`OneDNNStridedMatmul`) instead of
/// `dnnl_sgemm` (`GEMM.prefersMatmulPrimitive`), against the same products in float64 (OpenBLAS).
final class MatmulProviderTests: XCTestCase {
    /// float32 `a·b` against float64, elementwise within `tolerance` relative to the row's magnitude.
    private func assertMatchesDouble(_ a: Tensor, _ b: Tensor, file: StaticString = #filePath, line: UInt = #line) {
        let product = matmul(a, b).toArray(as: Float.self)
        let reference = matmul(a.cast(to: .float64), b.cast(to: .float64)).toArray(as: Double.self)
        XCTAssertEqual(product.count, reference.count, file: file, line: line)
        let scale = Double(a.shape.last!).squareRoot()
        for (p, q) in zip(product, reference) {
            XCTAssertEqual(Double(p), q, accuracy: 1e-5 * scale * max(1, abs(q)), file: file, line: line)
        }
    }

    func testTheRuleCoversLinearLayerShapesOnly() {
        XCTAssertTrue(GEMM.prefersMatmulPrimitive(transposeA: false, transposeB: true, m: 64))
        XCTAssertTrue(GEMM.prefersMatmulPrimitive(transposeA: false, transposeB: true, m: 16))
        XCTAssertTrue(GEMM.prefersMatmulPrimitive(transposeA: false, transposeB: true, m: 256))
        XCTAssertFalse(GEMM.prefersMatmulPrimitive(transposeA: false, transposeB: true, m: 15))
        XCTAssertFalse(GEMM.prefersMatmulPrimitive(transposeA: false, transposeB: true, m: 257))
        XCTAssertFalse(GEMM.prefersMatmulPrimitive(transposeA: false, transposeB: false, m: 64))
        XCTAssertFalse(GEMM.prefersMatmulPrimitive(transposeA: true, transposeB: true, m: 64))
        XCTAssertEqual(GEMM.provider(m: 64, n: 10, k: 5, transposeB: true), "onednn-matmul")
        XCTAssertEqual(GEMM.provider(m: 64, n: 10, k: 5), "onednn")
    }

    func testAStridedOutputAndScaledCallsThroughGEMM() {
        // C with a row stride of 12 (ldc > n), and beta = 1 (which goes to dnnl_sgemm instead).
        let a = Tensor.randn([20, 7], seed: 31).toArray(as: Float.self), b = Tensor.randn([9, 7], seed: 32).toArray(as: Float.self)
        var c = [Float](repeating: 1, count: 20 * 12)
        GEMM.sgemm(transposeA: false, transposeB: true, m: 20, n: 9, k: 7, alpha: 1, a: a, lda: 7, b: b, ldb: 7, beta: 0, c: &c, ldc: 12)
        var accumulated = [Float](repeating: 1, count: 20 * 9)
        GEMM.sgemm(transposeA: false, transposeB: true, m: 20, n: 9, k: 7, alpha: 1, a: a, lda: 7, b: b, ldb: 7, beta: 1, c: &accumulated, ldc: 9)
        for i in 0..<20 {
            for j in 0..<9 {
                let dot = (0..<7).reduce(0.0) { $0 + Double(a[i * 7 + $1]) * Double(b[j * 7 + $1]) }
                XCTAssertEqual(Double(c[i * 12 + j]), dot, accuracy: 1e-5)
                XCTAssertEqual(Double(accumulated[i * 9 + j]), dot + 1, accuracy: 1e-5)
            }
            for j in 9..<12 { XCTAssertEqual(c[i * 12 + j], 1, "the padding between rows is not written") }
        }
    }

    func testLinearLayerProductsAtTheEdgesOfTheRule() {
        for (m, seed) in [(15, 1), (16, 2), (64, 3), (256, 4), (257, 5)] {
            let weight = Tensor.randn([37, 29], seed: UInt64(100 + seed))
            assertMatchesDouble(Tensor.randn([m, 29], seed: UInt64(seed)), weight.transposed())
        }
    }

    func testStridedRowsAndFoldedBatches() {
        // A is a column slice of a wider matrix (row stride 40, not 29); B a transposed view.
        let wide = Tensor.randn([48, 40], seed: 11)
        let weight = Tensor.randn([23, 29], seed: 12)
        assertMatchesDouble(wide.slice(axis: 1, start: 5, end: 34), weight.transposed())
        // [2, 24, 29] times a shared transposed weight: the batch folds into 48 rows.
        assertMatchesDouble(Tensor.randn([2, 24, 29], seed: 13), weight.transposed())
        // B a transposed slice: its stored rows are 33 apart.
        let wideWeight = Tensor.randn([23, 33], seed: 14)
        assertMatchesDouble(Tensor.randn([32, 29], seed: 15), wideWeight.slice(axis: 1, start: 2, end: 31).transposed())
    }

    func testACachedPrimitiveGivesTheSameResultAgain() {
        let a = Tensor.randn([32, 29], seed: 21), weight = Tensor.randn([17, 29], seed: 22)
        let first = matmul(a, weight.transposed()).toArray(as: Float.self)
        let second = matmul(a, weight.transposed()).toArray(as: Float.self)
        XCTAssertEqual(first, second)
        // Another buffer of the same geometry reuses the primitive with the new pointers.
        let other = Tensor.randn([32, 29], seed: 23)
        assertMatchesDouble(other, weight.transposed())
    }
}
