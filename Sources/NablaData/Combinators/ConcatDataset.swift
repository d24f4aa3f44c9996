/// Several datasets with the same kind of example, one after the other (PyTorch's `ConcatDataset`).
///
/// ```swift
/// let all = ConcatDataset([AnyDataset(trainSet), AnyDataset(extraSet)])
/// try all[trainSet.count]            // the first example of extraSet
/// ```
public struct ConcatDataset<Element: Sendable>: Dataset {
    /// The datasets, in order.
    public let datasets: [AnyDataset<Element>]
    /// `cumulativeCounts[i]` is the number of examples in `datasets[0...i]`.
    public let cumulativeCounts: [Int]

    /// The datasets one after the other.
    public init(_ datasets: [AnyDataset<Element>]) {
        self.datasets = datasets
        var total = 0
        cumulativeCounts = datasets.map { total += $0.count; return total }
    }

    /// The datasets (all of one type) one after the other.
    public init<D: Dataset>(_ datasets: [D]) where D.Element == Element {
        self.init(datasets.map { AnyDataset($0) })
    }

    /// The total number of examples.
    public var count: Int { cumulativeCounts.last ?? 0 }

    /// Which dataset holds example `index`, and its index there.
    public func location(of index: Int) throws -> (dataset: Int, index: Int) {
        guard index >= 0 && index < count else {
            throw DataLoaderError.indexOutOfRange(index: index, count: count, dataset: "ConcatDataset")
        }
        // The first dataset whose cumulative count exceeds `index` (binary search).
        var low = 0, high = cumulativeCounts.count - 1
        while low < high {
            let mid = (low + high) / 2
            if cumulativeCounts[mid] > index { high = mid } else { low = mid + 1 }
        }
        return (low, index - (low == 0 ? 0 : cumulativeCounts[low - 1]))
    }

    /// The example at `index` of the concatenation.
    public func element(at index: Int) throws -> Element {
        let (dataset, local) = try location(of: index)
        return try datasets[dataset].element(at: local)
    }
}
