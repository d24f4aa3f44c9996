import Foundation
import Nabla
import SwiftProtobuf

/// An ONNX model loaded for inference: parsed, validated, with its initializers converted to Nabla
/// tensors, and run by an interpreter that maps each ONNX operator to Nabla ops.
///
/// ```swift
/// let model = try ONNXModel(contentsOf: URL(fileURLWithPath: "mlp.onnx"))
/// let outputs = try model.run(["input": Tensor.randn([1, 784])])
/// print(outputs["logits"]!)
/// ```
public struct ONNXModel: Sendable {
    /// The parsed protobuf message.
    public let proto: Onnx_ModelProto
    /// The file the model was read from, when it came from one (used in error messages).
    public let file: String?
    /// The version of the default (`ai.onnx`) operator set the model imports.
    public let opsetVersion: Int
    /// The graph inputs that must be fed to `run`: the graph inputs that are not initializers, in order.
    public let inputNames: [String]
    /// The graph outputs, in order.
    public let outputNames: [String]
    /// The constant tensors of the graph, by name.
    public let initializers: [String: Tensor]
    /// The nodes in an order where every node's inputs are computed before it.
    let nodes: [Onnx_NodeProto]

    /// Reads and validates the model stored at `url`.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ONNXError.unreadableFile(path: url.path, reason: error.localizedDescription)
        }
        try self.init(serializedData: data, file: url.path)
    }

    /// Parses and validates a serialized `ModelProto`.
    public init(serializedData data: Data, file: String? = nil) throws {
        let proto: Onnx_ModelProto
        do { proto = try Onnx_ModelProto(serializedBytes: data) } catch {
            throw ONNXError.malformedProtobuf(file: file, reason: "not a ModelProto (\(error))")
        }
        try self.init(proto: proto, file: file)
    }

    /// Validates an already parsed model (e.g. one built in Swift with the generated message types).
    public init(proto: Onnx_ModelProto, file: String? = nil) throws {
        do {
            try self.init(validating: proto, file: file)
        } catch let error as ONNXError {
            throw file.map { error.attributed(to: $0) } ?? error
        }
    }

    private init(validating proto: Onnx_ModelProto, file: String?) throws {
        self.proto = proto
        self.file = file
        guard proto.hasGraph else { throw ONNXError.invalidModel(file: file, field: "graph", reason: "the model has no graph") }
        var opset: Int?
        for entry in proto.opsetImport {
            if entry.domain.isEmpty || entry.domain == "ai.onnx" {
                opset = Int(entry.version)
            } else if entry.domain != "ai.onnx.ml" && entry.domain != "ai.onnx.preview.training" {
                // Other domains are fine as long as no node uses them (checked per node below).
                continue
            }
        }
        if opset == nil && proto.opsetImport.isEmpty && proto.irVersion < 3 { opset = 1 }
        // A model whose nodes all live in other domains needs no default import.
        if opset == nil && !proto.graph.node.contains(where: { $0.domain.isEmpty || $0.domain == "ai.onnx" }) { opset = 0 }
        guard let version = opset, version >= 0 else {
            throw ONNXError.invalidModel(file: file, field: "opset_import", reason: "no version of the default domain (ai.onnx) is imported")
        }
        opsetVersion = version
        let graph = proto.graph

        var constants: [String: Tensor] = [:]
        for (i, initializer) in graph.initializer.enumerated() {
            guard !initializer.name.isEmpty else {
                throw ONNXError.invalidModel(file: file, field: "graph.initializer[\(i)].name", reason: "initializer has no name")
            }
            constants[initializer.name] = try initializer.nablaTensor(file: file)
        }
        initializers = constants
        for (i, input) in graph.input.enumerated() {
            guard !input.name.isEmpty else {
                throw ONNXError.invalidModel(file: file, field: "graph.input[\(i)].name", reason: "graph input has no name")
            }
        }
        for value in graph.input + graph.output where value.type.value != nil && !value.type.isTensor {
            throw ONNXError.unsupportedValueType(file: file, value: value.name, kind: value.type.kindName)
        }
        inputNames = graph.input.map(\.name).filter { constants[$0] == nil }
        outputNames = graph.output.map(\.name)
        guard !outputNames.isEmpty else {
            throw ONNXError.invalidModel(file: file, field: "graph.output", reason: "the graph has no outputs")
        }
        nodes = try Self.ordered(graph, available: Set(graph.input.map(\.name)).union(constants.keys), file: file)
        for node in nodes {
            let domain = node.domain == "ai.onnx" ? "" : node.domain
            guard domain.isEmpty, ONNXOperators.kernels[node.opType] != nil else {
                let imported = proto.opsetImport.first { $0.domain == node.domain }.map { Int($0.version) } ?? version
                throw ONNXError.unsupportedOperator(op: node.opType, domain: node.domain, opset: domain.isEmpty ? version : imported)
            }
            for attribute in node.attribute where attribute.type == .graph || attribute.type == .graphs {
                throw ONNXError.unsupportedFeature(node: node.displayName, op: node.opType, feature: "subgraph attribute '\(attribute.name)'")
            }
        }
        for name in outputNames where !constants.keys.contains(name) && !graph.input.contains(where: { $0.name == name })
            && !nodes.contains(where: { $0.output.contains(name) }) {
            throw ONNXError.invalidModel(file: file, field: "graph.output", reason: "output '\(name)' is not produced by any node")
        }
    }

    /// Sorts nodes topologically (stable: file order where possible), reporting the first input nothing produces.
    private static func ordered(_ graph: Onnx_GraphProto, available: Set<String>, file: String?) throws -> [Onnx_NodeProto] {
        var known = available
        var remaining = Array(graph.node.enumerated())
        var result: [Onnx_NodeProto] = []
        let produced = Set(graph.node.flatMap(\.output))
        for (i, node) in graph.node.enumerated() {
            for (j, input) in node.input.enumerated() where !input.isEmpty && !produced.contains(input) && !available.contains(input) {
                throw ONNXError.invalidModel(file: file, field: "graph.node[\(i)].input[\(j)]",
                                             reason: "node '\(node.displayName)' (\(node.opType)) reads '\(input)', which is not a graph input, an initializer or a node output")
            }
        }
        while !remaining.isEmpty {
            let before = remaining.count
            remaining.removeAll { _, node in
                guard node.input.allSatisfy({ $0.isEmpty || known.contains($0) }) else { return false }
                result.append(node)
                known.formUnion(node.output.filter { !$0.isEmpty })
                return true
            }
            if remaining.count == before {
                let (i, node) = remaining[0]
                throw ONNXError.invalidModel(file: file, field: "graph.node[\(i)]",
                                             reason: "node '\(node.displayName)' (\(node.opType)) is part of a cycle")
            }
        }
        return result
    }

    /// Runs the graph on named inputs and returns every graph output by name.
    ///
    /// Throws `ONNXError.missingInput` when a required input is absent, and an operator error naming the
    /// node when a value does not fit its operator.
    public func run(_ inputs: [String: Tensor]) throws -> [String: Tensor] {
        var values = initializers
        for name in inputNames {
            guard let value = inputs[name] else { throw ONNXError.missingInput(name: name) }
            values[name] = value
        }
        for (name, value) in inputs where !inputNames.contains(name) {
            // An initializer listed as a graph input may be overridden; anything else is a typo.
            guard initializers[name] != nil else { throw ONNXError.missingInput(name: name) }
            values[name] = value
        }
        for node in nodes {
            let context = NodeContext(node: node, inputs: node.input.map { $0.isEmpty ? nil : values[$0] }, opset: opsetVersion)
            guard let kernel = ONNXOperators.kernels[node.opType] else {
                throw ONNXError.unsupportedOperator(op: node.opType, domain: node.domain, opset: opsetVersion)
            }
            let outputs = try kernel(context)
            for (name, value) in zip(node.output, outputs) where !name.isEmpty { values[name] = value }
        }
        var result: [String: Tensor] = [:]
        for name in outputNames {
            guard let value = values[name] else { throw ONNXError.missingOutput(name: name) }
            result[name] = value
        }
        return result
    }

    /// Runs the graph on inputs given in the order of `inputNames`; returns outputs in the order of `outputNames`.
    public func run(_ inputs: [Tensor]) throws -> [Tensor] {
        guard inputs.count == inputNames.count else {
            throw ONNXError.missingInput(name: inputNames.count > inputs.count ? inputNames[inputs.count] : "<extra input #\(inputs.count - 1)>")
        }
        let named = try run(Dictionary(uniqueKeysWithValues: zip(inputNames, inputs)))
        return outputNames.map { named[$0]! }
    }
}

extension Onnx_NodeProto {
    /// The node's name, or a stand-in built from its first output when it has none.
    var displayName: String { name.isEmpty ? "<unnamed, output \(output.first ?? "?")>" : name }
}

extension Onnx_TypeProto {
    /// True when the type is a tensor type.
    var isTensor: Bool { if case .tensorType = value { return true }; return false }

    /// "tensor", "sequence", "map", "optional" or "sparse tensor".
    var kindName: String {
        switch value {
        case .tensorType: return "tensor"
        case .sequenceType: return "sequence"
        case .mapType: return "map"
        case .optionalType: return "optional"
        case .sparseTensorType: return "sparse tensor"
        case nil: return "value of unknown type"
        }
    }
}
