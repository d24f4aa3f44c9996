/// The value of one hyperparameter logged with `SummaryWriter.addHyperparameters`.
///
/// Literals work directly: `["lr": 1e-3, "batch": 64, "optimizer": "adam", "augment": true]`.
public enum HyperparameterValue: Sendable, Equatable, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByStringLiteral, ExpressibleByBooleanLiteral {
    /// A number (integers are stored as doubles, as TensorBoard does).
    case number(Double)
    /// A string, such as an optimizer name.
    case string(String)
    /// A flag.
    case bool(Bool)

    /// Creates a number.
    public init(floatLiteral value: Double) { self = .number(value) }
    /// Creates a number from an integer.
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    /// Creates a string.
    public init(stringLiteral value: String) { self = .string(value) }
    /// Creates a flag.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}
