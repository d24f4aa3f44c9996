import Synchronization

/// A source of random tensors: a seed (the Philox key) and an offset (the next unused counter).
///
/// ```swift
/// let g = Generator(seed: 42)
/// let a = Tensor.randn([3], generator: g)   // the same values on every run
/// Generator.default.seed(0)                  // like torch.manual_seed(0)
/// ```
public final class Generator: Sendable {
    private let state: Mutex<(seed: UInt64, offset: UInt64)>

    /// A generator starting at counter 0 of `seed`.
    public init(seed: UInt64) { state = Mutex((seed, 0)) }

    /// The process-wide generator used when none is given (seed 0 until `seed(_:)` is called).
    public static let `default` = Generator(seed: 0)

    /// Restarts the stream from `seed`.
    public func seed(_ seed: UInt64) { state.withLock { $0 = (seed, 0) } }

    /// The seed and offset, for checkpoints.
    public var snapshot: (seed: UInt64, offset: UInt64) { state.withLock { ($0.seed, $0.offset) } }

    /// Restores a snapshot.
    public func restore(seed: UInt64, offset: UInt64) { state.withLock { $0 = (seed, offset) } }

    /// Reserves `blocks` Philox blocks and returns (key, first counter).
    func reserve(blocks: Int) -> (key: UInt64, counter: UInt64) {
        state.withLock { s in
            let start = s.offset
            s.offset &+= UInt64(blocks)
            return (s.seed, start)
        }
    }
}

/// Seeds the default generator, like `torch.manual_seed`.
public func manualSeed(_ seed: UInt64) { Generator.default.seed(seed) }

/// The distributions random primitives draw from.
public enum RandomDistribution: Hashable, Sendable {
    /// Uniform on [low, high).
    case uniform(low: Double, high: Double)
    /// Normal with mean and standard deviation.
    case normal(mean: Double, std: Double)
    /// Integers uniform on [low, high).
    case integers(low: Int64, high: Int64)
    /// 1 with probability p, else 0.
    case bernoulli(p: Double)
}

extension Tensor {
    static func random(_ distribution: RandomDistribution, _ shape: [Int], dtype: DType, generator: Generator?) -> Tensor {
        if Tracing.isActive, let observer = Tracing.observer { observer.observeRandom("\(distribution)") }
        let count = shape.reduce(1, *)
        let (key, counter) = (generator ?? .default).reserve(blocks: (count + 3) / 4)
        return CPUBackend.shared.random(distribution, shape: shape, dtype: dtype, key: key, counter: counter)
    }

    /// Uniform samples on [0, 1) (or [low, high)).
    public static func rand(_ shape: [Int], low: Double = 0, high: Double = 1, dtype: DType = .float32, generator: Generator? = nil) -> Tensor {
        random(.uniform(low: low, high: high), shape, dtype: dtype, generator: generator)
    }

    /// Standard normal samples (or with `mean` and `std`).
    public static func randn(_ shape: [Int], mean: Double = 0, std: Double = 1, dtype: DType = .float32, generator: Generator? = nil) -> Tensor {
        random(.normal(mean: mean, std: std), shape, dtype: dtype, generator: generator)
    }

    /// Standard normal samples from a fresh generator seeded with `seed`.
    public static func randn(_ shape: [Int], seed: UInt64, dtype: DType = .float32) -> Tensor {
        randn(shape, dtype: dtype, generator: Generator(seed: seed))
    }

    /// Uniform samples on [0, 1) from a fresh generator seeded with `seed`.
    public static func rand(_ shape: [Int], seed: UInt64, dtype: DType = .float32) -> Tensor {
        rand(shape, dtype: dtype, generator: Generator(seed: seed))
    }

    /// Integers uniform on [low, high).
    public static func randint(_ low: Int, _ high: Int, _ shape: [Int], dtype: DType = .int64, generator: Generator? = nil) -> Tensor {
        precondition(high > low, "randint: high (\(high)) must exceed low (\(low))")
        return random(.integers(low: Int64(low), high: Int64(high)), shape, dtype: dtype, generator: generator)
    }

    /// 1 with probability `p` (per element of `probabilities` when given), else 0.
    public static func bernoulli(_ shape: [Int], p: Double, dtype: DType = .float32, generator: Generator? = nil) -> Tensor {
        random(.bernoulli(p: p), shape, dtype: dtype, generator: generator)
    }

    /// Samples 1 with the probability in each element of `self` (values in [0, 1]).
    public func bernoulli(generator: Generator? = nil) -> Tensor {
        let u = Tensor.rand(shape, dtype: dtype.floatingResult, generator: generator)
        return (u .< self).cast(to: dtype)
    }
}
