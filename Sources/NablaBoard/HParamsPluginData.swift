/// The hparams plugin's protos (`tensorboard/plugins/hparams/{plugin_data,api}.proto`, package
/// `tensorboard.hparams`) and `google.protobuf.Value`: only the fields `addHyperparameters` writes.
/// Field numbers were read from the descriptors of TensorBoard 2.21's generated `_pb2` modules.
enum HParams {
    /// The plugin name in `SummaryMetadata.PluginData`.
    static let pluginName = "hparams"
    /// Tags of the three summaries (`tensorboard.plugins.hparams.metadata`).
    static let experimentTag = "_hparams_/experiment"
    static let sessionStartInfoTag = "_hparams_/session_start_info"
    static let sessionEndInfoTag = "_hparams_/session_end_info"

    /// `metadata.NULL_TENSOR`: a DT_FLOAT tensor of shape [0], the value the hparams summaries carry.
    static let nullTensor = TensorProto(dtype: .float, shape: TensorShapeProto([0]))

    /// `api.proto` `DataType`.
    enum DataType: Int64 {
        case string = 1, bool = 2, float64 = 3
    }

    /// `api.proto` `Status`.
    enum Status: Int64 {
        case success = 1
    }

    /// `google.protobuf.Value`: `number_value` 2, `string_value` 3, `bool_value` 4 (a oneof, so
    /// written even when equal to the default).
    struct Value: ProtobufMessage {
        var value: HyperparameterValue

        func encode(to writer: inout ProtobufWriter) {
            switch value {
            case .number(let v): writer.writeDouble(2, v)
            case .string(let s): writer.writeString(3, s)
            case .bool(let b): writer.writeBool(4, b)
            }
        }
    }

    /// `HParamInfo`: `name` 1, `type` 4.
    struct HParamInfo: ProtobufMessage {
        var name: String
        var type: DataType

        func encode(to writer: inout ProtobufWriter) {
            writer.writeStringIfNotEmpty(1, name)
            writer.writeVarintIfNotDefault(4, type.rawValue)
        }
    }

    /// `MetricInfo`: `name` 1 = `MetricName{group 1, tag 2}`.
    struct MetricInfo: ProtobufMessage {
        var tag: String

        func encode(to writer: inout ProtobufWriter) {
            var name = ProtobufWriter()
            name.writeStringIfNotEmpty(2, tag)
            writer.writeBytes(1, name.bytes)
        }
    }

    /// `Experiment`: `hparam_infos` 4, `metric_infos` 5.
    struct Experiment: ProtobufMessage {
        var hparamInfos: [HParamInfo]
        var metricInfos: [MetricInfo]

        func encode(to writer: inout ProtobufWriter) {
            for info in hparamInfos { writer.writeMessage(4, info) }
            for info in metricInfos { writer.writeMessage(5, info) }
        }
    }

    /// `SessionStartInfo`: `hparams` 1 (map<string, Value>: entries `{key 1, value 2}`),
    /// `start_time_secs` 5.
    struct SessionStartInfo: ProtobufMessage {
        var hparams: [(String, HyperparameterValue)]
        var startTimeSeconds: Double

        func encode(to writer: inout ProtobufWriter) {
            for (key, value) in hparams {
                var entry = ProtobufWriter()
                entry.writeString(1, key)
                entry.writeMessage(2, Value(value: value))
                writer.writeBytes(1, entry.bytes)
            }
            writer.writeDoubleIfNotDefault(5, startTimeSeconds)
        }
    }

    /// `SessionEndInfo`: `status` 1, `end_time_secs` 2.
    struct SessionEndInfo: ProtobufMessage {
        var status: Status
        var endTimeSeconds: Double

        func encode(to writer: inout ProtobufWriter) {
            writer.writeVarintIfNotDefault(1, status.rawValue)
            writer.writeDoubleIfNotDefault(2, endTimeSeconds)
        }
    }

    /// `HParamsPluginData`: `version` 1 (0, so omitted), then the `data` oneof:
    /// `experiment` 2, `session_start_info` 3, `session_end_info` 4.
    enum PluginData: ProtobufMessage {
        case experiment(Experiment)
        case sessionStartInfo(SessionStartInfo)
        case sessionEndInfo(SessionEndInfo)

        func encode(to writer: inout ProtobufWriter) {
            switch self {
            case .experiment(let m): writer.writeMessage(2, m)
            case .sessionStartInfo(let m): writer.writeMessage(3, m)
            case .sessionEndInfo(let m): writer.writeMessage(4, m)
            }
        }

        /// A summary value carrying this plugin data, as TensorBoard's own `hparams` API writes it.
        func summaryValue(tag: String) -> Summary.Value {
            let metadata = SummaryMetadata(pluginData: .init(pluginName: HParams.pluginName, content: serializedBytes()))
            return Summary.Value(tag: tag, kind: .tensor(HParams.nullTensor), metadata: metadata)
        }
    }
}
