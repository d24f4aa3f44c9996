import Nabla
import Synchronization

/// Records every primitive applied while a function runs into a `Graph` (DESIGN.md, points 4 and 7).
///
/// Tracing runs the function on real tensors: each primitive computes as usual and the tracer adds a
/// node for it. Tensors are recognised by their storage and layout, so views and copies are told
/// apart; a tensor the tracer has not seen before (created inside the function, or captured from
/// outside) becomes a constant. Reading values back (`item()`, `scalars`) and drawing random tensors
/// are recorded as violations, because a replay could not reproduce them.
final class Tracer: PrimitiveObserver, @unchecked Sendable {
    /// What the traced function did that a graph cannot replay.
    struct Violation: Sendable {
        var what: String
        var location: String?
    }

    private(set) var graph = Graph()
    private var values: [TensorIdentity: ValueID] = [:]
    /// Every tensor the graph refers to, kept alive so that identities are not reused during the trace.
    private var keepAlive: [Tensor] = []
    private(set) var violations: [Violation] = []

    /// Declares `tensor` a graph input; returns its value.
    @discardableResult
    func addInput(_ tensor: Tensor) -> ValueID {
        let id = graph.addInput(ValueType(of: tensor))
        bind(tensor, to: id)
        return id
    }

    /// The value of `tensor`: known, or a new constant.
    func value(of tensor: Tensor) -> ValueID {
        if let id = values[TensorIdentity(tensor)] { return id }
        let id = graph.addConstant(tensor.detached())
        bind(tensor, to: id)
        return id
    }

    /// Marks `tensors` as the graph's outputs.
    func setOutputs(_ tensors: [Tensor]) {
        graph.outputs = tensors.map { value(of: $0) }
    }

    private func bind(_ tensor: Tensor, to id: ValueID) {
        values[TensorIdentity(tensor)] = id
        keepAlive.append(tensor)
    }

    // MARK: PrimitiveObserver

    func observe(_ primitive: Primitive, inputs: [Tensor], outputs: [Tensor]) {
        let operands = inputs.map { value(of: $0) }
        let results = graph.append(.primitive(primitive), inputs: operands, outputTypes: outputs.map(ValueType.init(of:)))
        for (tensor, id) in zip(outputs, results) { bind(tensor, to: id) }
    }

    func observeValueRead(_ what: String, file: StaticString, line: UInt) {
        violations.append(Violation(what: "reads tensor values with \(what)", location: "\(file):\(line)"))
    }

    func observeRandom(_ what: String) {
        violations.append(Violation(what: "draws random numbers (\(what))", location: nil))
    }
}

/// Which tensor this is, for the tracer: the same storage seen through the same layout.
struct TensorIdentity: Hashable {
    let storage: ObjectIdentifier
    let layout: Layout
    let dtype: DType

    init(_ tensor: Tensor) {
        storage = ObjectIdentifier(tensor.storage)
        layout = tensor.layout
        dtype = tensor.dtype
    }
}
