/// The examples of a dataset at chosen indices, in that order (PyTorch's `Subset`).
///
/// ```swift
/// let firstHundred = try Subset(mnist, indices: Array(0..<100))
/// ```
public struct Subset<Base: Dataset>: Dataset {
    /// The whole dataset.
    public let base: Base
    /// The base indices of this subset's examples: example `i` is `base[indices[i]]`.
    public let indices: [Int]

    /// The examples of `base` at `indices`.
    /// - Throws: `DataLoaderError.indexOutOfRange` for an index outside `0..<base.count`.
    public init(_ base: Base, indices: [Int]) throws {
        if let bad = indices.first(where: { $0 < 0 || $0 >= base.count }) {
            throw DataLoaderError.indexOutOfRange(index: bad, count: base.count, dataset: "Subset of \(Base.self)")
        }
        self.base = base
        self.indices = indices
    }

    /// The number of examples.
    public var count: Int { indices.count }

    /// `base[indices[index]]`.
    public func element(at index: Int) throws -> Base.Element {
        guard index >= 0 && index < indices.count else {
            throw DataLoaderError.indexOutOfRange(index: index, count: indices.count, dataset: "Subset")
        }
        return try base.element(at: indices[index])
    }
}

/// Splits `dataset` into non-overlapping subsets of the given sizes, in a random order that depends
/// only on `seed` (PyTorch's `random_split`).
///
/// ```swift
/// let parts = try randomSplit(dataset, lengths: [50_000, 10_000], seed: 42)   // train, validation
/// ```
/// - Throws: `DataLoaderError.invalidArgument` when a length is negative or they do not sum to `dataset.count`.
public func randomSplit<D: Dataset>(_ dataset: D, lengths: [Int], seed: UInt64) throws -> [Subset<D>] {
    guard lengths.allSatisfy({ $0 >= 0 }) else {
        throw DataLoaderError.invalidArgument(name: "lengths", reason: "lengths must not be negative, got \(lengths)")
    }
    guard lengths.reduce(0, +) == dataset.count else {
        throw DataLoaderError.invalidArgument(
            name: "lengths", reason: "lengths \(lengths) sum to \(lengths.reduce(0, +)), but the dataset has \(dataset.count) examples")
    }
    let order = ExampleOrder(count: dataset.count, shuffle: true, seed: seed).indices(epoch: 0)
    var start = 0
    return try lengths.map { length in
        defer { start += length }
        return try Subset(dataset, indices: Array(order[start..<(start + length)]))
    }
}

/// Splits `dataset` into subsets holding the given fractions of its examples, like PyTorch's
/// `random_split` with fractions: each part gets `floor(count * fraction)` examples, and the examples
/// left over are given one each to the parts in order, starting from the first.
///
/// ```swift
/// let parts = try randomSplit(dataset, fractions: [0.8, 0.2], seed: 0)   // 10 examples: 8 and 2
/// ```
/// - Throws: `DataLoaderError.invalidArgument` when a fraction is outside 0...1 or they do not sum to 1.
public func randomSplit<D: Dataset>(_ dataset: D, fractions: [Double], seed: UInt64) throws -> [Subset<D>] {
    guard !fractions.isEmpty, fractions.allSatisfy({ $0 >= 0 && $0 <= 1 }) else {
        throw DataLoaderError.invalidArgument(name: "fractions", reason: "each fraction must be in 0...1, got \(fractions)")
    }
    let sum = fractions.reduce(0, +)
    guard abs(sum - 1) < 1e-6 else {
        throw DataLoaderError.invalidArgument(name: "fractions", reason: "fractions \(fractions) sum to \(sum), not 1")
    }
    var lengths = fractions.map { Int(($0 * Double(dataset.count)).rounded(.down)) }
    let remainder = dataset.count - lengths.reduce(0, +)
    for i in 0..<remainder { lengths[i % lengths.count] += 1 }
    return try randomSplit(dataset, lengths: lengths, seed: seed)
}
