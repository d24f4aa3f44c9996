import Nabla

/// A straight-line program over one-element float32 and float64 values, run by one node without
/// allocating a tensor per step (see `ScalarFusion`). Registers `0..<inputCount` are the node's
/// inputs; instruction `k` writes register `inputCount + k`.
public struct ScalarProgram: Hashable, Sendable {
    /// One operation on registers: an elementwise step or a dtype cast.
    public enum Instruction: Hashable, Sendable {
        case elementwise(ElementwiseStep)
        case cast(DType, Int)
    }

    /// How many operands the node takes.
    public var inputCount: Int
    /// The operations, in order.
    public var instructions: [Instruction]
    /// The dtype of every register (inputs, then instructions).
    public var dtypes: [DType]
    /// The registers returned.
    public var outputs: [Int]

    /// "add·pow·sub·cast".
    public var summary: String {
        instructions.map { instruction -> String in
            switch instruction {
            case let .elementwise(step): return step.opName
            case .cast: return "cast"
            }
        }.joined(separator: "·")
    }

    /// The outputs for one-element `operands`, as tensors of `outputTypes`.
    public func run(_ operands: [Tensor], outputTypes: [ValueType]) -> [Tensor] {
        var registers = operands.map(\.floatingScalar)
        registers.reserveCapacity(inputCount + instructions.count)
        for (k, instruction) in instructions.enumerated() {
            let dtype = dtypes[inputCount + k]
            let value: Double?
            switch instruction {
            case let .elementwise(.unary(op, a)): value = ScalarElementwise.unary(op, registers[a], dtype: dtype)
            case let .elementwise(.binary(op, a, b)): value = ScalarElementwise.binary(op, registers[a], registers[b], dtype: dtype)
            case let .cast(to, a): value = ScalarElementwise.cast(registers[a], from: dtypes[a], to: to)
            }
            guard let value else { preconditionFailure("ScalarProgram: \(instruction) is not supported for \(dtype)") }
            registers.append(value)
        }
        return zip(outputs, outputTypes).map { register, type in
            type.dtype == .float32 ? Tensor(shape: type.shape, scalars: [Float(registers[register])])
                                   : Tensor(shape: type.shape, scalars: [registers[register]])
        }
    }
}

/// Gathers the one-element float32/float64 arithmetic that depends only on graph inputs and
/// constants (a capturable Adam's bias corrections: `1 - beta^t`, `sqrt`, `-lr / …`, fifteen
/// nodes per parameter) into one `.kernel(.scalarProgram)` node at the start of the graph, which
/// computes it in registers with the same element functions instead of allocating a tensor and
/// dispatching a kernel per operation. Runs before `ElementwiseFusion`.
public struct ScalarFusion: GraphPass {
    public var name: String { "scalar-fusion" }

    /// Creates the pass.
    public init() {}

    public func run(_ graph: Graph) -> Graph {
        var available = Set(graph.inputs)            // values the program may read: inputs, constants, its own results
        var constantNodes: [Int: Int] = [:]          // value → index of the constant node defining it
        var hoisted: [Int] = []
        for (index, node) in graph.nodes.enumerated() {
            if case .constant = node.operation {
                available.insert(node.outputs[0])
                constantNodes[node.outputs[0]] = index
            } else if isScalarArithmetic(node, graph: graph), node.inputs.allSatisfy(available.contains) {
                hoisted.append(index)
                available.insert(node.outputs[0])
            }
        }
        guard hoisted.count >= 2 else { return graph }
        let members = Set(hoisted)
        var usedOutside = Set(graph.outputs)
        for (index, node) in graph.nodes.enumerated() where !members.contains(index) { usedOutside.formUnion(node.inputs) }
        let layout = RegisterLayout(members: hoisted, graph: graph, isUsedOutside: usedOutside.contains)
        let instructions = hoisted.map { index -> ScalarProgram.Instruction in
            let node = graph.nodes[index]
            if case let .primitive(.cast(dtype)) = node.operation { return .cast(dtype, layout.register(node.inputs[0])) }
            return .elementwise(layout.elementwiseStep(node)!)
        }
        let dtypes = (layout.inputs + hoisted.map { graph.nodes[$0].outputs[0] }).map { graph.types[$0].dtype }
        let program = ScalarProgram(inputCount: layout.inputs.count, instructions: instructions, dtypes: dtypes, outputs: layout.outputRegisters)
        let (inputs, outputs) = (layout.inputs, layout.outputs)
        let readConstants = Set(inputs.compactMap { constantNodes[$0] })
        var result = graph
        result.nodes = readConstants.sorted().map { graph.nodes[$0] }
        result.nodes.append(GraphNode(.kernel(.scalarProgram(program)), inputs: inputs, outputs: outputs))
        for (index, node) in graph.nodes.enumerated() where !members.contains(index) && !readConstants.contains(index) {
            result.nodes.append(node)
        }
        return result
    }

    /// A unary, binary or cast primitive on one-element float32/float64 values that `ScalarElementwise` computes.
    private func isScalarArithmetic(_ node: GraphNode, graph: Graph) -> Bool {
        guard case let .primitive(primitive) = node.operation, node.outputs.count == 1 else { return false }
        let output = graph.types[node.outputs[0]]
        let types = node.inputs.map { graph.types[$0] } + [output]
        guard types.allSatisfy({ ($0.dtype == .float32 || $0.dtype == .float64) && $0.shape.reduce(1, *) == 1 }) else { return false }
        switch primitive {
        case let .unary(op):
            return types[0].dtype == output.dtype && ScalarElementwise.unary(op, 1, dtype: output.dtype) != nil
        case let .binary(op):
            return types.allSatisfy { $0.dtype == output.dtype } && ScalarElementwise.binary(op, 1, 1, dtype: output.dtype) != nil
        case let .cast(dtype):
            return ScalarElementwise.cast(1, from: types[0].dtype, to: dtype) != nil
        default:
            return false
        }
    }
}
