/// Pooling primitives: 2-D max and average pooling and their gradients.

/// Window, stride and padding of 2-D pooling (PyTorch's floor mode).
public struct Pool2dAttributes: Hashable, Sendable {
    public var kernelH: Int, kernelW: Int
    public var strideH: Int, strideW: Int
    public var padH: Int, padW: Int
    /// Average pooling counts padded zeros in the divisor (PyTorch's default `count_include_pad=True`).
    public var countIncludePad: Bool

    /// Attributes with (height, width) pairs.
    public init(kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int) = (0, 0), countIncludePad: Bool = true) {
        (kernelH, kernelW) = kernel
        (strideH, strideW) = stride
        (padH, padW) = padding
        self.countIncludePad = countIncludePad
    }

    /// The kernel geometry for input [N, C, H, W].
    func geometry(input: [Int]) -> Pool2dGeometry {
        Pool2dGeometry(batch: input[0], channels: input[1], inHeight: input[2], inWidth: input[3], kernelHeight: kernelH, kernelWidth: kernelW,
                       strideHeight: strideH, strideWidth: strideW, padHeight: padH, padWidth: padW, countIncludePad: countIncludePad)
    }
}

/// VJPs of the pooling family.
func poolingVJP(_ node: Node, _ g: Tensor) -> [Tensor?] {
    switch node.primitive {
    case let .maxPool2d(attributes):
        return [maxPool2dBackward(node.inputs[0], g, attributes)]
    case let .avgPool2d(attributes):
        return [avgPool2dBackward(g, attributes, inputShape: node.inputShapes[0])]
    case let .avgPool2dBackward(attributes, _):
        return [avgPool2dPrimitive(g, attributes)]
    case .maxPool2dBackward:
        fatalError("maxPool2dBackward: second-order gradients through max pooling are not supported yet")
    default:
        fatalError("poolingVJP: not a pooling primitive: \(node.primitive)")
    }
}

/// Max pooling primitive application.
func maxPool2dPrimitive(_ x: Tensor, _ attributes: Pool2dAttributes) -> Tensor {
    let out = x.device.backend.maxPool2d(x, attributes)
    return shouldRecord(x) ? record(.maxPool2d(attributes), inputs: [x], output: out) : out
}

/// Gradient of max pooling.
func maxPool2dBackward(_ x: Tensor, _ gradOutput: Tensor, _ attributes: Pool2dAttributes) -> Tensor {
    let out = x.device.backend.maxPool2dBackward(x, gradOutput, attributes)
    return shouldRecord(gradOutput) ? record(.maxPool2dBackward(attributes), inputs: [x, gradOutput], output: out) : out
}

/// Average pooling primitive application.
func avgPool2dPrimitive(_ x: Tensor, _ attributes: Pool2dAttributes) -> Tensor {
    let out = x.device.backend.avgPool2d(x, attributes)
    return shouldRecord(x) ? record(.avgPool2d(attributes), inputs: [x], output: out) : out
}

/// Gradient of average pooling.
func avgPool2dBackward(_ gradOutput: Tensor, _ attributes: Pool2dAttributes, inputShape: [Int]) -> Tensor {
    let out = gradOutput.device.backend.avgPool2dBackward(gradOutput, attributes, inputShape: inputShape)
    return shouldRecord(gradOutput) ? record(.avgPool2dBackward(attributes, inputShape: inputShape), inputs: [gradOutput], output: out) : out
}
