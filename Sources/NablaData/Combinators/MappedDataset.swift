/// A dataset whose examples are another dataset's, passed through a function (made by `Dataset.map`).
///
/// ```swift
/// let scaled = mnist.map { image, label in (image.cast(to: .float32) / 255, label) }
/// ```
public struct MappedDataset<Base: Dataset, Element: Sendable>: Dataset {
    /// The dataset whose examples are transformed.
    public let base: Base
    private let transform: @Sendable (Base.Element) throws -> Element

    /// `base`'s examples passed through `transform`.
    public init(_ base: Base, transform: @escaping @Sendable (Base.Element) throws -> Element) {
        self.base = base
        self.transform = transform
    }

    /// The number of examples (that of `base`).
    public var count: Int { base.count }

    /// `transform(base[index])`.
    public func element(at index: Int) throws -> Element { try transform(base.element(at: index)) }
}

extension Dataset {
    /// A dataset whose examples are this dataset's passed through `transform`, applied lazily as each
    /// example is read (on the loader's worker threads).
    public func map<T: Sendable>(_ transform: @escaping @Sendable (Element) throws -> T) -> MappedDataset<Self, T> {
        MappedDataset(self, transform: transform)
    }
}
