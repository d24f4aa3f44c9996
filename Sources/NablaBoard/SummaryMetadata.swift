/// `tensorboard.SummaryMetadata`: tells TensorBoard which plugin interprets a tag's tensors.
public struct SummaryMetadata: ProtobufMessage, Equatable {
    /// `SummaryMetadata.PluginData`: the plugin's name and its own serialized metadata.
    public struct PluginData: ProtobufMessage, Equatable {
        /// `plugin_name` (field 1): "scalars", "text", "hparams", …
        public var pluginName: String
        /// `content` (field 2): plugin-specific bytes (often a serialized proto).
        public var content: [UInt8]

        /// Creates plugin data.
        public init(pluginName: String, content: [UInt8] = []) {
            self.pluginName = pluginName
            self.content = content
        }

        /// Writes the fields in field-number order.
        public func encode(to writer: inout ProtobufWriter) {
            writer.writeStringIfNotEmpty(1, pluginName)
            writer.writeBytesIfNotEmpty(2, content)
        }
    }

    /// `DataClass`: the shape of data a tag holds.
    public enum DataClass: Int64, Sendable, Equatable {
        /// Unknown (the default).
        case unknown = 0
        /// A rank-0 DT_FLOAT tensor per step.
        case scalar = 1
        /// Any tensor.
        case tensor = 2
        /// A rank-1 DT_STRING tensor per step.
        case blobSequence = 3
    }

    /// `plugin_data` (field 1).
    public var pluginData: PluginData?
    /// `display_name` (field 2).
    public var displayName: String
    /// `summary_description` (field 3), Markdown.
    public var summaryDescription: String
    /// `data_class` (field 4).
    public var dataClass: DataClass

    /// Creates summary metadata.
    public init(pluginData: PluginData?, displayName: String = "", summaryDescription: String = "",
                dataClass: DataClass = .unknown) {
        self.pluginData = pluginData
        self.displayName = displayName
        self.summaryDescription = summaryDescription
        self.dataClass = dataClass
    }

    /// Writes the fields in field-number order.
    public func encode(to writer: inout ProtobufWriter) {
        writer.writeMessageIfPresent(1, pluginData)
        writer.writeStringIfNotEmpty(2, displayName)
        writer.writeStringIfNotEmpty(3, summaryDescription)
        writer.writeVarintIfNotDefault(4, dataClass.rawValue)
    }
}
