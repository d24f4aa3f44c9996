/// An error from writing TensorBoard files. Each case names the path or tag involved.
public enum BoardError: Error, Equatable, CustomStringConvertible {
    /// The log directory could not be created.
    case cannotCreateDirectory(path: String, reason: String)
    /// The event file could not be created.
    case cannotCreateFile(path: String, reason: String)
    /// Writing, syncing or closing the event file failed (disk full, I/O error, …).
    case writeFailed(path: String, reason: String)
    /// The writer was used after `close()`.
    case closed(path: String)
    /// An image tensor has an unsupported shape, channel count or dtype.
    case invalidImage(tag: String, reason: String)
    /// libpng could not encode an image.
    case pngEncodingFailed(reason: String)
    /// Histogram values are empty, non-finite or all outside the bucket range.
    case invalidHistogram(tag: String, reason: String)

    /// A sentence naming what failed and where.
    public var description: String {
        switch self {
        case let .cannotCreateDirectory(path, reason): return "cannot create log directory '\(path)': \(reason)"
        case let .cannotCreateFile(path, reason): return "cannot create event file '\(path)': \(reason)"
        case let .writeFailed(path, reason): return "cannot write event file '\(path)': \(reason)"
        case let .closed(path): return "the summary writer for '\(path)' is closed"
        case let .invalidImage(tag, reason): return "image '\(tag)': \(reason)"
        case let .pngEncodingFailed(reason): return "PNG encoding failed: \(reason)"
        case let .invalidHistogram(tag, reason): return "histogram '\(tag)': \(reason)"
        }
    }
}
