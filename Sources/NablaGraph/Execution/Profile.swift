import Foundation
import Synchronization

/// Time spent per node kind while running compiled graphs (`NABLA_PROFILE=1`, or pass one to
/// `Executor.run(_:profile:)` / read `CompiledFunction.profile`).
///
/// ```text
/// node kind        calls     total ms   share
/// matmul            2811       412.31   61.2%
/// fused             1874        88.02   13.1%
/// ```
public final class Profile: Sendable {
    private let entries = Mutex<[String: (calls: Int, nanoseconds: UInt64)]>([:])

    /// An empty profile.
    public init() {}

    /// Adds one run of a node of `kind` that took `nanoseconds`.
    public func add(_ kind: String, nanoseconds: UInt64) {
        entries.withLock { table in
            let previous = table[kind] ?? (0, 0)
            table[kind] = (previous.calls + 1, previous.nanoseconds + nanoseconds)
        }
    }

    /// Total time and calls per node kind.
    public var totals: [String: (calls: Int, seconds: Double)] {
        entries.withLock { table in table.mapValues { ($0.calls, Double($0.nanoseconds) / 1e9) } }
    }

    /// Forgets everything.
    public func reset() { entries.withLock { $0.removeAll() } }

    /// A table, slowest kind first.
    public var report: String {
        let rows = totals.sorted { $0.value.seconds > $1.value.seconds }
        let total = rows.reduce(0) { $0 + $1.value.seconds }
        var text = "node kind            calls     total ms   share\n"
        for (kind, entry) in rows {
            let share = total > 0 ? entry.seconds / total * 100 : 0
            text += kind.padding(toLength: 18, withPad: " ", startingAt: 0)
                + String(format: "%8d %12.2f %6.1f%%\n", entry.calls, entry.seconds * 1000, share)
        }
        return text
    }

    /// Whether `NABLA_PROFILE=1` asks compiled functions to profile themselves.
    public static let requestedByEnvironment = ProcessInfo.processInfo.environment["NABLA_PROFILE"] == "1"
}
