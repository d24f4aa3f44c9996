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
        let sourceIsFloat = x.dtype.isFloatingPoint
        switch dtype {
        case .bool: return map(x, S.self, Bool.self, resultType: .bool) { sourceIsFloat ? $0.nablaDouble != 0 : $0.nablaInt64 != 0 }
        case .uint8: return map(x, S.self, UInt8.self, resultType: dtype) { sourceIsFloat ? UInt8(nablaDouble: $0.nablaDouble) : UInt8(nablaInt64: $0.nablaInt64) }
        case .int8: return map(x, S.self, Int8.self, resultType: dtype) { sourceIsFloat ? Int8(nablaDouble: $0.nablaDouble) : Int8(nablaInt64: $0.nablaInt64) }
        case .int32: return map(x, S.self, Int32.self, resultType: dtype) { sourceIsFloat ? Int32(nablaDouble: $0.nablaDouble) : Int32(nablaInt64: $0.nablaInt64) }
        case .int64: return map(x, S.self, Int64.self, resultType: dtype) { sourceIsFloat ? Int64(nablaDouble: $0.nablaDouble) : $0.nablaInt64 }
        case .float16: return map(x, S.self, Float16.self, resultType: dtype) { sourceIsFloat ? Float16(nablaDouble: $0.nablaDouble) : Float16(nablaInt64: $0.nablaInt64) }
        case .bfloat16: return map(x, S.self, BFloat16.self, resultType: dtype) { sourceIsFloat ? BFloat16(nablaDouble: $0.nablaDouble) : BFloat16(nablaInt64: $0.nablaInt64) }
        case .float32:
            if S.self == Double.self { return map(x, Double.self, Float.self, resultType: dtype) { Float($0) } }
            return map(x, S.self, Float.self, resultType: dtype) { sourceIsFloat ? Float($0.nablaDouble) : Float($0.nablaInt64) }
        case .float64:
            if S.self == Float.self { return map(x, Float.self, Double.self, resultType: dtype) { Double($0) } }
            return map(x, S.self, Double.self, resultType: dtype) { sourceIsFloat ? $0.nablaDouble : Double($0.nablaInt64) }
        }
    }

    public func contiguous(_ x: Tensor) -> Tensor {
        switch x.dtype.byteSize {
        case 1: return map(x, UInt8.self, UInt8.self, resultType: x.dtype) { $0 }
        case 2: return map(x, UInt16.self, UInt16.self, resultType: x.dtype) { $0 }
        case 4: return map(x, UInt32.self, UInt32.self, resultType: x.dtype) { $0 }
        default: return map(x, UInt64.self, UInt64.self, resultType: x.dtype) { $0 }
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
