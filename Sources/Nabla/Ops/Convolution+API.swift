/// Public convolution and pooling functions (PyTorch's `torch.nn.functional` names and defaults).

/// 2-D convolution of `x` [N, C, H, W] with `weight` [O, C/groups, kH, kW] and optional `bias` [O].
///
/// Disfavoured so that `conv2d(x, weight: w)` (no pairs given) picks the `Int` overload instead of
/// being ambiguous.
@_disfavoredOverload
public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
                   dilation: (Int, Int) = (1, 1), groups: Int = 1, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    guard x.rank == 4, weight.rank == 4, groups >= 1, x.shape[1] == weight.shape[1] * groups, weight.shape[0] % groups == 0,
          bias.map({ $0.shape == [weight.shape[0]] }) ?? true else {
        shapeFailure("conv2d: input \(x.shape), weight \(weight.shape)\(bias.map { ", bias \($0.shape)" } ?? "") and groups \(groups) do not fit (expected input [N, C, H, W], weight [O, C/groups, kH, kW], bias [O])", file: file, line: line)
    }
    let attributes = Conv2dAttributes(stride: stride, padding: padding, dilation: dilation, groups: groups)
    let (oh, ow) = attributes.outputSize(h: x.shape[2], w: x.shape[3], kh: weight.shape[2], kw: weight.shape[3])
    guard oh > 0, ow > 0 else {
        shapeFailure("conv2d: input \(x.shape) is too small for weight \(weight.shape) with padding \(padding) and dilation \(dilation)", file: file, line: line)
    }
    let dtype = DType.promote(x.dtype, weight.dtype)
    return Nabla.conv2d(x.cast(to: dtype), weight.cast(to: dtype), bias?.cast(to: dtype), attributes)
}

/// 2-D convolution with the same stride/padding/dilation on both axes.
public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0, dilation: Int = 1, groups: Int = 1,
                   file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    conv2d(x, weight: weight, bias: bias, stride: (stride, stride), padding: (padding, padding), dilation: (dilation, dilation),
           groups: groups, file: file, line: line)
}

/// 1-D convolution of `x` [N, C, L] with `weight` [O, C/groups, k] (through conv2d with height 1).
public func conv1d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0, dilation: Int = 1, groups: Int = 1,
                   file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    guard x.rank == 3, weight.rank == 3 else {
        shapeFailure("conv1d: expected input [N, C, L] and weight [O, C/groups, k], got \(x.shape) and \(weight.shape)", file: file, line: line)
    }
    return conv2d(x.unsqueezed(axis: 2), weight: weight.unsqueezed(axis: 2), bias: bias, stride: (1, stride), padding: (0, padding),
                  dilation: (1, dilation), groups: groups, file: file, line: line).squeezed(axis: 2)
}

/// Transposed 2-D convolution of `x` [N, Cin, H, W] with `weight` [Cin, Cout/groups, kH, kW] (PyTorch's layout).
public func convTranspose2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
                            outputPadding: (Int, Int) = (0, 0), groups: Int = 1, dilation: (Int, Int) = (1, 1),
                            file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    guard x.rank == 4, weight.rank == 4, x.shape[1] == weight.shape[0], weight.shape[0] % groups == 0 else {
        shapeFailure("convTranspose2d: input \(x.shape) and weight \(weight.shape) do not fit (expected weight [Cin, Cout/groups, kH, kW])", file: file, line: line)
    }
    let attributes = Conv2dAttributes(stride: stride, padding: padding, dilation: dilation, groups: groups)
    let h = (x.shape[2] - 1) * stride.0 - 2 * padding.0 + dilation.0 * (weight.shape[2] - 1) + outputPadding.0 + 1
    let w = (x.shape[3] - 1) * stride.1 - 2 * padding.1 + dilation.1 * (weight.shape[3] - 1) + outputPadding.1 + 1
    let inputShape = [x.shape[0], weight.shape[1] * groups, h, w]
    let dtype = DType.promote(x.dtype, weight.dtype)
    var y = conv2dBackwardData(x.cast(to: dtype), weight.cast(to: dtype), attributes, inputShape: inputShape)
    if let bias { y = y + bias.cast(to: dtype).reshaped([1, -1, 1, 1]) }
    return y
}

/// 2-D max pooling (stride defaults to the kernel size; padding is -infinity).
public func maxPool2d(_ x: Tensor, kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                      file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    let attributes = poolAttributes("maxPool2d", x, kernelSize, stride, padding, countIncludePad: true, file: file, line: line)
    return maxPool2dPrimitive(x, attributes)
}

/// 2-D max pooling with a square window (`maxPool2d(x, 2)`).
public func maxPool2d(_ x: Tensor, _ kernelSize: Int, stride: Int? = nil, padding: Int = 0, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    maxPool2d(x, kernelSize: (kernelSize, kernelSize), stride: stride.map { ($0, $0) }, padding: (padding, padding), file: file, line: line)
}

/// 2-D average pooling.
public func avgPool2d(_ x: Tensor, kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0), countIncludePad: Bool = true,
                      file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    let attributes = poolAttributes("avgPool2d", x, kernelSize, stride, padding, countIncludePad: countIncludePad, file: file, line: line)
    return avgPool2dPrimitive(x, attributes)
}

/// 2-D average pooling with a square window.
public func avgPool2d(_ x: Tensor, _ kernelSize: Int, stride: Int? = nil, padding: Int = 0, countIncludePad: Bool = true) -> Tensor {
    avgPool2d(x, kernelSize: (kernelSize, kernelSize), stride: stride.map { ($0, $0) }, padding: (padding, padding), countIncludePad: countIncludePad)
}

/// Average pooling to a fixed output size (PyTorch's bin boundaries: floor(i*H/out) ..< ceil((i+1)*H/out)).
public func adaptiveAvgPool2d(_ x: Tensor, outputSize: (Int, Int), file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    guard x.rank == 4 else { shapeFailure("adaptiveAvgPool2d: expected [N, C, H, W], got \(x.shape)", file: file, line: line) }
    let (h, w) = (x.shape[2], x.shape[3]), (oh, ow) = outputSize
    if h % oh == 0 && w % ow == 0 {
        return avgPool2d(x, kernelSize: (h / oh, w / ow), stride: (h / oh, w / ow))
    }
    var rows: [Tensor] = []
    for i in 0..<oh {
        var cells: [Tensor] = []
        let h0 = i * h / oh, h1 = ((i + 1) * h + oh - 1) / oh
        for j in 0..<ow {
            let w0 = j * w / ow, w1 = ((j + 1) * w + ow - 1) / ow
            cells.append(x.slice(axis: 2, start: h0, end: h1).slice(axis: 3, start: w0, end: w1).mean(alongAxes: 2, 3))
        }
        rows.append(stack(cells, axis: -1))
    }
    return stack(rows, axis: -2)
}

private func poolAttributes(_ op: String, _ x: Tensor, _ kernel: (Int, Int), _ stride: (Int, Int)?, _ padding: (Int, Int),
                            countIncludePad: Bool, file: StaticString, line: UInt) -> Pool2dAttributes {
    guard x.rank == 4, kernel.0 > 0, kernel.1 > 0, padding.0 * 2 <= kernel.0, padding.1 * 2 <= kernel.1 else {
        shapeFailure("\(op): input \(x.shape) with kernel \(kernel) and padding \(padding) is invalid (expected [N, C, H, W] and padding at most half the kernel)", file: file, line: line)
    }
    let s = stride ?? kernel
    guard x.shape[2] + 2 * padding.0 >= kernel.0, x.shape[3] + 2 * padding.1 >= kernel.1 else {
        shapeFailure("\(op): input \(x.shape) is smaller than the kernel \(kernel)", file: file, line: line)
    }
    return Pool2dAttributes(kernel: kernel, stride: s, padding: padding, countIncludePad: countIncludePad)
}
