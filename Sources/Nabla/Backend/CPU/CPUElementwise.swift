import Foundation

/// CPU kernels for the elementwise family: unary, binary (with broadcasting) and `where`.
extension CPUBackend {
    public func unary(_ op: UnaryOp, _ x: Tensor, resultType: DType) -> Tensor {
        switch x.dtype {
        case .float32: return floatUnary(op, x, Float.self)
        case .float64: return floatUnary(op, x, Double.self)
        case .int64: return integerUnary(op, x)
        case .bool where op == .logicalNot:
            return map(x, Bool.self, Bool.self, resultType: .bool) { !$0 }
        default:
            if op == .logicalNot { return unary(.logicalNot, cast(x, to: .bool), resultType: .bool) }
            let compute = op.producesFloat ? DType.float32 : x.dtype.cpuComputeType
            return computing(in: compute, x, resultType: resultType) { unary(op, $0, resultType: op.resultType(compute)) }
        }
    }

    private func floatUnary<T: CPUFloat>(_ op: UnaryOp, _ x: Tensor, _: T.Type) -> Tensor {
        let dtype = x.dtype
        if T.self == Float.self, let vectorized = vectorizedFloatUnary(op) {
            let input = x.isContiguous ? x : contiguous(x)
            let out = Tensor(uninitializedShape: x.shape, dtype: dtype)
            let src = UncheckedSendable(input.elementPointer(Float.self)), dst = UncheckedSendable(out.elementPointer(Float.self))
            Parallel.forChunks(count: out.count, grain: Parallel.elementwiseGrain / 4) { r in
                vectorized(src.value + r.lowerBound, dst.value + r.lowerBound, r.count)
            }
            return out
        }
        switch op {
        case .neg: return map(x, T.self, T.self, resultType: dtype) { -$0 }
        case .abs: return map(x, T.self, T.self, resultType: dtype) { Swift.abs($0) }
        case .sign: return map(x, T.self, T.self, resultType: dtype) { $0 > 0 ? 1 : ($0 < 0 ? -1 : $0) }
        case .relu: return map(x, T.self, T.self, resultType: dtype) { $0 > 0 ? $0 : ($0.isNaN ? $0 : 0) }
        case .exp: return map(x, T.self, T.self, resultType: dtype) { T.kExp($0) }
        case .log: return map(x, T.self, T.self, resultType: dtype) { T.kLog($0) }
        case .log1p: return map(x, T.self, T.self, resultType: dtype) { T.kLog1p($0) }
        case .expm1: return map(x, T.self, T.self, resultType: dtype) { T.kExpm1($0) }
        case .sqrt: return map(x, T.self, T.self, resultType: dtype) { $0.squareRoot() }
        case .rsqrt: return map(x, T.self, T.self, resultType: dtype) { 1 / $0.squareRoot() }
        case .sin: return map(x, T.self, T.self, resultType: dtype) { T.kSin($0) }
        case .cos: return map(x, T.self, T.self, resultType: dtype) { T.kCos($0) }
        case .tanh: return map(x, T.self, T.self, resultType: dtype) { T.kTanh($0) }
        case .sigmoid: return map(x, T.self, T.self, resultType: dtype) { 1 / (1 + T.kExp(-$0)) }
        case .erf: return map(x, T.self, T.self, resultType: dtype) { T.kErf($0) }
        case .floor: return map(x, T.self, T.self, resultType: dtype) { $0.rounded(.down) }
        case .ceil: return map(x, T.self, T.self, resultType: dtype) { $0.rounded(.up) }
        case .round: return map(x, T.self, T.self, resultType: dtype) { $0.rounded(.toNearestOrEven) }
        case .isnan: return map(x, T.self, Bool.self, resultType: .bool) { $0.isNaN }
        case .isfinite: return map(x, T.self, Bool.self, resultType: .bool) { $0.isFinite }
        case .logicalNot: return map(x, T.self, Bool.self, resultType: .bool) { $0 == 0 }
        }
    }

    /// The SIMD float32 kernel for `op`, where one exists.
    private func vectorizedFloatUnary(_ op: UnaryOp) -> ((UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void)? {
        switch op {
        case .exp: return { VectorMath.exp($0, $1, count: $2) }
        case .log: return { VectorMath.log($0, $1, count: $2) }
        case .log1p: return { VectorMath.log1p($0, $1, count: $2) }
        case .expm1: return { VectorMath.expm1($0, $1, count: $2) }
        case .tanh: return { VectorMath.tanh($0, $1, count: $2) }
        case .sigmoid: return { VectorMath.sigmoid($0, $1, count: $2) }
        case .erf: return { VectorMath.erf($0, $1, count: $2) }
        case .sin: return { VectorMath.sin($0, $1, count: $2) }
        case .cos: return { VectorMath.cos($0, $1, count: $2) }
        case .sqrt: return { VectorMath.sqrt($0, $1, count: $2) }
        case .rsqrt: return { VectorMath.rsqrt($0, $1, count: $2) }
        default: return nil
        }
    }

    private func integerUnary(_ op: UnaryOp, _ x: Tensor) -> Tensor {
        switch op {
        case .neg: return map(x, Int64.self, Int64.self, resultType: .int64) { 0 &- $0 }
        case .abs: return map(x, Int64.self, Int64.self, resultType: .int64) { $0 < 0 ? 0 &- $0 : $0 }
        case .sign: return map(x, Int64.self, Int64.self, resultType: .int64) { $0.signum() }
        case .relu: return map(x, Int64.self, Int64.self, resultType: .int64) { Swift.max($0, 0) }
        case .floor, .ceil, .round: return x
        case .isnan: return map(x, Int64.self, Bool.self, resultType: .bool) { _ in false }
        case .isfinite: return map(x, Int64.self, Bool.self, resultType: .bool) { _ in true }
        case .logicalNot: return map(x, Int64.self, Bool.self, resultType: .bool) { $0 == 0 }
        default: return floatUnary(op, cast(x, to: .float32), Float.self)
        }
    }

    public func binary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor, shape: [Int], resultType: DType) -> Tensor {
        switch a.dtype {
        case .float32: return floatBinary(op, a, b, shape: shape, Float.self)
        case .float64: return floatBinary(op, a, b, shape: shape, Double.self)
        case .int64: return integerBinary(op, a, b, shape: shape)
        case .bool where op == .logicalAnd || op == .logicalOr || op == .eq || op == .ne:
            switch op {
            case .logicalAnd: return combine(a, b, shape: shape, Bool.self, Bool.self, resultType: .bool) { $0 && $1 }
            case .logicalOr: return combine(a, b, shape: shape, Bool.self, Bool.self, resultType: .bool) { $0 || $1 }
            case .eq: return combine(a, b, shape: shape, Bool.self, Bool.self, resultType: .bool) { $0 == $1 }
            default: return combine(a, b, shape: shape, Bool.self, Bool.self, resultType: .bool) { $0 != $1 }
            }
        default:
            if op == .logicalAnd || op == .logicalOr {
                return binary(op, cast(a, to: .bool), cast(b, to: .bool), shape: shape, resultType: .bool)
            }
            let compute = a.dtype.cpuComputeType
            let r = binary(op, cast(a, to: compute), cast(b, to: compute), shape: shape, resultType: op.resultType(compute))
            if r.dtype == resultType { return r }
            // bool + bool is logical or, bool * bool logical and: non-zero is true.
            return cast(r, to: resultType)
        }
    }

    private func floatBinary<T: CPUFloat>(_ op: BinaryOp, _ a: Tensor, _ b: Tensor, shape: [Int], _: T.Type) -> Tensor {
        let d = a.dtype
        switch op {
        case .add: return combine(a, b, shape: shape, T.self, T.self, resultType: d) { $0 + $1 }
        case .sub: return combine(a, b, shape: shape, T.self, T.self, resultType: d) { $0 - $1 }
        case .mul: return combine(a, b, shape: shape, T.self, T.self, resultType: d) { $0 * $1 }
        case .div: return combine(a, b, shape: shape, T.self, T.self, resultType: d) { $0 / $1 }
        case .pow: return combine(a, b, shape: shape, T.self, T.self, resultType: d) { T.kPow($0, $1) }
        case .minimum: return combine(a, b, shape: shape, T.self, T.self, resultType: d) { $0.isNaN || $1.isNaN ? T.nan : Swift.min($0, $1) }
        case .maximum: return combine(a, b, shape: shape, T.self, T.self, resultType: d) { $0.isNaN || $1.isNaN ? T.nan : Swift.max($0, $1) }
        case .eq: return combine(a, b, shape: shape, T.self, Bool.self, resultType: .bool) { $0 == $1 }
        case .ne: return combine(a, b, shape: shape, T.self, Bool.self, resultType: .bool) { $0 != $1 }
        case .lt: return combine(a, b, shape: shape, T.self, Bool.self, resultType: .bool) { $0 < $1 }
        case .le: return combine(a, b, shape: shape, T.self, Bool.self, resultType: .bool) { $0 <= $1 }
        case .gt: return combine(a, b, shape: shape, T.self, Bool.self, resultType: .bool) { $0 > $1 }
        case .ge: return combine(a, b, shape: shape, T.self, Bool.self, resultType: .bool) { $0 >= $1 }
        case .logicalAnd, .logicalOr: return binary(op, cast(a, to: .bool), cast(b, to: .bool), shape: shape, resultType: .bool)
        }
    }

    private func integerBinary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor, shape: [Int]) -> Tensor {
        typealias I = Int64
        switch op {
        case .add: return combine(a, b, shape: shape, I.self, I.self, resultType: .int64) { $0 &+ $1 }
        case .sub: return combine(a, b, shape: shape, I.self, I.self, resultType: .int64) { $0 &- $1 }
        case .mul: return combine(a, b, shape: shape, I.self, I.self, resultType: .int64) { $0 &* $1 }
        case .div: return floatBinary(.div, cast(a, to: .float32), cast(b, to: .float32), shape: shape, Float.self)
        case .pow: return combine(a, b, shape: shape, I.self, I.self, resultType: .int64) { integerPower($0, $1) }
        case .minimum: return combine(a, b, shape: shape, I.self, I.self, resultType: .int64) { Swift.min($0, $1) }
        case .maximum: return combine(a, b, shape: shape, I.self, I.self, resultType: .int64) { Swift.max($0, $1) }
        case .eq: return combine(a, b, shape: shape, I.self, Bool.self, resultType: .bool) { $0 == $1 }
        case .ne: return combine(a, b, shape: shape, I.self, Bool.self, resultType: .bool) { $0 != $1 }
        case .lt: return combine(a, b, shape: shape, I.self, Bool.self, resultType: .bool) { $0 < $1 }
        case .le: return combine(a, b, shape: shape, I.self, Bool.self, resultType: .bool) { $0 <= $1 }
        case .gt: return combine(a, b, shape: shape, I.self, Bool.self, resultType: .bool) { $0 > $1 }
        case .ge: return combine(a, b, shape: shape, I.self, Bool.self, resultType: .bool) { $0 >= $1 }
        case .logicalAnd, .logicalOr: return binary(op, cast(a, to: .bool), cast(b, to: .bool), shape: shape, resultType: .bool)
        }
    }

    public func select(_ condition: Tensor, _ a: Tensor, _ b: Tensor, shape: [Int]) -> Tensor {
        let out = Tensor(uninitializedShape: shape, dtype: a.dtype)
        func run<T>(_: T.Type) {
            let rows = StridedRows(shape: shape,
                                   strides: [Broadcast.strides(of: condition.layout, to: shape), Broadcast.strides(of: a.layout, to: shape),
                                             Broadcast.strides(of: b.layout, to: shape), out.strides],
                                   offsets: [condition.layout.offset, a.layout.offset, b.layout.offset, 0])
            let pc = condition.storage.pointer(as: Bool.self), pa = a.storage.pointer(as: T.self)
            let pb = b.storage.pointer(as: T.self), po = out.storage.pointer(as: T.self)
            let sc = rows.innerStride(0), sa = rows.innerStride(1), sb = rows.innerStride(2), so = rows.innerStride(3)
            let n = rows.rowLength
            rows.forEachRow(in: 0..<rows.rowCount) { _, o in
                for j in 0..<n { po[o[3] + j * so] = pc[o[0] + j * sc] ? pa[o[1] + j * sa] : pb[o[2] + j * sb] }
            }
        }
        switch a.dtype.byteSize {
        case 1: run(UInt8.self)
        case 2: run(UInt16.self)
        case 4: run(UInt32.self)
        default: run(UInt64.self)
        }
        return out
    }
}

/// x^y for integers (negative exponents give 0 except for bases ±1, as PyTorch does).
@inline(__always)
func integerPower(_ base: Int64, _ exponent: Int64) -> Int64 {
    if exponent < 0 { return base == 1 ? 1 : (base == -1 ? (exponent & 1 == 0 ? 1 : -1) : 0) }
    var result: Int64 = 1, b = base, e = exponent
    while e > 0 {
        if e & 1 == 1 { result = result &* b }
        b = b &* b
        e >>= 1
    }
    return result
}
