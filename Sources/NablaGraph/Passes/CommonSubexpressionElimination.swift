/// Computes each (operation, operands) once: a later identical node is dropped and its results
/// replaced by the earlier node's (every operation is pure and deterministic).
public struct CommonSubexpressionElimination: GraphPass {
    public var name: String { "cse" }

    /// Creates the pass.
    public init() {}

    private struct Key: Hashable {
        let operation: Operation
        let inputs: [ValueID]
    }

    public func run(_ graph: Graph) -> Graph {
        var seen: [Key: [ValueID]] = [:]
        var replacements: [ValueID: ValueID] = [:]
        var kept: [GraphNode] = []
        for var node in graph.nodes {
            node.inputs = node.inputs.map { replacements[$0] ?? $0 }
            let key = Key(operation: node.operation, inputs: node.inputs)
            if let earlier = seen[key] {
                for (mine, theirs) in zip(node.outputs, earlier) { replacements[mine] = theirs }
                continue
            }
            seen[key] = node.outputs
            kept.append(node)
        }
        var result = graph
        result.nodes = kept
        result.outputs = result.outputs.map { replacements[$0] ?? $0 }
        return result
    }
}
