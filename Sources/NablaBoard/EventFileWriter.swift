import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Appends events to one TensorBoard event file, framed as TFRecords.
///
/// The file is named `events.out.tfevents.<10-digit unix seconds>.<hostname>.<pid>.<counter>`
/// (PyTorch's scheme, unique per writer even within one second on one host) and starts with the
/// `file_version = "brain.Event:2"` event. Events are queued in memory and written out, whole, by
/// `flush()`: when `maxQueuedEvents` are waiting, when `flushInterval` has passed (a timer checks),
/// and on `close()` or deinit. A flush appends all waiting records with one `write(2)` on a file
/// opened with `O_APPEND`, then `fsync`s, so a reader tailing the file sees whole records or none.
///
/// Thread-safe: events from several threads are serialized by a mutex.
public final class EventFileWriter: Sendable {
    /// The event file being written.
    public let url: URL
    /// A flush happens once this many events are queued.
    public let maxQueuedEvents: Int
    /// A flush happens at least this often while events are queued (zero: only by count and on close).
    public let flushInterval: Duration

    private struct State {
        var descriptor: Int32
        var pending: [UInt8] = []
        var pendingEvents = 0
        var lastFlush = ContinuousClock.now
        var deferredError: BoardError?
        var timer: DispatchSourceTimer?
    }

    private let state: Mutex<State>

    /// The per-process counter that ends file names.
    private static let fileCounter = Atomic<Int>(0)

    /// Creates a new event file in `directory` (which must exist) and writes its file-version event.
    ///
    /// - Parameters:
    ///   - directory: The run directory.
    ///   - filenameSuffix: Appended to the file name (PyTorch's `filename_suffix`).
    ///   - maxQueuedEvents: Flush once this many events wait (at least 1).
    ///   - flushInterval: Flush queued events at least this often; `.zero` disables the timer.
    ///   - wallTime: The time of the file-version event and the name (default: now).
    /// - Throws: `BoardError.cannotCreateFile` or `.writeFailed`, naming the file.
    public init(directory: URL, filenameSuffix: String = "", maxQueuedEvents: Int = 10,
                flushInterval: Duration = .seconds(10), wallTime: Date = Date()) throws {
        self.maxQueuedEvents = max(1, maxQueuedEvents)
        self.flushInterval = flushInterval
        let seconds = Int(wallTime.timeIntervalSince1970)
        let stamp = String(repeating: "0", count: max(0, 10 - String(seconds).count)) + String(seconds)
        let host = Self.hostname()
        let pid = getpid()
        var opened: (URL, Int32)?
        var lastError: Int32 = 0
        for _ in 0..<100 {
            let counter = Self.fileCounter.wrappingAdd(1, ordering: .relaxed).oldValue
            let name = "events.out.tfevents.\(stamp).\(host).\(pid).\(counter)\(filenameSuffix)"
            let candidate = directory.appendingPathComponent(name)
            let fd = open(candidate.path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o644)
            if fd >= 0 {
                opened = (candidate, fd)
                break
            }
            lastError = errno
            if lastError != EEXIST { break }
        }
        guard let (url, descriptor) = opened else {
            let name = "events.out.tfevents.\(stamp).\(host).\(pid).*\(filenameSuffix)"
            throw BoardError.cannotCreateFile(path: directory.appendingPathComponent(name).path,
                                              reason: Self.describe(errno: lastError))
        }
        self.url = url
        state = Mutex(State(descriptor: descriptor))
        let first = TFRecord.frame(Event.fileVersion(wallTime: wallTime.timeIntervalSince1970).serializedBytes())
        try state.withLock { state in
            state.pending = first
            state.pendingEvents = 1
            try flushLocked(&state)
        }
        startTimer()
    }

    deinit {
        try? close()
    }

    /// Queues `event`, flushing when the queue is full or the flush interval has passed.
    ///
    /// - Throws: `BoardError.closed` after `close()`, `.writeFailed` if a flush fails (also one
    ///   that failed earlier on the timer).
    public func write(_ event: Event) throws {
        try write(records: [TFRecord.frame(event.serializedBytes())])
    }

    /// Queues several events at once; they reach the file together.
    public func write(_ events: [Event]) throws {
        try write(records: events.map { TFRecord.frame($0.serializedBytes()) })
    }

    private func write(records: [[UInt8]]) throws {
        try state.withLock { state in
            try throwDeferred(&state)
            guard state.descriptor >= 0 else { throw BoardError.closed(path: url.path) }
            for record in records { state.pending.append(contentsOf: record) }
            state.pendingEvents += records.count
            let due = flushInterval > .zero && ContinuousClock.now - state.lastFlush >= flushInterval
            if state.pendingEvents >= maxQueuedEvents || due { try flushLocked(&state) }
        }
    }

    /// Writes all queued events to disk and `fsync`s the file.
    public func flush() throws {
        try state.withLock { state in
            try throwDeferred(&state)
            guard state.descriptor >= 0 else { throw BoardError.closed(path: url.path) }
            try flushLocked(&state)
        }
    }

    /// Flushes and closes the file; later writes throw `BoardError.closed`. Closing twice does nothing.
    public func close() throws {
        try state.withLock { state in
            guard state.descriptor >= 0 else { return }
            state.timer?.cancel()
            state.timer = nil
            defer {
                systemClose(state.descriptor)
                state.descriptor = -1
            }
            try throwDeferred(&state)
            try flushLocked(&state)
        }
    }

    // MARK: Internals (called with the lock held)

    private func flushLocked(_ state: inout State) throws {
        state.lastFlush = ContinuousClock.now
        guard !state.pending.isEmpty else { return }
        let bytes = state.pending
        state.pending.removeAll(keepingCapacity: true)
        state.pendingEvents = 0
        try bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            var offset = 0
            while offset < buffer.count {
                let written = systemWrite(state.descriptor, base + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw BoardError.writeFailed(path: url.path, reason: Self.describe(errno: errno))
                }
                offset += written
            }
        }
        if fsync(state.descriptor) != 0 && errno != EINVAL {
            throw BoardError.writeFailed(path: url.path, reason: "fsync: " + Self.describe(errno: errno))
        }
    }

    private func throwDeferred(_ state: inout State) throws {
        if let error = state.deferredError {
            state.deferredError = nil
            throw error
        }
    }

    /// Called by the timer: flushes if the interval has passed; keeps a failure for the next call.
    private func timerFired() {
        state.withLock { state in
            guard state.descriptor >= 0, state.pendingEvents > 0,
                  ContinuousClock.now - state.lastFlush >= flushInterval else { return }
            do { try flushLocked(&state) } catch let error as BoardError {
                state.deferredError = error
            } catch {
                state.deferredError = .writeFailed(path: url.path, reason: "\(error)")
            }
        }
    }

    private func startTimer() {
        guard flushInterval > .zero else { return }
        let (seconds, attoseconds) = flushInterval.components
        let nanoseconds = Int(clamping: seconds) &* 1_000_000_000 &+ Int(attoseconds / 1_000_000_000)
        let interval = DispatchTimeInterval.nanoseconds(max(1_000_000, nanoseconds / 2))
        state.withLock { state in
            let timer = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
            timer.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(100))
            timer.setEventHandler { [weak self] in self?.timerFired() }
            timer.resume()
            state.timer = timer
        }
    }

    private static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name.replacingOccurrences(of: "/", with: "_")
    }

    static func describe(errno code: Int32) -> String {
        String(cString: strerror(code)) + " (errno \(code))"
    }
}

// The module's own `close()`/`write(_:)` methods shadow the C functions inside the class.
private func systemClose(_ fd: Int32) {
    _ = close(fd)
}

private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}
