import Nabla

/// Windows of an encoded text as next-character training pairs: inputs `ids[s ..< s+T]` and targets
/// `ids[s+1 ... s+T]`, both [B, T] int64.
struct TextWindows {
    /// The encoded text.
    let ids: [Int64]
    /// T, the window length.
    let length: Int

    init(ids: [Int], length: Int) {
        precondition(ids.count > length + 1, "TextWindows: the text (\(ids.count) ids) must be longer than a window (\(length) + 1)")
        self.ids = ids.map(Int64.init)
        self.length = length
    }

    /// The number of possible window starts.
    var startCount: Int { ids.count - length }

    /// The batch of windows starting at `starts`.
    func batch(starts: [Int]) -> (inputs: Tensor, targets: Tensor) {
        var inputs: [Int64] = [], targets: [Int64] = []
        inputs.reserveCapacity(starts.count * length)
        targets.reserveCapacity(starts.count * length)
        for s in starts {
            inputs += ids[s ..< s + length]
            targets += ids[s + 1 ... s + length]
        }
        return (Tensor(shape: [starts.count, length], scalars: inputs), Tensor(shape: [starts.count, length], scalars: targets))
    }

    /// `batchSize` windows at random starts drawn from `generator`.
    func randomBatch(batchSize: Int, generator: Generator) -> (inputs: Tensor, targets: Tensor) {
        let starts = Tensor.randint(0, startCount, [batchSize], generator: generator).toArray(as: Int64.self).map(Int.init)
        return batch(starts: starts)
    }

    /// `count` windows evenly spread over the text (the same on every run), in batches of `batchSize`.
    func fixedBatches(count: Int, batchSize: Int) -> [(inputs: Tensor, targets: Tensor)] {
        let starts = (0..<count).map { count == 1 ? 0 : $0 * (startCount - 1) / (count - 1) }
        return stride(from: 0, to: count, by: batchSize).map { batch(starts: Array(starts[$0 ..< min($0 + batchSize, count)])) }
    }
}
