import Foundation
import Nabla
import XCTest
@testable import NablaData

final class CSVTests: XCTestCase {
    func testReadsFeaturesLabelsAndInfersTypes() throws {
        let url = try DataTestFiles.file(self, "iris.csv", """
            sepal,petal,species,weight
            5.1,1.4,setosa,3
            "7.0",4.7,versicolor,4
            6.3,6.0,virginica,5

            4.9,1.5,setosa,6

            """)
        let data = try CSVDataset(url, labelColumn: "species")
        XCTAssertEqual(data.count, 4)
        XCTAssertEqual(data.columnNames, ["sepal", "petal", "species", "weight"])
        XCTAssertEqual(data.featureNames, ["sepal", "petal", "weight"])
        XCTAssertEqual(data.labelName, "species")
        XCTAssertEqual(data.columnTypes, [.float, .float, .categorical, .integer])
        XCTAssertEqual(data.categories["species"], ["setosa", "versicolor", "virginica"])
        let (x, y) = try data[1]
        XCTAssertEqual(x.dtype, .float32)
        XCTAssertEqual(x.toArray(as: Float.self), [7.0, 4.7, 4])
        XCTAssertEqual(y.dtype, .int64)
        XCTAssertEqual(data.labels.toArray(as: Int64.self), [0, 1, 2, 0])

        let byIndex = try CSVDataset(url, labelColumn: 3, columnTypes: ["species": .ignored])
        XCTAssertEqual(byIndex.featureNames, ["sepal", "petal"])
        XCTAssertEqual(byIndex.labels.toArray(as: Int64.self), [3, 4, 5, 6])
        let floatLabel = try CSVDataset(url, labelColumn: "petal", columnTypes: [2: .ignored])
        XCTAssertEqual(floatLabel.labels.dtype, .float32)
        XCTAssertEqual(floatLabel.labels.toArray(as: Float.self), [1.4, 4.7, 6.0, 1.5])
    }

    func testRFC4180QuotingAndOtherDelimiters() throws {
        let url = try DataTestFiles.file(self, "q.csv", "\u{FEFF}\"a;b\";\"say \"\"hi\"\"\nthere\";y\r\n1;2;3\r\n4;5;6")
        let data = try CSVDataset(url, labelColumn: "y", delimiter: ";")
        XCTAssertEqual(data.columnNames, ["a;b", "say \"hi\"\nthere", "y"])
        XCTAssertEqual(data.features.toArray(as: Float.self), [1, 2, 4, 5])
        XCTAssertEqual(data.labels.toArray(as: Int64.self), [3, 6])

        let headerless = try DataTestFiles.file(self, "h.csv", "1\t2\n3\t4\n")
        let noHeader = try CSVDataset(headerless, hasHeader: false, delimiter: "\t")
        XCTAssertEqual(noHeader.columnNames, ["column0", "column1"])
        XCTAssertEqual(noHeader.features.shape, [2, 2])
        XCTAssertEqual(try noHeader[1].1.shape, [0])
    }

    func testBadRowsAreAllReportedWithLinesAndColumns() throws {
        // The quoted field on line 3 spans two lines, so the next record starts on line 5.
        let url = try DataTestFiles.file(self, "bad.csv", """
            x,y,label
            1,2,0
            "3
            ",4,1
            5,abc,0
            6,7
            8,,1
            9,10,2.5
            """)
        XCTAssertThrowsError(try CSVDataset(url, labelColumn: "label", columnTypes: ["x": .float, "y": .float, "label": .integer])) { error in
            guard case let .badCSVRows(file, rows, total)? = error as? DataFileError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, url.path)
            XCTAssertEqual(total, 5)
            XCTAssertEqual(rows.map(\.line), [3, 5, 6, 7, 8])
            XCTAssertEqual(rows[0], CSVBadRow(line: 3, column: "x", value: "3\n", reason: "is not a number"))
            XCTAssertEqual(rows[1], CSVBadRow(line: 5, column: "y", value: "abc", reason: "is not a number"))
            XCTAssertEqual(rows[2].reason, "2 fields, expected 3")
            XCTAssertEqual(rows[3].column, "y")
            XCTAssertEqual(rows[4], CSVBadRow(line: 8, column: "label", value: "2.5", reason: "is not a whole number"))
            XCTAssertTrue("\(error)".contains("line 5, column \"y\": \"abc\" is not a number"), "\(error)")
        }
    }

    func testBadRowListIsCappedAndBrokenQuotesReported() throws {
        let rows = (0..<30).map { "\($0),oops" }.joined(separator: "\n")
        let url = try DataTestFiles.file(self, "many.csv", "a,b\n1,2\n" + rows)
        XCTAssertThrowsError(try CSVDataset(url, columnTypes: ["b": .float])) { error in
            guard case let .badCSVRows(_, listed, total)? = error as? DataFileError else { return XCTFail("\(error)") }
            XCTAssertEqual(total, 30)
            XCTAssertEqual(listed.count, CSVDataset.maxReportedBadRows)
            XCTAssertEqual(listed.first?.line, 3)
            XCTAssertTrue("\(error)".hasSuffix("and 10 more"), "\(error)")
        }
        let unclosed = try DataTestFiles.file(self, "u.csv", "a,b\n1,2\n3,\"4\n")
        XCTAssertThrowsError(try CSVDataset(unclosed)) { error in
            guard case let .badCSVRows(_, listed, _)? = error as? DataFileError else { return XCTFail("\(error)") }
            XCTAssertEqual(listed, [CSVBadRow(line: 3, reason: "a quoted field is not closed before the end of the file")])
        }
        let trailing = try DataTestFiles.file(self, "t.csv", "a,b\n\"1\"x,2\n")
        XCTAssertThrowsError(try CSVDataset(trailing)) { error in
            XCTAssertTrue("\(error)".contains("line 2: unexpected text after the closing quote of field 1"), "\(error)")
        }
    }

    func testHeaderAndColumnErrors() throws {
        let url = try DataTestFiles.file(self, "d.csv", "a,a\n1,2\n")
        XCTAssertThrowsError(try CSVDataset(url)) { error in
            XCTAssertEqual(error as? DataFileError, .badCSVColumns(file: url.path, reason: "the header names column \"a\" twice"))
        }
        let good = try DataTestFiles.file(self, "g.csv", "a,b\n1,2\n")
        XCTAssertThrowsError(try CSVDataset(good, labelColumn: "c")) { error in
            XCTAssertEqual(error as? DataFileError, .missingKey(file: good.path, key: "c", available: ["a", "b"]))
        }
        XCTAssertThrowsError(try CSVDataset(good, labelColumn: 5))
        XCTAssertThrowsError(try CSVDataset(good.appendingPathExtension("missing"))) { error in
            XCTAssertEqual((error as? DataFileError)?.file, good.path + ".missing")
        }
        XCTAssertThrowsError(try CSVDataset(try DataTestFiles.file(self, "e.csv", "")))
    }

    func testStreamMatchesDatasetAndStopsAtFirstBadRow() throws {
        var text = "f1,f2,y\n"
        for i in 0..<50 { text += "\(i),\"\(Double(i) / 4)\",\(i % 3)\r\n" }
        let url = try DataTestFiles.file(self, "big.csv", text)
        let stream = CSVStream(url, labelColumn: "y", chunkByteCount: 7)
        let data = try CSVDataset(url, labelColumn: "y")
        let pass = try stream.makeStream()
        var count = 0
        while let (x, y) = try pass.next() {
            let (ex, ey) = try data[count]
            XCTAssertEqual(x.toArray(as: Float.self), ex.toArray(as: Float.self))
            XCTAssertEqual(y.toArray(as: Int64.self), ey.toArray(as: Int64.self))
            count += 1
        }
        XCTAssertEqual(count, 50)
        let loader = DataLoader(stream: stream, batchSize: 16)
        XCTAssertEqual(Array(loader).map { $0.0.shape[0] }, [16, 16, 16, 2])

        let bad = try DataTestFiles.file(self, "bad.csv", "a,b\n1,2\n3,x\n5,6\n")
        let badPass = try CSVStream(bad, labelColumn: "b", columnTypes: ["b": .float]).makeStream()
        XCTAssertNotNil(try badPass.next())
        XCTAssertThrowsError(try badPass.next()) { error in
            XCTAssertEqual(error as? DataFileError, .badCSVRows(file: bad.path, rows: [CSVBadRow(line: 3, column: "b", value: "x", reason: "is not a number")], totalCount: 1))
        }
    }
}
