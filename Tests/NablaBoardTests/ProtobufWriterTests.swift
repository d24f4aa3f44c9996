import XCTest
@testable import NablaBoard

/// The hand-rolled protobuf encoder against wire-format facts.
final class ProtobufWriterTests: XCTestCase {
    func testVarints() {
        var w = ProtobufWriter()
        w.appendVarint(0); w.appendVarint(1); w.appendVarint(127); w.appendVarint(128); w.appendVarint(300)
        XCTAssertEqual(hex(w.bytes), "00017f8001ac02")
        var negative = ProtobufWriter()
        negative.writeVarint(2, -1)
        XCTAssertEqual(hex(negative.bytes), "10ffffffffffffffffff01", "negative int64 takes ten bytes")
    }

    func testProto3DefaultsAreOmittedButOneofMembersAreNot() {
        var w = ProtobufWriter()
        w.writeVarintIfNotDefault(1, 0)
        w.writeDoubleIfNotDefault(2, 0)
        w.writeStringIfNotEmpty(3, "")
        w.writeBytesIfNotEmpty(4, [UInt8]())
        w.writePackedDoubles(5, [])
        XCTAssertEqual(w.bytes, [])
        w.writeDoubleIfNotDefault(2, -0.0)
        XCTAssertEqual(hex(w.bytes), "110000000000000080", "-0.0 differs from the default")
        // google.protobuf.Value{number_value: 0} and {bool_value: false}: oneof members are written.
        XCTAssertEqual(hex(HParams.Value(value: .number(0)).serializedBytes()), "110000000000000000")
        XCTAssertEqual(hex(HParams.Value(value: .bool(false)).serializedBytes()), "2000")
    }

    func testPackedDoublesAndHistogramKeys() {
        let h = HistogramProto(min: 0, max: 3, num: 4, sum: 6, sumSquares: 14, bucketLimits: [1, 2, 3], bucketCounts: [1, 1, 2])
        let fields = try? ProtobufFields.parse(h.serializedBytes())
        XCTAssertEqual(fields?.map(\.0), [2, 3, 4, 5, 6, 7], "min = 0 is omitted")
        XCTAssertEqual(h.serializedBytes().prefix(1), [0x11])
        XCTAssertEqual(fields?.last?.1.bytesValue?.count, 24)
        XCTAssertEqual(fields?.first { $0.0 == 6 }?.1.bytesValue?.count, 24)
    }

    func testTextValueMatchesTheReferenceLayout() {
        // Value{tag, metadata{plugin_data{plugin_name "text"}}, tensor{DT_STRING, shape [1], string_val ["hi"]}}
        let value = Summary.Value(tag: "t/text_summary", kind: .tensor(.strings(["hi"])),
                                  metadata: SummaryMetadata(pluginData: .init(pluginName: "text")))
        let expected = "0a0e" + hex(Array("t/text_summary".utf8))
            + "420c" + "0807" + "1204" + "12020801" + "4202" + "6869"
            + "4a08" + "0a06" + "0a04" + hex(Array("text".utf8))
        XCTAssertEqual(hex(value.serializedBytes()), expected)
    }

    func testHParamsNullTensorMatchesTensorBoard() {
        // tensorboard.plugins.hparams.metadata.NULL_TENSOR.SerializeToString() == 080112021200
        XCTAssertEqual(hex(HParams.nullTensor.serializedBytes()), "080112021200")
    }

    func testImageValueKeys() {
        let image = Summary.Image(height: 2, width: 3, colorspace: 3, encodedImage: [0x89, 0x50])
        XCTAssertEqual(hex(image.serializedBytes()), "0802" + "1003" + "1803" + "22028950")
    }
}
