import Synchronization

/// Something that watches every primitive application on its thread: the graph tracer of
/// NablaGraph (DESIGN.md, point 4: the tape and the tracer see the same nodes).
///
/// Eager code pays for the hook with one relaxed atomic load per op while no observer is installed
/// anywhere in the process.
public protocol PrimitiveObserver: AnyObject, Sendable {
    /// `primitive` was applied to `inputs` and produced `outputs`.
    func observe(_ primitive: Primitive, inputs: [Tensor], outputs: [Tensor])
    /// Tensor values were read back into Swift (`item()`, `scalars`, `toArray`) at `file:line`.
    func observeValueRead(_ what: String, file: StaticString, line: UInt)
    /// A random tensor was drawn (`rand`, `randn`, `randint`, `bernoulli`).
    func observeRandom(_ what: String)
}

/// Installs primitive observers (tracers) for the duration of a closure, on the calling thread.
public enum Tracing {
    /// How many observers are installed in the whole process (the fast path's test).
    private static let installedCount = Atomic<Int>(0)
    @TaskLocal private static var current: (any PrimitiveObserver)?

    /// True when some thread has an observer installed (then `observer` says whether this one does).
    @inline(__always)
    public static var isActive: Bool { installedCount.load(ordering: .relaxed) > 0 }

    /// The observer installed on this thread, if any.
    public static var observer: (any PrimitiveObserver)? { isActive ? current : nil }

    /// Runs `body` with `observer` watching every primitive applied on this thread.
    public static func withObserver<R>(_ observer: any PrimitiveObserver, _ body: () throws -> R) rethrows -> R {
        installedCount.add(1, ordering: .relaxed)
        defer { installedCount.subtract(1, ordering: .relaxed) }
        return try $current.withValue(observer) { try body() }
    }

    /// Runs `body` with no observer on this thread (for work a tracer does itself, such as replaying).
    public static func withoutObserver<R>(_ body: () throws -> R) rethrows -> R {
        try $current.withValue(nil) { try body() }
    }
}

/// Tells the observer (if any) that `primitive` produced `outputs`; returns `outputs`. For
/// primitives that are never differentiated (arg-reductions, integer casts), which skip `record`.
@inline(__always)
func traced(_ primitive: Primitive, inputs: [Tensor], output: Tensor) -> Tensor {
    if Tracing.isActive, let observer = Tracing.observer { observer.observe(primitive, inputs: inputs, outputs: [output]) }
    return output
}
