/// Where a tensor's memory lives and its kernels run.
///
/// Only the CPU exists today; the enum and `Tensor.to(device:)` are the API a CUDA backend slots into.
public enum Device: Hashable, Sendable, CustomStringConvertible {
    /// The host CPU.
    case cpu

    /// "cpu".
    public var description: String {
        switch self {
        case .cpu: return "cpu"
        }
    }
}
