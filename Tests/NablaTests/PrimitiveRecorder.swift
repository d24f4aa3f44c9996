import Nabla

/// A tracer stand-in for tests: records the primitives applied while it is installed, as a graph trace
/// would see them.
///
/// ```swift
/// let recorder = PrimitiveRecorder()
/// _ = Tracing.withObserver(recorder) { layerNorm(x, normalizedAxes: 1) }
/// ```
final class PrimitiveRecorder: PrimitiveObserver, @unchecked Sendable {
    /// The primitives in the order they were applied.
    private(set) var primitives: [Primitive] = []
    func observe(_ primitive: Primitive, inputs: [Tensor], outputs: [Tensor]) { primitives.append(primitive) }
    func observeValueRead(_ what: String, file: StaticString, line: UInt) {}
    func observeRandom(_ what: String) {}
}
