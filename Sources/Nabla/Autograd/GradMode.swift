/// Whether ops record onto the autograd tape (on by default; off inside `withNoGrad`).
public enum GradMode {
    @TaskLocal static var enabledLocal: Bool = true

    /// True when ops on tensors that require gradients are recorded.
    public static var isEnabled: Bool { enabledLocal }

    /// Runs `body` with recording switched `enabled`.
    public static func with<R>(enabled: Bool, _ body: () throws -> R) rethrows -> R {
        try $enabledLocal.withValue(enabled) { try body() }
    }
}

/// Runs `body` without recording gradients, like `torch.no_grad()`.
///
/// ```swift
/// withNoGrad { w -= learningRate * w.grad! }
/// ```
public func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.with(enabled: false, body)
}

/// Runs `body` with gradient recording on again (inside `withNoGrad`), like `torch.enable_grad()`.
public func withGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.with(enabled: true, body)
}
