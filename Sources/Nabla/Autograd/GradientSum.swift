/// The running sum of the gradients that backward delivers to one tensor.
///
/// Gradients of slices of the tensor along one axis are kept apart and joined by a single `concat`
/// when the total is needed. A recurrent layer reads its projected sequence one time step at a time;
/// padding each step's gradient to the whole sequence and adding them would cost O(T²) memory traffic
/// for T steps (a 64-step LSTM layer spent most of its backward pass doing that). Overlapping slices
/// and slices along a second axis fall back to the padded sum.
struct GradientSum {
    /// Dense contributions, summed as they arrive.
    private var dense: Tensor?
    /// Slice contributions along `pieceAxis`: where each starts, and its gradient.
    private var pieces: [(start: Int, grad: Tensor)] = []
    private var pieceAxis = 0
    private var fullShape: [Int] = []

    /// A sum of one dense gradient.
    init(_ gradient: Tensor) { dense = gradient }

    /// A sum of the gradient of `tensor[start ..< start + g.shape[axis]]` along `axis`.
    init(slice gradient: Tensor, axis: Int, start: Int, fullShape: [Int]) {
        add(slice: gradient, axis: axis, start: start, fullShape: fullShape)
    }

    /// Adds a gradient of the whole tensor.
    mutating func add(_ gradient: Tensor) {
        dense = dense.map { $0 + gradient } ?? gradient
    }

    /// Adds the gradient of a unit-step slice along `axis` starting at `start`.
    mutating func add(slice gradient: Tensor, axis: Int, start: Int, fullShape: [Int]) {
        if !pieces.isEmpty && axis != pieceAxis { foldPiecesIntoDense() }
        (pieceAxis, self.fullShape) = (axis, fullShape)
        pieces.append((start, gradient))
    }

    /// Adds another sum.
    mutating func add(_ other: GradientSum) {
        if let d = other.dense { add(d) }
        for piece in other.pieces {
            add(slice: piece.grad, axis: other.pieceAxis, start: piece.start, fullShape: other.fullShape)
        }
    }

    /// The total gradient.
    var total: Tensor {
        var copy = self
        copy.foldPiecesIntoDense()
        return copy.dense!
    }

    /// Joins the slice contributions (zeros in the gaps, one concat) and adds them to the dense sum.
    private mutating func foldPiecesIntoDense() {
        guard !pieces.isEmpty else { return }
        let axis = pieceAxis
        let sorted = pieces.enumerated().sorted { ($0.element.start, $0.offset) < ($1.element.start, $1.offset) }.map(\.element)
        let template = sorted[0].grad
        func zeros(_ length: Int) -> Tensor {
            var shape = fullShape
            shape[axis] = length
            return Tensor.zeros(shape, dtype: template.dtype, device: template.device)
        }
        var parts: [Tensor] = [], cursor = 0
        var overlapping: [(start: Int, grad: Tensor)] = []
        for piece in sorted {
            if piece.start < cursor {
                overlapping.append(piece)
                continue
            }
            if piece.start > cursor { parts.append(zeros(piece.start - cursor)) }
            parts.append(piece.grad)
            cursor = piece.start + piece.grad.shape[axis]
        }
        if cursor < fullShape[axis] { parts.append(zeros(fullShape[axis] - cursor)) }
        var sum = concat(parts, axis: axis)
        for piece in overlapping {
            sum = sum + sliceBackward(piece.grad, inputShape: fullShape, axis: axis, start: piece.start,
                                      end: piece.start + piece.grad.shape[axis], step: 1)
        }
        pieces = []
        dense = dense.map { $0 + sum } ?? sum
    }
}
