/// Iteration over the rows of a strided n-d index space shared by several operands.
///
/// Adjacent dimensions that are contiguous for every operand are merged first, so a dense tensor is
/// one long row and a broadcast is a few long rows; kernels then run a tight loop per row with
/// per-operand inner strides.
struct StridedRows {
    /// Collapsed shape (rank ≥ 1).
    let shape: [Int]
    /// Per operand, collapsed strides.
    let strides: [[Int]]
    /// Per operand, start offsets.
    let offsets: [Int]

    /// Prepares iteration over `shape` for operands with `strides` (each of rank `shape.count`) and `offsets`.
    init(shape: [Int], strides: [[Int]], offsets: [Int]) {
        var newShape: [Int] = []
        var newStrides: [[Int]] = Array(repeating: [], count: strides.count)
        for axis in 0..<shape.count where shape[axis] != 1 {
            if let last = newShape.last,
               strides.indices.allSatisfy({ newStrides[$0].last! == strides[$0][axis] * shape[axis] }) {
                newShape[newShape.count - 1] = last * shape[axis]
                for k in strides.indices { newStrides[k][newStrides[k].count - 1] = strides[k][axis] }
            } else {
                newShape.append(shape[axis])
                for k in strides.indices { newStrides[k].append(strides[k][axis]) }
            }
        }
        if newShape.isEmpty {
            newShape = [1]
            for k in strides.indices { newStrides[k] = [0] }
        }
        self.shape = newShape
        self.strides = newStrides
        self.offsets = offsets
    }

    /// Elements per row (the innermost collapsed dimension).
    var rowLength: Int { shape[shape.count - 1] }
    /// Number of rows.
    var rowCount: Int { shape.dropLast().reduce(1, *) }
    /// Inner stride of operand `k`.
    func innerStride(_ k: Int) -> Int { strides[k][shape.count - 1] }

    /// Calls `body(rowIndex, startOffsets)` for rows in `rows`; `startOffsets[k]` is operand k's first element of the row.
    @inline(__always)
    func forEachRow(in rows: Range<Int>, _ body: (Int, UnsafeMutableBufferPointer<Int>) -> Void) {
        let outer = shape.count - 1
        let operands = offsets.count
        withUnsafeTemporaryAllocation(of: Int.self, capacity: outer + operands) { scratch in
            let index = UnsafeMutableBufferPointer(rebasing: scratch[0..<outer])
            let current = UnsafeMutableBufferPointer(rebasing: scratch[outer..<(outer + operands)])
            // Decompose the first row index into a multi-index.
            var r = rows.lowerBound
            for axis in stride(from: outer - 1, through: 0, by: -1) {
                index[axis] = r % shape[axis]
                r /= shape[axis]
            }
            for k in 0..<operands {
                var o = offsets[k]
                for axis in 0..<outer { o += index[axis] * strides[k][axis] }
                current[k] = o
            }
            for row in rows {
                body(row, current)
                // Advance the multi-index (odometer) and the offsets.
                var axis = outer - 1
                while axis >= 0 {
                    index[axis] += 1
                    for k in 0..<operands { current[k] += strides[k][axis] }
                    if index[axis] < shape[axis] { break }
                    for k in 0..<operands { current[k] -= strides[k][axis] * shape[axis] }
                    index[axis] = 0
                    axis -= 1
                }
            }
        }
    }
}
