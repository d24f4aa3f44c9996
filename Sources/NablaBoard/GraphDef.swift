/// `tensorboard.AttrValue`: the value of one node attribute (`attr_value.proto`).
///
/// ```swift
/// let shapes = AttrValue.shapes([TensorShapeProto([64, 784])])   // `_output_shapes`
/// ```
public enum AttrValue: Sendable, Equatable, ProtobufMessage {
    /// `s` (field 2): a string, as UTF-8 bytes.
    case string(String)
    /// `i` (field 3).
    case int(Int64)
    /// `f` (field 4).
    case float(Float)
    /// `b` (field 5).
    case bool(Bool)
    /// `type` (field 6): a `DataType` code (`DT_FLOAT = 1`, …; see `GraphDef.dataTypeCode(for:)`).
    case type(Int64)
    /// `shape` (field 7).
    case shape(TensorShapeProto)
    /// `list` (field 1) holding `i` (field 3, packed).
    case ints([Int64])
    /// `list` (field 1) holding `shape` (field 7, repeated): what `_output_shapes` uses.
    case shapes([TensorShapeProto])

    /// Writes the oneof member that is set (always, even when it holds a default value).
    public func encode(to writer: inout ProtobufWriter) {
        switch self {
        case let .string(s): writer.writeString(2, s)
        case let .int(i): writer.writeVarint(3, i)
        case let .float(f): writer.writeFloat(4, f)
        case let .bool(b): writer.writeBool(5, b)
        case let .type(code): writer.writeVarint(6, code)
        case let .shape(shape): writer.writeMessage(7, shape)
        case let .ints(values):
            var list = ProtobufWriter()
            list.writePackedVarints(3, values)
            writer.writeBytes(1, list.bytes)
        case let .shapes(shapes):
            var list = ProtobufWriter()
            for shape in shapes { list.writeMessage(7, shape) }
            writer.writeBytes(1, list.bytes)
        }
    }
}

/// `tensorboard.NodeDef`: one operation of a graph (`node_def.proto`).
public struct NodeDef: Sendable, Equatable, ProtobufMessage {
    /// `name` (field 1): unique in the graph; `/` separates scopes, which the dashboard folds into groups.
    public var name: String
    /// `op` (field 2): the operation kind ("matmul", "Const", …).
    public var op: String
    /// `input` (field 3): producers, as "node" (output 0) or "node:k"; "^node" for a control edge.
    public var inputs: [String]
    /// `device` (field 4), e.g. "/device:CPU:0".
    public var device: String
    /// `attr` (field 5): a map, written as entries {key = 1, value = 2} in key order.
    public var attributes: [String: AttrValue]

    /// Creates a node.
    public init(name: String, op: String, inputs: [String] = [], device: String = "", attributes: [String: AttrValue] = [:]) {
        self.name = name
        self.op = op
        self.inputs = inputs
        self.device = device
        self.attributes = attributes
    }

    /// Writes the fields in field-number order (map entries sorted by key, so output is deterministic).
    public func encode(to writer: inout ProtobufWriter) {
        writer.writeStringIfNotEmpty(1, name)
        writer.writeStringIfNotEmpty(2, op)
        for input in inputs { writer.writeString(3, input) }
        writer.writeStringIfNotEmpty(4, device)
        for (key, value) in attributes.sorted(by: { $0.key < $1.key }) {
            var entry = ProtobufWriter()
            entry.writeString(1, key)
            entry.writeMessage(2, value)
            writer.writeBytes(5, entry.bytes)
        }
    }
}

/// `tensorboard.GraphDef`: the payload of `Event.graph_def`, shown by the graphs dashboard (`graph.proto`).
///
/// ```swift
/// let graph = GraphDef(nodes: [NodeDef(name: "x", op: "IO Node"), NodeDef(name: "y", op: "relu", inputs: ["x"])])
/// try writer.addGraph(graph)
/// ```
public struct GraphDef: Sendable, Equatable, ProtobufMessage {
    /// `node` (field 1).
    public var nodes: [NodeDef]
    /// `versions` (field 4): `VersionDef.producer` (field 1). PyTorch writes 22.
    public var producer: Int64

    /// Creates a graph.
    public init(nodes: [NodeDef], producer: Int64 = 22) {
        self.nodes = nodes
        self.producer = producer
    }

    /// Writes the fields in field-number order.
    public func encode(to writer: inout ProtobufWriter) {
        for node in nodes { writer.writeMessage(1, node) }
        var versions = ProtobufWriter()
        versions.writeVarintIfNotDefault(1, producer)
        writer.writeBytes(4, versions.bytes)
    }
}
