/// Convolution primitives: conv2d and its two gradients (backward-data is also the transposed
/// convolution). Public API in `Ops/Convolution+API.swift`; kernels through oneDNN.

/// Stride, padding, dilation and groups of a 2-D convolution (PyTorch's meaning; dilation 1 is dense).
public struct Conv2dAttributes: Hashable, Sendable {
    /// Step between windows (height, width).
    public var stride: (Int, Int) { (strideH, strideW) }
    public var strideH: Int, strideW: Int
    public var padH: Int, padW: Int
    public var dilationH: Int, dilationW: Int
    public var groups: Int

    /// Attributes with (height, width) pairs.
    public init(stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1) {
        (strideH, strideW) = stride
        (padH, padW) = padding
        (dilationH, dilationW) = dilation
        self.groups = groups
    }

    /// The kernel geometry for input [N, C, H, W] and weight [O, C/groups, kH, kW].
    func geometry(input: [Int], weight: [Int]) -> Conv2dGeometry {
        Conv2dGeometry(batch: input[0], inChannels: input[1], outChannels: weight[0], inHeight: input[2], inWidth: input[3],
                       kernelHeight: weight[2], kernelWidth: weight[3], strideHeight: strideH, strideWidth: strideW,
                       padHeight: padH, padWidth: padW, dilationHeight: dilationH, dilationWidth: dilationW, groups: groups)
    }

    /// Output height and width for an input of spatial size (h, w) and kernel (kh, kw).
    func outputSize(h: Int, w: Int, kh: Int, kw: Int) -> (Int, Int) {
        ((h + 2 * padH - dilationH * (kh - 1) - 1) / strideH + 1, (w + 2 * padW - dilationW * (kw - 1) - 1) / strideW + 1)
    }
}

/// VJPs of the convolution family (each is linear in each argument, so all have closed forms).
func convolutionVJP(_ node: Node, _ g: Tensor) -> [Tensor?] {
    let need = node.needsInputGrad
    switch node.primitive {
    case let .conv2d(attributes):
        let x = node.inputs[0], w = node.inputs[1]
        let gx = need[0] ? conv2dBackwardData(g, w, attributes, inputShape: x.shape) : nil
        let gw = need[1] ? conv2dBackwardWeight(x, g, attributes, weightShape: w.shape) : nil
        let gb: Tensor? = node.inputs.count > 2 && need[2] ? g.sum(alongAxes: 0, 2, 3) : nil
        return node.inputs.count > 2 ? [gx, gw, gb] : [gx, gw]
    case let .conv2dBackwardData(attributes, _):
        let y = node.inputs[0], w = node.inputs[1]
        let gy = need[0] ? conv2d(g, w, nil, attributes) : nil
        let gw = need[1] ? conv2dBackwardWeight(g, y, attributes, weightShape: w.shape) : nil
        return [gy, gw]
    case let .conv2dBackwardWeight(attributes, _):
        let x = node.inputs[0], gy = node.inputs[1]
        let gx = need[0] ? conv2dBackwardData(gy, g, attributes, inputShape: x.shape) : nil
        let ggy = need[1] ? conv2d(x, g, nil, attributes) : nil
        return [gx, ggy]
    default:
        fatalError("convolutionVJP: not a convolution: \(node.primitive)")
    }
}

/// conv2d primitive application (validated by the public API).
func conv2d(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ attributes: Conv2dAttributes) -> Tensor {
    let out = x.device.backend.conv2d(x, w, b, attributes)
    let inputs = b.map { [x, w, $0] } ?? [x, w]
    return shouldRecord(inputs) ? record(.conv2d(attributes), inputs: inputs, output: out) : out
}

/// The gradient of conv2d with respect to its input (a transposed convolution of `gradOutput`).
func conv2dBackwardData(_ gradOutput: Tensor, _ w: Tensor, _ attributes: Conv2dAttributes, inputShape: [Int]) -> Tensor {
    let out = gradOutput.device.backend.conv2dBackwardData(gradOutput, w, attributes, inputShape: inputShape)
    return shouldRecord(gradOutput, w) ? record(.conv2dBackwardData(attributes, inputShape: inputShape), inputs: [gradOutput, w], output: out) : out
}

/// The gradient of conv2d with respect to its weight.
func conv2dBackwardWeight(_ x: Tensor, _ gradOutput: Tensor, _ attributes: Conv2dAttributes, weightShape: [Int]) -> Tensor {
    let out = x.device.backend.conv2dBackwardWeight(x, gradOutput, attributes, weightShape: weightShape)
    return shouldRecord(x, gradOutput) ? record(.conv2dBackwardWeight(attributes, weightShape: weightShape), inputs: [x, gradOutput], output: out) : out
}
