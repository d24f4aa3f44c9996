import Nabla

/// What an operator kernel sees: the node, its input values (nil for omitted optional inputs), and the
/// opset version; plus typed attribute and input accessors that throw `ONNXError`s naming the node.
struct NodeContext {
    let node: Onnx_NodeProto
    let inputs: [Tensor?]
    let opset: Int

    var op: String { node.opType }
    var name: String { node.displayName }

    // MARK: Inputs

    /// Input `i`, which must be present.
    func input(_ i: Int) throws -> Tensor {
        guard i < inputs.count, let value = inputs[i] else {
            throw ONNXError.invalidInput(node: name, op: op, input: inputName(i), reason: "required input #\(i) is missing")
        }
        return value
    }

    /// Input `i`, or nil when omitted.
    func optionalInput(_ i: Int) -> Tensor? { i < inputs.count ? inputs[i] : nil }

    /// The present inputs from `i` on (for variadic operators such as Sum or Concat).
    func variadicInputs(from i: Int = 0) throws -> [Tensor] {
        let values = inputs.dropFirst(i).compactMap { $0 }
        guard !values.isEmpty else { throw invalidInput(i, "at least one input is required") }
        return values
    }

    func inputName(_ i: Int) -> String { i < node.input.count ? node.input[i] : "#\(i)" }

    /// The integer values of input `i` (a constant such as Reshape's shape or Slice's starts), or nil when omitted.
    func intsInput(_ i: Int) throws -> [Int]? {
        guard let t = optionalInput(i) else { return nil }
        guard t.dtype.isInteger else { throw invalidInput(i, "must hold integers, got \(t.dtype)") }
        guard t.rank <= 1 else { throw invalidInput(i, "must be a scalar or a 1-d tensor, got shape \(t.shape)") }
        return t.toArray(as: Int64.self).map { Int($0) }
    }

    /// A one-element input as a double, or nil when omitted.
    func scalarInput(_ i: Int) throws -> Double? {
        guard let t = optionalInput(i) else { return nil }
        guard t.count == 1 else { throw invalidInput(i, "must hold one element, got shape \(t.shape)") }
        return t.scalars[0]
    }

    // MARK: Attributes

    func attribute(_ key: String) -> Onnx_AttributeProto? { node.attribute.first { $0.name == key } }

    func int(_ key: String) throws -> Int? {
        guard let a = attribute(key) else { return nil }
        guard a.type == .int || (a.type == .undefined && a.ints.isEmpty) else { throw invalidAttribute(key, "expected an int, got \(a.type)") }
        return Int(a.i)
    }
    func int(_ key: String, default value: Int) throws -> Int { try int(key) ?? value }

    func float(_ key: String) throws -> Double? {
        guard let a = attribute(key) else { return nil }
        guard a.type == .float || a.type == .undefined else { throw invalidAttribute(key, "expected a float, got \(a.type)") }
        return Double(a.f)
    }
    func float(_ key: String, default value: Double) throws -> Double { try float(key) ?? value }

    func ints(_ key: String) throws -> [Int]? {
        guard let a = attribute(key) else { return nil }
        guard a.type == .ints || a.type == .undefined else { throw invalidAttribute(key, "expected ints, got \(a.type)") }
        return a.ints.map(Int.init)
    }

    func floats(_ key: String) throws -> [Double]? {
        guard let a = attribute(key) else { return nil }
        guard a.type == .floats || a.type == .undefined else { throw invalidAttribute(key, "expected floats, got \(a.type)") }
        return a.floats.map(Double.init)
    }

    func string(_ key: String) throws -> String? {
        guard let a = attribute(key) else { return nil }
        guard a.type == .string || a.type == .undefined else { throw invalidAttribute(key, "expected a string, got \(a.type)") }
        return String(decoding: a.s, as: UTF8.self)
    }
    func string(_ key: String, default value: String) throws -> String { try string(key) ?? value }

    func tensor(_ key: String) throws -> Tensor? {
        guard let a = attribute(key) else { return nil }
        guard a.type == .tensor || (a.type == .undefined && a.hasT) else { throw invalidAttribute(key, "expected a tensor, got \(a.type)") }
        return try a.t.nablaTensor()
    }

    // MARK: Errors

    func invalidInput(_ i: Int, _ reason: String) -> ONNXError {
        .invalidInput(node: name, op: op, input: inputName(i), reason: reason)
    }
    func invalidAttribute(_ key: String, _ reason: String) -> ONNXError {
        .invalidAttribute(node: name, op: op, attribute: key, reason: reason)
    }
    func unsupported(_ feature: String) -> ONNXError {
        .unsupportedFeature(node: name, op: op, feature: feature)
    }

    // MARK: Checks (Nabla traps on programmer errors; outside data must throw instead)

    /// Normalizes `axis` into 0..<rank or throws.
    func axis(_ axis: Int, rank: Int, attribute key: String = "axis") throws -> Int {
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0 && a < Swift.max(rank, 1) else { throw invalidAttribute(key, "axis \(axis) is out of range for rank \(rank)") }
        return a
    }

    /// The broadcast shape of `shapes` (numpy rules) or throws.
    func broadcastShape(_ shapes: [[Int]]) throws -> [Int] {
        var result: [Int] = []
        for shape in shapes {
            let n = Swift.max(result.count, shape.count)
            let a = [Int](repeating: 1, count: n - result.count) + result
            let b = [Int](repeating: 1, count: n - shape.count) + shape
            result = try zip(a, b).map { x, y in
                if x == y || y == 1 { return x }
                if x == 1 { return y }
                throw ONNXError.invalidInput(node: name, op: op, input: node.input.joined(separator: ", "),
                                             reason: "shapes \(shapes) cannot be broadcast together")
            }
        }
        return result
    }

    /// Throws unless the inputs' shapes broadcast together.
    func checkBroadcast(_ tensors: [Tensor]) throws { _ = try broadcastShape(tensors.map(\.shape)) }
}

/// A kernel: the node's output values from its context.
typealias ONNXKernel = @Sendable (NodeContext) throws -> [Tensor]

/// The operator table, assembled from one table per operator family.
enum ONNXOperators {
    static let kernels: [String: ONNXKernel] = {
        var table: [String: ONNXKernel] = [:]
        for family in [elementwise, activations, reductions, linearAlgebra, convolution, shapeOps, indexing,
                       normalization, comparison, creation, losses] {
            table.merge(family) { first, _ in first }
        }
        return table
    }()

    /// The names of every supported operator (in the default `ai.onnx` domain), sorted.
    static var supported: [String] { kernels.keys.sorted() }
}

extension ONNXModel {
    /// The ONNX operators this importer can run (in the default `ai.onnx` domain), sorted by name.
    public static var supportedOperators: [String] { ONNXOperators.supported }
}
