/// The CPU backend: Swift SIMD loops over the thread budget, OpenBLAS/oneDNN GEMM, oneDNN
/// convolution and pooling. One file per primitive family (`CPUElementwise.swift`, …).
public final class CPUBackend: Backend {
    /// The shared instance.
    public static let shared = CPUBackend()
    /// `.cpu`.
    public var device: Device { .cpu }

    /// Runs `body` on `x` converted to `type` and converts the result back to `resultType` when needed.
    func computing(in type: DType, _ x: Tensor, resultType: DType, _ body: (Tensor) -> Tensor) -> Tensor {
        let r = body(x.dtype == type ? x : cast(x, to: type))
        return r.dtype == resultType ? r : cast(r, to: resultType)
    }
}
