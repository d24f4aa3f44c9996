/// Which direction of a monitored value is better, for `EarlyStopping`, `ModelCheckpoint` and
/// `ReduceLROnPlateau`.
public enum MonitorMode: String, Sendable {
    /// Lower is better.
    case min
    /// Higher is better.
    case max
    /// `max` for accuracy-like names ("acc", "auc", "precision", "recall", "f1"), `min` otherwise (losses, errors).
    case auto

    /// `auto` resolved for `key`.
    func resolved(for key: String) -> MonitorMode {
        guard self == .auto else { return self }
        let name = key.hasPrefix("val_") ? String(key.dropFirst(4)) : key
        let higherIsBetter = ["acc", "auc", "precision", "recall", "f1"].contains { name.contains($0) }
        return higherIsBetter ? .max : .min
    }
}

/// The best value of a monitored log entry so far.
struct BestValue {
    let key: String
    let mode: MonitorMode
    let minDelta: Double
    var best: Double

    init(key: String, mode: MonitorMode, minDelta: Double) {
        self.key = key
        self.mode = mode.resolved(for: key)
        self.minDelta = abs(minDelta)
        self.best = self.mode == .min ? .infinity : -.infinity
    }

    /// Whether `value` beats the best by more than `minDelta`.
    func isImprovement(_ value: Double) -> Bool {
        guard !value.isNaN else { return false }
        return mode == .min ? value < best - minDelta : value > best + minDelta
    }

    /// The monitored value in `logs`, or an error naming the keys that are there.
    func value(in logs: Logs, callback: String) throws -> Double {
        guard let value = logs[key] else {
            throw TrainingError.invalidArgument(
                name: "\(callback) monitor",
                reason: "\"\(key)\" is not among the logged values \(logs.keys.sorted()); pass validation data for \"val_\" keys")
        }
        return value
    }
}
