import Foundation

/// How much `fit` prints.
public enum Verbosity: Sendable {
    /// A live progress bar on a terminal, one line per epoch otherwise (a log file, CI).
    case auto
    /// Always the live bar (redrawn with carriage returns).
    case progressBar
    /// One summary line per epoch.
    case linePerEpoch
    /// Nothing.
    case quiet

    /// The display callback, or nil when quiet.
    func makeDisplay() -> ProgressBar? {
        switch self {
        case .auto: return ProgressBar(live: isatty(STDOUT_FILENO) != 0)
        case .progressBar: return ProgressBar(live: true)
        case .linePerEpoch: return ProgressBar(live: false)
        case .quiet: return nil
        }
    }
}

/// Keras-like progress output: on a terminal, a bar redrawn in place with steps, ETA, throughput
/// and running metrics; elsewhere, one line per epoch.
///
/// ```
/// Epoch 2/5
///  412/937 [============>.................] - ETA: 6s - 1893 samples/s - loss: 0.3121 - accuracy: 0.8874
/// ```
public final class ProgressBar: Callback {
    /// Whether the bar is redrawn in place (a terminal) or only whole epoch lines are printed.
    public let live: Bool
    private let write: (String) -> Void
    private let width = 30
    private var epochStart = Date()
    private var lastDraw = Date.distantPast
    private var samplesSeen = 0
    private var batchesSeen = 0

    /// A display writing to standard output (or to `write`, for tests and logs).
    public init(live: Bool, write: ((String) -> Void)? = nil) {
        self.live = live
        // Through stdout's buffer, like `print`, so lines come out in the order they were written.
        self.write = write ?? { text in
            print(text, terminator: "")
            fflush(nil)
        }
    }

    public func onEpochBegin(_ epoch: Int, trainer: Trainer) throws {
        epochStart = Date()
        lastDraw = .distantPast
        samplesSeen = 0
        batchesSeen = 0
        if live { write("Epoch \(epoch + 1)/\(trainer.epochs)\n") }
    }

    public func onTrainBatchEnd(_ batch: Int, logs: Logs, trainer: Trainer) throws {
        samplesSeen += trainer.batchSize
        batchesSeen += 1
        guard live else { return }
        let now = Date()
        let isLast = trainer.stepsPerEpoch.map { batch + 1 >= $0 } ?? false
        guard isLast || now.timeIntervalSince(lastDraw) >= 0.1 else { return }
        lastDraw = now
        let elapsed = now.timeIntervalSince(epochStart)
        var line = "\r\u{1B}[K" + counter(batch + 1, trainer.stepsPerEpoch) + " " + bar(batch + 1, trainer.stepsPerEpoch)
        if let total = trainer.stepsPerEpoch, batch + 1 < total {
            let eta = elapsed / Double(batch + 1) * Double(total - batch - 1)
            line += " - ETA: " + ProgressBar.duration(eta)
        } else {
            line += " - " + ProgressBar.duration(elapsed)
        }
        line += " - \(Int((Double(samplesSeen) / max(elapsed, 1e-9)).rounded())) samples/s"
        write(line + ProgressBar.format(logs))
    }

    public func onEpochEnd(_ epoch: Int, logs: Logs, trainer: Trainer) throws {
        let elapsed = Date().timeIntervalSince(epochStart)
        let perStep = batchesSeen > 0 ? elapsed / Double(batchesSeen) : 0
        let throughput = Int((Double(samplesSeen) / max(elapsed, 1e-9)).rounded())
        let timing = "\(ProgressBar.duration(elapsed)) \(Int((perStep * 1000).rounded()))ms/step - \(throughput) samples/s"
        if live {
            write("\r\u{1B}[K" + counter(batchesSeen, batchesSeen) + " " + bar(1, 1) + " - " + timing + ProgressBar.format(logs) + "\n")
        } else {
            write("Epoch \(epoch + 1)/\(trainer.epochs) - \(batchesSeen) steps - " + timing + ProgressBar.format(logs) + "\n")
        }
    }

    /// "  412/937" (padded to the total's width), or "412" for a stream.
    private func counter(_ done: Int, _ total: Int?) -> String {
        guard let total else { return String(done) }
        let text = String(done)
        let digits = String(total).count
        return String(repeating: " ", count: max(0, digits - text.count)) + text + "/" + String(total)
    }

    /// "[=====>.....]".
    private func bar(_ done: Int, _ total: Int?) -> String {
        guard let total, total > 0 else { return "" }
        let filled = min(width, done * width / total)
        let head = filled < width ? ">" : ""
        let dots = max(0, width - filled - head.count)
        return "[" + String(repeating: "=", count: filled) + head + String(repeating: ".", count: dots) + "]"
    }

    /// " - loss: 0.3121 - accuracy: 0.8874" with "loss" first, training values before "val_" ones.
    static func format(_ logs: Logs) -> String {
        let keys = logs.keys.sorted { a, b in
            func rank(_ k: String) -> (Int, String) {
                let isValidation = k.hasPrefix("val_")
                let base = isValidation ? String(k.dropFirst(4)) : k
                return ((isValidation ? 2 : 0) + (base == "loss" ? 0 : 1), base)
            }
            return rank(a) < rank(b)
        }
        return keys.map { " - \($0): \(formatValue(logs[$0]!))" }.joined()
    }

    /// 4 decimals, or scientific notation for very small/large values (learning rates).
    static func formatValue(_ value: Double) -> String {
        if value != 0 && (abs(value) < 1e-3 || abs(value) >= 1e5) { return String(format: "%.4e", value) }
        return String(format: "%.4f", value)
    }

    /// "7s", "2m 05s", "1h 02m".
    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s < 60 { return seconds < 10 ? String(format: "%.1fs", seconds) : "\(s)s" }
        if s < 3600 { return String(format: "%dm %02ds", s / 60, s % 60) }
        return String(format: "%dh %02dm", s / 3600, (s % 3600) / 60)
    }
}
