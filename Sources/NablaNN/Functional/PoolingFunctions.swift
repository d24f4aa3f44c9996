import Nabla

/// 1-D max pooling of `x` [N, C, L] (or unbatched [C, L]) over windows of `kernelSize` (PyTorch's
/// `F.max_pool1d`; stride defaults to the kernel size, padding is -infinity), through `maxPool2d`
/// with a window of height 1.
public func maxPool1d(_ x: Tensor, _ kernelSize: Int, stride: Int? = nil, padding: Int = 0,
                      file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    pool1d("maxPool1d", x, file: file, line: line) {
        maxPool2d($0, kernelSize: (1, kernelSize), stride: (1, stride ?? kernelSize), padding: (0, padding), file: file, line: line)
    }
}

/// 1-D average pooling of `x` [N, C, L] (or unbatched [C, L]) (PyTorch's `F.avg_pool1d`; stride
/// defaults to the kernel size; `countIncludePad` counts padded zeros in the divisor).
public func avgPool1d(_ x: Tensor, _ kernelSize: Int, stride: Int? = nil, padding: Int = 0, countIncludePad: Bool = true,
                      file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    pool1d("avgPool1d", x, file: file, line: line) {
        avgPool2d($0, kernelSize: (1, kernelSize), stride: (1, stride ?? kernelSize), padding: (0, padding),
                  countIncludePad: countIncludePad, file: file, line: line)
    }
}

/// Runs a 2-D pooling on `x` viewed as [N, C, 1, L] and removes the height axis again.
private func pool1d(_ op: String, _ x: Tensor, file: StaticString, line: UInt, _ pool: (Tensor) -> Tensor) -> Tensor {
    switch x.rank {
    case 3: return pool(x.unsqueezed(axis: 2)).squeezed(axis: 2)
    case 2: return pool(x.unsqueezed(axis: 0).unsqueezed(axis: 2)).squeezed(axis: 2).squeezed(axis: 0)
    default: fatalError("\(op): expected an input of shape [N, C, L] or [C, L], got \(x.shape)", file: file, line: line)
    }
}
