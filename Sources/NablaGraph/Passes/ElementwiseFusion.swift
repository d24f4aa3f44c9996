import Nabla

/// A straight-line program of elementwise primitives, run by one fused node.
///
/// Registers `0..<inputCount` are the node's inputs; instruction `k` writes register
/// `inputCount + k`; `outputs` names the registers the node returns.
public struct FusedElementwiseProgram: Hashable, Sendable {
    /// One elementwise operation on registers: the core's fused-kernel step.
    public typealias Instruction = ElementwiseStep

    /// How many operands the node takes.
    public var inputCount: Int
    /// The operations, in order.
    public var instructions: [Instruction]
    /// The registers returned.
    public var outputs: [Int]

    /// A program of its parts.
    public init(inputCount: Int, instructions: [Instruction], outputs: [Int]) {
        (self.inputCount, self.instructions, self.outputs) = (inputCount, instructions, outputs)
    }

    /// A unary (other than `sign`) or binary primitive as a one-step program; nil for other primitives.
    public init?(singleStep primitive: Primitive) {
        switch primitive {
        case let .unary(op) where op != .sign: self.init(inputCount: 1, instructions: [.unary(op, 0)], outputs: [1])
        case let .binary(op): self.init(inputCount: 2, instructions: [.binary(op, 0, 1)], outputs: [2])
        default: return nil
        }
    }

    /// "mul·add·relu".
    public var summary: String { instructions.map(\.opName).joined(separator: "·") }

    /// Runs the program on `operands` (of `shape`, single elements, or the broadcasts of
    /// `FusedOperandLayout`, such as an `[N]` bias or a `[B, 1]` maximum over `[B, N]`): in one pass through the core's fused kernel when it serves them,
    /// else one primitive after another. `destinations[i]`, when given, is a buffer output `i` is
    /// written into (possibly an operand: see `MemoryPlanning`).
    public func run(_ operands: [Tensor], shape: [Int], destinations: [Tensor?] = []) -> [Tensor] {
        if let fused = fusedElementwise(instructions, inputs: operands, outputs: outputs, shape: shape, broadcasting: true,
                                        destinations: destinations) {
            return fused
        }
        return runStepByStep(operands)
    }

    /// Runs the program one primitive after another (each a full pass over the data).
    public func runStepByStep(_ operands: [Tensor]) -> [Tensor] {
        var registers = operands
        for instruction in instructions {
            switch instruction {
            case let .unary(op, a): registers.append(Primitive.unary(op).forward([registers[a]])[0])
            case let .binary(op, a, b): registers.append(Primitive.binary(op).forward([registers[a], registers[b]])[0])
            }
        }
        return outputs.map { registers[$0] }
    }
}

/// Fuses runs of consecutive float32 elementwise nodes of one shape into a single node that makes
/// one pass over the data (`FusedElementwiseProgram`). Operands must have the run's shape, be single
/// elements, or broadcast as `FusedOperandLayout` allows (along leading axes: a `[N]` bias over
/// `[B, N]`; along trailing axes: a `[B, 1]` row statistic over `[B, N]`); values used after the run
/// become the fused node's outputs.
public struct ElementwiseFusion: GraphPass {
    public var name: String { "elementwise-fusion" }

    /// The fewest nodes worth fusing.
    public var minimumRunLength: Int

    /// Creates the pass.
    public init(minimumRunLength: Int = 2) { self.minimumRunLength = minimumRunLength }

    public func run(_ graph: Graph) -> Graph {
        // Who uses each value: node indices, and whether it is a graph output.
        var users = Array(repeating: [Int](), count: graph.types.count)
        for (index, node) in graph.nodes.enumerated() { for input in node.inputs { users[input].append(index) } }
        let graphOutputs = Set(graph.outputs)

        var result = graph
        result.nodes = []
        var run: [Int] = []
        var runShape: [Int]?

        func flush() {
            defer { run = []; runShape = nil }
            guard run.count >= minimumRunLength else {
                result.nodes += run.map { graph.nodes[$0] }
                return
            }
            let members = Set(run)
            let layout = RegisterLayout(members: run, graph: graph) { value in
                graphOutputs.contains(value) || users[value].contains(where: { !members.contains($0) })
            }
            let program = FusedElementwiseProgram(inputCount: layout.inputs.count, instructions: run.compactMap { layout.elementwiseStep(graph.nodes[$0]) },
                                                  outputs: layout.outputRegisters)
            result.nodes.append(GraphNode(.fusedElementwise(program), inputs: layout.inputs, outputs: layout.outputs))
        }

        var runOutputs = Set<ValueID>()
        for (index, node) in graph.nodes.enumerated() {
            guard let shape = fusibleShape(node, graph: graph) else {
                if !node.inputs.contains(where: runOutputs.contains) {
                    // Independent of the pending run (a constant, a scalar bias correction, …): emitting it
                    // ahead of the run keeps the run whole; its operands are all defined before the run.
                    result.nodes.append(node)
                    continue
                }
                flush()
                runOutputs.removeAll()
                result.nodes.append(node)
                continue
            }
            if let runShape, runShape != shape {
                flush()
                runOutputs.removeAll()
            }
            runShape = shape
            run.append(index)
            runOutputs.formUnion(node.outputs)
        }
        flush()
        return result
    }

    /// The node's result shape when it can join a fused run.
    private func fusibleShape(_ node: GraphNode, graph: Graph) -> [Int]? {
        guard case let .primitive(primitive) = node.operation, node.outputs.count == 1 else { return nil }
        switch primitive {
        case let .unary(op) where ![.isnan, .isfinite, .logicalNot, .sign].contains(op): break
        case let .binary(op) where ![.eq, .ne, .lt, .le, .gt, .ge, .logicalAnd, .logicalOr].contains(op): break
        default: return nil
        }
        let output = graph.types[node.outputs[0]]
        guard output.dtype == .float32 else { return nil }
        for input in node.inputs {
            let type = graph.types[input]
            guard type.dtype == .float32, FusedOperandLayout(type.shape, in: output.shape) != nil else { return nil }
        }
        return output.shape
    }
}
