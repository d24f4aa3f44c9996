import Foundation

/// Background production of batches for a `DataLoader`: worker threads compute batches ahead of the
/// consumer into a bounded buffer, and the consumer takes them in order.
///
/// At most `depth` batches are claimed but not yet consumed, so memory stays bounded however slow the
/// training step is. Workers are plain threads (no process forking); `cancel()` (called when the
/// iterator goes away, for example on an early `break`) makes them stop after their current batch.
final class BatchPrefetcher<Batch>: @unchecked Sendable {
    /// Produces batch `i`, or nil when a stream has ended before `i`.
    typealias Producer = @Sendable (Int) throws -> Batch?

    private let condition = NSCondition()
    private var ready: [Int: Result<Batch?, any Error>] = [:]
    private var nextToClaim: Int
    private var nextToConsume: Int
    /// One past the last batch: known up front for map-style datasets, discovered for streams.
    private var end: Int?
    private var cancelled = false
    private let depth: Int

    /// Starts `workers` threads producing batches `start..<end` (`end` nil: until `produce` returns nil).
    ///
    /// A stream (`sequential`) is read by one thread only, since its elements come in order.
    init(start: Int, end: Int?, workers: Int, depth: Int, produce: @escaping Producer) {
        self.nextToClaim = start
        self.nextToConsume = start
        self.end = end
        self.depth = max(1, depth)
        for w in 0..<max(1, workers) {
            let thread = Thread { [self] in self.work(produce) }
            thread.name = "nabla.data.worker.\(w)"
            thread.start()
        }
    }

    /// The next batch in order, nil after the last one. Rethrows a worker's error for that batch.
    func next() throws -> Batch? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let end, nextToConsume >= end { return nil }
            if let result = ready.removeValue(forKey: nextToConsume) {
                nextToConsume += 1
                condition.broadcast()
                switch result {
                case .success(let batch?): return batch
                case .success(nil): end = nextToConsume - 1; return nil
                case .failure(let error): end = nextToConsume; throw error
                }
            }
            condition.wait()
        }
    }

    /// Stops the workers after the batch each is computing.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    private func work(_ produce: Producer) {
        while true {
            condition.lock()
            while !cancelled && nextToClaim - nextToConsume >= depth && !isPastEnd(nextToClaim) { condition.wait() }
            if cancelled || isPastEnd(nextToClaim) {
                condition.unlock()
                return
            }
            let index = nextToClaim
            nextToClaim += 1
            condition.unlock()

            let result = Result { try produce(index) }
            condition.lock()
            ready[index] = result
            switch result {
            case .success(nil), .failure:
                // A stream ended or failed: nothing after this batch is produced.
                if end == nil || end! > index + 1 { end = index + 1 }
            case .success:
                break
            }
            condition.broadcast()
            condition.unlock()
        }
    }

    private func isPastEnd(_ index: Int) -> Bool {
        if let end { return index >= end }
        return false
    }
}
