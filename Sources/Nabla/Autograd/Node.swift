/// One recorded application of a primitive: the single node type of the autograd tape and of the
/// graph tracer (DESIGN.md, point 4).
///
/// A node keeps what its VJP needs (the inputs, and the outputs linked back weakly) until backward
/// has run through it; then `release()` frees them unless the graph is retained.
public final class Node: @unchecked Sendable {
    /// The primitive and its attributes.
    public let primitive: Primitive
    /// The inputs as they were passed (with their own autograd links), released after backward.
    public internal(set) var inputs: [Tensor]
    /// The outputs, whose autograd state points back at this node weakly.
    public internal(set) var outputs: [Tensor]
    /// Which inputs need a gradient.
    let needsInputGrad: [Bool]
    /// Hooks registered on non-leaf outputs, by output index.
    var outputHooks: [Int: [@Sendable (Tensor) -> Tensor?]] = [:]
    /// Metas of outputs that asked to keep their gradient (`retainGrad()`), by output index.
    var retainingOutputs: [Int: AutogradMeta] = [:]
    /// False once backward released the saved tensors.
    public private(set) var isAlive = true
    /// Shapes of the inputs, kept after release for error messages and shape-only VJP needs.
    let inputShapes: [[Int]]

    init(primitive: Primitive, inputs: [Tensor], outputs: [Tensor], needsInputGrad: [Bool]) {
        self.primitive = primitive
        self.inputs = inputs
        self.outputs = outputs
        self.needsInputGrad = needsInputGrad
        self.inputShapes = inputs.map(\.shape)
    }

    /// Frees saved tensors (called by backward unless `retainGraph`).
    func release() {
        inputs = []
        outputs = []
        isAlive = false
    }
}
