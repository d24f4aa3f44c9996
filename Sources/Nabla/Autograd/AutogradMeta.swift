/// The autograd state shared by every copy of a tensor value.
///
/// A leaf that requires a gradient accumulates `grad` here; an op's output points at the `Node`
/// that made it. Saved outputs inside a node point back at their node weakly, so a node and its
/// saved output never keep each other alive.
final class AutogradMeta: @unchecked Sendable {
    /// True for leaves the user marked, and for every output of an op on such tensors.
    var requiresGrad: Bool
    /// The accumulated gradient of a leaf (or of a non-leaf that called `retainGrad()`).
    var grad: Tensor?
    /// The node that produced this tensor (nil for leaves).
    var gradFn: Node?
    /// Set instead of `gradFn` for a node's saved copy of its own output.
    weak var weakGradFn: Node?
    /// Which output of `node` this tensor is.
    var outputIndex: Int
    /// Hooks run on a leaf's gradient before it is accumulated.
    var hooks: [@Sendable (Tensor) -> Tensor?] = []
    /// Whether a non-leaf keeps its gradient in `grad`.
    var retainsGrad = false

    init(requiresGrad: Bool, gradFn: Node? = nil, outputIndex: Int = 0) {
        self.requiresGrad = requiresGrad
        self.gradFn = gradFn
        self.outputIndex = outputIndex
    }

    /// The producing node, strong or weak.
    var node: Node? { gradFn ?? weakGradFn }
}
