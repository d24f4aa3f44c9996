/// CPU kernels for dtype conversion and dense copies.
extension CPUBackend {
    public func cast(_ x: Tensor, to dtype: DType) -> Tensor {
        if x.dtype == dtype { return x }
        switch x.dtype {
        case .bool: return cast(from: Bool.self, x, to: dtype)
        case .uint8: return cast(from: UInt8.self, x, to: dtype)
        case .int8: return cast(from: Int8.self, x, to: dtype)
        case .int32: return cast(from: Int32.self, x, to: dtype)
        case .int64: return cast(from: Int64.self, x, to: dtype)
        case .float16: return cast(from: Float16.self, x, to: dtype)
        case .bfloat16: return cast(from: BFloat16.self, x, to: dtype)
        case .float32: return cast(from: Float.self, x, to: dtype)
        case .float64: return cast(from: Double.self, x, to: dtype)
        }
    }

    private func cast<S: TensorScalar>(from _: S.Type, _ x: Tensor, to dtype: DType) -> Tensor {
        switch dtype {
        case .bool: return map(x, Kernels.Convert<S, Bool>.self, resultType: dtype)
        case .uint8: return map(x, Kernels.Convert<S, UInt8>.self, resultType: dtype)
        case .int8: return map(x, Kernels.Convert<S, Int8>.self, resultType: dtype)
        case .int32: return map(x, Kernels.Convert<S, Int32>.self, resultType: dtype)
        case .int64: return map(x, Kernels.Convert<S, Int64>.self, resultType: dtype)
        case .float16: return map(x, Kernels.Convert<S, Float16>.self, resultType: dtype)
        case .bfloat16: return map(x, Kernels.Convert<S, BFloat16>.self, resultType: dtype)
        case .float32: return map(x, Kernels.Convert<S, Float>.self, resultType: dtype)
        case .float64: return map(x, Kernels.Convert<S, Double>.self, resultType: dtype)
        }
    }

    /// `x` itself when it is already dense, else a dense copy (kernels that need contiguous memory).
    @inline(__always)
    func dense(_ x: Tensor) -> Tensor { x.isContiguous ? x : contiguous(x) }

    public func contiguous(_ x: Tensor) -> Tensor {
        switch x.dtype.byteSize {
        case 1: return map(x, Kernels.Identity<UInt8>.self, resultType: x.dtype)
        case 2: return map(x, Kernels.Identity<UInt16>.self, resultType: x.dtype)
        case 4: return map(x, Kernels.Identity<UInt32>.self, resultType: x.dtype)
        default: return map(x, Kernels.Identity<UInt64>.self, resultType: x.dtype)
        }
    }

    /// A tensor of `shape` with every element `value`.
    func filled(_ shape: [Int], value: Double, dtype: DType) -> Tensor {
        let out = Tensor(uninitializedShape: shape, dtype: dtype)
        let n = out.count
        func fill<T: TensorScalar>(_: T.Type) {
            let v = dtype.isFloatingPoint ? T(nablaDouble: value) : T(nablaInt64: saturatingInt64(value))
            out.elementPointer(T.self).initialize(repeating: v, count: n)
        }
        switch dtype {
        case .bool: fill(Bool.self)
        case .uint8: fill(UInt8.self)
        case .int8: fill(Int8.self)
        case .int32: fill(Int32.self)
        case .int64: fill(Int64.self)
        case .float16: fill(Float16.self)
        case .bfloat16: fill(BFloat16.self)
        case .float32: fill(Float.self)
        case .float64: fill(Double.self)
        }
        return out
    }
}
