/// Histogram statistics and TensorFlow's default buckets.
extension HistogramProto {
    /// TensorFlow's default bucket edges, as PyTorch's `add_histogram(bins="tensorflow")` builds them:
    /// `-v…, 0, …v` for `v = 1e-12, 1.1e-12, …` (each ×1.1) while `v < 1e20`. Bin `i` is
    /// `[edges[i], edges[i + 1])`, the last one closed.
    public static let defaultBucketEdges: [Double] = {
        var positive: [Double] = []
        var v = 1e-12
        while v < 1e20 {
            positive.append(v)
            v *= 1.1
        }
        return positive.reversed().map { -$0 } + [0] + positive
    }()

    /// Counts `values` into the bins between consecutive `edges` (NumPy's `histogram` rule: bins are
    /// half-open `[a, b)` except the last, `[a, b]`; values outside `[edges.first, edges.last]` are
    /// not counted).
    static func binCounts(_ values: [Double], edges: [Double]) -> [Double] {
        var counts = [Double](repeating: 0, count: Swift.max(0, edges.count - 1))
        guard let first = edges.first, let last = edges.last, edges.count >= 2 else { return counts }
        for v in values where v >= first && v <= last {
            // The number of edges <= v, minus one, is the bin; v == last falls in the last bin.
            var low = 0, high = edges.count
            while low < high {
                let mid = (low + high) / 2
                if edges[mid] <= v { low = mid + 1 } else { high = mid }
            }
            counts[Swift.min(low - 1, counts.count - 1)] += 1
        }
        return counts
    }

    /// A histogram of `values` with TensorFlow's default exponential buckets (or `edges`), trimmed
    /// as PyTorch's `make_histogram` does: empty buckets at both ends are dropped, and one empty
    /// bucket is kept on the left so the first nonempty bucket's left edge is known.
    ///
    /// ```swift
    /// let h = try HistogramProto(values: [0, 1, 1, 2.5])
    /// // h.min 0, h.max 2.5, h.num 4, h.sum 4.5, h.sumSquares 8.25
    /// ```
    ///
    /// - Throws: `BoardError.invalidHistogram` when `values` is empty, contains NaN or infinity,
    ///   or lies entirely outside the bucket range. `tag` only names the histogram in the error.
    public init(values: [Double], edges: [Double] = HistogramProto.defaultBucketEdges, tag: String = "") throws {
        guard !values.isEmpty else { throw BoardError.invalidHistogram(tag: tag, reason: "no values") }
        guard values.allSatisfy(\.isFinite) else {
            throw BoardError.invalidHistogram(tag: tag, reason: "values contain NaN or infinity")
        }
        let counts = Self.binCounts(values, edges: edges)
        guard let start = counts.firstIndex(where: { $0 > 0 }),
              let last = counts.lastIndex(where: { $0 > 0 }) else {
            throw BoardError.invalidHistogram(tag: tag, reason: "all \(values.count) values lie outside the bucket edges")
        }
        let end = last + 1
        // limits: edges[start...end] (right edges of bins start-1 ..< end);
        // counts: bins start-1 ..< end, with a zero for the bin left of the first one.
        let limits = Array(edges[start...end])
        let trimmed = (start > 0 ? [counts[start - 1]] : [0]) + Array(counts[start..<end])
        var low = values[0], high = values[0], sum = 0.0, sumSquares = 0.0
        for v in values {
            low = Swift.min(low, v)
            high = Swift.max(high, v)
            sum += v
            sumSquares += v * v
        }
        self.init(min: low, max: high, num: Double(values.count), sum: sum, sumSquares: sumSquares,
                  bucketLimits: limits, bucketCounts: trimmed)
    }
}
