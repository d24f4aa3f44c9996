import Foundation
import Nabla
import NablaCheckpoint
import XCTest
@testable import NablaData

final class SafeTensorsDatasetTests: XCTestCase {
    func testSafeTensorsDataset() throws {
        let url = try DataTestFiles.directory(self).appendingPathComponent("d.safetensors")
        try SafeTensors.write(["x": Tensor(shape: [3, 2], scalars: (0..<6).map(Float.init)), "y": Tensor([Int64(0), 1, 2]),
                               "short": Tensor([Int64(1)])], to: url)
        let data = try SafeTensorsDataset(url, inputKey: "x", targetKey: "y")
        XCTAssertEqual(data.count, 3)
        XCTAssertEqual(try data[2].0.toArray(as: Float.self), [4, 5])
        XCTAssertEqual(try data.batch(at: [2, 0]).1.toArray(as: Int64.self), [2, 0])
        XCTAssertThrowsError(try SafeTensorsDataset(url, inputKey: "x", targetKey: "labels")) { error in
            XCTAssertEqual(error as? DataFileError, .missingKey(file: url.path, key: "labels", available: ["short", "x", "y"]))
        }
        XCTAssertThrowsError(try SafeTensorsDataset(url, inputKey: "x", targetKey: "short")) { error in
            guard case .badLayout(let path, _)? = error as? DataFileError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, url.path)
        }
    }
}
