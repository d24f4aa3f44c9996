/// What the whole-sequence recurrent primitives (`lstmSequence`, `gruSequence`) share when they choose
/// between their CPU kernels and the composite step loop.
enum RecurrentSequenceKernels {
    /// Whether the kernels serve these tensors: float32 or float64 on the CPU.
    static func serve(_ tensors: [Tensor]) -> Bool {
        tensors.allSatisfy { $0.device == .cpu && ($0.dtype == .float32 || $0.dtype == .float64) }
    }

    /// Traps, naming `what`, unless the tensors share one floating-point dtype.
    static func requireOneFloatingDType(_ tensors: [Tensor], _ what: String, file: StaticString, line: UInt) {
        let dtypes = tensors.map(\.dtype)
        guard dtypes.allSatisfy({ $0 == dtypes[0] }), dtypes[0].isFloatingPoint else {
            fatalError("\(what) must share one floating-point dtype, got \(dtypes)", file: file, line: line)
        }
    }
}
