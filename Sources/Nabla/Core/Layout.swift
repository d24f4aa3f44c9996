/// How a tensor's elements are laid out in its storage: shape, strides (in elements) and offset.
///
/// Movement ops (reshape, permute, expand, slice, squeeze) produce new layouts over the same
/// storage without copying whenever the strides allow it.
public struct Layout: Hashable, Sendable {
    /// The size of each dimension.
    public var shape: [Int]
    /// The distance in elements between neighbours along each dimension (0 for broadcast dimensions).
    public var strides: [Int]
    /// The index of the first element in the storage.
    public var offset: Int

    /// A contiguous row-major layout.
    public init(shape: [Int]) {
        self.shape = shape
        self.strides = Layout.contiguousStrides(for: shape)
        self.offset = 0
    }

    /// A layout with explicit strides.
    public init(shape: [Int], strides: [Int], offset: Int) {
        self.shape = shape
        self.strides = strides
        self.offset = offset
    }

    /// Row-major strides for `shape`.
    public static func contiguousStrides(for shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = running
            running *= max(shape[axis], 1)
        }
        return strides
    }

    /// The number of elements.
    @inline(__always)
    public var count: Int {
        var n = 1
        for d in shape { n *= d }
        return n
    }

    /// The number of dimensions.
    public var rank: Int { shape.count }

    /// True when the elements are dense and row-major from `offset` (size-1 dimensions may have any stride).
    public var isContiguous: Bool {
        var expected = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) where shape[axis] != 1 {
            if strides[axis] != expected { return false }
            expected *= shape[axis]
        }
        return true
    }

    /// The storage index of the element at `indices`.
    func storageIndex(_ indices: [Int]) -> Int {
        var index = offset
        for axis in 0..<indices.count { index += indices[axis] * strides[axis] }
        return index
    }

    /// Strides for viewing this layout with `newShape` without copying, or nil when a copy is needed
    /// (the rule PyTorch's `view` uses: each run of merged dimensions must be contiguous within itself).
    func viewStrides(for newShape: [Int]) -> [Int]? {
        if isContiguous { return Layout.contiguousStrides(for: newShape) }
        let count = self.count
        if count == 0 { return Layout.contiguousStrides(for: newShape) }
        var newStrides = [Int](repeating: 0, count: newShape.count)
        var viewDim = newShape.count - 1
        var chunkBase = strides.last ?? 1
        var tensorElements = 1
        var viewElements = 1
        for dim in stride(from: shape.count - 1, through: 0, by: -1) {
            tensorElements *= shape[dim]
            if dim == 0 || (shape[dim - 1] != 1 && strides[dim - 1] != tensorElements * chunkBase) {
                while viewDim >= 0 && (viewElements < tensorElements || newShape[viewDim] == 1) {
                    newStrides[viewDim] = viewElements * chunkBase
                    viewElements *= newShape[viewDim]
                    viewDim -= 1
                }
                if viewElements != tensorElements { return nil }
                if dim > 0 {
                    chunkBase = strides[dim - 1]
                    tensorElements = 1
                    viewElements = 1
                }
            }
        }
        return viewDim == -1 ? newStrides : nil
    }
}

/// Broadcasting of shapes (NumPy/PyTorch rules: align right, sizes equal or 1).
enum Broadcast {
    /// The broadcast shape of `a` and `b`, or nil when they are incompatible.
    static func shape(_ a: [Int], _ b: [Int]) -> [Int]? {
        if a == b { return a }
        let rank = max(a.count, b.count)
        var result = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            if da == db || db == 1 { result[i] = da } else if da == 1 { result[i] = db } else { return nil }
        }
        return result
    }

    /// Strides for viewing `layout` as `shape` (right-aligned; broadcast dimensions get stride 0).
    static func strides(of layout: Layout, to shape: [Int]) -> [Int] {
        let shift = shape.count - layout.shape.count
        var strides = [Int](repeating: 0, count: shape.count)
        for i in 0..<layout.shape.count where layout.shape[i] == shape[i + shift] {
            strides[i + shift] = layout.shape[i] == 1 ? 0 : layout.strides[i]
        }
        return strides
    }

    /// The axes of `shape` that were broadcast to reach `target` (for summing gradients back).
    static func reducedAxes(from shape: [Int], to target: [Int]) -> [Int] {
        let shift = target.count - shape.count
        var axes: [Int] = Array(0..<shift)
        for i in 0..<shape.count where shape[i] == 1 && target[i + shift] != 1 {
            axes.append(i + shift)
        }
        return axes
    }
}
