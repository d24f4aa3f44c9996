/// Tensors over raw bytes: what file formats (safetensors, IDX) need to read and write elements
/// without going through typed Swift arrays.
extension Tensor {
    /// A tensor viewing `shape.product` elements of `storage`, row-major, starting `elementOffset`
    /// elements in (no copy). Use it to wrap memory such as a memory-mapped file
    /// (`Storage(wrapping:byteCount:device:deallocator:)`); the storage stays alive as long as the tensor.
    ///
    /// Traps when the elements reach outside the storage or the first element is not aligned to the
    /// dtype's size.
    ///
    /// ```swift
    /// let storage = Storage(wrapping: pointer, byteCount: 4096) { munmap($0, 4096) }
    /// let x = Tensor(storage: storage, shape: [2, 3], dtype: .float32, elementOffset: 16)
    /// ```
    public init(storage: Storage, shape: [Int], dtype: DType, elementOffset: Int = 0,
                file: StaticString = #fileID, line: UInt = #line) {
        let layout = Layout(shape: shape)
        guard shape.allSatisfy({ $0 >= 0 }), elementOffset >= 0,
              (elementOffset + layout.count) * dtype.byteSize <= storage.byteCount else {
            shapeFailure("Tensor(storage:shape:dtype:elementOffset:): \(shape) \(dtype) at element \(elementOffset) "
                         + "does not fit a storage of \(storage.byteCount) bytes", file: file, line: line)
        }
        guard Int(bitPattern: storage.data) % dtype.byteSize == 0 else {
            shapeFailure("Tensor(storage:shape:dtype:elementOffset:): storage is not aligned for \(dtype)", file: file, line: line)
        }
        var wrappedLayout = layout
        wrappedLayout.offset = elementOffset
        self.init(storage: storage, layout: wrappedLayout, dtype: dtype)
    }

    /// A new contiguous tensor whose elements are copied from `bytes` (native byte order, row-major).
    ///
    /// Traps when `bytes.count` is not `shape.product * dtype.byteSize`. For `.bool` every byte must be
    /// 0 or 1 (callers reading outside data check this first).
    ///
    /// ```swift
    /// let x = bytes.withUnsafeBytes { Tensor(shape: [4], dtype: .uint8, copyingBytes: $0) }
    /// ```
    public init(shape: [Int], dtype: DType, copyingBytes bytes: UnsafeRawBufferPointer,
                file: StaticString = #fileID, line: UInt = #line) {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            shapeFailure("Tensor(shape:dtype:copyingBytes:): negative dimension in \(shape)", file: file, line: line)
        }
        let byteCount = shape.reduce(1, *) * dtype.byteSize
        guard bytes.count == byteCount else {
            shapeFailure("Tensor(shape:dtype:copyingBytes:): \(shape) \(dtype) needs \(byteCount) bytes, got \(bytes.count)",
                         file: file, line: line)
        }
        self.init(uninitializedShape: shape, dtype: dtype)
        if byteCount > 0, let source = bytes.baseAddress {
            storage.data.copyMemory(from: source, byteCount: byteCount)
        }
    }

    /// Calls `body` with the elements' bytes, dense and row-major in native byte order (a contiguous
    /// copy is made first when the tensor is a strided view). The bytes are valid only inside `body`.
    ///
    /// ```swift
    /// let data = x.withUnsafeBytes { Data($0) }
    /// ```
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let dense = isContiguous ? detached() : device.backend.contiguous(self)
        return try withExtendedLifetime(dense) {
            let start = UnsafeRawPointer(dense.storage.data) + dense.layout.offset * dtype.byteSize
            return try body(UnsafeRawBufferPointer(start: start, count: dense.count * dtype.byteSize))
        }
    }
}
