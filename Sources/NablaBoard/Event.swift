/// `tensorboard.Event`: one record of an event file (see `docs/TENSORBOARD.md`).
///
/// ```swift
/// let event = Event(wallTime: 1_700_000_000, step: 1,
///                   what: .summary(Summary(values: [.init(tag: "loss", simpleValue: 0.5)])))
/// ```
public struct Event: ProtobufMessage, Equatable {
    /// The version string that the first event of every file must carry.
    public static let fileVersionString = "brain.Event:2"

    /// What an event holds (the `what` oneof).
    public enum What: Sendable, Equatable {
        /// `file_version` (field 3): the first record of a file, `"brain.Event:2"`.
        case fileVersion(String)
        /// `graph_def` (field 4): a serialized `GraphDef`.
        case graphDef([UInt8])
        /// `summary` (field 5): the data.
        case summary(Summary)
    }

    /// `wall_time` (field 1): seconds since the Unix epoch.
    public var wallTime: Double
    /// `step` (field 2): the global step, TensorBoard's x axis.
    public var step: Int64
    /// The payload; `nil` writes an event with only time and step.
    public var what: What?

    /// Creates an event.
    public init(wallTime: Double, step: Int64 = 0, what: What? = nil) {
        self.wallTime = wallTime
        self.step = step
        self.what = what
    }

    /// The event that starts every file: `file_version = "brain.Event:2"`.
    public static func fileVersion(wallTime: Double) -> Event {
        Event(wallTime: wallTime, what: .fileVersion(fileVersionString))
    }

    /// Writes the fields in field-number order.
    public func encode(to writer: inout ProtobufWriter) {
        writer.writeDoubleIfNotDefault(1, wallTime)
        writer.writeVarintIfNotDefault(2, step)
        switch what {
        case .fileVersion(let version): writer.writeString(3, version)
        case .graphDef(let bytes): writer.writeBytes(4, bytes)
        case .summary(let summary): writer.writeMessage(5, summary)
        case nil: break
        }
    }
}
