/// An n-dimensional array with a runtime dtype and device, differentiable through a dynamic tape.
///
/// `Tensor` is a value: copying one is cheap (the storage is shared and immutable once shared) and
/// mutation (`+=`, optimizer updates) is copy-on-write. It is `Sendable`, so tensors cross threads
/// (data loader workers, server requests) without locks in user code.
///
/// ```swift
/// let x = Tensor([[1, 2], [3, 4]] as [[Float]]).requiringGrad()
/// let y = (x * x).sum()
/// y.backward()
/// print(x.grad!)   // 2 * x
/// ```
public struct Tensor: @unchecked Sendable {
    /// The memory holding the elements.
    public internal(set) var storage: Storage
    /// Shape, strides and offset into `storage`.
    public internal(set) var layout: Layout
    /// The element type.
    public let dtype: DType
    /// Autograd state: nil for a tensor that neither requires a gradient nor came from one that does.
    var autograd: AutogradMeta?

    /// Wraps storage with a layout (no copy).
    init(storage: Storage, layout: Layout, dtype: DType) {
        self.storage = storage
        self.layout = layout
        self.dtype = dtype
        self.autograd = nil
    }

    /// Allocates an uninitialised contiguous tensor (kernels fill it).
    init(uninitializedShape shape: [Int], dtype: DType, device: Device = .cpu) {
        let layout = Layout(shape: shape)
        self.init(storage: Storage(byteCount: layout.count * dtype.byteSize, device: device), layout: layout, dtype: dtype)
    }

    /// The size of each dimension.
    @inlinable public var shape: [Int] { layout.shape }
    /// Element strides of each dimension.
    public var strides: [Int] { layout.strides }
    /// The number of dimensions.
    public var rank: Int { layout.shape.count }
    /// The number of elements.
    public var count: Int { layout.count }
    /// Where the tensor lives.
    public var device: Device { storage.device }
    /// True when the elements are dense and row-major.
    public var isContiguous: Bool { layout.isContiguous }

    /// The size of dimension `axis` (negative counts from the end).
    public func size(_ axis: Int) -> Int { shape[normalizeAxis(axis, rank: rank)] }

    /// A typed pointer to the first element (CPU only). Valid while `self` is alive.
    @inline(__always)
    func elementPointer<T>(_ type: T.Type) -> UnsafeMutablePointer<T> {
        storage.pointer(as: T.self) + layout.offset
    }

    /// The same elements with a different layout over the same storage (autograd state dropped).
    func viewing(_ layout: Layout) -> Tensor {
        Tensor(storage: storage, layout: layout, dtype: dtype)
    }
}

/// Turns a possibly negative axis into 0..<rank, trapping with a clear message when out of range.
@inline(__always)
func normalizeAxis(_ axis: Int, rank: Int, op: StaticString = "axis", file: StaticString = #fileID, line: UInt = #line) -> Int {
    let r = max(rank, 1)
    let a = axis < 0 ? axis + r : axis
    if a < 0 || a >= r {
        fatalError("\(op): axis \(axis) is out of range for a tensor of rank \(rank)", file: file, line: line)
    }
    return a
}
