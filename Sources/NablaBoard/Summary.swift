/// `tensorboard.Summary`: a list of tagged values logged at one step.
public struct Summary: ProtobufMessage, Equatable {
    /// `tensorboard.Summary.Value`: one tagged value.
    public struct Value: ProtobufMessage, Equatable {
        /// The payload of a value (the `value` oneof).
        public enum Kind: Sendable, Equatable {
            /// `simple_value` (field 2): a legacy float32 scalar.
            case simpleValue(Float)
            /// `image` (field 4): a legacy image.
            case image(Summary.Image)
            /// `histo` (field 5): a legacy histogram.
            case histogram(HistogramProto)
            /// `tensor` (field 8): a new-style value, interpreted by `metadata`'s plugin.
            case tensor(TensorProto)
        }

        /// `tag` (field 1): the series name; `/` groups series into sections.
        public var tag: String
        /// The payload.
        public var kind: Kind?
        /// `metadata` (field 9): plugin data, needed on the first value of a tag in a file.
        public var metadata: SummaryMetadata?

        /// Creates a value.
        public init(tag: String, kind: Kind?, metadata: SummaryMetadata? = nil) {
            self.tag = tag
            self.kind = kind
            self.metadata = metadata
        }

        /// Creates a legacy scalar value.
        public init(tag: String, simpleValue: Float) {
            self.init(tag: tag, kind: .simpleValue(simpleValue))
        }

        /// Writes the fields in field-number order.
        public func encode(to writer: inout ProtobufWriter) {
            writer.writeStringIfNotEmpty(1, tag)
            switch kind {
            case .simpleValue(let v): writer.writeFloat(2, v)
            case .image(let image): writer.writeMessage(4, image)
            case .histogram(let histogram): writer.writeMessage(5, histogram)
            case .tensor(let tensor): writer.writeMessage(8, tensor)
            case nil: break
            }
            writer.writeMessageIfPresent(9, metadata)
        }
    }

    /// `tensorboard.Summary.Image`: an encoded PNG or JPEG image.
    public struct Image: ProtobufMessage, Equatable {
        /// `height` (field 1), in pixels.
        public var height: Int32
        /// `width` (field 2), in pixels.
        public var width: Int32
        /// `colorspace` (field 3): 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA, 5 YUV, 6 BGRA.
        public var colorspace: Int32
        /// `encoded_image_string` (field 4): the PNG or JPEG bytes.
        public var encodedImage: [UInt8]

        /// Creates an image value.
        public init(height: Int32, width: Int32, colorspace: Int32, encodedImage: [UInt8]) {
            self.height = height
            self.width = width
            self.colorspace = colorspace
            self.encodedImage = encodedImage
        }

        /// Writes the fields in field-number order.
        public func encode(to writer: inout ProtobufWriter) {
            writer.writeVarintIfNotDefault(1, Int64(height))
            writer.writeVarintIfNotDefault(2, Int64(width))
            writer.writeVarintIfNotDefault(3, Int64(colorspace))
            writer.writeBytesIfNotEmpty(4, encodedImage)
        }
    }

    /// `value` (field 1).
    public var values: [Value]

    /// Creates a summary.
    public init(values: [Value]) {
        self.values = values
    }

    /// Writes the fields in field-number order.
    public func encode(to writer: inout ProtobufWriter) {
        for value in values { writer.writeMessage(1, value) }
    }
}
