/// Elementwise ops on single values, computed exactly as the CPU kernels compute one element of a
/// float32 or float64 tensor (the same functions, rounded to the dtype at each step), without
/// allocating tensors: for graph executors that evaluate chains of one-element values (an
/// optimizer's bias corrections) in one node. Values are carried as `Double`; a float32 value is a
/// `Double` holding a `Float` exactly.
public enum ScalarElementwise {
    /// `op(x)` in `dtype` (float32 or float64); nil for another dtype or a bool-valued op.
    public static func unary(_ op: UnaryOp, _ x: Double, dtype: DType) -> Double? {
        switch dtype {
        case .float32:
            guard ![.isnan, .isfinite, .logicalNot].contains(op) else { return nil }
            var input = Float(x), output: Float = 0
            CPUBackend.shared.fusedUnary(op, &input, &output, 1)
            return Double(output)
        case .float64:
            return apply(op, x)
        default:
            return nil
        }
    }

    /// `op(a, b)` in `dtype` (float32 or float64); nil for another dtype or a bool-valued op.
    public static func binary(_ op: BinaryOp, _ a: Double, _ b: Double, dtype: DType) -> Double? {
        switch dtype {
        case .float32: return apply(op, Float(a), Float(b)).map(Double.init)
        case .float64: return apply(op, a, b)
        default: return nil
        }
    }

    /// `x` (of dtype `from`) converted to `to`, both float32 or float64; nil otherwise.
    public static func cast(_ x: Double, from: DType, to: DType) -> Double? {
        switch (from, to) {
        case (.float32, .float32), (.float64, .float64), (.float32, .float64): return x
        case (.float64, .float32): return Double(Kernels.Convert<Double, Float>.apply(x))
        default: return nil
        }
    }

    private static func apply(_ op: UnaryOp, _ x: Double) -> Double? {
        switch op {
        case .neg: return Kernels.Neg<Double>.apply(x)
        case .abs: return Kernels.Abs<Double>.apply(x)
        case .sign: return Kernels.Sign<Double>.apply(x)
        case .relu: return Kernels.Relu<Double>.apply(x)
        case .exp: return Kernels.Exp<Double>.apply(x)
        case .log: return Kernels.Log<Double>.apply(x)
        case .log1p: return Kernels.Log1p<Double>.apply(x)
        case .expm1: return Kernels.Expm1<Double>.apply(x)
        case .sqrt: return Kernels.Sqrt<Double>.apply(x)
        case .rsqrt: return Kernels.Rsqrt<Double>.apply(x)
        case .sin: return Kernels.Sin<Double>.apply(x)
        case .cos: return Kernels.Cos<Double>.apply(x)
        case .tanh: return Kernels.Tanh<Double>.apply(x)
        case .sigmoid: return Kernels.Sigmoid<Double>.apply(x)
        case .erf: return Kernels.Erf<Double>.apply(x)
        case .floor: return Kernels.Floor<Double>.apply(x)
        case .ceil: return Kernels.Ceil<Double>.apply(x)
        case .round: return Kernels.Round<Double>.apply(x)
        case .isnan, .isfinite, .logicalNot: return nil
        }
    }

    private static func apply<T: CPUFloat>(_ op: BinaryOp, _ a: T, _ b: T) -> T? {
        switch op {
        case .add: return Kernels.Add<T>.apply(a, b)
        case .sub: return Kernels.Sub<T>.apply(a, b)
        case .mul: return Kernels.Mul<T>.apply(a, b)
        case .div: return Kernels.Div<T>.apply(a, b)
        case .pow: return Kernels.Pow<T>.apply(a, b)
        case .minimum: return Kernels.Minimum<T>.apply(a, b)
        case .maximum: return Kernels.Maximum<T>.apply(a, b)
        case .reluGrad: return Kernels.ReluGrad<T>.apply(a, b)
        default: return nil
        }
    }
}

extension Tensor {
    /// The value of a one-element float32 or float64 tensor as a `Double`, without reading through
    /// the tracer (graph executors use it for scalars computed inside a graph). Traps otherwise.
    public var floatingScalar: Double {
        precondition(count == 1 && device == .cpu && (dtype == .float32 || dtype == .float64), "floatingScalar: the tensor is \(dtype) \(shape)")
        return dtype == .float32 ? Double(elementPointer(Float.self).pointee) : elementPointer(Double.self).pointee
    }
}
