import Nabla

/// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss (weights, ignore_index, reductions).
extension ONNXOperators {
    static let losses: [String: ONNXKernel] = [
        "NegativeLogLikelihoodLoss": { c in
            [try negativeLogLikelihood(try c.input(0), target: try c.input(1), weight: c.optionalInput(2), c)]
        },
        "SoftmaxCrossEntropyLoss": { c in
            let scores = try c.input(0)
            guard scores.rank >= 2 else { throw c.invalidInput(0, "scores must be [N, C, ...], got \(scores.shape)") }
            let logProb = logSoftmax(scores, axis: 1)
            let loss = try negativeLogLikelihood(logProb, target: try c.input(1), weight: c.optionalInput(2), c)
            return [loss, logProb]
        },
    ]

    static func negativeLogLikelihood(_ input: Tensor, target: Tensor, weight: Tensor?, _ c: NodeContext) throws -> Tensor {
        guard input.rank >= 2, target.dtype.isInteger, target.shape == [input.shape[0]] + Array(input.shape.dropFirst(2)) else {
            throw c.invalidInput(1, "target \(target.shape) does not fit input \(input.shape) ([N, C, d...] and integer [N, d...])")
        }
        let classes = input.shape[1]
        let ignore = try c.int("ignore_index")
        let labels = target.toArray(as: Int64.self).map(Int.init)
        for label in labels where label != ignore && (label < 0 || label >= classes) {
            throw c.invalidInput(1, "label \(label) is out of range for \(classes) classes")
        }
        if let weight, weight.shape != [classes] { throw c.invalidInput(2, "weight must have shape [\(classes)], got \(weight.shape)") }
        let safe = labels.map { $0 == ignore ? 0 : $0 }
        let index = Tensor(shape: target.shape, scalars: safe.map { Int64($0) })
        let mask = Tensor(shape: target.shape, scalars: labels.map { $0 == ignore ? Float(0) : 1 }).cast(to: input.dtype)
        let picked = input.gather(axis: 1, index: index.unsqueezed(axis: 1)).squeezed(axis: 1)
        var w = mask
        if let weight { w = w * weight.indexSelect(axis: 0, index: Tensor.int64s(safe)).reshaped(target.shape).cast(to: input.dtype) }
        let loss = -(picked * w)
        switch try c.string("reduction", default: "mean") {
        case "none": return loss
        case "sum": return loss.sum(alongAxes: nil)
        case "mean": return loss.sum(alongAxes: nil) / w.sum(alongAxes: nil)
        case let other: throw c.invalidAttribute("reduction", "unknown reduction \(other)")
        }
    }
}
