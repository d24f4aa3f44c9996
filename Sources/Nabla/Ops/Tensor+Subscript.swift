/// NumPy/PyTorch-style indexing: `x[0]`, `x[1..<3]`, `x[0..<2, ..., 3]`, `x[stride(from: 0, to: 8, by: 2)]`,
/// `x[.newAxis, 2...]`. Every result is a view (integers drop their axis), and differentiable.

/// One position in a subscript.
public enum TensorIndex: Sendable {
    /// A single position (the axis is removed); negative counts from the end.
    case index(Int)
    /// `start..<end` by `step` (nil bounds mean the axis ends).
    case range(start: Int?, end: Int?, step: Int)
    /// All remaining axes (NumPy's `...`).
    case ellipsis
    /// A new axis of size 1.
    case newAxis
    /// The whole axis (`:`).
    public static let all = TensorIndex.range(start: nil, end: nil, step: 1)
}

/// Something usable inside a tensor subscript: integers, ranges, `stride(from:to:by:)`, `TensorIndex`.
public protocol TensorSubscript {
    /// The index this stands for.
    var tensorIndex: TensorIndex { get }
}

extension TensorIndex: TensorSubscript { public var tensorIndex: TensorIndex { self } }
extension Int: TensorSubscript { public var tensorIndex: TensorIndex { .index(self) } }
extension Range<Int>: TensorSubscript { public var tensorIndex: TensorIndex { .range(start: lowerBound, end: upperBound, step: 1) } }
extension ClosedRange<Int>: TensorSubscript {
    public var tensorIndex: TensorIndex { .range(start: lowerBound, end: upperBound == -1 ? nil : upperBound + 1, step: 1) }
}
extension PartialRangeFrom<Int>: TensorSubscript { public var tensorIndex: TensorIndex { .range(start: lowerBound, end: nil, step: 1) } }
extension PartialRangeUpTo<Int>: TensorSubscript { public var tensorIndex: TensorIndex { .range(start: nil, end: upperBound, step: 1) } }
extension PartialRangeThrough<Int>: TensorSubscript {
    public var tensorIndex: TensorIndex { .range(start: nil, end: upperBound == -1 ? nil : upperBound + 1, step: 1) }
}
extension StrideTo<Int>: TensorSubscript {
    public var tensorIndex: TensorIndex {
        let values = Array(self)
        let step = values.count > 1 ? values[1] - values[0] : 1
        return .range(start: values.first ?? 0, end: (values.last ?? -1) + 1, step: step)
    }
}

extension Tensor {
    /// Indexes with integers, ranges, strides, `TensorIndex.newAxis` and `.ellipsis`.
    public subscript(_ indices: any TensorSubscript...) -> Tensor {
        index(indices.map(\.tensorIndex))
    }

    /// `x[..., i]`: the ellipsis first.
    public subscript(_ ellipsis: UnboundedRange, _ rest: any TensorSubscript...) -> Tensor {
        index([.ellipsis] + rest.map(\.tensorIndex))
    }

    /// `x[a, ..., i]`: the ellipsis second.
    public subscript(_ first: any TensorSubscript, _ ellipsis: UnboundedRange, _ rest: any TensorSubscript...) -> Tensor {
        index([first.tensorIndex, .ellipsis] + rest.map(\.tensorIndex))
    }

    /// `x[a, b, ..., i]`: the ellipsis third.
    public subscript(_ first: any TensorSubscript, _ second: any TensorSubscript, _ ellipsis: UnboundedRange,
                     _ rest: any TensorSubscript...) -> Tensor {
        index([first.tensorIndex, second.tensorIndex, .ellipsis] + rest.map(\.tensorIndex))
    }

    /// Applies a list of indices (at most one ellipsis).
    public func index(_ indices: [TensorIndex], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let consuming = indices.filter { if case .newAxis = $0 { return false }; if case .ellipsis = $0 { return false }; return true }.count
        guard consuming <= rank else {
            shapeFailure("subscript: \(consuming) indices for a tensor of rank \(rank) (shape \(shape))", file: file, line: line)
        }
        var expanded: [TensorIndex] = []
        var sawEllipsis = false
        for i in indices {
            if case .ellipsis = i {
                guard !sawEllipsis else { shapeFailure("subscript: at most one ellipsis", file: file, line: line) }
                sawEllipsis = true
                expanded += Array(repeating: TensorIndex.all, count: rank - consuming)
            } else {
                expanded.append(i)
            }
        }
        var y = self
        var axis = 0
        var dropped: [Int] = []
        for i in expanded {
            switch i {
            case let .index(k):
                let n = y.shape[axis]
                let p = k < 0 ? k + n : k
                guard p >= 0 && p < n else {
                    shapeFailure("subscript: index \(k) is out of range for axis \(axis) of size \(n) (shape \(shape))", file: file, line: line)
                }
                y = y.slice(axis: axis, start: p, end: p + 1)
                dropped.append(axis)
                axis += 1
            case let .range(start, end, step):
                y = y.slice(axis: axis, start: start ?? 0, end: end, step: step, file: file, line: line)
                axis += 1
            case .newAxis:
                y = y.unsqueezed(axis: axis)
                axis += 1
            case .ellipsis:
                break
            }
        }
        if dropped.isEmpty { return y }
        let keptShape = y.shape.enumerated().filter { !dropped.contains($0.offset) }.map(\.element)
        return y.reshaped(keptShape)
    }
}
