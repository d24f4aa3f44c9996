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
/// element kernels, in the same order).
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
    let product = a.device.backend.matmul(a, b, batchShape: batch)
    // The product is ours alone: the first computed output overwrites it (the kernel orders the writes
    // when a later step still reads the product).
    var destinations = [Tensor?](repeating: nil, count: outputs.count)
    if !outputs.contains(0), let first = outputs.firstIndex(where: { $0 > operands.count }) { destinations[first] = product }
    return fusedElementwise(steps, inputs: [product] + operands, outputs: outputs, shape: shape, broadcasting: true,
                            destinations: destinations)
}
