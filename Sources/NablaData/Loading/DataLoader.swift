import Foundation
import Nabla
import Synchronization

/// Batches from a dataset: seeded shuffling, drop-last, a collate step and background prefetching
/// (PyTorch's `DataLoader`).
///
/// ```swift
/// let loader = DataLoader(try TensorDataset(images, labels), batchSize: 64, shuffle: true, seed: 0, workers: 1)
/// for epoch in 0..<3 {
///     for (x, y) in loader.epoch(epoch) { … }           // the same order for the same seed and epoch
/// }
/// for (x, y) in loader { … }                           // or: each `for` loop is the next epoch
/// ```
///
/// With `workers > 0`, batches are gathered on that many background threads into a buffer `prefetch`
/// batches deep, so loading overlaps the training step; without, each batch is read when asked for.
/// Shuffled orders depend only on `(seed, epoch)`; random transforms read the epoch from
/// `DataLoaderContext.epoch`. Both make a run reproducible and resumable mid-epoch (`epoch(_:startingAt:)`).
public struct DataLoader<Batch: Sendable>: Sequence, Sendable {
    /// Examples per batch.
    public let batchSize: Int
    /// Whether each epoch visits the examples in a fresh seeded order.
    public let shuffle: Bool
    /// Whether a last, smaller batch is dropped.
    public let dropLast: Bool
    /// The seed of the shuffled orders.
    public let seed: UInt64
    /// Background threads gathering batches (0: on the caller's thread).
    public let workers: Int
    /// How many batches the workers may prepare ahead.
    public let prefetch: Int
    /// The number of examples, or nil for a stream.
    public let exampleCount: Int?

    private let source: Source
    private let epochCounter = EpochCounter()

    private enum Source: Sendable {
        /// Random access: gather the examples with these indices into a batch.
        case indexed(@Sendable ([Int]) throws -> Batch)
        /// A stream: a fresh function that returns the next batch (nil at the end) per pass.
        case stream(@Sendable () throws -> (@Sendable () throws -> Batch?))
    }

    private init(source: Source, exampleCount: Int?, batchSize: Int, shuffle: Bool, seed: UInt64?, dropLast: Bool,
                 workers: Int, prefetch: Int) {
        precondition(batchSize > 0, "DataLoader: batchSize must be positive, got \(batchSize)")
        precondition(workers >= 0, "DataLoader: workers must be >= 0, got \(workers)")
        precondition(prefetch > 0, "DataLoader: prefetch must be positive, got \(prefetch)")
        self.source = source
        self.exampleCount = exampleCount
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.dropLast = dropLast
        self.seed = seed ?? DataLoader.seedFromDefaultGenerator()
        self.workers = workers
        self.prefetch = prefetch
    }

    /// Batches of `dataset`'s examples joined by `collate`.
    ///
    /// - Parameters:
    ///   - seed: the seed of the shuffled orders; nil draws one from the default generator, so
    ///     `manualSeed(_:)` makes the run reproducible.
    ///   - workers: background threads (0 reads on the caller's thread).
    ///   - prefetch: batches the workers may prepare ahead.
    public init<D: Dataset>(_ dataset: D, batchSize: Int = 1, shuffle: Bool = false, seed: UInt64? = nil,
                            dropLast: Bool = false, workers: Int = 0, prefetch: Int = 2,
                            collate: @escaping @Sendable ([D.Element]) throws -> Batch) {
        self.init(source: .indexed { indices in try collate(dataset.elements(at: indices)) }, exampleCount: dataset.count,
                  batchSize: batchSize, shuffle: shuffle, seed: seed, dropLast: dropLast, workers: workers, prefetch: prefetch)
    }

    /// Batches of a stream's examples joined by `collate`, in stream order (one worker reads the stream).
    public init<S: IterableDataset>(stream: S, batchSize: Int = 1, dropLast: Bool = false, workers: Int = 0,
                                    prefetch: Int = 2, collate: @escaping @Sendable ([S.Element]) throws -> Batch) {
        let source = Source.stream {
            let elements = try stream.makeStream()
            let box = StreamBox(elements)
            return { @Sendable in
                var items: [S.Element] = []
                while items.count < batchSize, let item = try box.next() { items.append(item) }
                if items.isEmpty || (dropLast && items.count < batchSize) { return nil }
                return try collate(items)
            }
        }
        self.init(source: source, exampleCount: nil, batchSize: batchSize, shuffle: false, seed: 0, dropLast: dropLast,
                  workers: Swift.min(workers, 1), prefetch: prefetch)
    }

    /// The number of batches in an epoch, or nil for a stream.
    public var batchCount: Int? {
        guard let n = exampleCount else { return nil }
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize
    }

    /// The example indices of `epoch`'s batches, in order (empty for a stream).
    public func batchIndices(epoch: Int) -> [[Int]] {
        guard let n = exampleCount, let batches = batchCount else { return [] }
        let order = ExampleOrder(count: n, shuffle: shuffle, seed: seed).indices(epoch: epoch)
        return (0..<batches).map { b in Array(order[(b * batchSize)..<Swift.min(n, (b + 1) * batchSize)]) }
    }

    /// The batches of `epoch`, from batch `start` on (to resume an interrupted epoch).
    public func epoch(_ epoch: Int, startingAt start: Int = 0) -> BatchIterator<Batch> {
        switch source {
        case .indexed(let gather):
            let batches = batchIndices(epoch: epoch)
            let produce: @Sendable (Int) throws -> Batch? = { b in
                try DataLoaderContext.$epoch.withValue(epoch) { try gather(batches[b]) }
            }
            return BatchIterator(start: Swift.min(start, batches.count), end: batches.count, workers: workers, prefetch: prefetch, produce: produce)
        case .stream(let open):
            let opened = Result { try open() }
            let produce: @Sendable (Int) throws -> Batch? = { _ in
                try DataLoaderContext.$epoch.withValue(epoch) { try opened.get()() }
            }
            var iterator = BatchIterator(start: 0, end: nil, workers: workers, prefetch: prefetch, produce: produce)
            // Skipped batches of a stream are read and dropped: a stream can only be replayed from its start.
            for _ in 0..<start { if (try? iterator.nextBatch()) == nil { break } }
            return iterator
        }
    }

    /// The next epoch's batches: each `for` loop over the loader is a new epoch (0, 1, 2, …), reshuffled.
    public func makeIterator() -> BatchIterator<Batch> {
        epoch(epochCounter.next())
    }

    private static func seedFromDefaultGenerator() -> UInt64 {
        let parts = Tensor.randint(0, 1 << 31, [2], dtype: .int64).toArray(as: Int64.self)
        return UInt64(parts[0]) << 31 | UInt64(parts[1])
    }
}

extension DataLoader where Batch == (Tensor, Tensor) {
    /// Batches of `(input, target)` examples, stacked along a new first axis.
    public init<D: Dataset>(_ dataset: D, batchSize: Int = 1, shuffle: Bool = false, seed: UInt64? = nil,
                            dropLast: Bool = false, workers: Int = 0, prefetch: Int = 2) where D.Element == (Tensor, Tensor) {
        self.init(dataset, batchSize: batchSize, shuffle: shuffle, seed: seed, dropLast: dropLast, workers: workers,
                  prefetch: prefetch, collate: Collate.pairs)
    }

    /// Batches of a `TensorDataset`, each gathered with one `indexSelect` per tensor.
    public init(_ dataset: TensorDataset, batchSize: Int = 1, shuffle: Bool = false, seed: UInt64? = nil,
                dropLast: Bool = false, workers: Int = 0, prefetch: Int = 2) {
        self.init(source: .indexed { indices in try dataset.batch(at: indices) }, exampleCount: dataset.count,
                  batchSize: batchSize, shuffle: shuffle, seed: seed, dropLast: dropLast, workers: workers, prefetch: prefetch)
    }

    /// Batches of a stream of `(input, target)` examples, stacked.
    public init<S: IterableDataset>(stream: S, batchSize: Int = 1, dropLast: Bool = false, workers: Int = 0,
                                    prefetch: Int = 2) where S.Element == (Tensor, Tensor) {
        self.init(stream: stream, batchSize: batchSize, dropLast: dropLast, workers: workers, prefetch: prefetch,
                  collate: Collate.pairs)
    }
}

extension DataLoader where Batch == Tensor {
    /// Batches of single-tensor examples, stacked along a new first axis.
    public init<D: Dataset>(_ dataset: D, batchSize: Int = 1, shuffle: Bool = false, seed: UInt64? = nil,
                            dropLast: Bool = false, workers: Int = 0, prefetch: Int = 2) where D.Element == Tensor {
        self.init(dataset, batchSize: batchSize, shuffle: shuffle, seed: seed, dropLast: dropLast, workers: workers,
                  prefetch: prefetch, collate: Collate.stack)
    }

    /// Batches of a stream of single-tensor examples, stacked.
    public init<S: IterableDataset>(stream: S, batchSize: Int = 1, dropLast: Bool = false, workers: Int = 0,
                                    prefetch: Int = 2) where S.Element == Tensor {
        self.init(stream: stream, batchSize: batchSize, dropLast: dropLast, workers: workers, prefetch: prefetch,
                  collate: Collate.stack)
    }
}

/// What a dataset can know about the loader reading it, on whichever thread reads.
public enum DataLoaderContext {
    /// The epoch being loaded (0 outside a loader). Random transforms mix it into their seed so that
    /// each epoch gets fresh, yet reproducible, augmentations.
    @TaskLocal public static var epoch: Int = 0
}

/// One epoch's batches, in order. `nextBatch()` throws a dataset's error; the `IteratorProtocol`
/// `next()` (used by `for … in`) stops the program with that error's description instead.
public struct BatchIterator<Batch: Sendable>: IteratorProtocol {
    private enum Mode {
        case synchronous(next: Int, end: Int?, produce: @Sendable (Int) throws -> Batch?)
        case background(Lifetime)
    }
    private var mode: Mode
    /// Batches returned so far, counting skipped ones: the position to resume from.
    public private(set) var position: Int

    init(start: Int, end: Int?, workers: Int, prefetch: Int, produce: @escaping @Sendable (Int) throws -> Batch?) {
        position = start
        if workers == 0 {
            mode = .synchronous(next: start, end: end, produce: produce)
        } else {
            mode = .background(Lifetime(BatchPrefetcher(start: start, end: end, workers: workers, depth: prefetch, produce: produce)))
        }
    }

    /// The next batch, or nil at the end of the epoch.
    public mutating func nextBatch() throws -> Batch? {
        let batch: Batch?
        switch mode {
        case .synchronous(let next, let end, let produce):
            if let end, next >= end { return nil }
            batch = try produce(next)
            mode = .synchronous(next: next + 1, end: batch == nil ? next : end, produce: produce)
        case .background(let lifetime):
            batch = try lifetime.prefetcher.next()
        }
        if batch != nil { position += 1 }
        return batch
    }

    /// The next batch, or nil at the end; a dataset error stops the program with its description
    /// (use `nextBatch()` to handle it).
    public mutating func next() -> Batch? {
        do { return try nextBatch() } catch { fatalError("DataLoader: \(error)") }
    }

    /// Cancels the prefetching threads when the last copy of the iterator goes away.
    private final class Lifetime {
        let prefetcher: BatchPrefetcher<Batch>
        init(_ prefetcher: BatchPrefetcher<Batch>) { self.prefetcher = prefetcher }
        deinit { prefetcher.cancel() }
    }
}

/// Counts the `for` loops over a loader (its implicit epochs).
private final class EpochCounter: Sendable {
    private let value = Mutex(0)
    func next() -> Int { value.withLock { v in defer { v += 1 }; return v } }
}

/// A stream shared with the single worker thread that reads it.
private final class StreamBox<Element>: @unchecked Sendable {
    private let stream: DataStream<Element>
    private let lock = NSLock()
    init(_ stream: DataStream<Element>) { self.stream = stream }
    func next() throws -> Element? { try lock.withLock { try stream.next() } }
}
