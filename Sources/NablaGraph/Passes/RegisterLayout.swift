import Nabla

/// The registers of a straight-line program made from a group of one-output graph nodes (an
/// `ElementwiseFusion` run, `ScalarFusion`'s hoisted arithmetic): the values the group reads from
/// outside become registers `0..<inputs.count` in order of first use, member `k` writes register
/// `inputs.count + k`, and the members' values used outside the group are the program's outputs.
struct RegisterLayout {
    /// The values read from outside the group, in register order.
    let inputs: [ValueID]
    /// The members' values the program returns, in member order.
    let outputs: [ValueID]
    /// Every value's register.
    private let registers: [ValueID: Int]

    /// The layout of `members` (node indices in program order) of `graph`; `isUsedOutside` says which
    /// member values must be returned.
    init(members: [Int], graph: Graph, isUsedOutside: (ValueID) -> Bool) {
        let produced = Set(members.map { graph.nodes[$0].outputs[0] })
        var registers: [ValueID: Int] = [:], inputs: [ValueID] = []
        for index in members {
            for input in graph.nodes[index].inputs where !produced.contains(input) && registers[input] == nil {
                registers[input] = inputs.count
                inputs.append(input)
            }
        }
        var outputs: [ValueID] = []
        for (k, index) in members.enumerated() {
            let value = graph.nodes[index].outputs[0]
            registers[value] = inputs.count + k
            if isUsedOutside(value) { outputs.append(value) }
        }
        (self.inputs, self.outputs, self.registers) = (inputs, outputs, registers)
    }

    /// The register holding `value`.
    func register(_ value: ValueID) -> Int { registers[value]! }

    /// The registers of the outputs.
    var outputRegisters: [Int] { outputs.map(register) }

    /// The elementwise step computing `node` (a unary or binary primitive) on these registers.
    func elementwiseStep(_ node: GraphNode) -> ElementwiseStep? {
        guard case let .primitive(primitive) = node.operation else { return nil }
        switch primitive {
        case let .unary(op): return .unary(op, register(node.inputs[0]))
        case let .binary(op): return .binary(op, register(node.inputs[0]), register(node.inputs[1]))
        default: return nil
        }
    }
}

extension ElementwiseStep {
    /// The op's name, for program summaries ("mul·add·relu").
    var opName: String {
        switch self {
        case let .unary(op, _): return "\(op)"
        case let .binary(op, _, _): return "\(op)"
        }
    }
}
