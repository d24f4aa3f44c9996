import Nabla

/// What a `.kernel` node runs: several primitives done by one dedicated kernel. Made by the
/// execution passes (`EpilogueFusion`, `AdamUpdateFusion`); each case documents its operands.
public enum GraphKernel: Hashable, Sendable, CustomStringConvertible {
    /// `matmul(inputs[0], inputs[1])` followed by `program` over the product and `inputs[2...]`:
    /// the program's register 0 is the product, registers `1..<program.inputCount` the other
    /// operands (see `matmulEpilogue` in the core).
    case matmulEpilogue(FusedElementwiseProgram)
    /// One Adam update, run by the core's `fusedAdamStep`. Inputs: parameter, gradient, exp_avg,
    /// exp_avg_sq (one shape), then the one-element scalars weight (1 - beta1), beta2, 1 - beta2,
    /// sqrt(1 - beta2^t), eps, -lr / (1 - beta1^t). Outputs: the new parameter, exp_avg, exp_avg_sq.
    case adamUpdate
    /// Arithmetic on one-element float32/float64 values, in registers (see `ScalarFusion`).
    case scalarProgram(ScalarProgram)

    /// "matmul+epilogue[add·relu]", "adam", "scalars[add·pow·sub]".
    public var description: String {
        switch self {
        case let .matmulEpilogue(program): return "matmul+epilogue[\(program.summary)]"
        case .adamUpdate: return "adam"
        case let .scalarProgram(program): return "scalars[\(program.summary)]"
        }
    }

    /// The kind without details, for profiles: "matmul+epilogue", "adam", "scalars".
    public var kindName: String {
        switch self {
        case .matmulEpilogue: return "matmul+epilogue"
        case .adamUpdate: return "adam"
        case .scalarProgram: return "scalars"
        }
    }

    /// Runs the kernel on `operands`; `destinations[i]`, when given, is a buffer output `i` may be
    /// written into (see `MemoryPlanning`).
    public func run(_ operands: [Tensor], outputTypes: [ValueType], destinations: [Tensor?] = []) -> [Tensor] {
        switch self {
        case let .matmulEpilogue(program):
            if let results = Nabla.matmulEpilogue(operands[0], operands[1], program.instructions, operands: Array(operands[2...]),
                                            outputs: program.outputs) {
                return results
            }
            // Not served by the fused kernel (another dtype or device): the same ops one by one.
            let product = Primitive.matmul.forward([operands[0], operands[1]])[0]
            return program.runStepByStep([product] + operands[2...])
        case .adamUpdate:
            // The traced scalars are float32; through Double and back they keep their exact values.
            let scalar = { (i: Int) in Double(operands[i].float32Scalar) }
            let scalars = AdamStepScalars(parameterScale: 1, l2: 0, firstMomentWeight: scalar(4), beta2: scalar(5),
                                          oneMinusBeta2: scalar(6), biasCorrection2Sqrt: scalar(7), eps: scalar(8),
                                          negativeStepSize: scalar(9))
            if let (p, m, v) = fusedAdamStep(parameter: operands[0], gradient: operands[1], expAvg: operands[2],
                                             expAvgSq: operands[3], scalars) {
                return [p, m, v]
            }
            return AdamUpdateFusion.composite(operands)
        case let .scalarProgram(program):
            return program.run(operands, outputTypes: outputTypes)
        }
    }
}
