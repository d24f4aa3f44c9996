import Foundation
import Nabla

/// Runs a graph on tensors: each node's operation by the core's kernels, in order, without a tape.
///
/// Values are released after their last use, so memory follows the graph's liveness and the caching
/// allocator reuses their buffers for later nodes. When the graph has a `MemoryPlan`, planned
/// results are written into the buffer the plan names (an operand dying at the node, or a buffer
/// kept from a dead value), after checking at run time that nothing else holds that buffer.
public struct Executor: Sendable {
    /// The graph run.
    public let graph: Graph
    /// The environment every run starts from: the constants already in place.
    private let template: [Tensor?]
    /// The nodes that compute (constants are in `template`), prepared for running.
    private let steps: [Step]

    /// A node prepared for running.
    private struct Step: Sendable {
        enum Work: Sendable {
            case primitive(Primitive)
            /// An elementwise primitive run through the fused kernel (so it can write into a planned buffer).
            case elementwise(FusedElementwiseProgram, primitive: Primitive, shape: [Int])
            case fused(FusedElementwiseProgram, shape: [Int])
            case kernel(GraphKernel, outputTypes: [ValueType])
        }
        let work: Work
        let inputs: [ValueID]
        let outputs: [ValueID]
        /// Values whose last use this is (released right after it runs).
        let releases: [ValueID]
        /// Where planned outputs go: (output index, assignment).
        let plan: [(output: Int, assignment: BufferAssignment)]
        /// The profile's name for the node.
        let kind: String
    }

    /// Prepares `graph` for running.
    public init(_ graph: Graph) {
        self.graph = graph
        var template = [Tensor?](repeating: nil, count: graph.types.count)
        for node in graph.nodes {
            if case let .constant(constant) = node.operation { template[node.outputs[0]] = constant.tensor }
        }
        self.template = template
        let outputs = Set(graph.outputs)
        let retained = graph.memoryPlan.retainedValues
        var lastUse: [ValueID: Int] = [:]
        for (index, node) in graph.nodes.enumerated() {
            for input in node.inputs { lastUse[input] = index }
        }
        var releases = Array(repeating: [ValueID](), count: graph.nodes.count)
        for (value, index) in lastUse where !outputs.contains(value) && template[value] == nil && !retained.contains(value) {
            releases[index].append(value)
        }
        var steps: [Step] = []
        for (index, node) in graph.nodes.enumerated() {
            let work: Step.Work
            let plan = (graph.memoryPlan.assignments[index] ?? [:]).sorted { $0.key < $1.key }.map { (output: $0.key, assignment: $0.value) }
            switch node.operation {
            case .constant:
                continue
            case let .primitive(primitive):
                if !plan.isEmpty, let program = FusedElementwiseProgram(singleStep: primitive) {
                    work = .elementwise(program, primitive: primitive, shape: graph.types[node.outputs[0]].shape)
                } else {
                    work = .primitive(primitive)
                }
            case let .fusedElementwise(program):
                work = .fused(program, shape: graph.types[node.outputs[0]].shape)
            case let .kernel(kernel):
                work = .kernel(kernel, outputTypes: node.outputs.map { graph.types[$0] })
            }
            steps.append(Step(work: work, inputs: node.inputs, outputs: node.outputs, releases: releases[index], plan: plan,
                              kind: node.operation.kindName))
        }
        self.steps = steps
    }

    /// The outputs for `inputs` (one tensor per graph input, of the traced types).
    /// - Parameter profile: when given, receives the time spent in each node kind.
    public func run(_ inputs: [Tensor], profile: Profile? = nil) -> [Tensor] {
        precondition(inputs.count == graph.inputs.count, "Executor: the graph takes \(graph.inputs.count) inputs, got \(inputs.count)")
        var environment = template
        for (id, tensor) in zip(graph.inputs, inputs) { environment[id] = tensor }
        withNoGrad {
            for step in steps {
                let start = profile == nil ? 0 : DispatchTime.now().uptimeNanoseconds
                let destinations = step.plan.isEmpty ? [] : Self.destinations(for: step, in: &environment)
                var operands: [Tensor] = []
                operands.reserveCapacity(step.inputs.count)
                for input in step.inputs { operands.append(environment[input]!) }
                let results: [Tensor]
                switch step.work {
                case let .primitive(primitive):
                    results = primitive.forward(operands)
                case let .elementwise(program, primitive, shape):
                    results = fusedElementwise(program.instructions, inputs: operands, outputs: program.outputs, shape: shape,
                                               broadcasting: true, destinations: destinations) ?? primitive.forward(operands)
                case let .fused(program, shape):
                    results = program.run(operands, shape: shape, destinations: destinations)
                case let .kernel(kernel, outputTypes):
                    results = kernel.run(operands, outputTypes: outputTypes, destinations: destinations)
                }
                operands.removeAll()
                for (id, tensor) in zip(step.outputs, results) { environment[id] = tensor }
                for id in step.releases { environment[id] = nil }
                if let profile {
                    profile.add(step.kind, nanoseconds: DispatchTime.now().uptimeNanoseconds - start)
                }
            }
        }
        return graph.outputs.map { environment[$0]! }
    }

    /// The buffers the plan gives `step`'s outputs, each checked to be held by the executor alone
    /// (else nil: a new buffer). A reused buffer leaves the environment.
    private static func destinations(for step: Step, in environment: inout [Tensor?]) -> [Tensor?] {
        var destinations = [Tensor?](repeating: nil, count: step.outputs.count)
        for (output, assignment) in step.plan {
            switch assignment {
            case let .inPlace(input):
                let id = step.inputs[input]
                guard var candidate = environment[id] else { continue }
                environment[id] = nil
                if candidate.hasUniqueStorage() && candidate.isContiguous { destinations[output] = candidate }
                environment[id] = candidate
            case let .reuse(value):
                guard var candidate = environment[value] else { continue }
                environment[value] = nil
                if candidate.hasUniqueStorage() && candidate.isContiguous { destinations[output] = candidate }
            }
        }
        return destinations
    }
}
