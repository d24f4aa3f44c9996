/// Errors Nabla throws for problems outside the programmer's control (data, files, unsupported ops).
///
/// Programmer errors inside an op (a shape mismatch) trap instead, with a message that names the op,
/// the shapes and the caller's file and line.
public enum NablaError: Error, CustomStringConvertible, Equatable {
    /// The backend of `device` has no kernel for `op` (for this dtype).
    case noKernel(op: String, device: Device, dtype: DType?)
    /// Reading a value is not possible here (during a trace, or on a tensor without data).
    case valueUnavailable(String)
    /// A tensor's shape does not fit what an API expects.
    case shapeMismatch(String)
    /// A generic invalid argument from outside data.
    case invalidArgument(String)

    /// A one-line explanation.
    public var description: String {
        switch self {
        case let .noKernel(op, device, dtype):
            return "no kernel for op \(op) on device \(device)" + (dtype.map { " for dtype \($0)" } ?? "")
        case let .valueUnavailable(message), let .shapeMismatch(message), let .invalidArgument(message):
            return message
        }
    }
}

/// Stops with a message that points at the caller's code (`file`/`line` come from the public API's defaults).
func shapeFailure(_ message: @autoclosure () -> String, file: StaticString, line: UInt) -> Never {
    fatalError(message(), file: file, line: line)
}
