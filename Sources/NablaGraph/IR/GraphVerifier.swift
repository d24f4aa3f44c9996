/// Checks a graph's structure: every value is defined once (as an input or by one node) before any
/// use, node results have types, outputs exist, and the memory plan names existing nodes, outputs
/// and operands. Passes run it between them in debug builds.
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
        for (index, assignments) in graph.memoryPlan.assignments {
            guard graph.nodes.indices.contains(index) else {
                problems.append("the memory plan names node \(index), which does not exist")
                continue
            }
            let node = graph.nodes[index]
            for (output, assignment) in assignments {
                if !node.outputs.indices.contains(output) { problems.append("the memory plan names output \(output) of node \(index)") }
                switch assignment {
                case let .inPlace(input) where !node.inputs.indices.contains(input):
                    problems.append("the memory plan puts node \(index) in place of operand \(input), which it does not have")
                case let .reuse(value) where !graph.types.indices.contains(value):
                    problems.append("the memory plan reuses %\(value), which has no type")
                default:
                    break
                }
            }
        }
        return problems
    }
}
