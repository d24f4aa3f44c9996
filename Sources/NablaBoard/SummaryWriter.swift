import Foundation
import Nabla

/// Writes TensorBoard summaries (scalars, histograms, images, text, hyperparameters) for one run.
///
/// PyTorch's `torch.utils.tensorboard.SummaryWriter`, with Swift's manners: each writer creates
/// its log directory and one new event file in it; TensorBoard shows every directory holding event
/// files as a run (`tensorboard --logdir runs`). All methods are thread-safe.
///
/// ```swift
/// let writer = try SummaryWriter(logDir: "runs/mnist")
/// for step in 0..<100 {
///     try writer.addScalar("loss/train", loss, step: step)
/// }
/// try writer.addHistogram("fc1.weight", values: model.fc1.weight.value, step: 100)
/// try writer.close()
/// ```
public final class SummaryWriter: Sendable {
    /// The run directory.
    public let logDirectory: URL
    /// The event file this writer appends to.
    public var fileURL: URL { fileWriter.url }

    let fileWriter: EventFileWriter

    /// Creates `logDir` (with intermediate directories) and a new event file in it.
    ///
    /// - Parameters:
    ///   - logDir: The run directory, e.g. `runs/experiment-1`.
    ///   - maxQueuedEvents: Events are written to disk once this many are queued (PyTorch's `max_queue`).
    ///   - flushInterval: Queued events are written at least this often (PyTorch's `flush_secs`).
    ///   - filenameSuffix: Appended to the event file's name.
    /// - Throws: `BoardError.cannotCreateDirectory` or `.cannotCreateFile`, naming the path.
    public init(logDir: URL, maxQueuedEvents: Int = 10, flushInterval: Duration = .seconds(10),
                filenameSuffix: String = "") throws {
        logDirectory = logDir
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: logDir.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw BoardError.cannotCreateDirectory(path: logDir.path, reason: "a file with that name exists")
        }
        do {
            try FileManager.default.createDirectory(at: logDir, withIntermediateDirectories: true)
        } catch {
            throw BoardError.cannotCreateDirectory(path: logDir.path, reason: error.localizedDescription)
        }
        fileWriter = try EventFileWriter(directory: logDir, filenameSuffix: filenameSuffix,
                                         maxQueuedEvents: maxQueuedEvents, flushInterval: flushInterval)
    }

    /// Creates the directory at the path `logDir` and a new event file in it.
    public convenience init(logDir: String, maxQueuedEvents: Int = 10, flushInterval: Duration = .seconds(10),
                            filenameSuffix: String = "") throws {
        try self.init(logDir: URL(fileURLWithPath: logDir), maxQueuedEvents: maxQueuedEvents,
                      flushInterval: flushInterval, filenameSuffix: filenameSuffix)
    }

    // MARK: Writing summaries

    /// Writes `summary` as one event at `step` (the building block of the `add…` methods).
    public func addSummary(_ summary: Summary, step: Int, wallTime: Date? = nil) throws {
        try fileWriter.write(event(.summary(summary), step: step, wallTime: wallTime))
    }

    /// Logs a scalar, e.g. a loss; TensorBoard stores it as float32.
    ///
    /// ```swift
    /// try writer.addScalar("loss/train", 0.25, step: 10)
    /// ```
    public func addScalar(_ tag: String, _ value: Double, step: Int, wallTime: Date? = nil) throws {
        try addSummary(Summary(values: [.init(tag: tag, simpleValue: Float(value))]), step: step, wallTime: wallTime)
    }

    /// Logs several scalars at the same step in one event, in tag order.
    ///
    /// Unlike PyTorch's `add_scalars`, the tags stay in this run (no sub-runs are created).
    public func addScalars(_ scalars: [String: Double], step: Int, wallTime: Date? = nil) throws {
        let values = scalars.sorted { $0.key < $1.key }.map { Summary.Value(tag: $0.key, simpleValue: Float($0.value)) }
        try addSummary(Summary(values: values), step: step, wallTime: wallTime)
    }

    /// Logs a histogram of `values` with TensorFlow's default exponential buckets
    /// (PyTorch's `bins="tensorflow"`).
    ///
    /// - Throws: `BoardError.invalidHistogram` for empty or non-finite values.
    public func addHistogram(_ tag: String, values: [Double], step: Int, wallTime: Date? = nil) throws {
        let histogram = try HistogramProto(values: values, tag: tag)
        try addSummary(Summary(values: [.init(tag: tag, kind: .histogram(histogram))]), step: step, wallTime: wallTime)
    }

    /// Logs a histogram of all elements of `values` (any shape or dtype).
    ///
    /// ```swift
    /// try writer.addHistogram("fc1.weight", values: model.fc1.weight.value, step: epoch)
    /// ```
    public func addHistogram(_ tag: String, values: Tensor, step: Int, wallTime: Date? = nil) throws {
        try addHistogram(tag, values: values.toArray(as: Double.self), step: step, wallTime: wallTime)
    }

    /// Logs text, rendered as Markdown by TensorBoard's text dashboard.
    ///
    /// As in PyTorch, the tag gets the suffix `/text_summary`.
    public func addText(_ tag: String, _ text: String, step: Int, wallTime: Date? = nil) throws {
        let metadata = SummaryMetadata(pluginData: .init(pluginName: "text"))
        let value = Summary.Value(tag: tag + "/text_summary", kind: .tensor(.strings([text])), metadata: metadata)
        try addSummary(Summary(values: [value]), step: step, wallTime: wallTime)
    }

    // MARK: Flushing

    /// Writes all queued events to disk.
    public func flush() throws {
        try fileWriter.flush()
    }

    /// Flushes and closes the event file; later `add…` calls throw `BoardError.closed`.
    public func close() throws {
        try fileWriter.close()
    }

    func event(_ what: Event.What, step: Int, wallTime: Date?) -> Event {
        Event(wallTime: (wallTime ?? Date()).timeIntervalSince1970, step: Int64(step), what: what)
    }
}
