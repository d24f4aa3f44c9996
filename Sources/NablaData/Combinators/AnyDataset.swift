/// A type-erased dataset: any `Dataset` with the same `Element`, behind one concrete type.
///
/// ```swift
/// let datasets: [AnyDataset<(Tensor, Tensor)>] = [AnyDataset(train), AnyDataset(extra.map { ($0.0 * 2, $0.1) })]
/// ```
public struct AnyDataset<Element: Sendable>: Dataset {
    /// The number of examples.
    public let count: Int
    private let read: @Sendable (Int) throws -> Element

    /// Wraps `base`.
    public init<D: Dataset>(_ base: D) where D.Element == Element {
        if let already = base as? AnyDataset<Element> {
            self = already
            return
        }
        count = base.count
        read = { try base.element(at: $0) }
    }

    /// A dataset of `count` examples read by `element`.
    public init(count: Int, element: @escaping @Sendable (Int) throws -> Element) {
        self.count = count
        read = element
    }

    /// The example at `index`.
    public func element(at index: Int) throws -> Element { try read(index) }
}

extension Dataset {
    /// This dataset, type-erased.
    public func eraseToAnyDataset() -> AnyDataset<Element> { AnyDataset(self) }
}
