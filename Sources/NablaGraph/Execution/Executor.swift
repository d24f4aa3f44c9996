import Foundation
import Nabla

/// Runs a graph on tensors: each node's operation by the core's kernels, in order, without a tape.
///
/// Values are released after their last use, so memory follows the graph's liveness; the caching
/// allocator then reuses their buffers for later nodes.
public struct Executor: Sendable {
    /// The graph run.
    public let graph: Graph
    /// For each node, the values whose last use it is (released right after it runs).
    private let releases: [[ValueID]]
    /// Values to keep to the end (the outputs).
    private let outputs: Set<ValueID>
    /// The environment every run starts from: the constants already in place.
    private let template: [Tensor?]
    /// The nodes that compute (constants are in `template`).
    private let steps: [(index: Int, node: GraphNode)]

    /// Prepares `graph` for running.
    public init(_ graph: Graph) {
        self.graph = graph
        outputs = Set(graph.outputs)
        var template = [Tensor?](repeating: nil, count: graph.types.count)
        var steps: [(index: Int, node: GraphNode)] = []
        for (index, node) in graph.nodes.enumerated() {
            if case let .constant(constant) = node.operation {
                template[node.outputs[0]] = constant.tensor
            } else {
                steps.append((index, node))
            }
        }
        self.template = template
        self.steps = steps
        var lastUse: [ValueID: Int] = [:]
        for (index, node) in graph.nodes.enumerated() {
            for input in node.inputs { lastUse[input] = index }
        }
        var releases = Array(repeating: [ValueID](), count: graph.nodes.count)
        for (value, index) in lastUse where !graph.outputs.contains(value) && template[value] == nil { releases[index].append(value) }
        self.releases = releases
    }

    /// The outputs for `inputs` (one tensor per graph input, of the traced types).
    /// - Parameter profile: when given, receives the time spent in each node kind.
    public func run(_ inputs: [Tensor], profile: Profile? = nil) -> [Tensor] {
        precondition(inputs.count == graph.inputs.count, "Executor: the graph takes \(graph.inputs.count) inputs, got \(inputs.count)")
        var environment = template
        for (id, tensor) in zip(graph.inputs, inputs) { environment[id] = tensor }
        withNoGrad {
            for (index, node) in steps {
                let start = profile == nil ? 0 : DispatchTime.now().uptimeNanoseconds
                let operands = node.inputs.map { environment[$0]! }
                let results: [Tensor]
                switch node.operation {
                case let .constant(constant): results = [constant.tensor]
                case let .primitive(primitive): results = primitive.forward(operands)
                case let .fusedElementwise(program): results = program.run(operands, shape: graph.types[node.outputs[0]].shape)
                }
                for (id, tensor) in zip(node.outputs, results) { environment[id] = tensor }
                for id in releases[index] { environment[id] = nil }
                if let profile {
                    profile.add(node.operation.kindName, nanoseconds: DispatchTime.now().uptimeNanoseconds - start)
                }
            }
        }
        return graph.outputs.map { environment[$0]! }
    }
}
