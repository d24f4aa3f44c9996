/// Text and Graphviz forms of a graph.
extension Graph: CustomStringConvertible {
    /// The graph as text, one node per line (with the memory plan's decisions as comments):
    ///
    /// ```text
    /// graph(%0: f32[64, 784], %1: f32[256, 784]) {
    ///   %2 = permute([1, 0])(%1) : f32[784, 256]
    ///   %3 = matmul(%0, %2) : f32[64, 256]
    ///   return %3
    /// }
    /// ```
    public var description: String {
        var text = "graph(" + inputs.map { "%\($0): \(types[$0])" }.joined(separator: ", ") + ") {\n"
        for (index, node) in nodes.enumerated() {
            let results = node.outputs.map { "%\($0)" }.joined(separator: ", ")
            let operands = node.inputs.map { "%\($0)" }.joined(separator: ", ")
            let resultTypes = node.outputs.map { "\(types[$0])" }.joined(separator: ", ")
            text += "  \(results) = \(node.operation)(\(operands)) : \(resultTypes)"
            // The memory plan, when there is one: `// %7 in place of %5`, `// %9 into %6's buffer`.
            if let plan = memoryPlan.assignments[index] {
                let notes = plan.keys.sorted().map { output -> String in
                    switch plan[output]! {
                    case let .inPlace(input): return "%\(node.outputs[output]) in place of %\(node.inputs[input])"
                    case let .reuse(value): return "%\(node.outputs[output]) into %\(value)'s buffer"
                    }
                }
                text += "    // " + notes.joined(separator: ", ")
            }
            text += "\n"
        }
        text += "  return " + outputs.map { "%\($0)" }.joined(separator: ", ") + "\n}"
        return text
    }

    /// The graph in Graphviz's DOT language: one box per node, edges labelled with value types
    /// (`dot -Tpng graph.dot -o graph.png`).
    public func dot(name: String = "nabla") -> String {
        func quoted(_ text: String) -> String { "\"" + text.replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
        var producer: [ValueID: String] = [:]
        var text = "digraph \(quoted(name)) {\n  rankdir=TB;\n  node [shape=box, fontname=\"Helvetica\"];\n"
        for (index, input) in inputs.enumerated() {
            let id = "in\(index)"
            producer[input] = id
            text += "  \(id) [label=\(quoted("input \(index)\n\(types[input])")), shape=ellipse];\n"
        }
        for (index, node) in nodes.enumerated() {
            let id = "n\(index)"
            for output in node.outputs { producer[output] = id }
            let style = node.operation.kindName == "constant" ? ", style=dashed" : (node.operation.kindName == "fused" ? ", style=filled, fillcolor=lightblue" : "")
            text += "  \(id) [label=\(quoted(node.operation.description))\(style)];\n"
            for input in node.inputs {
                if let from = producer[input] { text += "  \(from) -> \(id) [label=\(quoted("\(types[input])"))];\n" }
            }
        }
        for (index, output) in outputs.enumerated() {
            text += "  out\(index) [label=\(quoted("output \(index)")), shape=ellipse];\n"
            if let from = producer[output] { text += "  \(from) -> out\(index);\n" }
        }
        return text + "}\n"
    }
}
