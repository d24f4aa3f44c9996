import Nabla

/// A value of a graph: defined once (by a node or as a graph input), used any number of times.
public typealias ValueID = Int

/// The static type of a value: its shape and dtype.
public struct ValueType: Hashable, Sendable, CustomStringConvertible {
    /// The shape.
    public var shape: [Int]
    /// The element type.
    public var dtype: DType

    /// A type of `shape` and `dtype`.
    public init(shape: [Int], dtype: DType) {
        self.shape = shape
        self.dtype = dtype
    }

    /// The type of `tensor`.
    public init(of tensor: Tensor) { self.init(shape: tensor.shape, dtype: tensor.dtype) }

    /// `f32[64, 784]`.
    public var description: String { "\(dtype.shortName)[\(shape.map(String.init).joined(separator: ", "))]" }
}

/// A tensor baked into a graph. Two constants are equal when they are the same tensor (same storage
/// and layout); `ConstantFolding` makes new ones.
public struct Constant: Hashable, @unchecked Sendable {
    /// The value.
    public let tensor: Tensor

    /// Wraps `tensor`.
    public init(_ tensor: Tensor) { self.tensor = tensor }

    public static func == (a: Constant, b: Constant) -> Bool {
        a.tensor.storage === b.tensor.storage && a.tensor.layout == b.tensor.layout && a.tensor.dtype == b.tensor.dtype
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(ObjectIdentifier(tensor.storage))
        hasher.combine(tensor.shape)
        hasher.combine(tensor.strides)
    }
}

/// What a node computes.
public enum Operation: Hashable, Sendable, CustomStringConvertible {
    /// A constant tensor.
    case constant(Constant)
    /// One of the core's primitives, with its attributes.
    case primitive(Primitive)
    /// A chain of elementwise primitives run as one pass over the data (see `ElementwiseFusion`).
    case fusedElementwise(FusedElementwiseProgram)
    /// Several primitives run by one dedicated kernel (a matmul with its epilogue, an optimizer
    /// update), made by the execution passes of `PassPipeline.compiled`. Not portable: ONNX export
    /// and other consumers of `PassPipeline.standard` graphs never see it.
    case kernel(GraphKernel)

    public var description: String {
        switch self {
        case let .constant(c): return c.tensor.count == 1 ? "constant(\(formatScalar(c.tensor)))" : "constant"
        case let .primitive(p): return p.description
        case let .fusedElementwise(program): return "fused[\(program.summary)]"
        case let .kernel(kernel): return kernel.description
        }
    }
}

/// One operation applied to values, defining new values.
public struct GraphNode: Hashable, Sendable {
    /// What is computed.
    public var operation: Operation
    /// The operands.
    public var inputs: [ValueID]
    /// The results.
    public var outputs: [ValueID]

    /// A node computing `operation` from `inputs` into `outputs`.
    public init(_ operation: Operation, inputs: [ValueID], outputs: [ValueID]) {
        self.operation = operation
        self.inputs = inputs
        self.outputs = outputs
    }
}

/// A typed SSA graph: values with static types, nodes in execution order, inputs and outputs.
///
/// A pass is a function `Graph -> Graph` (see `GraphPass`); `Executor` runs a graph; `description`
/// prints it as text and `dot()` as Graphviz.
///
/// ```text
/// graph(%0: f32[64, 784], %1: f32[256, 784]) {
///   %2 = permute([1, 0])(%1) : f32[784, 256]
///   %3 = matmul(%0, %2) : f32[64, 256]
///   return %3
/// }
/// ```
public struct Graph: Sendable {
    /// The type of every value, indexed by `ValueID`.
    public var types: [ValueType] = []
    /// The nodes, in an order where every value is defined before it is used.
    public var nodes: [GraphNode] = []
    /// The values the caller supplies, in order.
    public var inputs: [ValueID] = []
    /// The values returned, in order (a value may appear more than once, or be an input).
    public var outputs: [ValueID] = []
    /// Which results are written into existing buffers (empty unless `MemoryPlanning` ran).
    public var memoryPlan = MemoryPlan()

    /// An empty graph.
    public init() {}

    /// A new value of `type`.
    public mutating func addValue(_ type: ValueType) -> ValueID {
        types.append(type)
        return types.count - 1
    }

    /// A new graph input of `type`.
    public mutating func addInput(_ type: ValueType) -> ValueID {
        let id = addValue(type)
        inputs.append(id)
        return id
    }

    /// Appends a node computing `operation` on `inputs` with results of `outputTypes`; returns the results.
    @discardableResult
    public mutating func append(_ operation: Operation, inputs: [ValueID], outputTypes: [ValueType]) -> [ValueID] {
        let outputs = outputTypes.map { addValue($0) }
        nodes.append(GraphNode(operation, inputs: inputs, outputs: outputs))
        return outputs
    }

    /// Appends a constant node.
    public mutating func addConstant(_ tensor: Tensor) -> ValueID {
        append(.constant(Constant(tensor)), inputs: [], outputTypes: [ValueType(of: tensor)])[0]
    }

    /// The number of nodes of each operation kind ("matmul", "add", …), for tests and profiles.
    public var operationCounts: [String: Int] {
        var counts: [String: Int] = [:]
        for node in nodes { counts[node.operation.kindName, default: 0] += 1 }
        return counts
    }
}

extension Operation {
    /// The operation without its attributes: "add", "matmul", "reshape", "constant", "fused",
    /// "matmul+epilogue", "adam".
    public var kindName: String {
        switch self {
        case .constant: return "constant"
        case .fusedElementwise: return "fused"
        case let .kernel(kernel): return kernel.kindName
        case let .primitive(p):
            let text = p.description
            return String(text.prefix { $0 != "(" })
        }
    }
}

/// A one-element tensor's value, briefly.
func formatScalar(_ tensor: Tensor) -> String {
    let value = Tracing.withoutObserver { tensor.toArray(as: Double.self)[0] }
    return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
}

extension DType {
    /// "f32", "i64", "bool", …
    var shortName: String {
        switch self {
        case .float32: return "f32"
        case .float64: return "f64"
        case .float16: return "f16"
        case .bfloat16: return "bf16"
        case .int8: return "i8"
        case .uint8: return "u8"
        case .int32: return "i32"
        case .int64: return "i64"
        case .bool: return "bool"
        }
    }
}
