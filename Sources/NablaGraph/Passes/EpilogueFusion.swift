import Nabla

/// Folds the elementwise work that consumes a matrix product into the product's kernel: a float32
/// `matmul` whose result only feeds one elementwise node (a fused run such as `add·relu` for a
/// Linear layer's bias and activation, `add·mul·erf·…` for a GELU, or a single op such as the
/// backward pass's `reluGrad`) becomes one `.kernel(.matmulEpilogue)` node. The kernel writes the
/// GEMM's result and runs the epilogue over it in place while it is still in cache (see
/// `matmulEpilogue` in the core), with the same element kernels, so results are bit-identical.
///
/// ```text
/// %3 = matmul(%0, %1) : f32[64, 256]                  %4 = matmul+epilogue[add·relu](%0, %1, %2) : f32[64, 256]
/// %4 = fused[add·relu](%3, %2) : f32[64, 256]    →
/// ```
///
/// Runs after `ElementwiseFusion` (which gathers the epilogue into one node) and, so that the ReLU's
/// input need not be kept for the backward pass, after `AlgebraicSimplification` (which makes
/// `reluGrad` read the ReLU's output).
public struct EpilogueFusion: GraphPass {
    public var name: String { "epilogue-fusion" }

    /// Creates the pass.
    public init() {}

    public func run(_ graph: Graph) -> Graph {
        var users = Array(repeating: Set<Int>(), count: graph.types.count)
        for (index, node) in graph.nodes.enumerated() { for input in node.inputs { users[input].insert(index) } }
        let graphOutputs = Set(graph.outputs)

        var replacement: [Int: GraphNode] = [:]      // consumer index → fused node
        var removed = Set<Int>()                     // matmul nodes folded into their consumer
        for (index, node) in graph.nodes.enumerated() where node.operation == .primitive(.matmul) {
            let product = node.outputs[0]
            let type = graph.types[product]
            guard type.dtype == .float32, !graphOutputs.contains(product), users[product].count == 1,
                  let consumerIndex = users[product].first, replacement[consumerIndex] == nil,
                  let fused = fold(node, into: graph.nodes[consumerIndex], graph: graph) else { continue }
            replacement[consumerIndex] = fused
            removed.insert(index)
        }
        guard !removed.isEmpty else { return graph }
        var result = graph
        result.nodes = []
        for (index, node) in graph.nodes.enumerated() where !removed.contains(index) {
            result.nodes.append(replacement[index] ?? node)
        }
        return result
    }

    /// The consumer with the matmul folded in, or nil when the consumer is not an epilogue it can take.
    private func fold(_ matmul: GraphNode, into consumer: GraphNode, graph: Graph) -> GraphNode? {
        let product = matmul.outputs[0]
        guard let program = elementwiseProgram(of: consumer, graph: graph),
              consumer.outputs.allSatisfy({ graph.types[$0] == graph.types[product] }) else { return nil }
        // Operands other than the product keep their order after it: register 0 is the product.
        var others: [ValueID] = []
        var registerOf: [Int] = []
        for input in consumer.inputs {
            if input == product {
                registerOf.append(0)
            } else {
                guard graph.types[input].dtype == .float32,
                      FusedOperandLayout(graph.types[input].shape, in: graph.types[product].shape) != nil else { return nil }
                others.append(input)
                registerOf.append(others.count)
            }
        }
        let inputCount = 1 + others.count
        func remap(_ register: Int) -> Int {
            register < program.inputCount ? registerOf[register] : register - program.inputCount + inputCount
        }
        let instructions = program.instructions.map { instruction -> FusedElementwiseProgram.Instruction in
            switch instruction {
            case let .unary(op, a): return .unary(op, remap(a))
            case let .binary(op, a, b): return .binary(op, remap(a), remap(b))
            }
        }
        let epilogue = FusedElementwiseProgram(inputCount: inputCount, instructions: instructions, outputs: program.outputs.map(remap))
        return GraphNode(.kernel(.matmulEpilogue(epilogue)), inputs: matmul.inputs + others, outputs: consumer.outputs)
    }

    /// The node as an elementwise program over its inputs: a fused run as is, a single fusible
    /// float32 elementwise primitive as a one-step program; nil for anything else.
    private func elementwiseProgram(of node: GraphNode, graph: Graph) -> FusedElementwiseProgram? {
        switch node.operation {
        case let .fusedElementwise(program):
            return program
        case let .primitive(primitive):
            guard let program = FusedElementwiseProgram(singleStep: primitive), program.instructions.allSatisfy(\.isFusible),
                  graph.types[node.outputs[0]].dtype == .float32 else { return nil }
            return program
        default:
            return nil
        }
    }
}
