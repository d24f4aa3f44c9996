import Foundation
import Nabla
import NablaGraph

extension GraphDef {
    /// The TensorBoard graph of a NablaGraph `Graph`, as PyTorch's `add_graph` lays it out: one
    /// `IO Node` per graph input (`input/input_0`, …) and output (`output/output_0`, …), one node per
    /// graph node named `<scope>/<kind>_<index>` (op: the primitive's kind, "Const" for constants,
    /// "fused" for fused elementwise programs), each with `_output_shapes`, `dtype` and a `description`
    /// holding the primitive's attributes.
    ///
    /// ```swift
    /// let graph = try withNoGrad { try Graph.trace([x]) { [model($0[0])] } }
    /// let def = GraphDef(graph, scope: "model")
    /// ```
    public init(_ graph: Graph, scope: String = "") {
        let prefix = scope.isEmpty ? "" : scope + "/"
        let device = "/device:CPU:0"
        // Where each value comes from: "node" or "node:k".
        var producers = [String](repeating: "", count: graph.types.count)
        var nodes: [NodeDef] = []

        func shapes(_ ids: [ValueID]) -> AttrValue { .shapes(ids.map { TensorShapeProto(graph.types[$0].shape.map(Int64.init)) }) }

        for (k, id) in graph.inputs.enumerated() {
            let name = "input/input_\(k)"
            producers[id] = name
            nodes.append(NodeDef(name: name, op: "IO Node", device: device,
                                 attributes: ["_output_shapes": shapes([id]), "dtype": .type(Self.dataTypeCode(for: graph.types[id].dtype))]))
        }
        for (index, node) in graph.nodes.enumerated() {
            let op: String
            switch node.operation {
            case .constant: op = "Const"
            default: op = node.operation.kindName
            }
            let name = "\(prefix)\(node.operation.kindName)_\(index)"
            var attributes: [String: AttrValue] = ["_output_shapes": shapes(node.outputs), "description": .string(node.operation.description)]
            if let first = node.outputs.first { attributes["dtype"] = .type(Self.dataTypeCode(for: graph.types[first].dtype)) }
            nodes.append(NodeDef(name: name, op: op, inputs: node.inputs.map { producers[$0] }, device: device, attributes: attributes))
            for (k, id) in node.outputs.enumerated() { producers[id] = k == 0 ? name : "\(name):\(k)" }
        }
        for (k, id) in graph.outputs.enumerated() {
            nodes.append(NodeDef(name: "output/output_\(k)", op: "IO Node", inputs: [producers[id]], device: device,
                                 attributes: ["_output_shapes": shapes([id]), "dtype": .type(Self.dataTypeCode(for: graph.types[id].dtype))]))
        }
        self.init(nodes: nodes)
    }

    /// TensorFlow's `DataType` code for a Nabla dtype (`DT_FLOAT = 1`, `DT_HALF = 19`, …).
    public static func dataTypeCode(for dtype: DType) -> Int64 {
        switch dtype {
        case .float32: return 1
        case .float64: return 2
        case .int32: return 3
        case .uint8: return 4
        case .int8: return 6
        case .int64: return 9
        case .bool: return 10
        case .bfloat16: return 14
        case .float16: return 19
        }
    }
}

extension SummaryWriter {
    /// Writes `graph` for TensorBoard's graphs dashboard (an event with `graph_def`).
    ///
    /// ```swift
    /// let graph = try withNoGrad { try Graph.trace([x]) { [model($0[0])] } }
    /// try writer.addGraph(graph, name: "model")
    /// ```
    /// - Parameters:
    ///   - graph: A traced graph, raw or optimised.
    ///   - name: A scope for the graph's nodes (`name/matmul_3`); empty for none.
    public func addGraph(_ graph: Graph, name: String = "", wallTime: Date? = nil) throws {
        try addGraph(GraphDef(graph, scope: name), wallTime: wallTime)
    }

    /// Writes a ready-made `GraphDef`.
    public func addGraph(_ graph: GraphDef, wallTime: Date? = nil) throws {
        try fileWriter.write(event(.graphDef(graph.serializedBytes()), step: 0, wallTime: wallTime))
    }

    /// Traces `body` on `inputs` under `withNoGrad` and writes the graph (PyTorch's `add_graph(model, input)`).
    ///
    /// ```swift
    /// model.eval()
    /// try writer.addGraph(tracing: [images], name: "model") { [model($0[0])] }
    /// ```
    /// - Parameter pipeline: Passes run on the traced graph (nil: the raw trace, one node per primitive).
    /// - Throws: `TraceError` when `body` reads tensor values or draws random numbers, or a write error.
    public func addGraph(tracing inputs: [Tensor], name: String = "", pipeline: PassPipeline? = nil,
                         _ body: ([Tensor]) throws -> [Tensor]) throws {
        let graph = try withNoGrad { try Graph.trace(inputs, name: name.isEmpty ? "graph" : name, pipeline: pipeline, body) }
        try addGraph(graph, name: name)
    }
}
