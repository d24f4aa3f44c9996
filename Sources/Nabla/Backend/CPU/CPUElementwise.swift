import Foundation

/// CPU kernels for the elementwise family: unary, binary (with broadcasting) and `where`.
extension CPUBackend {
    public func unary(_ op: UnaryOp, _ x: Tensor, resultType: DType) -> Tensor {
        switch x.dtype {
        case .float32: return floatUnary(op, x, Float.self)
        case .float64: return floatUnary(op, x, Double.self)
        case .int64: return integerUnary(op, x)
        case .bool where op == .logicalNot:
            return map(x, Kernels.Not.self, resultType: .bool)
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
        case .neg: return map(x, Kernels.Neg<T>.self, resultType: dtype)
        case .abs: return map(x, Kernels.Abs<T>.self, resultType: dtype)
        case .sign: return map(x, Kernels.Sign<T>.self, resultType: dtype)
        case .relu: return map(x, Kernels.Relu<T>.self, resultType: dtype)
        case .exp: return map(x, Kernels.Exp<T>.self, resultType: dtype)
        case .log: return map(x, Kernels.Log<T>.self, resultType: dtype)
        case .log1p: return map(x, Kernels.Log1p<T>.self, resultType: dtype)
        case .expm1: return map(x, Kernels.Expm1<T>.self, resultType: dtype)
        case .sqrt: return map(x, Kernels.Sqrt<T>.self, resultType: dtype)
        case .rsqrt: return map(x, Kernels.Rsqrt<T>.self, resultType: dtype)
        case .sin: return map(x, Kernels.Sin<T>.self, resultType: dtype)
        case .cos: return map(x, Kernels.Cos<T>.self, resultType: dtype)
        case .tanh: return map(x, Kernels.Tanh<T>.self, resultType: dtype)
        case .sigmoid: return map(x, Kernels.Sigmoid<T>.self, resultType: dtype)
        case .erf: return map(x, Kernels.Erf<T>.self, resultType: dtype)
        case .floor: return map(x, Kernels.Floor<T>.self, resultType: dtype)
        case .ceil: return map(x, Kernels.Ceil<T>.self, resultType: dtype)
        case .round: return map(x, Kernels.Round<T>.self, resultType: dtype)
        case .isnan: return map(x, Kernels.IsNaN<T>.self, resultType: .bool)
        case .isfinite: return map(x, Kernels.IsFinite<T>.self, resultType: .bool)
        case .logicalNot: return map(x, Kernels.IsZero<T>.self, resultType: .bool)
        }
    }

    /// The SIMD float32 kernel for `op`, where one exists.
    func vectorizedFloatUnary(_ op: UnaryOp) -> ((UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void)? {
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
        case .neg: return map(x, Kernels.IntNeg.self, resultType: .int64)
        case .abs: return map(x, Kernels.IntAbs.self, resultType: .int64)
        case .sign: return map(x, Kernels.IntSign.self, resultType: .int64)
        case .relu: return map(x, Kernels.IntRelu.self, resultType: .int64)
        case .floor, .ceil, .round: return x
        case .isnan: return map(x, Kernels.Constant<Int64, FalseConstant>.self, resultType: .bool)
        case .isfinite: return map(x, Kernels.Constant<Int64, TrueConstant>.self, resultType: .bool)
        case .logicalNot: return map(x, Kernels.IsZero<Int64>.self, resultType: .bool)
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
            case .logicalAnd: return combine(a, b, shape: shape, Kernels.And.self, resultType: .bool)
            case .logicalOr: return combine(a, b, shape: shape, Kernels.Or.self, resultType: .bool)
            case .eq: return combine(a, b, shape: shape, Kernels.Equal<Bool>.self, resultType: .bool)
            default: return combine(a, b, shape: shape, Kernels.NotEqual<Bool>.self, resultType: .bool)
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
        case .add: return combine(a, b, shape: shape, Kernels.Add<T>.self, resultType: d)
        case .sub: return combine(a, b, shape: shape, Kernels.Sub<T>.self, resultType: d)
        case .mul: return combine(a, b, shape: shape, Kernels.Mul<T>.self, resultType: d)
        case .div: return combine(a, b, shape: shape, Kernels.Div<T>.self, resultType: d)
        case .pow: return combine(a, b, shape: shape, Kernels.Pow<T>.self, resultType: d)
        case .reluGrad: return combine(a, b, shape: shape, Kernels.ReluGrad<T>.self, resultType: d)
        case .minimum: return combine(a, b, shape: shape, Kernels.Minimum<T>.self, resultType: d)
        case .maximum: return combine(a, b, shape: shape, Kernels.Maximum<T>.self, resultType: d)
        case .eq: return combine(a, b, shape: shape, Kernels.Equal<T>.self, resultType: .bool)
        case .ne: return combine(a, b, shape: shape, Kernels.NotEqual<T>.self, resultType: .bool)
        case .lt: return combine(a, b, shape: shape, Kernels.Less<T>.self, resultType: .bool)
        case .le: return combine(a, b, shape: shape, Kernels.LessEqual<T>.self, resultType: .bool)
        case .gt: return combine(a, b, shape: shape, Kernels.Greater<T>.self, resultType: .bool)
        case .ge: return combine(a, b, shape: shape, Kernels.GreaterEqual<T>.self, resultType: .bool)
        case .logicalAnd, .logicalOr: return binary(op, cast(a, to: .bool), cast(b, to: .bool), shape: shape, resultType: .bool)
        }
    }

    private func integerBinary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor, shape: [Int]) -> Tensor {
                switch op {
        case .add: return combine(a, b, shape: shape, Kernels.IntAdd.self, resultType: .int64)
        case .sub: return combine(a, b, shape: shape, Kernels.IntSub.self, resultType: .int64)
        case .mul: return combine(a, b, shape: shape, Kernels.IntMul.self, resultType: .int64)
        case .div: return floatBinary(.div, cast(a, to: .float32), cast(b, to: .float32), shape: shape, Float.self)
        case .pow: return combine(a, b, shape: shape, Kernels.IntPow.self, resultType: .int64)
        case .reluGrad: return combine(a, b, shape: shape, Kernels.IntReluGrad.self, resultType: .int64)
        case .minimum: return combine(a, b, shape: shape, Kernels.IntMin.self, resultType: .int64)
        case .maximum: return combine(a, b, shape: shape, Kernels.IntMax.self, resultType: .int64)
        case .eq: return combine(a, b, shape: shape, Kernels.Equal<Int64>.self, resultType: .bool)
        case .ne: return combine(a, b, shape: shape, Kernels.NotEqual<Int64>.self, resultType: .bool)
        case .lt: return combine(a, b, shape: shape, Kernels.Less<Int64>.self, resultType: .bool)
        case .le: return combine(a, b, shape: shape, Kernels.LessEqual<Int64>.self, resultType: .bool)
        case .gt: return combine(a, b, shape: shape, Kernels.Greater<Int64>.self, resultType: .bool)
        case .ge: return combine(a, b, shape: shape, Kernels.GreaterEqual<Int64>.self, resultType: .bool)
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
