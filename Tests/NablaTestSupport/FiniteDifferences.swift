import Nabla

/// Central finite differences of a scalar `loss` with respect to every element of `inputs[index]`:
/// (loss(x + eps) - loss(x - eps)) / 2 eps, one element at a time, in float64.
public func centralDifferences(of loss: ([Tensor]) -> Double, inputs: [Tensor], index: Int, eps: Double) -> [Double] {
    let x = inputs[index]
    var values = x.scalars
    var numeric = [Double](repeating: 0, count: values.count)
    for k in values.indices {
        let original = values[k]
        var xs = inputs
        values[k] = original + eps
        xs[index] = Tensor(shape: x.shape, scalars: values)
        let plus = loss(xs)
        values[k] = original - eps
        xs[index] = Tensor(shape: x.shape, scalars: values)
        let minus = loss(xs)
        values[k] = original
        numeric[k] = (plus - minus) / (2 * eps)
    }
    return numeric
}
