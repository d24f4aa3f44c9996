import Nabla

/// Plans where results are written (`Graph.memoryPlan`), so that a replay allocates less and
/// writes into memory that is already in cache:
///
/// - **in place**: an elementwise node (a fused run, or a single float32 elementwise primitive)
///   writes a result into the buffer of an operand of the same type that dies at this node;
/// - **reuse**: otherwise it writes into the buffer of a float32 value of the same element count
///   that died earlier (the most recently freed first), which the executor keeps until then.
///
/// Buffers are tracked by alias class: a view (reshape, permute, expand, slice, …) shares its
/// operand's buffer, so a buffer dies only when its value and every view of it are dead. A buffer
/// is never written over when it belongs to a graph input, a constant or a graph output (the
/// caller's tensors, the model's state, the results), nor when an operand of the node is a view of
/// it. The executor checks each assignment again at run time (only it holds the buffer, of the
/// right size and layout) and uses a new buffer when the check fails.
///
/// Runs last: a pass that rewrites nodes afterwards leaves a stale plan.
public struct MemoryPlanning: GraphPass {
    public var name: String { "memory-planning" }

    /// Creates the pass.
    public init() {}

    public func run(_ graph: Graph) -> Graph {
        let valueCount = graph.types.count
        var root = Array(0..<valueCount)          // the value owning each value's buffer
        var owned = [Bool](repeating: false, count: valueCount)   // a root whose buffer a node allocated
        var pinned = [Bool](repeating: false, count: valueCount)  // a root that must never be overwritten
        for input in graph.inputs { pinned[input] = true }
        for node in graph.nodes {
            if case .constant = node.operation {
                for output in node.outputs { pinned[output] = true }
            } else if Self.allocatesResults(node), !node.outputs.isEmpty {
                for output in node.outputs { owned[output] = true }
            } else if let first = node.inputs.first {
                for output in node.outputs { root[output] = root[first] }
            } else {
                for output in node.outputs { pinned[output] = true }
            }
        }
        for output in graph.outputs { pinned[root[output]] = true }

        // The last node touching each buffer (through any of its views); a result nobody reads dies where it is made.
        var lastUse = [Int](repeating: -1, count: valueCount)
        for (index, node) in graph.nodes.enumerated() {
            for output in node.outputs { lastUse[root[output]] = max(lastUse[root[output]], index) }
            for input in node.inputs { lastUse[root[input]] = max(lastUse[root[input]], index) }
        }
        var dyingAt: [Int: [ValueID]] = [:]
        for value in 0..<valueCount where root[value] == value && owned[value] && !pinned[value] && graph.types[value].dtype == .float32 {
            dyingAt[lastUse[value], default: []].append(value)
        }

        var plan = MemoryPlan()
        var free: [Int: [ValueID]] = [:]          // element count → dead buffers, most recently freed last
        var consumed = Set<ValueID>()             // buffers taken over in place
        for (index, node) in graph.nodes.enumerated() {
            if let candidates = Self.plannableOutputs(node, graph: graph) {
                var assignments: [Int: BufferAssignment] = [:]
                var usedInputs = Set<Int>()
                for k in candidates {
                    let type = graph.types[node.outputs[k]]
                    let inPlace = node.inputs.indices.first { i in
                        let x = node.inputs[i]
                        return !usedInputs.contains(i) && root[x] == x && owned[x] && !pinned[x] && !consumed.contains(x)
                            && lastUse[x] == index && graph.types[x] == type
                            && node.inputs.allSatisfy { root[$0] != x || $0 == x }              // no view of it is read here
                            && !Self.passesThrough(node, input: i)
                    }
                    if let i = inPlace {
                        assignments[k] = .inPlace(input: i)
                        for (j, input) in node.inputs.enumerated() where input == node.inputs[i] { usedInputs.insert(j) }
                        consumed.insert(node.inputs[i])
                    } else if let buffer = free[type.shape.reduce(1, *)]?.popLast() {
                        assignments[k] = .reuse(buffer)
                    }
                }
                if !assignments.isEmpty { plan.assignments[index] = assignments }
            }
            for buffer in dyingAt[index] ?? [] where !consumed.contains(buffer) {
                free[graph.types[buffer].shape.reduce(1, *), default: []].append(buffer)
            }
        }
        var result = graph
        result.memoryPlan = plan
        return result
    }

    /// Whether the node's results are new dense buffers (not views of an operand, not an operand itself).
    static func allocatesResults(_ node: GraphNode) -> Bool {
        switch node.operation {
        case .constant: return false
        case .fusedElementwise, .kernel: return true
        case let .primitive(primitive):
            switch primitive {
            case .unary, .binary, .select, .matmul, .argReduce, .cumsum, .gather, .scatter, .sort, .concat,
                 .conv2d, .conv2dBackwardData, .conv2dBackwardWeight, .maxPool2d, .maxPool2dBackward, .avgPool2d, .avgPool2dBackward:
                return true
            case let .reduce(_, axes, _):
                return !axes.isEmpty
            default:
                return false     // movement ops and casts may return a view or the operand itself
            }
        }
    }

    /// The outputs of `node` the executor can write into a given buffer (nil: none): the computed
    /// results of a fused elementwise node, the result of a float32 elementwise primitive the fused
    /// kernel serves.
    static func plannableOutputs(_ node: GraphNode, graph: Graph) -> [Int]? {
        switch node.operation {
        case let .fusedElementwise(program):
            let outputs = program.outputs.indices.filter { k in
                program.outputs[k] >= program.inputCount && program.outputs.firstIndex(of: program.outputs[k]) == k
            }
            return outputs.isEmpty ? nil : outputs
        case let .primitive(primitive):
            guard let program = FusedElementwiseProgram(singleStep: primitive), node.outputs.count == 1 else { return nil }
            let shape = graph.types[node.outputs[0]].shape
            guard graph.types[node.outputs[0]].dtype == .float32, program.instructions.allSatisfy(\.isFusible),
                  node.inputs.allSatisfy({ graph.types[$0].dtype == .float32 && FusedOperandLayout(graph.types[$0].shape, in: shape) != nil })
            else { return nil }
            return [0]
        default:
            return nil
        }
    }

    /// Whether a fused node returns operand `input` as one of its results (then it must keep its values).
    private static func passesThrough(_ node: GraphNode, input: Int) -> Bool {
        guard case let .fusedElementwise(program) = node.operation else { return false }
        return program.outputs.contains(input)
    }
}
