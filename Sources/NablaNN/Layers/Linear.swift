import Nabla

/// A fully connected layer, `y = x · weightᵀ + bias` (PyTorch's `nn.Linear`).
///
/// `weight` is [outFeatures, inFeatures] and `bias` [outFeatures], both initialised from
/// U(-1/√inFeatures, 1/√inFeatures) as in PyTorch (kaiming uniform with a = √5). The input is
/// [..., inFeatures].
///
/// ```swift
/// let fc = Linear(784, 10)
/// let logits = fc(Tensor.randn([64, 784]))   // [64, 10]
/// ```
public final class Linear: Module, Layer {
    /// The size of each input sample.
    public let inFeatures: Int
    /// The size of each output sample.
    public let outFeatures: Int
    /// The weight, [outFeatures, inFeatures].
    public var weight: Parameter
    /// The bias, [outFeatures], or nil when created with `bias: false`.
    public var bias: Parameter?

    /// A layer mapping `inFeatures` to `outFeatures`, with a bias unless `bias` is false.
    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true) {
        precondition(inFeatures >= 0 && outFeatures >= 0, "Linear: feature counts must not be negative, got \(inFeatures) and \(outFeatures)")
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        weight = Parameter(Tensor.zeros([outFeatures, inFeatures]))
        self.bias = bias ? Parameter(Tensor.zeros([outFeatures])) : nil
        super.init()
        resetParameters()
    }

    /// Draws new values with PyTorch's default initialisation.
    public func resetParameters() {
        initializeLikeTorch(weight: weight, bias: bias)
    }

    /// `input · weightᵀ + bias`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        reportOutput(linear(input, weight: weight.value, bias: bias?.value))
    }
}

/// A bilinear layer, `y[o] = x1ᵀ · weight[o] · x2 + bias[o]` (PyTorch's `nn.Bilinear`).
///
/// `weight` is [outFeatures, in1Features, in2Features] and `bias` [outFeatures], both initialised
/// from U(-1/√in1Features, 1/√in1Features). It takes two inputs, so it is a `Module` but not a
/// single-input `Layer`.
///
/// ```swift
/// let bilinear = Bilinear(20, 30, 40)
/// let y = bilinear(Tensor.randn([128, 20]), Tensor.randn([128, 30]))   // [128, 40]
/// ```
public final class Bilinear: Module {
    /// The size of each sample of the first input.
    public let in1Features: Int
    /// The size of each sample of the second input.
    public let in2Features: Int
    /// The size of each output sample.
    public let outFeatures: Int
    /// The weight, [outFeatures, in1Features, in2Features].
    public var weight: Parameter
    /// The bias, [outFeatures], or nil when created with `bias: false`.
    public var bias: Parameter?

    /// A bilinear map from (`in1Features`, `in2Features`) to `outFeatures`.
    public init(_ in1Features: Int, _ in2Features: Int, _ outFeatures: Int, bias: Bool = true) {
        self.in1Features = in1Features
        self.in2Features = in2Features
        self.outFeatures = outFeatures
        weight = Parameter(Tensor.zeros([outFeatures, in1Features, in2Features]))
        self.bias = bias ? Parameter(Tensor.zeros([outFeatures])) : nil
        super.init()
        resetParameters()
    }

    /// Draws new values with PyTorch's default initialisation (U(-1/√in1Features, 1/√in1Features)).
    public func resetParameters() {
        let bound = in1Features > 0 ? 1 / Double(in1Features).squareRoot() : 0
        Init.uniform(weight, low: -bound, high: bound)
        if let bias { Init.uniform(bias, low: -bound, high: bound) }
    }

    /// The bilinear form of `input1` [..., in1Features] and `input2` [..., in2Features].
    public func callAsFunction(_ input1: Tensor, _ input2: Tensor) -> Tensor {
        reportOutput(bilinear(input1, input2, weight: weight.value, bias: bias?.value))
    }
}

/// Returns its input unchanged (PyTorch's `nn.Identity`): a placeholder, e.g. to remove a layer
/// from a model without changing the code around it.
public final class Identity: Module, Layer {
    /// The identity layer.
    public override init() { super.init() }

    /// `input`, unchanged.
    public func callAsFunction(_ input: Tensor) -> Tensor { reportOutput(input) }
}

/// PyTorch's default initialisation of linear and convolution layers: the weight from kaiming
/// uniform with a = √5, i.e. U(-1/√fanIn, 1/√fanIn), and the bias from U(-1/√fanIn, 1/√fanIn).
func initializeLikeTorch(weight: Parameter, bias: Parameter?) {
    Init.kaimingUniform(weight, a: 5.0.squareRoot())
    if let bias {
        let fanIn = Init.fans(weight.shape).fanIn
        let bound = fanIn > 0 ? 1 / Double(fanIn).squareRoot() : 0
        Init.uniform(bias, low: -bound, high: bound)
    }
}
