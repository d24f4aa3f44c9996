/// What the whole-sequence recurrent primitives (`lstmSequence`, `gruSequence`) share when they choose
/// between their CPU kernels and the composite step loop.
enum RecurrentSequenceKernels {
    /// Whether the kernels serve these tensors: float32 or float64 on the CPU.
    static func serve(_ tensors: [Tensor]) -> Bool {
        tensors.allSatisfy { $0.device == .cpu && ($0.dtype == .float32 || $0.dtype == .float64) }
    }

    /// `x` itself when dense, else a dense copy (not recorded): the kernels read raw rows.
    static func dense(_ x: Tensor) -> Tensor { x.isContiguous ? x : withNoGrad { x.contiguous() } }
}
