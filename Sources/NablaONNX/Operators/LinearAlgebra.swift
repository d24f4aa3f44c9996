import Nabla

/// MatMul, Gemm and Einsum.
extension ONNXOperators {
    static let linearAlgebra: [String: ONNXKernel] = [
        "MatMul": { c in [try checkedMatmul(try c.input(0), try c.input(1), c)] },
        "Gemm": { c in
            var a = try c.input(0), b = try c.input(1)
            guard a.rank == 2, b.rank == 2 else { throw c.invalidInput(0, "Gemm needs 2-d A and B, got \(a.shape) and \(b.shape)") }
            if try c.int("transA", default: 0) != 0 { a = a.transposed() }
            if try c.int("transB", default: 0) != 0 { b = b.transposed() }
            let alpha = try c.float("alpha", default: 1), beta = try c.float("beta", default: 1)
            var y = try checkedMatmul(a, b, c)
            if alpha != 1 { y = y * alpha }
            if let bias = c.optionalInput(2) {
                guard try c.broadcastShape([y.shape, bias.shape]) == y.shape else {
                    throw c.invalidInput(2, "C of shape \(bias.shape) does not broadcast to \(y.shape)")
                }
                y = y + (beta == 1 ? bias : bias * beta)
            }
            return [y]
        },
        "Einsum": { c in
            let equation = try c.string("equation", default: "").replacingOccurrences(of: " ", with: "")
            let operands = try c.variadicInputs()
            let parts = equation.components(separatedBy: "->")
            let terms = parts[0].components(separatedBy: ",")
            guard operands.count <= 2, terms.count == operands.count, !equation.contains("."),
                  zip(terms, operands).allSatisfy({ $0.count == $1.rank && Set($0).count == $0.count }) else {
                throw c.unsupported("einsum equation \"\(equation)\" (at most two operands, no ellipsis, no repeated index within an operand)")
            }
            // Letters shared by both operands must have equal sizes.
            if terms.count == 2 {
                for (i, letter) in terms[0].enumerated() {
                    if let j = Array(terms[1]).firstIndex(of: letter), operands[0].shape[i] != operands[1].shape[j] {
                        throw c.invalidInput(1, "index \(letter) has sizes \(operands[0].shape[i]) and \(operands[1].shape[j])")
                    }
                }
            }
            if operands.count == 1 { return [einsum(equation, operands[0])] }
            return [einsum(equation, operands[0], operands[1])]
        },
    ]

    /// numpy.matmul after checking the shapes (integer operands go through float64).
    static func checkedMatmul(_ a: Tensor, _ b: Tensor, _ c: NodeContext) throws -> Tensor {
        guard a.rank >= 1, b.rank >= 1 else { throw c.invalidInput(0, "MatMul operands need at least one dimension, got \(a.shape) and \(b.shape)") }
        let k1 = a.shape[a.rank - 1], k2 = b.rank == 1 ? b.shape[0] : b.shape[b.rank - 2]
        guard k1 == k2 else { throw c.invalidInput(1, "inner dimensions differ: \(a.shape) × \(b.shape)") }
        _ = try c.broadcastShape([Array(a.shape.dropLast(a.rank >= 2 ? 2 : 1)), Array(b.shape.dropLast(b.rank >= 2 ? 2 : 1))])
        if a.dtype.isFloatingPoint && a.dtype == b.dtype { return matmul(a, b) }
        let dtype = DType.promote(a.dtype, b.dtype)
        return matmul(a.cast(to: .float64), b.cast(to: .float64)).cast(to: dtype)
    }
}
