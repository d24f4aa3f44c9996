/// A device's kernels, grouped by primitive family.
///
/// Inputs arrive validated (shapes inferred, dtypes promoted by the op layer); a backend returns
/// new tensors on its device. Every requirement has a default that stops with a typed
/// `NablaError.noKernel` message, so a new backend (CUDA) can start with a few families and grow.
public protocol Backend: Sendable {
    /// The device this backend runs on.
    var device: Device { get }
    /// `op(x)` elementwise; the result has `dtype`.
    func unary(_ op: UnaryOp, _ x: Tensor, resultType: DType) -> Tensor
    /// `op(a, b)` elementwise; `a` and `b` share a dtype and broadcast to `shape`.
    func binary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor, shape: [Int], resultType: DType) -> Tensor
    /// `condition ? a : b` elementwise with broadcasting to `shape`.
    func select(_ condition: Tensor, _ a: Tensor, _ b: Tensor, shape: [Int]) -> Tensor
    /// A reduction over sorted, distinct `axes`.
    func reduce(_ op: ReduceOp, _ x: Tensor, axes: [Int], keepDims: Bool, resultType: DType) -> Tensor
    /// Index of the extreme element along `axis` (int64 result).
    func argReduce(_ op: ArgReduceOp, _ x: Tensor, axis: Int, keepDims: Bool) -> Tensor
    /// Inclusive prefix sum along `axis`.
    func cumsum(_ x: Tensor, axis: Int, resultType: DType) -> Tensor
    /// Batched matrix product; both operands have rank ≥ 2 and batch dims already broadcast to `batchShape`.
    func matmul(_ a: Tensor, _ b: Tensor, batchShape: [Int]) -> Tensor
    /// Conversion to `dtype`.
    func cast(_ x: Tensor, to dtype: DType) -> Tensor
    /// A dense row-major copy.
    func contiguous(_ x: Tensor) -> Tensor
    /// Padding (constant or reflect).
    func pad(_ x: Tensor, before: [Int], after: [Int], mode: PadMode, value: Double) -> Tensor
    /// Reversal along `axes`.
    func flip(_ x: Tensor, axes: [Int]) -> Tensor
    /// Concatenation along `axis`.
    func concat(_ xs: [Tensor], axis: Int) -> Tensor
    /// Gather along `axis`.
    func gather(_ x: Tensor, axis: Int, index: Tensor) -> Tensor
    /// Scatter (or scatter-add) of `source` into a copy of `x`.
    func scatter(_ x: Tensor, axis: Int, index: Tensor, source: Tensor, accumulate: Bool) -> Tensor
    /// Stable sort along `axis`: values and int64 indices.
    func sort(_ x: Tensor, axis: Int, descending: Bool) -> (values: Tensor, indices: Tensor)
    /// Elements drawn from `distribution` with the Philox stream at `key`/`counter`.
    func random(_ distribution: RandomDistribution, shape: [Int], dtype: DType, key: UInt64, counter: UInt64) -> Tensor
    /// NCHW convolution.
    func conv2d(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?, _ attributes: Conv2dAttributes) -> Tensor
    /// Gradient of conv2d with respect to its input.
    func conv2dBackwardData(_ gradOutput: Tensor, _ weight: Tensor, _ attributes: Conv2dAttributes, inputShape: [Int]) -> Tensor
    /// Gradient of conv2d with respect to its weight.
    func conv2dBackwardWeight(_ x: Tensor, _ gradOutput: Tensor, _ attributes: Conv2dAttributes, weightShape: [Int]) -> Tensor
    /// Max pooling.
    func maxPool2d(_ x: Tensor, _ attributes: Pool2dAttributes) -> Tensor
    /// Gradient of max pooling.
    func maxPool2dBackward(_ x: Tensor, _ gradOutput: Tensor, _ attributes: Pool2dAttributes) -> Tensor
    /// Average pooling.
    func avgPool2d(_ x: Tensor, _ attributes: Pool2dAttributes) -> Tensor
    /// Gradient of average pooling.
    func avgPool2dBackward(_ gradOutput: Tensor, _ attributes: Pool2dAttributes, inputShape: [Int]) -> Tensor
}

extension Device {
    /// The backend that runs kernels for this device.
    @inline(__always)
    var backend: any Backend {
        switch self {
        case .cpu: return CPUBackend.shared
        }
    }
}

/// Stops with the typed "no kernel" error (the default of every backend requirement).
func missingKernel(_ op: String, _ device: Device, _ dtype: DType? = nil) -> Never {
    fatalError(NablaError.noKernel(op: op, device: device, dtype: dtype).description)
}
