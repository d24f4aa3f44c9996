/// Matrix products with an elementwise epilogue (bias add, activation, the ReLU gradient, …) applied
/// to the product while it is still in cache, by one kernel: what graph mode's epilogue fusion runs.

/// `a · b` (the matmul primitive's semantics: rank ≥ 2, batch axes broadcast) followed by the
/// elementwise program `steps` over the product, in one kernel, without a tape.
///
/// Register 0 is the product, registers `1...operands.count` are `operands` (each of the product's
/// shape, a single element, or a broadcast `FusedOperandLayout` allows, such as an `[N]` bias over
/// `[M, N]`), step `k` writes
/// register `1 + operands.count + k`; `outputs` names the registers returned. The product is written
/// by the GEMM into a buffer that the epilogue then overwrites in place, so `relu(x · w + b)` makes
/// one pass over the output after the GEMM instead of two passes and two intermediate tensors.
/// Gives exactly the values of `matmul` followed by the ops one by one (the same GEMM, the same
/// element kernels, in the same order), except that a first step adding an `[N]` bias to the product
/// is done by the GEMM accumulating onto the bias rows, as eager `matmul(_:_:bias:)` (and so `linear`)
/// does: compiled Linear layers round exactly as eager ones.
///
/// Returns nil when the kernel cannot serve the arguments (not float32 on the CPU, a rank below 2,
/// shapes that do not multiply, an operand the fused kernel cannot broadcast, a bool-valued step).
///
/// ```swift
/// // relu(x · wᵀ + b): register 0 = x · wᵀ, 1 = b, 2 = 0 + 1, 3 = relu 2
/// let y = matmulEpilogue(x, w.transposed(), [.binary(.add, 0, 1), .unary(.relu, 2)], operands: [b], outputs: [3])![0]
/// ```
public func matmulEpilogue(_ a: Tensor, _ b: Tensor, _ steps: [ElementwiseStep], operands: [Tensor], outputs: [Int]) -> [Tensor]? {
    guard a.dtype == .float32, b.dtype == .float32, a.device == .cpu, b.device == .cpu, a.rank >= 2, b.rank >= 2,
          a.shape[a.rank - 1] == b.shape[b.rank - 2],
          let batch = Broadcast.shape(Array(a.shape.dropLast(2)), Array(b.shape.dropLast(2))) else { return nil }
    let shape = batch + [a.shape[a.rank - 2], b.shape[b.rank - 1]]
    guard steps.allSatisfy(\.isFusible), outputs.allSatisfy({ $0 >= 0 && $0 < 1 + operands.count + steps.count }),
          operands.allSatisfy({ $0.dtype == .float32 && $0.device == .cpu && FusedOperandLayout($0.shape, in: shape) != nil })
    else { return nil }
    let fold = RowBiasFold(steps, operands: operands, outputs: outputs, columns: shape[shape.count - 1])
    let product = CPUBackend.shared.matmul(a, b, batchShape: batch, rowBias: fold.map { fold in withNoGrad { fold.bias.contiguous() } })
    let (remaining, results) = fold.map { ($0.steps, $0.outputs) } ?? (steps, outputs)
    if remaining.isEmpty && results.allSatisfy({ $0 == 0 }) { return results.map { _ in product } }
    // The product is ours alone: the first computed output overwrites it (the kernel orders the writes
    // when a later step still reads the product).
    var destinations = [Tensor?](repeating: nil, count: results.count)
    if !results.contains(0), let first = results.firstIndex(where: { $0 > operands.count }) { destinations[first] = product }
    return fusedElementwise(remaining, inputs: [product] + operands, outputs: results, shape: shape, broadcasting: true,
                            destinations: destinations)
}

/// An epilogue whose first step adds an `[N]` bias operand to the product, rewritten for a GEMM that
/// accumulates onto the bias rows: register 0 then holds the biased product, and the later steps and
/// the outputs are renumbered to match (the operands keep their registers).
private struct RowBiasFold {
    /// The bias the GEMM starts from.
    let bias: Tensor
    /// The steps after the bias add.
    let steps: [ElementwiseStep]
    /// The outputs, renumbered.
    let outputs: [Int]

    /// Nil unless the first step is `product + bias` (either order) with a bias of shape [`columns`], and
    /// nothing later reads the bare product.
    init?(_ steps: [ElementwiseStep], operands: [Tensor], outputs: [Int], columns: Int) {
        guard case let .binary(.add, lhs, rhs) = steps.first, min(lhs, rhs) == 0 else { return nil }
        let biasRegister = max(lhs, rhs), biasedProduct = 1 + operands.count
        guard biasRegister >= 1, biasRegister <= operands.count, operands[biasRegister - 1].shape == [columns] else { return nil }
        // Old register r: 0 is the bare product (must not be read again), 1...operands.count the operands,
        // 1 + operands.count the biased product (now 0), later ones move down by the removed step.
        func renumbered(_ r: Int) -> Int? {
            if r == 0 { return nil }
            if r < biasedProduct { return r }
            return r == biasedProduct ? 0 : r - 1
        }
        var rewritten: [ElementwiseStep] = []
        for step in steps.dropFirst() {
            switch step {
            case let .unary(op, x):
                guard let x = renumbered(x) else { return nil }
                rewritten.append(.unary(op, x))
            case let .binary(op, x, y):
                guard let x = renumbered(x), let y = renumbered(y) else { return nil }
                rewritten.append(.binary(op, x, y))
            }
        }
        let renumberedOutputs = outputs.compactMap(renumbered)
        guard renumberedOutputs.count == outputs.count else { return nil }
        (self.bias, self.steps, self.outputs) = (operands[biasRegister - 1], rewritten, renumberedOutputs)
    }
}
