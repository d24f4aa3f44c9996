import Foundation
import Nabla
import NablaGraph

/// Converts NablaGraph graphs to ONNX models.
///
/// Every primitive maps to one or a few ai.onnx operators (see `docs/ONNX.md`, "Export"); fused
/// elementwise nodes are expanded back into their instructions and constants become initializers.
/// Values are named `input_0…` (graph inputs), `v<id>` (node results, by `ValueID`) and `output_0…`
/// (graph outputs), so the same graph always gives the same names.
///
/// ```swift
/// model.eval()
/// let graph = try withNoGrad { try Graph.trace([x]) { [model($0[0])] } }
/// let proto = try ONNXExporter.export(graph, opset: 17)
/// try proto.serializedData().write(to: url)
/// ```
public enum ONNXExporter {
    /// The default-domain opset versions the exporter can target.
    public static let supportedOpsets: ClosedRange<Int> = 13...21

    /// The ONNX model computing `graph`.
    ///
    /// - Parameters:
    ///   - graph: A traced graph (raw or optimised).
    ///   - inputNames: Names of the graph inputs (default `input_0`, `input_1`, …).
    ///   - outputNames: Names of the graph outputs (default `output_0`, `output_1`, …).
    ///   - opset: The ai.onnx opset version (`supportedOpsets`).
    ///   - graphName: The ONNX graph's name.
    /// - Throws: `ONNXExportError` for an unsupported opset, bad names, or a primitive without an ONNX
    ///   equivalent (gradient primitives).
    public static func export(_ graph: Graph, inputNames: [String]? = nil, outputNames: [String]? = nil,
                              opset: Int = 17, graphName: String = "nabla") throws -> Onnx_ModelProto {
        guard supportedOpsets.contains(opset) else { throw ONNXExportError.unsupportedOpset(opset) }
        let inputs = inputNames ?? graph.inputs.indices.map { "input_\($0)" }
        let outputs = outputNames ?? graph.outputs.indices.map { "output_\($0)" }
        guard inputs.count == graph.inputs.count else {
            throw ONNXExportError.invalidNames("\(inputs.count) input names for \(graph.inputs.count) graph inputs")
        }
        guard outputs.count == graph.outputs.count else {
            throw ONNXExportError.invalidNames("\(outputs.count) output names for \(graph.outputs.count) graph outputs")
        }
        guard !graph.outputs.isEmpty else { throw ONNXExportError.invalidNames("the graph has no outputs") }
        let all = inputs + outputs
        if let bad = all.first(where: { $0.isEmpty }) ?? all.first(where: { name in all.filter { $0 == name }.count > 1 }) {
            throw ONNXExportError.invalidNames(bad.isEmpty ? "value names must not be empty" : "the name '\(bad)' is used twice")
        }
        if let clash = all.first(where: { isValueName($0) }) {
            throw ONNXExportError.invalidNames("'\(clash)' would clash with the exporter's names for intermediate values (v<number>)")
        }

        // Names: inputs by position, node results `v<id>`, a graph output takes its value's name when
        // a node defines the value and no earlier output took it; otherwise an Identity copies it.
        var names = graph.types.indices.map { "v\($0)" }
        for (k, id) in graph.inputs.enumerated() { names[id] = inputs[k] }
        var definedByNode = Set<ValueID>()
        for node in graph.nodes { if case .constant = node.operation {} else { definedByNode.formUnion(node.outputs) } }
        var renamed = Set<ValueID>()
        var identities: [(from: ValueID, to: String)] = []
        for (k, id) in graph.outputs.enumerated() {
            if definedByNode.contains(id) && !renamed.contains(id) {
                names[id] = outputs[k]
                renamed.insert(id)
            } else {
                identities.append((id, outputs[k]))
            }
        }

        var builder = ONNXGraphBuilder(opset: opset, reservedNames: Set(names + outputs))
        for node in graph.nodes {
            let inputNames = node.inputs.map { names[$0] }
            let inputTypes = node.inputs.map { graph.types[$0] }
            let outputNames = node.outputs.map { names[$0] }
            let outputTypes = node.outputs.map { graph.types[$0] }
            switch node.operation {
            case let .constant(constant):
                builder.initializer(constant.tensor, name: outputNames[0])
            case let .primitive(primitive):
                try builder.emit(primitive, inputs: inputNames, inputTypes: inputTypes, outputs: outputNames, outputTypes: outputTypes)
            case let .fusedElementwise(program):
                try builder.emit(program, inputs: inputNames, inputTypes: inputTypes, outputs: outputNames, outputTypes: outputTypes)
            case let .kernel(kernel):
                throw ONNXExportError.unsupportedPrimitive(kernel.kindName, reason: "a graph-mode execution kernel; export a graph optimised by PassPipeline.standard")
            }
        }
        for (id, name) in identities { builder.node("Identity", [names[id]], outputs: [name]) }

        var onnxGraph = Onnx_GraphProto()
        onnxGraph.name = graphName
        onnxGraph.node = builder.nodes
        onnxGraph.initializer = builder.initializers
        onnxGraph.input = graph.inputs.enumerated().map { Onnx_ValueInfoProto(name: inputs[$0.offset], type: graph.types[$0.element]) }
        onnxGraph.output = graph.outputs.enumerated().map { Onnx_ValueInfoProto(name: outputs[$0.offset], type: graph.types[$0.element]) }

        var model = Onnx_ModelProto()
        model.irVersion = irVersion(forOpset: opset)
        model.producerName = "nabla"
        model.producerVersion = "0.1"
        var opsetID = Onnx_OperatorSetIdProto()
        opsetID.domain = ""
        opsetID.version = Int64(opset)
        model.opsetImport = [opsetID]
        model.graph = onnxGraph
        return model
    }

    /// The IR version that goes with an opset (ONNX's versioning table: 13–14 → 7, 15–18 → 8, 19–20 → 9, 21 → 10).
    static func irVersion(forOpset opset: Int) -> Int64 {
        switch opset {
        case ..<15: return 7
        case 15...18: return 8
        case 19...20: return 9
        default: return 10
        }
    }

    /// True for names of the form `v<digits>` (reserved for intermediate values).
    private static func isValueName(_ name: String) -> Bool {
        name.count > 1 && name.first == "v" && name.dropFirst().allSatisfy(\.isNumber)
    }
}

extension ONNXGraphBuilder {
    /// Expands a fused elementwise program into one ONNX node (or a few) per instruction.
    mutating func emit(_ program: FusedElementwiseProgram, inputs: [String], inputTypes: [ValueType],
                       outputs: [String], outputTypes: [ValueType]) throws {
        var registers = inputs
        var registerTypes = inputTypes
        let float = ValueType(shape: [], dtype: .float32)
        for (k, instruction) in program.instructions.enumerated() {
            let register = program.inputCount + k
            // The register's name: the node output it becomes (first occurrence), else a temporary.
            let name = program.outputs.firstIndex(of: register).map { outputs[$0] } ?? fresh((outputs.first ?? "fused") + "_r\(register)")
            let type = program.outputs.firstIndex(of: register).map { outputTypes[$0] } ?? float
            switch instruction {
            case let .unary(op, a):
                try emit(.unary(op), inputs: [registers[a]], inputTypes: [registerTypes[a]], outputs: [name], outputTypes: [type])
            case let .binary(op, a, b):
                try emit(.binary(op), inputs: [registers[a], registers[b]], inputTypes: [registerTypes[a], registerTypes[b]],
                         outputs: [name], outputTypes: [type])
            }
            registers.append(name)
            registerTypes.append(type)
        }
        // A register returned twice (or an operand returned as is): copied by an Identity.
        for (j, register) in program.outputs.enumerated()
        where register < program.inputCount || program.outputs.firstIndex(of: register) != j {
            node("Identity", [registers[register]], outputs: [outputs[j]])
        }
    }
}
