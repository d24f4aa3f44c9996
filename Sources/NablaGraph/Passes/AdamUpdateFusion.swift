import Nabla

/// Recognises the Adam (and AdamW) update as traced from `NablaOptim`'s composite, thirteen
/// float32 elementwise primitives per parameter,
///
/// ```text
/// m' = m + (g - m) * w          v' = v * b2 + (g * c2) * g
/// p' = p + (m' * s) / (sqrt(v') / bc + eps)          (w, b2, c2, bc, eps, s: one-element values)
/// ```
///
/// and replaces them with one `.kernel(.adamUpdate)` node, run by the core's vectorised
/// `fusedAdamStep` (the kernel eager Adam uses): one pass over the four tensors instead of the
/// generic fused kernel's thirteen passes over each tile. The arithmetic is the same, operation by
/// operation, so results are bit-identical. Intermediate values must have no other use; `m'`, `v'`
/// and `p'` may (they are the optimizer's new state). Runs before `ElementwiseFusion`.
public struct AdamUpdateFusion: GraphPass {
    public var name: String { "adam-update-fusion" }

    /// Creates the pass.
    public init() {}

    public func run(_ graph: Graph) -> Graph {
        let matcher = Matcher(graph: graph)
        var removed = Set<Int>()
        var replacement: [Int: GraphNode] = [:]
        for (index, node) in graph.nodes.enumerated() where node.operation == .primitive(.unary(.sqrt)) {
            guard let match = matcher.match(sqrtNode: index), match.nodes.isDisjoint(with: removed) else { continue }
            removed.formUnion(match.nodes)
            replacement[match.last] = match.node
        }
        guard !replacement.isEmpty else { return graph }
        var result = graph
        result.nodes = []
        for (index, node) in graph.nodes.enumerated() {
            if let fused = replacement[index] { result.nodes.append(fused) } else if !removed.contains(index) { result.nodes.append(node) }
        }
        return result
    }

    /// The update by the primitives, one after another (the kernel's fallback; same operands and results).
    static func composite(_ operands: [Tensor]) -> [Tensor] {
        let (p, g, m, v) = (operands[0], operands[1], operands[2], operands[3])
        let (w, b2, c2, bc, eps, s) = (operands[4], operands[5], operands[6], operands[7], operands[8], operands[9])
        func binary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor) -> Tensor { Primitive.binary(op).forward([a, b])[0] }
        let newM = binary(.add, m, binary(.mul, binary(.sub, g, m), w))
        let newV = binary(.add, binary(.mul, v, b2), binary(.mul, binary(.mul, g, c2), g))
        let root = Primitive.unary(.sqrt).forward([newV])[0]
        let denominator = binary(.add, binary(.div, root, bc), eps)
        return [binary(.add, p, binary(.div, binary(.mul, newM, s), denominator)), newM, newV]
    }

    /// Pattern matching over one graph.
    private struct Matcher {
        let graph: Graph
        /// The node defining each value (nil for graph inputs).
        var producer: [Int?]
        /// The nodes using each value.
        var users: [[Int]]
        let graphOutputs: Set<ValueID>

        init(graph: Graph) {
            self.graph = graph
            producer = Array(repeating: nil, count: graph.types.count)
            users = Array(repeating: [], count: graph.types.count)
            for (index, node) in graph.nodes.enumerated() {
                for output in node.outputs { producer[output] = index }
                for input in node.inputs { users[input].append(index) }
            }
            graphOutputs = Set(graph.outputs)
        }

        struct Match {
            var nodes: Set<Int>
            var last: Int
            var node: GraphNode
        }

        /// The binary primitive `op` defining `value`: its node index and operands.
        private func binary(_ op: BinaryOp, _ value: ValueID) -> (index: Int, a: ValueID, b: ValueID)? {
            guard let index = producer[value], graph.nodes[index].operation == .primitive(.binary(op)) else { return nil }
            let inputs = graph.nodes[index].inputs
            return (index, inputs[0], inputs[1])
        }

        private func isScalar(_ value: ValueID) -> Bool {
            graph.types[value].dtype == .float32 && graph.types[value].shape.reduce(1, *) == 1
        }

        /// The only node using `value` (nil when used more than once, or returned).
        private func soleUser(_ value: ValueID) -> Int? {
            users[value].count == 1 && !graphOutputs.contains(value) ? users[value][0] : nil
        }

        /// `full * scalar` or `scalar * full` defining `value`: (node, full, scalar).
        private func scaled(_ value: ValueID) -> (index: Int, full: ValueID, scalar: ValueID)? {
            guard let mul = binary(.mul, value) else { return nil }
            if isScalar(mul.b) && !isScalar(mul.a) { return (mul.index, mul.a, mul.b) }
            if isScalar(mul.a) && !isScalar(mul.b) { return (mul.index, mul.b, mul.a) }
            return nil
        }

        /// Both operand orders of a commutative node's operands.
        private func orders(_ a: ValueID, _ b: ValueID) -> [(ValueID, ValueID)] { [(a, b), (b, a)] }

        func match(sqrtNode j: Int) -> Match? {
            let type = graph.types[graph.nodes[j].outputs[0]]
            guard type.dtype == .float32 else { return nil }
            let newV = graph.nodes[j].inputs[0], root = graph.nodes[j].outputs[0]
            // v' = v * b2 + (g * c2) * g
            guard let vAdd = binary(.add, newV) else { return nil }
            var second: (f: Int, i: Int, h: Int, v: ValueID, b2: ValueID, g: ValueID, c2: ValueID)?
            for (f, i) in orders(vAdd.a, vAdd.b) {
                guard let decay = scaled(f), let square = binary(.mul, i) else { continue }
                for (h, g) in orders(square.a, square.b) {
                    if let gScaled = scaled(h), gScaled.full == g {
                        second = (decay.index, square.index, gScaled.index, decay.full, decay.scalar, g, gScaled.scalar)
                    }
                }
                if second != nil { break }
            }
            guard let (fNode, iNode, hNode, v, b2, g, c2) = second else { return nil }
            // sqrt(v') / bc + eps
            guard let kNode = soleUser(root), graph.nodes[kNode].operation == .primitive(.binary(.div)),
                  graph.nodes[kNode].inputs[0] == root, isScalar(graph.nodes[kNode].inputs[1]) else { return nil }
            let bc = graph.nodes[kNode].inputs[1], k = graph.nodes[kNode].outputs[0]
            guard let lNode = soleUser(k), graph.nodes[lNode].operation == .primitive(.binary(.add)) else { return nil }
            let lInputs = graph.nodes[lNode].inputs, l = graph.nodes[lNode].outputs[0]
            guard let eps = lInputs[0] == k ? lInputs[1] : (lInputs[1] == k ? lInputs[0] : nil), isScalar(eps) else { return nil }
            // (m' * s) / denominator
            guard let qNode = soleUser(l), graph.nodes[qNode].operation == .primitive(.binary(.div)),
                  graph.nodes[qNode].inputs[1] == l, let numerator = scaled(graph.nodes[qNode].inputs[0]),
                  soleUser(graph.nodes[qNode].inputs[0]) == qNode else { return nil }
            let newM = numerator.full, s = numerator.scalar, q = graph.nodes[qNode].outputs[0]
            // p' = p + q
            guard let pNode = soleUser(q), graph.nodes[pNode].operation == .primitive(.binary(.add)) else { return nil }
            let pInputs = graph.nodes[pNode].inputs
            guard let p = pInputs[1] == q ? pInputs[0] : (pInputs[0] == q ? pInputs[1] : nil) else { return nil }
            // m' = m + (g - m) * w
            guard let mAdd = binary(.add, newM) else { return nil }
            var first: (e: Int, d: Int, m: ValueID, w: ValueID)?
            for (m, e) in orders(mAdd.a, mAdd.b) {
                if let step = scaled(e), let difference = binary(.sub, step.full), difference.a == g, difference.b == m {
                    first = (step.index, difference.index, m, step.scalar)
                }
            }
            guard let (eNode, dNode, m, w) = first else { return nil }
            let full = [p, g, m, v, newM, newV, graph.nodes[pNode].outputs[0]]
            guard full.allSatisfy({ graph.types[$0] == type }) else { return nil }

            // Intermediate values feed only the next step; the new moments may also be used later, but
            // only after the fused node, which takes the place of the last one (p').
            let intermediates: [(value: ValueID, node: Int)] = [
                (graph.nodes[dNode].outputs[0], eNode), (graph.nodes[eNode].outputs[0], mAdd.index),
                (graph.nodes[fNode].outputs[0], vAdd.index), (graph.nodes[hNode].outputs[0], iNode),
                (graph.nodes[iNode].outputs[0], vAdd.index), (numerator.full, numerator.index),
            ]
            for (value, node) in intermediates.dropLast() where soleUser(value) != node { return nil }
            guard users[newM].allSatisfy({ $0 == numerator.index || $0 > pNode }),
                  users[newV].allSatisfy({ $0 == j || $0 > pNode }) else { return nil }
            let nodes: Set<Int> = [dNode, eNode, mAdd.index, fNode, hNode, iNode, vAdd.index, j, kNode, lNode, numerator.index, qNode, pNode]
            guard nodes.count == 13, nodes.max() == pNode else { return nil }
            let fused = GraphNode(.kernel(.adamUpdate), inputs: [p, g, m, v, w, b2, c2, bc, eps, s],
                                  outputs: [graph.nodes[pNode].outputs[0], newM, newV])
            return Match(nodes: nodes, last: pNode, node: fused)
        }
    }
}
