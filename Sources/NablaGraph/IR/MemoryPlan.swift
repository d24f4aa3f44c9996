/// Where a node's result is written, when not into a new buffer (see `MemoryPlanning`).
public enum BufferAssignment: Hashable, Sendable, CustomStringConvertible {
    /// Into the buffer of the node's operand `input` (an index into the node's inputs), whose value
    /// dies at this node: the node runs in place.
    case inPlace(input: Int)
    /// Into the buffer of `value`, which died before this node; the executor keeps it until then.
    case reuse(ValueID)

    public var description: String {
        switch self {
        case let .inPlace(input): return "in place of operand \(input)"
        case let .reuse(value): return "reuses %\(value)"
        }
    }
}

/// A graph's buffer plan: which results are written into which existing buffers. Made by the
/// `MemoryPlanning` pass (the last of `PassPipeline.compiled`), read by `Executor`, which checks
/// at run time that each planned buffer is really free (only the executor holds it, of the right
/// size) and falls back to a new buffer otherwise. A pass that rewrites nodes after planning
/// leaves a stale plan, which is never unsafe, only useless: plan last.
public struct MemoryPlan: Hashable, Sendable, CustomStringConvertible {
    /// For each planned node (index into `Graph.nodes`), the assignment of each planned output
    /// (index into the node's outputs).
    public var assignments: [Int: [Int: BufferAssignment]] = [:]

    /// An empty plan.
    public init() {}

    /// The values whose buffers a later node reuses (kept by the executor after their last use).
    public var retainedValues: Set<ValueID> {
        var values = Set<ValueID>()
        for outputs in assignments.values { for case let .reuse(value) in outputs.values { values.insert(value) } }
        return values
    }

    /// How many results run in place, and how many reuse a dead buffer.
    public var counts: (inPlace: Int, reused: Int) {
        var inPlace = 0, reused = 0
        for outputs in assignments.values {
            for assignment in outputs.values {
                if case .inPlace = assignment { inPlace += 1 } else { reused += 1 }
            }
        }
        return (inPlace, reused)
    }

    /// One line per planned node: `node 12 output 0: in place of operand 1`.
    public var description: String {
        assignments.keys.sorted().flatMap { node in
            assignments[node]!.keys.sorted().map { output in "node \(node) output \(output): \(assignments[node]![output]!)" }
        }.joined(separator: "\n")
    }
}
