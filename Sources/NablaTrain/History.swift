import Foundation

/// Every epoch's logs of a `fit`, in order (Keras' `History`).
///
/// ```swift
/// let history = try model.fit(loader, epochs: 3)
/// print(history.values("loss"))          // one value per epoch
/// ```
public struct History: Codable, Equatable, Sendable {
    /// The logs of each epoch, oldest first.
    public private(set) var epochs: [Logs] = []

    /// An empty history.
    public init() {}

    /// Appends an epoch's logs.
    public mutating func append(_ logs: Logs) { epochs.append(logs) }

    /// The value of `key` in each epoch that logged it.
    public func values(_ key: String) -> [Double] { epochs.compactMap { $0[key] } }

    /// The history as compact JSON (for checkpoints).
    func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// A history read back from `json()`.
    static func fromJSON(_ text: String) throws -> History {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(History.self, from: Data(text.utf8))
    }
}
