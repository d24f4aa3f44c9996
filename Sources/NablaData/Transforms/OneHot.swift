import Nabla

/// Turns integer class labels into one-hot float32 vectors: a label `[]` becomes `[classCount]`,
/// labels `[N]` become `[N, classCount]`.
///
/// ```swift
/// try OneHot(classCount: 4)(Tensor(Int64(2)))    // [0, 0, 1, 0]
/// ```
public struct OneHot: Transform {
    /// The number of classes.
    public let classCount: Int

    /// One-hot vectors of length `classCount` (traps when it is not positive).
    public init(classCount: Int) {
        precondition(classCount > 0, "OneHot: classCount must be positive, got \(classCount)")
        self.classCount = classCount
    }

    /// The one-hot encoding of the labels `x`.
    /// - Throws: `DataLoaderError.invalidArgument` for a non-integer tensor or a label outside `0..<classCount`.
    public func apply(_ x: Tensor, context: TransformContext) throws -> Tensor {
        guard x.dtype.isInteger || x.dtype == .bool else {
            throw DataLoaderError.invalidArgument(name: "OneHot", reason: "labels must be integers, got \(x.dtype) of shape \(x.shape)")
        }
        let labels = x.cast(to: .int64).toArray(as: Int64.self)
        var values = [Float](repeating: 0, count: labels.count * classCount)
        for (i, label) in labels.enumerated() {
            guard label >= 0 && label < classCount else {
                throw DataLoaderError.invalidArgument(name: "OneHot", reason: "label \(label) (example \(context.index)) is outside 0..<\(classCount)")
            }
            values[i * classCount + Int(label)] = 1
        }
        return Tensor(shape: x.shape + [classCount], scalars: values)
    }
}
