import Nabla

/// Parameter initialisers with PyTorch's definitions (`torch.nn.init`): the same distributions, the
/// same fan computation and the same gains.
///
/// Each initialiser draws from `generator` (the process-wide `Generator.default` when nil) and writes
/// the values into the parameter in place (`Parameter.update`, under `withNoGrad`), so the
/// parameter keeps its autograd identity, gradient and place in optimizers.
///
/// ```swift
/// let fc = Linear(784, 256)
/// Init.kaimingNormal(fc.weight, mode: .fanOut, nonlinearity: .relu)
/// Init.zeros(fc.bias!)
/// ```
public enum Init {
    /// Which fan `kaimingUniform`/`kaimingNormal` preserve the variance of.
    public enum FanMode: Sendable {
        /// The number of inputs of each output unit (preserves the forward pass's variance).
        case fanIn
        /// The number of outputs each input unit feeds (preserves the backward pass's variance).
        case fanOut
    }

    /// The nonlinearities `gain(_:param:)` knows (PyTorch's `calculate_gain` names).
    public enum Nonlinearity: Sendable {
        /// No nonlinearity, or a linear/convolution layer (gain 1).
        case linear, conv1d, conv2d, conv3d, convTranspose1d, convTranspose2d, convTranspose3d
        /// Sigmoid (gain 1), tanh (gain 5/3) and ReLU (gain √2).
        case sigmoid, tanh, relu
        /// Leaky ReLU; its negative slope is the `param` of `gain` (0.01 when nil).
        case leakyRelu
        /// SELU (gain 3/4, for self-normalising networks).
        case selu
    }

    /// The recommended gain for `nonlinearity` (PyTorch's `calculate_gain`): 1 for linear, convolutions
    /// and sigmoid, 5/3 for tanh, √2 for ReLU, √(2 / (1 + slope²)) for leaky ReLU, 3/4 for SELU.
    public static func gain(_ nonlinearity: Nonlinearity, param: Double? = nil) -> Double {
        switch nonlinearity {
        case .linear, .conv1d, .conv2d, .conv3d, .convTranspose1d, .convTranspose2d, .convTranspose3d, .sigmoid:
            return 1
        case .tanh: return 5.0 / 3
        case .relu: return 2.0.squareRoot()
        case .leakyRelu:
            let slope = param ?? 0.01
            return (2.0 / (1 + slope * slope)).squareRoot()
        case .selu: return 0.75
        }
    }

    /// Fan-in and fan-out of a weight of `shape`, computed like PyTorch: dimension 1 and dimension 0
    /// times the receptive field (the product of the dimensions after the first two). Linear weights
    /// `[out, in]` give (in, out); convolution weights `[out, in/groups, k…]` give (in/groups·∏k, out·∏k).
    public static func fans(_ shape: [Int], file: StaticString = #fileID, line: UInt = #line) -> (fanIn: Int, fanOut: Int) {
        precondition(shape.count >= 2, "Init.fans: fan in and fan out cannot be computed for a tensor of shape \(shape) (fewer than 2 dimensions)",
                     file: file, line: line)
        let receptive = shape.dropFirst(2).reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }

    /// Fills `parameter` from the uniform distribution on [low, high).
    public static func uniform(_ parameter: Parameter, low: Double = 0, high: Double = 1, generator: Generator? = nil) {
        write(parameter) { Tensor.rand($0.shape, low: low, high: high, dtype: $0.dtype, generator: generator) }
    }

    /// Fills `parameter` from the normal distribution with `mean` and `std`.
    public static func normal(_ parameter: Parameter, mean: Double = 0, std: Double = 1, generator: Generator? = nil) {
        write(parameter) { Tensor.randn($0.shape, mean: mean, std: std, dtype: $0.dtype, generator: generator) }
    }

    /// Fills `parameter` with `value`.
    public static func constant(_ parameter: Parameter, _ value: Double) {
        write(parameter) { Tensor.full($0.shape, value: value, dtype: $0.dtype) }
    }

    /// Fills `parameter` with zeros.
    public static func zeros(_ parameter: Parameter) { constant(parameter, 0) }

    /// Fills `parameter` with ones.
    public static func ones(_ parameter: Parameter) { constant(parameter, 1) }

    /// Glorot/Xavier uniform: U(-a, a) with a = gain·√(6 / (fanIn + fanOut)).
    public static func xavierUniform(_ parameter: Parameter, gain: Double = 1, generator: Generator? = nil) {
        let (fanIn, fanOut) = fans(parameter.shape)
        let std = gain * (2.0 / Double(fanIn + fanOut)).squareRoot()
        let bound = 3.0.squareRoot() * std
        uniform(parameter, low: -bound, high: bound, generator: generator)
    }

    /// Glorot/Xavier normal: N(0, std²) with std = gain·√(2 / (fanIn + fanOut)).
    public static func xavierNormal(_ parameter: Parameter, gain: Double = 1, generator: Generator? = nil) {
        let (fanIn, fanOut) = fans(parameter.shape)
        normal(parameter, std: gain * (2.0 / Double(fanIn + fanOut)).squareRoot(), generator: generator)
    }

    /// He/Kaiming uniform: U(-b, b) with b = √3 · gain(nonlinearity, a) / √fan. PyTorch's Linear and
    /// convolution layers use `a: √5` (leaky ReLU), which gives b = 1/√fanIn.
    public static func kaimingUniform(_ parameter: Parameter, a: Double = 0, mode: FanMode = .fanIn,
                                      nonlinearity: Nonlinearity = .leakyRelu, generator: Generator? = nil) {
        let std = kaimingStd(parameter.shape, a: a, mode: mode, nonlinearity: nonlinearity)
        let bound = 3.0.squareRoot() * std
        uniform(parameter, low: -bound, high: bound, generator: generator)
    }

    /// He/Kaiming normal: N(0, std²) with std = gain(nonlinearity, a) / √fan.
    public static func kaimingNormal(_ parameter: Parameter, a: Double = 0, mode: FanMode = .fanIn,
                                     nonlinearity: Nonlinearity = .leakyRelu, generator: Generator? = nil) {
        normal(parameter, std: kaimingStd(parameter.shape, a: a, mode: mode, nonlinearity: nonlinearity), generator: generator)
    }

    /// A (semi-)orthogonal matrix times `gain` (Saxe et al.), like `torch.nn.init.orthogonal_`: the
    /// parameter is viewed as [shape[0], rest], a standard normal matrix of that shape is drawn and
    /// orthonormalised (QR through modified Gram–Schmidt, which gives R a positive diagonal as
    /// PyTorch's sign correction does). Rows are orthonormal when shape[0] ≤ rest, columns otherwise.
    public static func orthogonal(_ parameter: Parameter, gain: Double = 1, generator: Generator? = nil,
                                  file: StaticString = #fileID, line: UInt = #line) {
        let shape = parameter.shape
        precondition(shape.count >= 2, "Init.orthogonal: needs at least 2 dimensions, got shape \(shape)", file: file, line: line)
        let rows = shape[0], cols = shape.dropFirst().reduce(1, *)
        guard rows > 0, cols > 0 else { return }
        let drawn = Tensor.randn([rows, cols], dtype: .float64, generator: generator).scalars
        // Orthonormalise the columns of the tall matrix A (m x n, m >= n): A itself, or the transpose.
        let transpose = rows < cols
        let (m, n) = transpose ? (cols, rows) : (rows, cols)
        // columns[j][i] = A[i][j]
        var columns = (0..<n).map { j in (0..<m).map { i in transpose ? drawn[j * cols + i] : drawn[i * cols + j] } }
        for j in 0..<n {
            for k in 0..<j {
                var dot = 0.0
                for i in 0..<m { dot += columns[k][i] * columns[j][i] }
                for i in 0..<m { columns[j][i] -= dot * columns[k][i] }
            }
            var norm = 0.0
            for i in 0..<m { norm += columns[j][i] * columns[j][i] }
            norm = norm.squareRoot()
            for i in 0..<m { columns[j][i] /= norm }
        }
        var values = [Double](repeating: 0, count: rows * cols)
        for r in 0..<rows {
            for c in 0..<cols { values[r * cols + c] = gain * (transpose ? columns[r][c] : columns[c][r]) }
        }
        write(parameter) { Tensor(shape: $0.shape, scalars: values).cast(to: $0.dtype) }
    }

    // MARK: - Helpers

    private static func kaimingStd(_ shape: [Int], a: Double, mode: FanMode, nonlinearity: Nonlinearity) -> Double {
        let (fanIn, fanOut) = fans(shape)
        let fan = mode == .fanIn ? fanIn : fanOut
        return fan == 0 ? 0 : gain(nonlinearity, param: a) / Double(fan).squareRoot()
    }

    /// Replaces the parameter's values with `make(current)` without recording gradients.
    private static func write(_ parameter: Parameter, _ make: (Tensor) -> Tensor) {
        withNoGrad {
            let current = parameter.value
            guard current.count > 0 else { return }
            parameter.update(make(current.detached()))
        }
    }
}
