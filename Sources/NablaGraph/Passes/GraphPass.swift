import Foundation

/// A rewrite of a graph that keeps its results (DESIGN.md, point 7: one pass per file).
public protocol GraphPass: Sendable {
    /// A short name for dumps and errors ("dce", "cse", …).
    var name: String { get }
    /// The rewritten graph.
    func run(_ graph: Graph) -> Graph
}

/// Runs passes in order, verifying the graph after each in debug builds and printing it after each
/// when `NABLA_DUMP_GRAPH=1`.
public struct PassPipeline: Sendable {
    /// The passes, in order.
    public var passes: [any GraphPass]

    /// The passes `compile` runs: simplifications first, then fusion and a final clean-up.
    public static let standard = PassPipeline(passes: [
        ConstantFolding(), AlgebraicSimplification(), CommonSubexpressionElimination(), DeadCodeElimination(),
        ElementwiseFusion(), DeadCodeElimination(),
    ])

    /// A pipeline of `passes`.
    public init(passes: [any GraphPass]) { self.passes = passes }

    /// Whether `NABLA_DUMP_GRAPH=1` asks for the graph after each pass on standard error.
    static let dumpRequested = ProcessInfo.processInfo.environment["NABLA_DUMP_GRAPH"] == "1"

    /// `graph` after every pass.
    public func run(_ graph: Graph) -> Graph {
        var current = graph
        if PassPipeline.dumpRequested { dump(current, after: "trace") }
        for pass in passes {
            current = pass.run(current)
            #if DEBUG
            if let problem = GraphVerifier.problems(in: current).first {
                fatalError("NablaGraph: the graph is invalid after the \(pass.name) pass: \(problem)\n\(current)")
            }
            #endif
            if PassPipeline.dumpRequested { dump(current, after: pass.name) }
        }
        return current
    }

    private func dump(_ graph: Graph, after stage: String) {
        FileHandle.standardError.write(Data("--- graph after \(stage) (\(graph.nodes.count) nodes)\n\(graph)\n".utf8))
    }
}

extension Graph {
    /// The graph with `replacements` applied to every node input and output reference.
    func renaming(_ replacements: [ValueID: ValueID]) -> Graph {
        guard !replacements.isEmpty else { return self }
        func resolve(_ id: ValueID) -> ValueID {
            var current = id
            while let next = replacements[current], next != current { current = next }
            return current
        }
        var graph = self
        for index in graph.nodes.indices { graph.nodes[index].inputs = graph.nodes[index].inputs.map(resolve) }
        graph.outputs = graph.outputs.map(resolve)
        return graph
    }

    /// How many times each value is used (by nodes and as an output).
    var useCounts: [Int] {
        var counts = Array(repeating: 0, count: types.count)
        for node in nodes { for input in node.inputs { counts[input] += 1 } }
        for output in outputs { counts[output] += 1 }
        return counts
    }
}
