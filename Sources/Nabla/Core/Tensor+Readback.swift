/// Reading values back into Swift.
extension Tensor {
    /// All elements in row-major order, converted to `T`.
    public func toArray<T: TensorScalar>(as _: T.Type, file: StaticString = #fileID, line: UInt = #line) -> [T] {
        if Tracing.isActive, let observer = Tracing.observer { observer.observeValueRead("toArray/scalars/item", file: file, line: line) }
        let dense = (dtype == T.dtype ? self : device.backend.cast(self, to: T.dtype))
        let c = dense.isContiguous ? dense : device.backend.contiguous(dense)
        if T.self == Int.self {
            return UnsafeBufferPointer(start: c.elementPointer(Int64.self), count: c.count).map { Int($0) as! T }
        }
        return Array(UnsafeBufferPointer(start: c.elementPointer(T.self), count: c.count))
    }

    /// All elements as doubles (integers above 2^53 lose precision: use `toArray(as: Int64.self)`).
    public var scalars: [Double] { toArray(as: Double.self, file: #fileID, line: #line) }

    /// The value of a one-element tensor as a double.
    public func item(file: StaticString = #fileID, line: UInt = #line) -> Double {
        item(as: Double.self, file: file, line: line)
    }

    /// The value of a one-element tensor as `T`.
    public func item<T: TensorScalar>(as _: T.Type, file: StaticString = #fileID, line: UInt = #line) -> T {
        guard count == 1 else { shapeFailure("item: the tensor has \(count) elements (shape \(shape)); item() needs exactly one", file: file, line: line) }
        return toArray(as: T.self, file: file, line: line)[0]
    }
}
