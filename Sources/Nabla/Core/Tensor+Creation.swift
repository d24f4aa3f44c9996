/// Creating tensors from Swift values and by pattern (zeros, ones, arange, …).
extension Tensor {
    /// A tensor of `shape` holding `scalars` in row-major order; dtype from the element type.
    ///
    /// ```swift
    /// let x = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4] as [Float])
    /// ```
    public init<T: TensorScalar>(shape: [Int], scalars: [T], file: StaticString = #fileID, line: UInt = #line) {
        guard shape.reduce(1, *) == scalars.count else {
            shapeFailure("Tensor(shape:scalars:): shape \(shape) needs \(shape.reduce(1, *)) scalars, got \(scalars.count)", file: file, line: line)
        }
        self.init(uninitializedShape: shape, dtype: T.dtype)
        let count = scalars.count
        if T.self == Int.self {
            let p = elementPointer(Int64.self)
            for i in 0..<count { p[i] = Int64(scalars[i] as! Int) }
        } else {
            scalars.withUnsafeBufferPointer { src in
                elementPointer(T.self).initialize(from: src.baseAddress!, count: count)
            }
        }
    }

    /// A 1-d tensor.
    public init<T: TensorScalar>(_ scalars: [T]) { self.init(shape: [scalars.count], scalars: scalars) }

    /// A 2-d tensor from nested arrays (rows must have equal length).
    public init<T: TensorScalar>(_ rows: [[T]], file: StaticString = #fileID, line: UInt = #line) {
        let width = rows.first?.count ?? 0
        guard rows.allSatisfy({ $0.count == width }) else { shapeFailure("Tensor: ragged nested array", file: file, line: line) }
        self.init(shape: [rows.count, width], scalars: rows.flatMap { $0 })
    }

    /// A 3-d tensor from nested arrays.
    public init<T: TensorScalar>(_ planes: [[[T]]], file: StaticString = #fileID, line: UInt = #line) {
        let rows = planes.first?.count ?? 0, width = planes.first?.first?.count ?? 0
        guard planes.allSatisfy({ $0.count == rows && $0.allSatisfy { $0.count == width } }) else {
            shapeFailure("Tensor: ragged nested array", file: file, line: line)
        }
        self.init(shape: [planes.count, rows, width], scalars: planes.flatMap { $0.flatMap { $0 } })
    }

    /// A 0-d (scalar) tensor.
    public init<T: TensorScalar>(_ scalar: T) { self.init(shape: [], scalars: [scalar]) }

    /// A tensor of `shape` filled with `value`.
    public static func full(_ shape: [Int], value: Double, dtype: DType = .float32, device: Device = .cpu) -> Tensor {
        CPUBackend.shared.filled(shape, value: value, dtype: dtype)
    }
    /// Zeros.
    public static func zeros(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu) -> Tensor {
        full(shape, value: 0, dtype: dtype, device: device)
    }
    /// Ones.
    public static func ones(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu) -> Tensor {
        full(shape, value: 1, dtype: dtype, device: device)
    }
    /// Zeros with the shape, dtype and device of `other`.
    public static func zeros(like other: Tensor) -> Tensor { zeros(other.shape, dtype: other.dtype, device: other.device) }
    /// Ones with the shape, dtype and device of `other`.
    public static func ones(like other: Tensor) -> Tensor { ones(other.shape, dtype: other.dtype, device: other.device) }
    /// `value` with the shape, dtype and device of `other`.
    public static func full(like other: Tensor, value: Double) -> Tensor { full(other.shape, value: value, dtype: other.dtype, device: other.device) }

    /// `start, start+step, …` up to but excluding `end` (int64 for whole-number arguments, like PyTorch,
    /// unless `dtype` says otherwise).
    public static func arange(_ start: Double = 0, _ end: Double, step: Double = 1, dtype: DType? = nil) -> Tensor {
        precondition(step != 0, "arange: step must not be zero")
        let n = Swift.max(0, Int(((end - start) / step).rounded(.up)))
        let isWhole = [start, end, step].allSatisfy { $0.rounded() == $0 }
        let values = (0..<n).map { start + Double($0) * step }
        return Tensor(shape: [n], scalars: values).cast(to: dtype ?? (isWhole ? .int64 : .float32))
    }

    /// `count` evenly spaced values from `start` to `end` inclusive.
    public static func linspace(_ start: Double, _ end: Double, count: Int, dtype: DType = .float32) -> Tensor {
        let step = count > 1 ? (end - start) / Double(count - 1) : 0
        // PyTorch fills the second half from the end for symmetry.
        let values = (0..<count).map { i in i < count / 2 ? start + step * Double(i) : end - step * Double(count - 1 - i) }
        return Tensor(shape: [count], scalars: values).cast(to: dtype)
    }

    /// The identity matrix (n x m, m defaults to n).
    public static func eye(_ n: Int, _ m: Int? = nil, dtype: DType = .float32) -> Tensor {
        let cols = m ?? n
        var values = [Double](repeating: 0, count: n * cols)
        for i in 0..<Swift.min(n, cols) { values[i * cols + i] = 1 }
        return Tensor(shape: [n, cols], scalars: values).cast(to: dtype)
    }
}
