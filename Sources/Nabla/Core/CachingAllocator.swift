import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A caching allocator of 64-byte-aligned host buffers.
///
/// Freed buffers go to a free list keyed by their size class and are handed out again, so a
/// training loop that allocates the same shapes every step touches fresh pages only once (a page
/// fault costs about 2 µs per 4 KiB here, so a fresh 4 MB buffer costs about 2 ms).
/// Size classes: multiples of 64 bytes up to 4 KiB, then four classes per power of two (at most 25%
/// slack). The cache holds at most `cacheLimitBytes`; beyond that buffers go back to the system.
final class CachingAllocator: Sendable {
    /// The process-wide allocator used by `Storage`.
    static let shared = CachingAllocator()

    /// Alignment of every buffer (a cache line, and an AVX-512 register).
    static let alignment = 64

    /// Buffers from this size up to `hugePageLimit` are aligned to it and asked to be backed by
    /// transparent huge pages (`MADV_HUGEPAGE`; Debian's default THP mode is `madvise`). A streaming op
    /// over 4 MB then walks two pages instead of a thousand: add and mul on 1M floats measured 8–12%
    /// faster, and touching a buffer the first time 4× faster (6.6 against 1.5 GB/s) once the machine
    /// has used that memory before.
    static let hugePageSize = 2 << 20
    /// Buffers above this size stay on ordinary pages. They are mostly data touched once (a dataset
    /// converted to float32), and on a fresh virtual machine the first touch of huge pages the guest
    /// never used costs about 4× more than of ordinary pages (0.36 against 1.4 GB/s measured here),
    /// while the training loop's own buffers are reused through the cache and pay it only once.
    static let hugePageLimit = 64 << 20
    /// False when `NABLA_NO_HUGEPAGES` is set (for measuring the difference).
    static let useHugePages = getenv("NABLA_NO_HUGEPAGES") == nil

    /// The most bytes kept in free lists.
    let cacheLimitBytes: Int

    private struct State {
        var small: [[UnsafeMutableRawPointer]] = Array(repeating: [], count: 65)
        var large: [Int: [UnsafeMutableRawPointer]] = [:]
        var cachedBytes = 0
    }
    private let state: Mutex<SendableBox<State>>

    /// Creates an allocator caching at most `cacheLimitBytes` (default 2 GiB).
    init(cacheLimitBytes: Int = 2 << 30) {
        self.cacheLimitBytes = cacheLimitBytes
        self.state = Mutex(SendableBox(State()))
    }

    /// The capacity actually allocated for a request of `byteCount` bytes.
    static func sizeClass(_ byteCount: Int) -> Int {
        let n = max(byteCount, 1)
        if n <= 4096 { return (n + 63) & ~63 }
        let high = Int.bitWidth - 1 - n.leadingZeroBitCount   // floor(log2 n)
        let step = 1 << (high - 2)
        return (n + step - 1) / step * step
    }

    /// Returns a buffer of at least `byteCount` bytes and its capacity (pass both back to `free`).
    func allocate(byteCount: Int) -> (UnsafeMutableRawPointer, capacity: Int) {
        let capacity = Self.sizeClass(byteCount)
        let reused: UnsafeMutableRawPointer? = state.withLock { box in
            if capacity <= 4096 {
                let index = capacity >> 6
                guard let p = box.value.small[index].popLast() else { return nil }
                box.value.cachedBytes -= capacity
                return p
            }
            guard let p = box.value.large[capacity]?.popLast() else { return nil }
            box.value.cachedBytes -= capacity
            return p
        }
        if let reused { return (reused, capacity) }
        var raw: UnsafeMutableRawPointer?
        let huge = capacity >= Self.hugePageSize && capacity <= Self.hugePageLimit && Self.useHugePages
        let status = posix_memalign(&raw, huge ? Self.hugePageSize : Self.alignment, capacity)
        precondition(status == 0 && raw != nil, "Nabla: out of memory allocating \(capacity) bytes")
        if huge { _ = madvise(raw, capacity, MADV_HUGEPAGE) }
        return (raw!, capacity)
    }

    /// Returns a buffer to the cache (or to the system when the cache is full).
    func free(_ pointer: UnsafeMutableRawPointer, capacity: Int) {
        let kept: Bool = state.withLock { box in
            guard box.value.cachedBytes + capacity <= cacheLimitBytes else { return false }
            box.value.cachedBytes += capacity
            if capacity <= 4096 {
                box.value.small[capacity >> 6].append(pointer)
            } else {
                box.value.large[capacity, default: []].append(pointer)
            }
            return true
        }
        if !kept { Glibc.free(pointer) }
    }

    /// Bytes currently held in free lists.
    var cachedBytes: Int { state.withLock { $0.value.cachedBytes } }

    /// Releases every cached buffer to the system.
    func emptyCache() {
        let buffers: [UnsafeMutableRawPointer] = state.withLock { box in
            let all = box.value.small.flatMap { $0 } + box.value.large.values.flatMap { $0 }
            box.value = State()
            return all
        }
        for p in buffers { Glibc.free(p) }
    }
}

/// Lets a non-Sendable value (raw pointers) live inside a `Mutex`; only ever touched under the lock.
struct SendableBox<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}
