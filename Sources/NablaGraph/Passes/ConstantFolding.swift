import Nabla

/// Evaluates, once, every primitive whose operands are all constants, replacing it with a constant.
public struct ConstantFolding: GraphPass {
    public var name: String { "constant-folding" }

    /// Folds results of at most this many elements (a broadcast of a scalar stays a cheap view).
    public var maxElementCount: Int

    /// Creates the pass.
    public init(maxElementCount: Int = 1 << 16) { self.maxElementCount = maxElementCount }

    public func run(_ graph: Graph) -> Graph {
        var constants: [ValueID: Tensor] = [:]
        var result = graph
        result.nodes = []
        for node in graph.nodes {
            switch node.operation {
            case let .constant(constant):
                constants[node.outputs[0]] = constant.tensor
                result.nodes.append(node)
            case let .primitive(primitive):
                let operands = node.inputs.compactMap { constants[$0] }
                let small = node.outputs.allSatisfy { graph.types[$0].shape.reduce(1, *) <= maxElementCount }
                guard operands.count == node.inputs.count, !node.inputs.isEmpty, small else {
                    result.nodes.append(node)
                    continue
                }
                let values = Tracing.withoutObserver { withNoGrad { primitive.forward(operands).map { $0.contiguous() } } }
                for (id, value) in zip(node.outputs, values) {
                    constants[id] = value
                    result.nodes.append(GraphNode(.constant(Constant(value)), inputs: [], outputs: [id]))
                }
            case .fusedElementwise, .kernel:
                result.nodes.append(node)
            }
        }
        return result
    }
}
