/// Removes nodes whose results nothing uses (every operation is pure).
public struct DeadCodeElimination: GraphPass {
    public var name: String { "dce" }

    /// Creates the pass.
    public init() {}

    public func run(_ graph: Graph) -> Graph {
        var live = Set(graph.outputs)
        var kept: [GraphNode] = []
        for node in graph.nodes.reversed() where node.outputs.contains(where: live.contains) {
            kept.append(node)
            live.formUnion(node.inputs)
        }
        var result = graph
        result.nodes = kept.reversed()
        return result
    }
}
