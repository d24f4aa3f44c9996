import Foundation
import XCTest
@testable import Nabla

// MARK: - Every differentiable primitive

/// Finite-difference gradient checks in float64 for every differentiable primitive (contiguous,
/// broadcast and non-contiguous inputs), the second-order primitives, and the composites.
final class GradientCheckTests: XCTestCase {
    /// The domain each unary primitive is checked on, and the op itself (an exhaustive switch: a new
    /// `UnaryOp` case does not compile until it is checked here).
    static func unary(_ op: UnaryOp) -> (input: (_ shape: [Int], _ seed: UInt64) -> Tensor, apply: (Tensor) -> Tensor)? {
        switch op {
        case .neg: return (GradData.normal, { -$0 })
        case .abs: return ({ GradData.awayFromZero($0, seed: $1) }, { $0.abs() })
        case .sign: return ({ GradData.awayFromZero($0, seed: $1) }, { $0.sign() })
        case .exp: return (GradData.normal, { $0.exp() })
        case .log: return ({ GradData.uniform($0, seed: $1, 0.3, 2.5) }, { $0.log() })
        case .log1p: return ({ GradData.uniform($0, seed: $1, -0.6, 2.5) }, { $0.log1p() })
        case .expm1: return (GradData.normal, { $0.expm1() })
        case .sqrt: return ({ GradData.uniform($0, seed: $1, 0.3, 2.5) }, { $0.sqrt() })
        case .rsqrt: return ({ GradData.uniform($0, seed: $1, 0.3, 2.5) }, { $0.rsqrt() })
        case .sin: return (GradData.normal, { $0.sin() })
        case .cos: return (GradData.normal, { $0.cos() })
        case .tanh: return (GradData.normal, { $0.tanh() })
        case .sigmoid: return (GradData.normal, { $0.sigmoid() })
        case .relu: return ({ GradData.awayFromZero($0, seed: $1) }, { relu($0) })
        case .erf: return (GradData.normal, { $0.erf() })
        case .floor: return (GradData.awayFromIntegers, { $0.floor() })
        case .ceil: return (GradData.awayFromIntegers, { $0.ceil() })
        case .round: return (GradData.awayFromIntegers, { $0.rounded() })
        case .isnan, .isfinite, .logicalNot: return nil   // bool results: not differentiable
        }
    }

    func testUnaryPrimitives() {
        var checked = 0
        for (k, op) in UnaryOp.allCases.enumerated() {
            guard let (input, apply) = Self.unary(op) else { continue }
            checked += 1
            let seed = UInt64(100 + k)
            checkGradient("\(op) contiguous", input([3, 4], seed)) { apply($0) }
            // Non-contiguous: a transposed view and a strided slice.
            checkGradient("\(op) transposed", input([4, 3], seed &+ 50)) { apply($0.transposed()) }
            checkGradient("\(op) strided slice", input([3, 7], seed &+ 60)) { apply($0.slice(axis: 1, start: 1, end: 7, step: 2)) }
        }
        XCTAssertEqual(checked, UnaryOp.allCases.count - 3)
    }

    /// Operands for each differentiable binary primitive (nil for comparisons and logical ops).
    static func binary(_ op: BinaryOp) -> (a: ([Int], UInt64) -> Tensor, b: ([Int], UInt64) -> Tensor, apply: (Tensor, Tensor) -> Tensor)? {
        switch op {
        case .add: return (GradData.normal, GradData.normal, { $0 + $1 })
        case .sub: return (GradData.normal, GradData.normal, { $0 - $1 })
        case .mul: return (GradData.normal, GradData.normal, { $0 * $1 })
        case .div: return (GradData.normal, { GradData.awayFromZero($0, seed: $1, margin: 0.5) }, { $0 / $1 })
        case .pow: return ({ GradData.uniform($0, seed: $1, 0.3, 2.5) }, GradData.normal, { $0.pow($1) })
        // Continuous random operands never tie, so min/max are differentiable at every sample.
        case .minimum: return (GradData.normal, GradData.normal, { $0.minimum($1) })
        case .maximum: return (GradData.normal, GradData.normal, { $0.maximum($1) })
        // The input operand stays away from relu's kink at 0.
        case .reluGrad: return (GradData.normal, { GradData.awayFromZero($0, seed: $1, margin: 0.1) },
                                { applyBinary(.reluGrad, $0, $1, file: #fileID, line: #line) })
        case .eq, .ne, .lt, .le, .gt, .ge, .logicalAnd, .logicalOr: return nil
        }
    }

    func testBinaryPrimitives() {
        let shapes: [(String, [Int], [Int])] = [
            ("same", [3, 4], [3, 4]), ("broadcast 3x1 1x4", [3, 1], [1, 4]), ("broadcast 2x3x4 4", [2, 3, 4], [4]),
            ("scalar and vector", [], [3]), ("broadcast 4 2x3x4", [4], [2, 3, 4]),
        ]
        var checked = 0
        for (k, op) in BinaryOp.allCases.enumerated() {
            guard let (a, b, apply) = Self.binary(op) else { continue }
            checked += 1
            for (j, (tag, sa, sb)) in shapes.enumerated() {
                let seed = UInt64(1000 + 10 * k + j)
                checkGradients("\(op) \(tag)", [a(sa, seed), b(sb, seed &+ 500)]) { apply($0[0], $0[1]) }
            }
            // Non-contiguous operands: a transposed lhs and a sliced rhs.
            checkGradients("\(op) transposed lhs, sliced rhs", [a([4, 3], UInt64(2000 + k)), b([3, 8], UInt64(2100 + k))]) {
                apply($0[0].transposed(), $0[1].slice(axis: 1, start: 0, end: 8, step: 2))
            }
            // A constant 0-d operand.
            checkGradient("\(op) with a constant 0-d operand", a([2, 3], UInt64(2200 + k))) { apply($0, Tensor(1.7)) }
        }
        XCTAssertEqual(checked, 8)
    }

    func testSelect() {
        let c1 = Tensor(shape: [3, 1], scalars: [true, false, true])
        checkGradients("where broadcast", [GradData.normal([1, 4], seed: 1), GradData.normal([], seed: 2)]) {
            Tensor.where(c1, $0[0], $0[1])
        }
        let c2 = GradData.normal([2, 3, 4], seed: 3) .> 0
        checkGradients("where broadcast 3-d", [GradData.normal([3, 4], seed: 4), GradData.normal([2, 1, 4], seed: 5)]) {
            Tensor.where(c2, $0[0], $0[1])
        }
        checkGradients("where transposed", [GradData.normal([4, 3], seed: 6), GradData.normal([3, 4], seed: 7)]) {
            Tensor.where(c2.slice(axis: 0, start: 0, end: 1).squeezed(axis: 0), $0[0].transposed(), $0[1])
        }
    }

    func testReductions() {
        let x = GradData.normal([3, 4, 5], seed: 10)
        for (axes, keep) in [(nil, false), ([1], false), ([1], true), ([0, 2], false), ([-1, 0], true)] as [([Int]?, Bool)] {
            checkGradient("sum \(String(describing: axes)) keep \(keep)", x) { $0.sum(alongAxes: axes, keepingDims: keep) }
            checkGradient("max \(String(describing: axes)) keep \(keep)", GradData.distinct([3, 4, 5], seed: 11)) {
                $0.max(alongAxes: axes, keepingDims: keep)
            }
        }
        checkGradient("sum of transposed", x) { $0.transposed(0, 2).sum(alongAxes: 0) }
        // prod: values in ±[0.5, 1.5] keep the product well scaled and away from 0.
        let p = GradData.uniform([3, 4, 5], seed: 12, 0.5, 1.5)
        let signs = GradData.normal([3, 4, 5], seed: 13).scalars
        let pv = Tensor(shape: [3, 4, 5], scalars: zip(p.scalars, signs).map { $1 < 0 ? -$0 : $0 })
        checkGradient("prod all", pv) { $0.prod() }
        checkGradient("prod axis 1", pv) { $0.prod(alongAxes: 1) }
        checkGradient("prod axes 0, 2 keep", pv) { $0.prod(alongAxes: 0, 2, keepingDims: true) }
        checkGradient("prod transposed", pv) { $0.transposed(0, 1).prod(alongAxes: 0) }
        let d = GradData.distinct([3, 4, 5], seed: 14)
        checkGradient("min all", d) { $0.min() }
        checkGradient("min axis 1", d) { $0.min(alongAxes: 1) }
        checkGradient("min axes 0, 2 keep", d) { $0.min(alongAxes: 0, 2, keepingDims: true) }
        checkGradient("max transposed", d) { $0.transposed(0, 2).max(alongAxes: 0) }
        checkGradient("mean", x) { $0.mean(alongAxes: 1, keepingDims: true) }
    }

    func testCumsum() {
        let x = GradData.normal([3, 4, 5], seed: 20)
        for axis in [0, 1, -1] {
            checkGradient("cumsum axis \(axis)", x) { $0.cumsum(axis: axis) }
        }
        checkGradient("cumsum transposed", GradData.normal([5, 4], seed: 21)) { $0.transposed().cumsum(axis: 1) }
    }

    func testMatmul() {
        let cases: [(String, [Int], [Int])] = [
            ("2-d x 2-d", [3, 4], [4, 5]), ("1-d x 1-d", [4], [4]), ("2-d x 1-d", [3, 4], [4]), ("1-d x 2-d", [4], [4, 5]),
            ("3-d x 3-d", [2, 3, 4], [2, 4, 5]), ("batch broadcast 4-d x 3-d", [2, 1, 3, 4], [3, 4, 2]), ("3-d x 2-d", [2, 3, 4], [4, 2]),
        ]
        for (k, (tag, sa, sb)) in cases.enumerated() {
            checkGradients("matmul \(tag)", [GradData.normal(sa, seed: UInt64(30 + k)), GradData.normal(sb, seed: UInt64(40 + k))]) {
                matmul($0[0], $0[1])
            }
        }
        checkGradients("matmul transposed operands", [GradData.normal([4, 3], seed: 50), GradData.normal([5, 4], seed: 51)]) {
            matmul($0[0].transposed(), $0[1].transposed())
        }
        checkGradients("matmul sliced operand", [GradData.normal([3, 8], seed: 52), GradData.normal([4, 2], seed: 53)]) {
            matmul($0[0].slice(axis: 1, start: 0, end: 8, step: 2), $0[1])
        }
    }

    func testCast() {
        // float64 -> float32 -> float64: the float32 rounding (relative 6e-8) needs a larger step
        // and a looser tolerance than the pure float64 checks.
        checkGradient("cast via float32", GradData.normal([3, 4], seed: 60), eps: 1e-2, rtol: 1e-4, atol: 1e-4) {
            $0.cast(to: .float32).cast(to: .float64)
        }
        // Promotion inserts casts: float32 * float64 is computed in float64.
        let f32 = GradData.normal([3, 4], seed: 61).cast(to: .float32)
        checkGradient("promoted float32 operand", GradData.normal([3, 4], seed: 62)) { $0 * f32 }
        XCTAssertEqual((f32 * GradData.normal([3, 4], seed: 62)).dtype, .float64)
    }

    func testMovementPrimitives() {
        let x = GradData.normal([2, 3, 4], seed: 70)
        checkGradient("contiguous of transposed", x) { $0.transposed(0, 2).contiguous() * 1.5 }
        checkGradient("reshape", x) { $0.reshaped([4, 6]) }
        checkGradient("reshape of a non-contiguous view (copies)", x) { $0.transposed(0, 2).reshaped([-1]) }
        checkGradient("permute", x) { $0.permuted([2, 0, 1]) }
        checkGradient("expand", GradData.normal([3, 1], seed: 71)) { $0.expanded(to: [2, 3, 4]) }
        checkGradient("expand of transposed", GradData.normal([1, 3], seed: 72)) { $0.transposed().expanded(to: [3, 5]) }
        checkGradient("slice", x) { $0.slice(axis: 1, start: 1, end: 3) }
        checkGradient("slice with step", GradData.normal([2, 9, 3], seed: 73)) { $0.slice(axis: 1, start: 1, end: -1, step: 3) }
        checkGradient("slice with step past the end", GradData.normal([2, 8], seed: 74)) { $0.slice(axis: -1, start: 3, end: 100, step: 2) }
        checkGradient("slice of slice", GradData.normal([6, 5], seed: 75)) {
            $0.slice(axis: 0, start: 1, step: 2).slice(axis: 1, start: 0, end: 4, step: 3)
        }
        checkGradient("pad constant", x) { $0.padded([1, 2, 0, 1], mode: .constant, value: 0.7) }
        checkGradient("pad reflect 1-d", GradData.normal([2, 5], seed: 76)) { $0.padded([3, 2], mode: .reflect) }
        checkGradient("pad reflect 2-d", GradData.normal([1, 1, 4, 5], seed: 77)) { $0.padded([1, 2, 2, 1], mode: .reflect) }
        checkGradient("pad reflect of transposed", GradData.normal([5, 4], seed: 78)) { $0.transposed().padded([2, 1], mode: .reflect) }
        checkGradient("flip", x) { $0.flipped([0, 2]) }
        checkGradient("flip of transposed", x) { $0.transposed(0, 1).flipped([-1]) }
        checkGradients("concat", [GradData.normal([2, 3], seed: 79), GradData.normal([1, 3], seed: 80), GradData.normal([3, 2], seed: 81)]) {
            concat([$0[0], $0[1], $0[2].transposed()], axis: 0)
        }
        checkGradients("concat last axis", [GradData.normal([2, 3, 2], seed: 82), GradData.normal([2, 3, 1], seed: 83)]) {
            concat([$0[0], $0[1]], axis: -1)
        }
        checkGradients("stack", [GradData.normal([2, 3], seed: 84), GradData.normal([2, 3], seed: 85)]) { stack([$0[0], $0[1]], axis: 1) }
        checkGradient("squeeze/unsqueeze/flatten", GradData.normal([2, 1, 3], seed: 86)) {
            $0.squeezed(axis: 1).unsqueezed(axis: 0).flattened(from: 1)
        }
        checkGradient("repeat", GradData.normal([2, 3], seed: 87)) { $0.repeated([2, 1, 2]) }
        checkGradient("split", GradData.normal([5, 3], seed: 88)) { x in
            let pieces = x.split(size: 2, axis: 0)
            return pieces[0] * 2 + pieces[1] * pieces[1] - 1
        }
    }

    func testIndexingPrimitives() {
        let x = GradData.normal([3, 4], seed: 90)
        let idx = Tensor(shape: [3, 5], scalars: [0, 3, 3, 1, 2, 1, 1, 0, 2, 3, 2, 0, 3, 3, 3] as [Int64])
        checkGradient("gather with repeated indices", x) { $0.gather(axis: 1, index: idx) }
        let idx0 = Tensor(shape: [2, 4], scalars: [2, 0, 1, 2, 0, 0, 2, 1] as [Int64])
        checkGradient("gather axis 0 of transposed", GradData.normal([4, 3], seed: 91)) { $0.transposed().gather(axis: 0, index: idx0) }

        // scatter: distinct indices per row (a duplicate write has no well-defined gradient).
        let sidx = Tensor(shape: [3, 2], scalars: [4, 1, 0, 2, 3, 4] as [Int64])
        checkGradients("scatter", [GradData.normal([3, 5], seed: 92), GradData.normal([3, 2], seed: 93)]) {
            $0[0].scattering(axis: 1, index: sidx, source: $0[1])
        }
        let sidx0 = Tensor(shape: [2, 3], scalars: [4, 0, 2, 1, 3, 0] as [Int64])
        checkGradients("scatter axis 0, transposed source", [GradData.normal([5, 3], seed: 94), GradData.normal([3, 2], seed: 95)]) {
            $0[0].scattering(axis: 0, index: sidx0, source: $0[1].transposed())
        }
        let aidx = Tensor(shape: [3, 6], scalars: [0, 1, 1, 3, 0, 0, 2, 2, 2, 1, 3, 0, 3, 3, 1, 1, 0, 2] as [Int64])
        checkGradients("scatterAdd with duplicates", [GradData.normal([3, 4], seed: 96), GradData.normal([3, 6], seed: 97)]) {
            $0[0].scatteringAdd(axis: 1, index: aidx, source: $0[1])
        }
        let d = GradData.distinct([3, 5], seed: 98)
        checkGradient("sort ascending", d) { $0.sorted(axis: -1).values }
        checkGradient("sort descending axis 0", d) { $0.sorted(axis: 0, descending: true).values }
        checkGradient("sort of transposed", d) { $0.transposed().sorted(axis: 1).values }
        checkGradient("topk", d) { $0.topk(2, axis: 1).values }
        checkGradient("indexSelect", x) { $0.indexSelect(axis: 1, index: Tensor([2, 0, 2] as [Int64])) }
        checkGradient("embedding", GradData.normal([5, 3], seed: 99)) {
            embedding(Tensor(shape: [2, 3], scalars: [4, 0, 4, 1, 1, 2] as [Int64]), weight: $0)
        }
        checkGradient("maskedFill", x) { $0.maskedFill(x .> 0.3, value: -2) }
    }

    func testConvolution() {
        // conv2d with every attribute: stride, asymmetric padding, dilation and groups, plus bias.
        checkGradients("conv2d stride/padding/dilation/groups",
                       [GradData.normal([2, 4, 6, 5], seed: 110), GradData.normal([6, 2, 3, 2], seed: 111), GradData.normal([6], seed: 112)]) {
            conv2d($0[0], weight: $0[1], bias: $0[2], stride: (2, 1), padding: (1, 2), dilation: (2, 1), groups: 2)
        }
        checkGradients("conv2d plain", [GradData.normal([1, 3, 5, 5], seed: 113), GradData.normal([2, 3, 3, 3], seed: 114)]) {
            conv2d($0[0], weight: $0[1])
        }
        // A non-contiguous input (NHWC storage viewed as NCHW) and a depthwise convolution.
        checkGradients("conv2d depthwise, permuted input", [GradData.normal([1, 5, 4, 3], seed: 115), GradData.normal([3, 1, 2, 2], seed: 116)]) {
            conv2d($0[0].permuted([0, 3, 1, 2]), weight: $0[1], padding: 1, groups: 3)
        }
        checkGradients("conv1d", [GradData.normal([2, 3, 9], seed: 117), GradData.normal([4, 3, 3], seed: 118), GradData.normal([4], seed: 119)]) {
            conv1d($0[0], weight: $0[1], bias: $0[2], stride: 2, padding: 1, dilation: 2)
        }
    }

    func testTransposedConvolution() {
        // conv2dBackwardData, with respect to both the upstream and the weight.
        checkGradients("convTranspose2d stride/padding/outputPadding/groups",
                       [GradData.normal([1, 4, 3, 3], seed: 120), GradData.normal([4, 2, 3, 3], seed: 121), GradData.normal([4], seed: 122)]) {
            convTranspose2d($0[0], weight: $0[1], bias: $0[2], stride: (2, 2), padding: (1, 1), outputPadding: (1, 1), groups: 2)
        }
        checkGradients("convTranspose2d dilation", [GradData.normal([1, 2, 3, 4], seed: 123), GradData.normal([2, 2, 2, 3], seed: 124)]) {
            convTranspose2d($0[0], weight: $0[1], stride: (2, 1), padding: (0, 1), outputPadding: (1, 0), dilation: (2, 2))
        }
    }

    func testConvolutionWeightGradient() {
        // conv2dBackwardWeight(x, gy) is the weight gradient of conv2d; differentiate it (second order)
        // with respect to both x and gy.
        let w = GradData.normal([4, 2, 3, 3], seed: 130)
        checkGradients("conv2dBackwardWeight", [GradData.normal([2, 4, 5, 6], seed: 131), GradData.normal([2, 4, 3, 4], seed: 132)]) { xs in
            let weight = w.requiringGrad()
            let y = conv2d(xs[0], weight: weight, stride: (2, 1), padding: (1, 1), dilation: (1, 2), groups: 2)
            return gradients(of: (y * xs[1]).sum(), wrt: [weight], createGraph: true)[0]
        }
        // And the input gradient of conv2d differentiated with respect to the weight (conv2dBackwardData's second input).
        let x = GradData.normal([1, 2, 5, 5], seed: 133)
        checkGradients("conv2d input gradient wrt weight", [GradData.normal([3, 2, 3, 3], seed: 134), GradData.normal([1, 3, 3, 3], seed: 135)]) { xs in
            let input = x.requiringGrad()
            let y = conv2d(input, weight: xs[0], stride: 2, padding: 1)
            return gradients(of: (y * xs[1]).sum(), wrt: [input], createGraph: true)[0]
        }
    }

    func testPooling() {
        let x = GradData.distinct([1, 2, 6, 5], seed: 140)
        checkGradient("maxPool2d k3 s2 p1", x) { maxPool2d($0, kernelSize: (3, 3), stride: (2, 2), padding: (1, 1)) }
        checkGradient("maxPool2d k(3,2) s(2,1) p(1,0)", x) { maxPool2d($0, kernelSize: (3, 2), stride: (2, 1), padding: (1, 0)) }
        checkGradient("maxPool2d of permuted", GradData.distinct([1, 6, 5, 2], seed: 141)) { maxPool2d($0.permuted([0, 3, 1, 2]), 2) }
        let y = GradData.normal([2, 2, 5, 6], seed: 142)
        checkGradient("avgPool2d k2", y) { avgPool2d($0, 2) }
        checkGradient("avgPool2d k3 s2 p1 include pad", y) {
            avgPool2d($0, kernelSize: (3, 3), stride: (2, 2), padding: (1, 1), countIncludePad: true)
        }
        checkGradient("avgPool2d k(3,2) s(2,1) p(1,1) exclude pad", y) {
            avgPool2d($0, kernelSize: (3, 2), stride: (2, 1), padding: (1, 1), countIncludePad: false)
        }
        checkGradient("avgPool2d of transposed", y) { avgPool2d($0.transposed(2, 3), kernelSize: (2, 2), stride: (1, 1)) }
        checkGradient("adaptiveAvgPool2d", y) { adaptiveAvgPool2d($0, outputSize: (3, 4)) }
    }

    func testAveragePoolingBackward() {
        // avgPool2dBackward(gy) is the input gradient of avgPool2d; differentiate it with respect to gy.
        let x = GradData.normal([1, 2, 5, 6], seed: 150)
        for include in [true, false] {
            checkGradient("avgPool2dBackward include pad \(include)", GradData.normal([1, 2, 3, 7], seed: 151)) { gy in
                let input = x.requiringGrad()
                let y = avgPool2d(input, kernelSize: (3, 2), stride: (2, 1), padding: (1, 1), countIncludePad: include)
                return gradients(of: (y * gy).sum(), wrt: [input], createGraph: true)[0]
            }
        }
    }

    // MARK: Composites

    func testActivationComposites() {
        let x = GradData.awayFromZero([3, 5], seed: 160)
        checkGradient("softmax", x) { softmax($0, axis: 1) }
        checkGradient("softmax axis 0 of transposed", x) { softmax($0.transposed(), axis: 0) }
        checkGradient("logSoftmax", x) { logSoftmax($0, axis: -1) }
        checkGradient("logSoftmax of transposed", x) { logSoftmax($0.transposed(), axis: 1) }
        checkGradient("logSumExp", GradData.normal([3, 4, 5], seed: 161)) { $0.logSumExp(alongAxes: [0, 2]) }
        checkGradient("logSumExp keep", GradData.normal([3, 4, 5], seed: 162)) { $0.logSumExp(alongAxes: [1], keepingDims: true) }
        checkGradient("gelu exact", x) { gelu($0, approximate: .none) }
        checkGradient("gelu tanh", x) { gelu($0, approximate: .tanh) }
        checkGradient("silu", x) { silu($0) }
        checkGradient("softplus", x) { softplus($0) }
        // beta 2, threshold 1: the switch to the identity at beta*x = 1 is a jump; stay clear of x = 0.5.
        let sp = GradData.map(x) { Swift.abs($0 - 0.5) < 0.1 ? $0 + 0.3 : $0 }
        checkGradient("softplus beta 2 threshold 1", sp) { softplus($0, beta: 2, threshold: 1) }
        checkGradient("elu", x) { elu($0, alpha: 0.7) }
        checkGradient("leakyRelu", x) { leakyRelu($0, negativeSlope: 0.2) }
        checkGradient("clamp", GradData.map(x) { Swift.abs(Swift.abs($0) - 0.5) < 0.05 ? $0 * 1.3 : $0 }) { $0.clamped(min: -0.5, max: 0.5) }
    }

    func testStatisticsComposites() {
        let x = GradData.normal([3, 4, 5], seed: 170)
        for correction in [0, 1] {
            checkGradient("variance all, correction \(correction)", x) { $0.variance(correction: correction) }
            checkGradient("variance axes [0, 2], correction \(correction)", x) { $0.variance(alongAxes: [0, 2], correction: correction) }
            checkGradient("standardDeviation axis -1 keep, correction \(correction)", x) {
                $0.standardDeviation(alongAxes: [-1], correction: correction, keepingDims: true)
            }
        }
        checkGradient("variance of transposed", x) { $0.transposed(0, 2).variance(alongAxes: [1]) }
    }

    func testEinsum() {
        let cases: [(String, [[Int]])] = [
            ("ij,jk->ik", [[3, 4], [4, 5]]), ("bij,bjk->bik", [[2, 3, 4], [2, 4, 2]]), ("bhqd,bhkd->bhqk", [[1, 2, 3, 4], [1, 2, 2, 4]]),
            ("i,j->ij", [[3], [4]]), ("i,i->", [[5], [5]]), ("bij,jk->bik", [[2, 3, 4], [4, 2]]), ("ij->j", [[3, 4]]), ("ij->ji", [[3, 4]]),
            ("ij->", [[3, 4]]), ("ij,jk->ki", [[2, 3], [3, 4]]),
        ]
        for (k, (equation, shapes)) in cases.enumerated() {
            let inputs = shapes.enumerated().map { GradData.normal($0.element, seed: UInt64(180 + 10 * k + $0.offset)) }
            checkGradients("einsum \(equation)", inputs) { xs in
                xs.count == 1 ? einsum(equation, xs[0]) : einsum(equation, xs[0], xs[1])
            }
        }
    }

    /// VJPs are written with Nabla ops, so they differentiate again: check the gradient of each
    /// primitive's gradient (second order) against finite differences.
    func testSecondOrderGradients() {
        let u = GradData.normal([3, 4], seed: 200)
        func secondOrder(_ name: String, _ x: Tensor, line: UInt = #line, _ f: @escaping (Tensor) -> Tensor) {
            checkGradient("second order of \(name)", x, line: line) { x in
                let leaf = x.requiresGrad ? x : x.requiringGrad()
                let y = f(leaf)
                let g = gradients(of: (y * Tensor.randn(y.shape, seed: 201, dtype: .float64)).sum(), wrt: [leaf], createGraph: true)[0]
                // The gradient of a piecewise-linear op does not depend on x (nothing is recorded):
                // its second derivative is 0, which `leaf * 0` lets the checker verify.
                return g.requiresGrad || !leaf.requiresGrad ? g : g + leaf * 0.0
            }
        }
        let x = GradData.normal([3, 4], seed: 202)
        let positive = GradData.uniform([3, 4], seed: 203, 0.3, 2.5)
        for op in UnaryOp.allCases {
            guard let (input, apply) = Self.unary(op) else { continue }
            secondOrder("\(op)", input([3, 4], 204)) { apply($0) }
        }
        secondOrder("mul", x) { $0 * $0 * u }
        secondOrder("div", x) { u / ($0 * $0 + 1) }
        secondOrder("pow base", positive) { $0.pow(u) }
        secondOrder("pow exponent", x) { positive.pow($0) }
        secondOrder("prod", GradData.uniform([3, 4], seed: 205, 0.5, 1.5)) { $0.prod(alongAxes: 1) }
        secondOrder("softmax", x) { softmax($0, axis: 1) }
        secondOrder("logSoftmax", x) { logSoftmax($0, axis: 0) }
        secondOrder("logSumExp", x) { $0.logSumExp(alongAxes: [1]) }
        secondOrder("variance", x) { $0.variance(alongAxes: [0]) }
        secondOrder("matmul", x) { matmul($0, $0.transposed()) }
        secondOrder("gelu tanh", x) { gelu($0, approximate: .tanh) }
        secondOrder("where", x) { Tensor.where($0 .> 0, $0 * $0, $0.exp()) }
        secondOrder("gather", x) { ($0 * $0).gather(axis: 1, index: Tensor(shape: [3, 2], scalars: [0, 3, 1, 1, 2, 0] as [Int64])) }
        secondOrder("sort", GradData.distinct([3, 4], seed: 206)) { ($0 * $0).sorted(axis: 1).values }
        secondOrder("cumsum", x) { ($0 * $0).cumsum(axis: 1) }
        secondOrder("pad reflect", x) { ($0 * $0).padded([2, 1], mode: .reflect) }
        secondOrder("slice with step", x) { ($0 * $0).slice(axis: 1, start: 1, step: 2) }
    }

    /// The checker itself must catch a wrong gradient: a hook that doubles the gradient of an
    /// intermediate makes autograd disagree with finite differences.
    func testCheckerDetectsAWrongGradient() {
        let x = GradData.normal([4], seed: 190)
        let wrong = gradientProblems([x]) { xs in
            let y = xs[0].exp()
            if y.requiresGrad { y.registerHook { $0 * 2 } }
            return y
        }
        XCTAssertEqual(wrong.count, 1, "a doubled gradient must be reported")
        XCTAssertTrue(gradientProblems([x]) { $0[0].exp() }.isEmpty)
    }
}
