import Nabla

/// The order in which a `DataLoader` visits a dataset's examples in one epoch.
///
/// Shuffled orders are a pure function of `(seed, epoch)`: the same seed gives the same orders in every
/// run, on every thread, and a run resumed at epoch `e` sees exactly the order it would have seen.
struct ExampleOrder: Sendable {
    let count: Int
    let shuffle: Bool
    let seed: UInt64

    /// The example indices of `epoch`, in visiting order.
    func indices(epoch: Int) -> [Int] {
        var order = Array(0..<count)
        guard shuffle, count > 1 else { return order }
        var random = SplitMix64(state: seed ^ (UInt64(truncatingIfNeeded: epoch) &* 0x9E37_79B9_7F4A_7C15))
        for i in stride(from: count - 1, to: 0, by: -1) {
            let j = Int(random.next(below: UInt64(i + 1)))
            order.swapAt(i, j)
        }
        return order
    }
}

/// A tiny, fast, well-mixed 64-bit generator (Steele, Lea and Flood's SplitMix64) for shuffling.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform value in `0..<bound` (Lemire's multiply-shift with rejection).
    mutating func next(below bound: UInt64) -> UInt64 {
        var m = next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let threshold = (0 &- bound) % bound
            while m.low < threshold { m = next().multipliedFullWidth(by: bound) }
        }
        return m.high
    }
}
