/// Elementwise math as methods (`x.exp()`) and free functions (`exp(x)`).
extension Tensor {
    /// e^x.
    public func exp() -> Tensor { applyUnary(.exp, self) }
    /// Natural logarithm.
    public func log() -> Tensor { applyUnary(.log, self) }
    /// log(1 + x), accurate near 0.
    public func log1p() -> Tensor { applyUnary(.log1p, self) }
    /// e^x - 1, accurate near 0.
    public func expm1() -> Tensor { applyUnary(.expm1, self) }
    /// Square root.
    public func sqrt() -> Tensor { applyUnary(.sqrt, self) }
    /// 1 / sqrt(x).
    public func rsqrt() -> Tensor { applyUnary(.rsqrt, self) }
    /// x * x.
    public func square() -> Tensor { self * self }
    /// Absolute value.
    public func abs() -> Tensor { applyUnary(.abs, self) }
    /// -1, 0 or 1.
    public func sign() -> Tensor { applyUnary(.sign, self) }
    /// Sine.
    public func sin() -> Tensor { applyUnary(.sin, self) }
    /// Cosine.
    public func cos() -> Tensor { applyUnary(.cos, self) }
    /// Hyperbolic tangent.
    public func tanh() -> Tensor { applyUnary(.tanh, self) }
    /// 1 / (1 + e^-x).
    public func sigmoid() -> Tensor { applyUnary(.sigmoid, self) }
    /// The error function.
    public func erf() -> Tensor { applyUnary(.erf, self) }
    /// Rounds down.
    public func floor() -> Tensor { applyUnary(.floor, self) }
    /// Rounds up.
    public func ceil() -> Tensor { applyUnary(.ceil, self) }
    /// Rounds half to even, like `torch.round`.
    public func rounded() -> Tensor { applyUnary(.round, self) }
}

/// e^x elementwise.
public func exp(_ x: Tensor) -> Tensor { x.exp() }
/// Natural logarithm elementwise.
public func log(_ x: Tensor) -> Tensor { x.log() }
/// log(1 + x) elementwise.
public func log1p(_ x: Tensor) -> Tensor { x.log1p() }
/// e^x - 1 elementwise.
public func expm1(_ x: Tensor) -> Tensor { x.expm1() }
/// Square root elementwise.
public func sqrt(_ x: Tensor) -> Tensor { x.sqrt() }
/// 1 / sqrt(x) elementwise.
public func rsqrt(_ x: Tensor) -> Tensor { x.rsqrt() }
/// x * x elementwise.
public func square(_ x: Tensor) -> Tensor { x.square() }
/// |x| elementwise.
public func abs(_ x: Tensor) -> Tensor { x.abs() }
/// Sine elementwise.
public func sin(_ x: Tensor) -> Tensor { x.sin() }
/// Cosine elementwise.
public func cos(_ x: Tensor) -> Tensor { x.cos() }
/// Hyperbolic tangent elementwise.
public func tanh(_ x: Tensor) -> Tensor { x.tanh() }
/// Logistic sigmoid elementwise.
public func sigmoid(_ x: Tensor) -> Tensor { x.sigmoid() }
/// Error function elementwise.
public func erf(_ x: Tensor) -> Tensor { x.erf() }
