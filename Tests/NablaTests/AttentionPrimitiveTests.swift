import XCTest
import Nabla

/// The fused `attention` primitive (flash attention's tiled schedule): against the materialised
/// weights (`attentionWeights` then matmul) with masks, the causal triangle, fully masked rows,
/// several query and key tiles, broadcast and non-dense operands, in float32 and float64; finite
/// differences and second-order gradients in float64; traces record the primitive and its backward.
final class AttentionPrimitiveTests: XCTestCase {
    /// One configuration: the operands' shapes, an optional additive mask and the causal flag.
    private struct Case {
        var query: [Int], key: [Int], value: [Int]
        var mask: [Int]? = nil
        var causal = false
        var name: String
    }

    private let cases = [
        Case(query: [2, 3, 5, 8], key: [2, 3, 7, 8], value: [2, 3, 7, 6], name: "plain"),
        // L and S across several tiles (64 query rows, 256 keys per tile), causal with L < S and L > S.
        Case(query: [1, 2, 70, 16], key: [1, 2, 300, 16], value: [1, 2, 300, 4], causal: true, name: "causal, L < S, tiles"),
        Case(query: [2, 130, 8], key: [2, 40, 8], value: [2, 40, 8], causal: true, name: "causal, L > S"),
        Case(query: [2, 4, 9, 8], key: [2, 4, 9, 8], value: [2, 4, 9, 8], mask: [9, 9], name: "mask [L, S]"),
        Case(query: [2, 4, 5, 8], key: [2, 4, 6, 8], value: [2, 4, 6, 3], mask: [2, 1, 1, 6], causal: true, name: "padding mask and causal"),
        // Keys and values shared by every head; a mask with more leading axes than the query.
        Case(query: [3, 4, 8], key: [1, 6, 8], value: [6, 5], mask: [2, 1, 4, 6], name: "broadcast operands"),
    ]

    /// Operands of a case (random). The mask's first row hides every third key, its second row hides
    /// every key (that query row's output must be zero, not NaN).
    private func operands(_ c: Case, dtype: DType, seed: UInt64) -> [Tensor] {
        var x = [c.query, c.key, c.value].enumerated().map { Tensor.randn($1, seed: seed + UInt64($0), dtype: dtype).requiringGrad() }
        if let maskShape = c.mask {
            var values = Tensor.randn(maskShape, seed: seed + 9, dtype: .float64).scalars
            let s = maskShape[maskShape.count - 1], rows = maskShape.count >= 2 ? maskShape[maskShape.count - 2] : 1
            for j in 0..<s where j % 3 == 0 { values[j] = -.infinity }
            if rows > 1 { for j in 0..<s { values[s + j] = -.infinity } }   // row 1 of the first matrix sees nothing
            x.append(Tensor(shape: maskShape, scalars: values).cast(to: dtype))
        }
        return x
    }

    /// The output, then the gradients of query, key and value for a random upstream gradient.
    private func run(_ c: Case, dtype: DType, fused: Bool) -> [[Double]] {
        let x = operands(c, dtype: dtype, seed: 100)
        let mask = x.count > 3 ? x[3] : nil
        let y = fused ? fusedAttention(query: x[0], key: x[1], value: x[2], additiveMask: mask, isCausal: c.causal)
                      : matmul(attentionWeights(query: x[0], key: x[1], additiveMask: mask, isCausal: c.causal), x[2])
        let upstream = Tensor.randn(y.shape, seed: 200, dtype: dtype)
        let grads = gradients(of: (y * upstream).sum(), wrt: Array(x.prefix(3)))
        return ([y] + grads).map { $0.cast(to: .float64).scalars }
    }

    func testMatchesTheMaterialisedWeightsInBothDtypes() {
        for dtype in [DType.float32, .float64] {
            let tolerance = dtype == .float32 ? 2e-5 : 1e-12
            for c in cases {
                let (fused, reference) = (run(c, dtype: dtype, fused: true), run(c, dtype: dtype, fused: false))
                for (k, name) in ["output", "d query", "d key", "d value"].enumerated() {
                    XCTAssertEqual(fused[k].count, reference[k].count, "\(c.name): \(name)")
                    XCTAssertFalse(fused[k].contains { $0.isNaN }, "\(c.name): \(name) has NaN")
                    for (a, b) in zip(fused[k], reference[k]) {
                        XCTAssertEqual(a, b, accuracy: tolerance * max(1, abs(b)), "\(c.name): \(name), \(dtype)")
                    }
                }
            }
        }
    }

    func testTheFusedPrimitiveIsRecordedAndItsRowsWithoutKeysAreZero() {
        let x = operands(cases[3], dtype: .float32, seed: 300)
        let y = fusedAttention(query: x[0], key: x[1], value: x[2], additiveMask: x[3])
        let recorded = y.gradFn.map { "\($0.primitive)" } ?? "nothing"
        XCTAssertTrue(recorded.hasPrefix("attention"), recorded)
        XCTAssertEqual(y[0, 0, 1].scalars, [Double](repeating: 0, count: 8), "a query row that sees no key")
    }

    func testNonDenseOperands() {
        // [B, T, H, D] projections viewed as [B, H, T, D], as multi-head attention produces them.
        let q = Tensor.randn([2, 9, 3, 8], seed: 41).permuted([0, 2, 1, 3]), k = Tensor.randn([2, 11, 3, 8], seed: 42).permuted([0, 2, 1, 3])
        let v = Tensor.randn([2, 3, 8, 11], seed: 43).transposed()   // last axis not unit-stride
        let fused = fusedAttention(query: q, key: k, value: v, isCausal: true).scalars
        let reference = matmul(attentionWeights(query: q, key: k, isCausal: true), v).scalars
        for (a, b) in zip(fused, reference) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    }

    func testFiniteDifferencesInFloat64() {
        let q = GradData.normal([2, 3, 4], seed: 51), k = GradData.normal([2, 5, 4], seed: 52), v = GradData.normal([2, 5, 3], seed: 53)
        let mask = Tensor([0, -1, -Double.infinity, 0.5, 0])
        let upstream = GradData.normal([2, 3, 3], seed: 54)
        for causal in [false, true] {
            checkGradients("fusedAttention causal \(causal)", [q, k, v]) { x in
                (fusedAttention(query: x[0], key: x[1], value: x[2], additiveMask: mask, isCausal: causal, scale: 0.7) * upstream).sum()
            }
        }
    }

    func testSecondOrderGradientsMatchTheComposite() {
        let q = GradData.normal([2, 3, 4], seed: 61), k = GradData.normal([2, 5, 4], seed: 62), v = GradData.normal([2, 5, 3], seed: 63)
        func hessianVector(_ f: (Tensor, Tensor, Tensor) -> Tensor) -> [Double] {
            let x = [q, k, v].map { $0.requiringGrad() }
            let y = f(x[0], x[1], x[2])
            let first = gradients(of: (y * y).sum(), wrt: x, createGraph: true)
            let second = gradients(of: (first[0] * first[0]).sum() + first[1].sum() + (first[2] * x[2]).sum(), wrt: x)
            return second.flatMap(\.scalars)
        }
        let fused = hessianVector { fusedAttention(query: $0, key: $1, value: $2, isCausal: true) }
        let reference = hessianVector { matmul(attentionWeights(query: $0, key: $1, isCausal: true), $2) }
        for (a, b) in zip(fused, reference) { XCTAssertEqual(a, b, accuracy: 1e-10 * max(1, abs(b))) }
    }

    func testTracesRecordTheFusedPrimitivesForwardAndBackward() {
        let observer = PrimitiveRecorder()
        let q = Tensor.randn([2, 4, 8], seed: 71).requiringGrad()
        _ = Tracing.withObserver(observer) {
            let y = fusedAttention(query: q, key: q, value: q, isCausal: true)
            return gradients(of: y.sum(), wrt: [q])[0]
        }
        let names = observer.primitives.map(\.description)
        XCTAssertTrue(names.contains("attention(scale: \(1 / 8.0.squareRoot()), causal)"), "\(names)")
        XCTAssertTrue(names.contains { $0.hasPrefix("attentionBackward") }, "\(names)")
        XCTAssertFalse(names.contains("exp"), "no composite softmax: \(names)")
    }

    func testThePrimitivesApplyByDescriptionAsAGraphExecutorDoes() {
        let x = operands(cases[4], dtype: .float32, seed: 400).map { $0.detached() }
        let batch = Array(x[0].shape.dropLast(2)), (l, s) = (x[0].shape[2], x[1].shape[2])
        let inputs = [x[0], x[1], x[2], x[3].expanded(to: batch + [l, s])]
        let forward = Primitive.attention(scale: 0.3, causal: true).forward(inputs)
        XCTAssertEqual(forward.count, 2)
        let expected = fusedAttention(query: x[0], key: x[1], value: x[2], additiveMask: x[3], isCausal: true, scale: 0.3)
        XCTAssertEqual(forward[0].scalars, expected.scalars)
        let g = Tensor.randn(forward[0].shape, seed: 401)
        let backward = Primitive.attentionBackward(scale: 0.3, causal: true).forward(inputs + [forward[0], forward[1], g])
        let reference = x.prefix(3).map { $0.requiringGrad() }
        let y = matmul(attentionWeights(query: reference[0], key: reference[1], additiveMask: x[3], isCausal: true, scale: 0.3), reference[2])
        for (a, b) in zip(backward, gradients(of: (y * g).sum(), wrt: reference)) {
            for (u, v) in zip(a.scalars, b.scalars) { XCTAssertEqual(u, v, accuracy: 2e-5 * max(1, abs(v))) }
        }
    }
    // Operands that do not fit trap with a message: TrapTests' "fusedAttentionShapeMismatch" case.
}
