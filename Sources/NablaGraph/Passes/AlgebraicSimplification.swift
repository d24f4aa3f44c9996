import Nabla

/// Removes operations that do nothing, as the algebra shows: `x * 1`, `1 * x`, `x / 1`, `x + 0`,
/// `0 + x`, `x - 0` (when the result has `x`'s own type, so nothing is broadcast or converted),
/// casts to the same dtype, reshapes and expands to the same shape, chains of permutes (composed,
/// or removed when they cancel) and chains of reshapes (only the last counts). The ReLU gradient
/// `reluGrad(g, x)` reads `relu(x)` instead of `x` when the graph computes `relu(x)` anyway (their
/// signs agree), so the pre-activation `x` need not be kept for the backward pass and the forward
/// bias add and ReLU can fuse into the matmul (`EpilogueFusion`).
public struct AlgebraicSimplification: GraphPass {
    public var name: String { "algebraic-simplification" }

    /// Creates the pass.
    public init() {}

    public func run(_ graph: Graph) -> Graph {
        var scalarConstants: [ValueID: Double] = [:]
        var producers: [ValueID: GraphNode] = [:]
        var replacements: [ValueID: ValueID] = [:]
        var reluOf: [ValueID: ValueID] = [:]
        var result = graph
        result.nodes = []
        for var node in graph.nodes {
            node.inputs = node.inputs.map { replacements[$0] ?? $0 }
            if case let .constant(constant) = node.operation, constant.tensor.count == 1 {
                scalarConstants[node.outputs[0]] = Tracing.withoutObserver { constant.tensor.toArray(as: Double.self)[0] }
            }
            if let same = identityOperand(of: node, graph: graph, scalars: scalarConstants) {
                replacements[node.outputs[0]] = same
                continue
            }
            if let rewritten = composed(node, producers: producers, graph: graph) {
                if rewritten.operation == .primitive(.permute(Array(0..<graph.types[node.outputs[0]].shape.count))),
                   graph.types[rewritten.inputs[0]] == graph.types[node.outputs[0]] {
                    replacements[node.outputs[0]] = rewritten.inputs[0]
                    continue
                }
                node = rewritten
            }
            if node.operation == .primitive(.unary(.relu)) { reluOf[node.inputs[0]] = node.outputs[0] }
            if node.operation == .primitive(.binary(.reluGrad)), let activation = reluOf[node.inputs[1]],
               graph.types[activation] == graph.types[node.inputs[1]] {
                // x > 0 exactly when relu(x) > 0 (NaN stays NaN, -0 becomes 0): the same gradient.
                node.inputs[1] = activation
            }
            for output in node.outputs { producers[output] = node }
            result.nodes.append(node)
        }
        result.outputs = result.outputs.map { replacements[$0] ?? $0 }
        return result
    }

    /// The operand the node merely passes through, if it is an identity.
    private func identityOperand(of node: GraphNode, graph: Graph, scalars: [ValueID: Double]) -> ValueID? {
        guard case let .primitive(primitive) = node.operation, node.outputs.count == 1 else { return nil }
        let outputType = graph.types[node.outputs[0]]
        func passes(_ id: ValueID) -> ValueID? { graph.types[id] == outputType ? id : nil }
        switch primitive {
        case let .binary(op):
            let (a, b) = (node.inputs[0], node.inputs[1])
            switch op {
            case .mul:
                if scalars[b] == 1 { return passes(a) }
                if scalars[a] == 1 { return passes(b) }
            case .div:
                if scalars[b] == 1 { return passes(a) }
            case .add:
                if scalars[b] == 0 { return passes(a) }
                if scalars[a] == 0 { return passes(b) }
            case .sub:
                if scalars[b] == 0 { return passes(a) }
            default:
                break
            }
            return nil
        case .cast, .reshape, .expand, .contiguous:
            // contiguous is kept: whether it copies depends on the runtime layout.
            if case .contiguous = primitive { return nil }
            return passes(node.inputs[0])
        default:
            return nil
        }
    }

    /// `op2(op1(x))` rewritten as one op on `x`, for permute∘permute and reshape∘reshape.
    private func composed(_ node: GraphNode, producers: [ValueID: GraphNode], graph: Graph) -> GraphNode? {
        guard case let .primitive(outer) = node.operation, let inner = producers[node.inputs[0]],
              case let .primitive(innerPrimitive) = inner.operation else { return nil }
        switch (outer, innerPrimitive) {
        case let (.permute(second), .permute(first)):
            // out[i] = mid[second[i]] = x[first[second[i]]]
            return GraphNode(.primitive(.permute(second.map { first[$0] })), inputs: inner.inputs, outputs: node.outputs)
        case let (.reshape(shape), .reshape):
            return GraphNode(.primitive(.reshape(shape)), inputs: inner.inputs, outputs: node.outputs)
        default:
            return nil
        }
    }
}
