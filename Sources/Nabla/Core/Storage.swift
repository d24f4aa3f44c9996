/// A reference-counted, 64-byte-aligned block of memory holding a tensor's elements.
///
/// Storage knows nothing of shape or dtype; a `Tensor` views it through a `Layout`. It is
/// immutable once shared: kernels write only into storage they have just allocated, or into
/// storage proven uniquely referenced (copy-on-write), which makes `Tensor` `Sendable`.
public final class Storage: @unchecked Sendable {
    /// The first byte.
    public let data: UnsafeMutableRawPointer
    /// The usable size in bytes.
    public let byteCount: Int
    /// The device the bytes live on.
    public let device: Device
    private let capacity: Int
    private let deallocator: (@Sendable (UnsafeMutableRawPointer) -> Void)?

    /// Allocates uninitialised memory from the caching allocator.
    init(byteCount: Int, device: Device = .cpu) {
        let (pointer, capacity) = CachingAllocator.shared.allocate(byteCount: byteCount)
        self.data = pointer
        self.byteCount = byteCount
        self.capacity = capacity
        self.device = device
        self.deallocator = nil
    }

    /// Wraps memory owned elsewhere (a memory-mapped file, say); `deallocator` runs when the last
    /// tensor viewing it goes away.
    public init(wrapping data: UnsafeMutableRawPointer, byteCount: Int, device: Device = .cpu,
                deallocator: @escaping @Sendable (UnsafeMutableRawPointer) -> Void) {
        self.data = data
        self.byteCount = byteCount
        self.capacity = 0
        self.device = device
        self.deallocator = deallocator
    }

    deinit {
        if let deallocator {
            deallocator(data)
        } else {
            CachingAllocator.shared.free(data, capacity: capacity)
        }
    }

    /// Typed access to the elements.
    @inline(__always)
    func pointer<T>(as type: T.Type) -> UnsafeMutablePointer<T> {
        data.assumingMemoryBound(to: T.self)
    }
}
