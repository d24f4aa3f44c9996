import Foundation
import XCTest
import NablaTestSupport
import Nabla

/// The fixture decoding and comparison helpers the golden tests rely on.
final class FixtureSupportTests: XCTestCase {
    func testJSONNumbersAreExact() throws {
        let json = try JSONReader.parse(Data(#"{"a": [9223372036854775807, -9223372036854775808, 2, 2.0, 0.1, "nan", "-inf"], "b": null, "s": "x\"y"}"#.utf8))
        let a = try XCTUnwrap(json["a"]?.arrayValue)
        XCTAssertEqual(a[0].int64Value, Int64.max)
        XCTAssertEqual(a[1].int64Value, Int64.min)
        XCTAssertTrue(a[2].isIntegerLiteral)
        XCTAssertFalse(a[3].isIntegerLiteral, "2.0 is a float literal")
        XCTAssertNil(a[3].int64Value)
        XCTAssertEqual(a[4].doubleValue, 0.1)
        XCTAssertTrue(a[5].doubleValue!.isNaN)
        XCTAssertEqual(a[6].doubleValue, -.infinity)
        XCTAssertEqual(json["b"], .null)
        XCTAssertEqual(json["s"]?.stringValue, "x\"y")
        XCTAssertThrowsError(try JSONReader.parse(Data("[1, 2".utf8)))
    }

    func testFixtureTensorsBuildEveryDtype() throws {
        for dtype in DType.allCases {
            let data = dtype == .bool ? "[true, false, true]" : dtype.isInteger ? "[1, 0, -1]" : #"[1.5, "-inf", "nan"]"#
            let json = try JSONReader.parse(Data(#"{"dtype": "\#(dtype)", "shape": [3], "data": \#(data)}"#.utf8))
            if dtype == .uint8 {
                XCTAssertThrowsError(try FixtureTensor(json).makeTensor(), "-1 does not fit uint8")
                continue
            }
            let fixture = try FixtureTensor(json)
            let t = try fixture.makeTensor()
            XCTAssertEqual(t.dtype, dtype)
            XCTAssertEqual(t.shape, [3])
            XCTAssertNil(mismatch(t, fixture, .exact), "\(dtype) round trip")
        }
        let big = try FixtureTensor(JSONReader.parse(Data(#"{"dtype": "int64", "shape": [2], "data": [9007199254740993, -9223372036854775808]}"#.utf8)))
        XCTAssertEqual(try big.makeTensor().toArray(as: Int64.self), [9007199254740993, Int64.min], "int64 data is exact")
    }

    func testMismatchReportsDifferences() throws {
        let want = try FixtureTensor(JSONReader.parse(Data(#"{"dtype": "float32", "shape": [3], "data": [1.0, "nan", "inf"]}"#.utf8)))
        XCTAssertNil(mismatch(Tensor([Float(1), .nan, .infinity]), want, .standard(.float32)))
        XCTAssertNotNil(mismatch(Tensor([Float(1.001), .nan, .infinity]), want, .standard(.float32)), "value")
        XCTAssertNotNil(mismatch(Tensor([Float(1), 0, .infinity]), want, .standard(.float32)), "NaN vs number")
        XCTAssertNotNil(mismatch(Tensor([Float(1), .nan, -.infinity]), want, .standard(.float32)), "inf sign")
        XCTAssertNotNil(mismatch(Tensor([1.0, .nan, .infinity]), want, .standard(.float32)), "dtype")
        XCTAssertNotNil(mismatch(Tensor(shape: [3, 1], scalars: [Float(1), .nan, .infinity]), want, .standard(.float32)), "shape")
        let ints = try FixtureTensor(JSONReader.parse(Data(#"{"dtype": "int64", "shape": [1], "data": [9007199254740993]}"#.utf8)))
        XCTAssertNotNil(mismatch(Tensor([Int64(9007199254740992)]), ints, .exact), "integers compare exactly beyond 2^53")
    }

    func testEveryFixtureFamilyLoads() throws {
        for family in ["elementwise", "reduction", "linalg", "movement", "indexing", "conv_pool", "cast"] {
            let cases = try Fixtures.load(family)
            XCTAssertFalse(cases.isEmpty, family)
            XCTAssertEqual(Set(cases.map(\.name)).count, cases.count, "\(family): case names are unique")
        }
    }
}
