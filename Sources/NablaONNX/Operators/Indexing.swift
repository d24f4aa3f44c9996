import Foundation
import Nabla

/// Gather/Scatter families, Where, TopK, OneHot, NonZero, Compress, Trilu.
extension ONNXOperators {
    static let indexing: [String: ONNXKernel] = [
        "Gather": { c in
            let x = try c.input(0), indices = try c.input(1)
            guard x.rank >= 1 else { throw c.invalidInput(0, "Gather needs a tensor of rank ≥ 1") }
            let axis = try c.axis(try c.int("axis", default: 0), rank: x.rank)
            let flat = try normalizedIndices(indices, size: x.shape[axis], c, input: 1)
            let y = x.indexSelect(axis: axis, index: Tensor.int64s(flat))
            return [y.reshaped(Array(x.shape[..<axis]) + indices.shape + Array(x.shape[(axis + 1)...]))]
        },
        "GatherElements": { c in
            let x = try c.input(0), indices = try c.input(1)
            let axis = try c.axis(try c.int("axis", default: 0), rank: x.rank)
            try checkElementIndices(x, indices, axis, c)
            let flat = try normalizedIndices(indices, size: x.shape[axis], c, input: 1)
            return [x.gather(axis: axis, index: Tensor(shape: indices.shape, scalars: flat.map { Int64($0) }))]
        },
        "ScatterElements": scatterElements,
        "Scatter": scatterElements,
        "GatherND": { c in
            let x = try c.input(0), indices = try c.input(1)
            guard try c.int("batch_dims", default: 0) == 0 else { throw c.unsupported("batch_dims ≠ 0") }
            guard indices.rank >= 1, let k = indices.shape.last, k <= x.rank else { throw c.invalidInput(1, "indices \(indices.shape) do not fit data \(x.shape)") }
            let rows = try linearRows(indices, x.shape, c)
            let rest = Array(x.shape[k...])
            let y = x.reshaped([elementCount(Array(x.shape[..<k]))] + rest).indexSelect(axis: 0, index: Tensor.int64s(rows))
            return [y.reshaped(Array(indices.shape.dropLast()) + rest)]
        },
        "ScatterND": { c in
            let x = try c.input(0), indices = try c.input(1), updates = try c.input(2)
            guard indices.rank >= 1, let k = indices.shape.last, k <= x.rank else { throw c.invalidInput(1, "indices \(indices.shape) do not fit data \(x.shape)") }
            let rest = Array(x.shape[k...])
            guard updates.shape == Array(indices.shape.dropLast()) + rest else { throw c.invalidInput(2, "updates \(updates.shape) do not fit") }
            let rows = try linearRows(indices, x.shape, c)
            let reduction = try c.string("reduction", default: "none")
            let flat = x.reshaped([elementCount(Array(x.shape[..<k]))] + rest)
            let source = updates.reshaped([rows.count] + rest)
            let index = Tensor.int64s(rows).reshaped([rows.count] + rest.map { _ in 1 }).expanded(to: [rows.count] + rest).contiguous()
            switch reduction {
            case "none": return [flat.scattering(axis: 0, index: index, source: source).reshaped(x.shape)]
            case "add": return [flat.scatteringAdd(axis: 0, index: index, source: source).reshaped(x.shape)]
            default: throw c.unsupported("reduction \(reduction)")
            }
        },
        "Where": { c in
            let condition = try c.input(0), a = try c.input(1), b = try c.input(2)
            try c.checkBroadcast([condition, a, b])
            return [Tensor.where(condition, a, b)]
        },
        "TopK": { c in
            let x = try c.input(0)
            let k: Int
            if c.opset >= 10 {
                guard let values = try c.intsInput(1), values.count == 1 else { throw c.invalidInput(1, "K must hold one integer") }
                k = values[0]
            } else {
                guard let value = try c.int("k") else { throw c.invalidAttribute("k", "is required") }
                k = value
            }
            let axis = try c.axis(try c.int("axis", default: -1), rank: x.rank)
            guard k >= 0, k <= x.shape[axis] else { throw c.invalidInput(1, "K = \(k) is out of range for axis size \(x.shape[axis])") }
            let largest = try c.int("largest", default: 1) == 1
            let (values, indices) = x.topk(k, axis: axis, largest: largest)
            return [values, indices.cast(to: .int64)]
        },
        "OneHot": { c in
            let indices = try c.input(0), values = try c.input(2)
            guard let depthValue = try c.scalarInput(1) else { throw c.invalidInput(1, "depth is required") }
            let depth = Int(depthValue)
            guard depth > 0, values.count == 2 else { throw c.invalidInput(2, "values must hold [off, on] and depth must be positive") }
            let rank = indices.rank + 1
            let axis = try c.axis(try c.int("axis", default: -1), rank: rank)
            let raw = indices.cast(to: .float64).truncated().cast(to: .int64)
            let idx = Tensor.where(raw .< 0, raw + depth, raw).unsqueezed(axis: axis)
            var shape = [Int](repeating: 1, count: rank)
            shape[axis] = depth
            let hot = idx .== Tensor.arange(0, Double(depth), dtype: .int64).reshaped(shape)
            let flat = values.reshaped([2])
            return [Tensor.where(hot, flat.slice(axis: 0, start: 1, end: 2).reshaped([]), flat.slice(axis: 0, start: 0, end: 1).reshaped([]))]
        },
        "NonZero": { c in
            let x = try c.input(0)
            let values = x.toArray(as: Double.self)
            let strides = x.shape.indices.map { elementCount(Array(x.shape[($0 + 1)...])) }
            let hits = values.indices.filter { values[$0] != 0 }
            var coordinates: [Int64] = []
            for d in 0..<x.rank { coordinates += hits.map { Int64(($0 / strides[d]) % x.shape[d]) } }
            return [Tensor(shape: [x.rank, hits.count], scalars: coordinates)]
        },
        "Compress": { c in
            var x = try c.input(0)
            let condition = try c.input(1).toArray(as: Double.self)
            var axis = 0
            if let a = try c.int("axis") { axis = try c.axis(a, rank: x.rank) } else { x = x.reshaped([-1]) }
            let keep = condition.indices.filter { condition[$0] != 0 && $0 < x.shape[axis] }
            return [x.indexSelect(axis: axis, index: Tensor.int64s(keep))]
        },
        "Trilu": { c in
            let x = try c.input(0)
            guard x.rank >= 2 else { throw c.invalidInput(0, "Trilu needs rank ≥ 2") }
            let k = try c.scalarInput(1).map { Int($0) } ?? 0
            let upper = try c.int("upper", default: 1) == 1
            let (n, m) = (x.shape[x.rank - 2], x.shape[x.rank - 1])
            let rows = Tensor.arange(0, Double(n), dtype: .int64).reshaped([n, 1])
            let columns = Tensor.arange(0, Double(m), dtype: .int64).reshaped([1, m])
            let offset = columns - rows
            let keep = upper ? offset .>= Double(k) : offset .<= Double(k)
            return [Tensor.where(keep, x, Tensor.zeros([], dtype: x.dtype))]
        },
    ]

    /// Indices with negatives wrapped, checked against `size`.
    static func normalizedIndices(_ indices: Tensor, size: Int, _ c: NodeContext, input: Int) throws -> [Int] {
        guard indices.dtype.isInteger else { throw c.invalidInput(input, "indices must be integers, got \(indices.dtype)") }
        return try indices.toArray(as: Int64.self).map { raw in
            let v = Int(raw) < 0 ? Int(raw) + size : Int(raw)
            guard v >= 0 && v < size else { throw c.invalidInput(input, "index \(raw) is out of range for size \(size)") }
            return v
        }
    }

    static func checkElementIndices(_ x: Tensor, _ indices: Tensor, _ axis: Int, _ c: NodeContext) throws {
        guard indices.rank == x.rank, (0..<x.rank).allSatisfy({ $0 == axis || indices.shape[$0] <= x.shape[$0] }) else {
            throw c.invalidInput(1, "indices \(indices.shape) do not fit data \(x.shape) along axis \(axis)")
        }
    }

    /// Row numbers of `indices[..., :k]` in data reshaped to [prod(shape[:k]), ...].
    static func linearRows(_ indices: Tensor, _ shape: [Int], _ c: NodeContext) throws -> [Int] {
        guard indices.dtype.isInteger else { throw c.invalidInput(1, "indices must be integers") }
        let k = indices.shape.last!
        let values = indices.toArray(as: Int64.self).map(Int.init)
        let count = k == 0 ? elementCount(Array(indices.shape.dropLast())) : values.count / k
        return try (0..<count).map { row in
            var linear = 0
            for d in 0..<k {
                var v = values[row * k + d]
                if v < 0 { v += shape[d] }
                guard v >= 0 && v < shape[d] else { throw c.invalidInput(1, "index \(values[row * k + d]) is out of range for axis \(d) of \(shape)") }
                linear = linear * shape[d] + v
            }
            return linear
        }
    }

    static let scatterElements: ONNXKernel = { c in
        let x = try c.input(0), indices = try c.input(1), updates = try c.input(2)
        let axis = try c.axis(try c.int("axis", default: 0), rank: x.rank)
        try checkElementIndices(x, indices, axis, c)
        guard updates.shape == indices.shape else { throw c.invalidInput(2, "updates \(updates.shape) must match indices \(indices.shape)") }
        let flat = try normalizedIndices(indices, size: x.shape[axis], c, input: 1)
        let index = Tensor(shape: indices.shape, scalars: flat.map { Int64($0) })
        switch try c.string("reduction", default: "none") {
        case "none": return [x.scattering(axis: axis, index: index, source: updates)]
        case "add": return [x.scatteringAdd(axis: axis, index: index, source: updates)]
        case let other: throw c.unsupported("reduction \(other)")
        }
    }
}
