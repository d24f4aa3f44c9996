/// Checks a graph's structure: every value is defined once (as an input or by one node) before any
/// use, node results have types, and outputs exist. Passes run it between them in debug builds.
public enum GraphVerifier {
    /// The problems found, empty for a valid graph.
    public static func problems(in graph: Graph) -> [String] {
        var problems: [String] = []
        var defined = Set<ValueID>()
        for input in graph.inputs {
            if !graph.types.indices.contains(input) { problems.append("input %\(input) has no type") }
            if !defined.insert(input).inserted { problems.append("input %\(input) is listed twice") }
        }
        for (index, node) in graph.nodes.enumerated() {
            for input in node.inputs where !defined.contains(input) {
                problems.append("node \(index) (\(node.operation)) uses %\(input) before it is defined")
            }
            for output in node.outputs {
                if !graph.types.indices.contains(output) { problems.append("node \(index) defines %\(output), which has no type") }
                if !defined.insert(output).inserted { problems.append("node \(index) (\(node.operation)) redefines %\(output)") }
            }
        }
        for output in graph.outputs where !defined.contains(output) {
            problems.append("output %\(output) is never defined")
        }
        return problems
    }
}
