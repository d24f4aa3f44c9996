/// What can stop `fit`, `evaluate` or `predict` (besides a callback's or dataset's own error).
public enum TrainingError: Error, CustomStringConvertible, Equatable, Sendable {
    /// `fit`/`evaluate` before `compile(optimizer:loss:metrics:)`.
    case notCompiled
    /// An argument that makes no sense (`epochs: 0`, `validationSplit: 1.5`, …).
    case invalidArgument(name: String, reason: String)
    /// A checkpoint to resume from that does not fit this run.
    case cannotResume(file: String, reason: String)

    /// A one-line explanation.
    public var description: String {
        switch self {
        case .notCompiled:
            return "the model is not compiled: call compile(optimizer:loss:metrics:) before fit or evaluate"
        case let .invalidArgument(name, reason):
            return "invalid \(name): \(reason)"
        case let .cannotResume(file, reason):
            return "cannot resume from \(file): \(reason)"
        }
    }
}
