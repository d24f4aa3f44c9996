import Dispatch
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

    /// The portable passes: simplifications, then elementwise fusion and a clean-up. The graph stays
    /// in primitives and fused elementwise nodes, which ONNX export and TensorBoard understand.
    public static let standard = PassPipeline(passes: [
        ConstantFolding(), AlgebraicSimplification(), CommonSubexpressionElimination(), DeadCodeElimination(),
        ElementwiseFusion(), DeadCodeElimination(),
    ])

    /// The passes `compile` runs: `standard`'s, plus the execution passes that make dedicated
    /// kernels (`AdamUpdateFusion` and `ScalarFusion` before elementwise fusion, `EpilogueFusion`
    /// after it) and, last, `MemoryPlanning`. Its graphs are for the `Executor` only.
    public static let compiled = PassPipeline(passes: [
        ConstantFolding(), AlgebraicSimplification(), CommonSubexpressionElimination(), DeadCodeElimination(),
        AdamUpdateFusion(), ScalarFusion(), ElementwiseFusion(), EpilogueFusion(), DeadCodeElimination(), MemoryPlanning(),
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
            let start = PassPipeline.dumpRequested ? DispatchTime.now().uptimeNanoseconds : 0
            current = pass.run(current)
            let elapsed = PassPipeline.dumpRequested ? Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 : 0
            #if DEBUG
            if let problem = GraphVerifier.problems(in: current).first {
                fatalError("NablaGraph: the graph is invalid after the \(pass.name) pass: \(problem)\n\(current)")
            }
            #endif
            if PassPipeline.dumpRequested { dump(current, after: pass.name, milliseconds: elapsed) }
        }
        return current
    }

    private func dump(_ graph: Graph, after stage: String, milliseconds: Double? = nil) {
        let time = milliseconds.map { String(format: ", %.1f ms", $0) } ?? ""
        FileHandle.standardError.write(Data("--- graph after \(stage) (\(graph.nodes.count) nodes\(time))\n\(graph)\n".utf8))
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
