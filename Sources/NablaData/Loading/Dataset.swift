import Nabla

/// A dataset with random access: `count` examples, each read by index (PyTorch's map-style `Dataset`).
///
/// Readers load or index their files when created, so a bad file fails early; `element(at:)` may still
/// throw for data decoded lazily (an image in an `ImageFolder`, say). Conformers must be `Sendable`:
/// a `DataLoader` reads elements on background worker threads.
///
/// ```swift
/// struct Squares: Dataset {
///     var count: Int { 100 }
///     func element(at index: Int) -> (Tensor, Tensor) { (Tensor(Float(index)), Tensor(Float(index * index))) }
/// }
/// let loader = DataLoader(Squares(), batchSize: 10, shuffle: true, seed: 0)
/// ```
public protocol Dataset<Element>: Sendable {
    /// What one example is: a `(Tensor, Tensor)` pair of input and target, a single `Tensor`, or anything else.
    associatedtype Element: Sendable

    /// The number of examples.
    var count: Int { get }

    /// The example at `index` (in `0..<count`).
    func element(at index: Int) throws -> Element
}

extension Dataset {
    /// The example at `index`; `dataset[i]` as in PyTorch.
    public subscript(index: Int) -> Element {
        get throws { try element(at: index) }
    }

    /// The examples at `indices`, in that order.
    public func elements(at indices: [Int]) throws -> [Element] {
        try indices.map { try element(at: $0) }
    }
}

/// A dataset read as a stream, without random access (PyTorch's `IterableDataset`): lines of a huge
/// file, records arriving over the network, examples generated on the fly.
///
/// ```swift
/// struct Counter: IterableDataset {
///     func makeStream() -> DataStream<Tensor> {
///         var i = 0
///         return DataStream { i < 10 ? { defer { i += 1 }; return Tensor(Float(i)) }() : nil }
///     }
/// }
/// ```
public protocol IterableDataset<Element>: Sendable {
    /// What one example is.
    associatedtype Element: Sendable

    /// A fresh pass over the data, from its start.
    func makeStream() throws -> DataStream<Element>
}

/// One pass over an `IterableDataset`: `next()` returns the next example, or nil at the end.
public struct DataStream<Element> {
    private let produce: () throws -> Element?

    /// A stream whose elements come from `next`, until it returns nil.
    public init(_ next: @escaping () throws -> Element?) { produce = next }

    /// The next example, or nil when the stream is exhausted.
    public func next() throws -> Element? { try produce() }
}

/// The errors a `DataLoader` or a dataset combinator raises itself.
public enum DataLoaderError: Error, CustomStringConvertible, Equatable, Sendable {
    /// An index outside `0..<count`.
    case indexOutOfRange(index: Int, count: Int, dataset: String)
    /// Examples that cannot be collated into one batch (different shapes, say).
    case cannotCollate(reason: String)
    /// A configuration value that makes no sense (`batchSize: 0`, fractions that do not sum to 1, …).
    case invalidArgument(name: String, reason: String)

    /// A one-line explanation.
    public var description: String {
        switch self {
        case let .indexOutOfRange(index, count, dataset):
            return "\(dataset): index \(index) is out of range 0..<\(count)"
        case let .cannotCollate(reason):
            return "cannot collate the batch: \(reason)"
        case let .invalidArgument(name, reason):
            return "invalid \(name): \(reason)"
        }
    }
}
