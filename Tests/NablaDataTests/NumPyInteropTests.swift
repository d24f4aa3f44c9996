import Foundation
import Nabla
import XCTest
@testable import NablaData

/// Checks against NumPy itself: files written by `np.save`/`np.savez`/`np.savez_compressed` are read
/// exactly, and `NPYWriter` writes the bytes `np.save` writes. Skipped (with a printed SKIP line)
/// when python3 with numpy is not installed.
final class NumPyInteropTests: XCTestCase {
    func testReadsWhatNumPyWrites() throws {
        try DataTestFiles.requirePythonWithNumPy(for: "NumPyInteropTests.testReadsWhatNumPyWrites")
        let dir = try DataTestFiles.directory(self).path
        try DataTestFiles.runPython("""
            import numpy as np
            d = '\(dir)'
            a = np.arange(12, dtype='<f4').reshape(3, 4) / 8
            np.save(d + '/c.npy', a)
            np.save(d + '/f.npy', np.asfortranarray(np.arange(6, dtype='<i8').reshape(2, 3)))
            np.save(d + '/h.npy', np.array([0.5, -2], dtype='<f2'))
            np.save(d + '/b.npy', np.array([True, False, True]))
            np.save(d + '/u.npy', np.array([[1, 255]], dtype=np.uint8))
            np.save(d + '/s.npy', np.float64(3.25))
            np.savez(d + '/z.npz', a=a, i=np.array([1, 2, 3], dtype='<i4'))
            np.savez_compressed(d + '/zc.npz', a=a, n=np.linspace(0, 1, 1000))
            np.save(d + '/big.npy', np.zeros(3, dtype='>f4'))
            """)
        func read(_ name: String) throws -> Tensor { try NPYReader.read(from: URL(fileURLWithPath: dir + "/" + name)) }
        let expected = (0..<12).map { Float($0) / 8 }
        XCTAssertEqual(try read("c.npy").shape, [3, 4])
        XCTAssertEqual(try read("c.npy").toArray(as: Float.self), expected)
        XCTAssertEqual(try read("f.npy").toArray(as: Int64.self), [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(try read("h.npy").toArray(as: Float.self), [0.5, -2])
        XCTAssertEqual(try read("b.npy").toArray(as: Bool.self), [true, false, true])
        XCTAssertEqual(try read("u.npy").toArray(as: UInt8.self), [1, 255])
        XCTAssertEqual(try read("s.npy").toArray(as: Double.self), [3.25])
        XCTAssertThrowsError(try read("big.npy")) { error in
            guard case .unsupportedNPYDType(_, _, ">f4", _)? = error as? DataFileError else { return XCTFail("\(error)") }
        }

        let z = try NPZReader.read(from: URL(fileURLWithPath: dir + "/z.npz"))
        XCTAssertEqual(z["a"]?.toArray(as: Float.self), expected)
        XCTAssertEqual(z["i"]?.toArray(as: Int32.self), [1, 2, 3])
        let zc = try NPZReader.read(from: URL(fileURLWithPath: dir + "/zc.npz"))
        XCTAssertEqual(zc["a"]?.toArray(as: Float.self), expected)
        XCTAssertEqual(zc["n"]?.shape, [1000])
        XCTAssertEqual(zc["n"]?.toArray(as: Double.self).last, 1)
        XCTAssertEqual(zc["n"]?.toArray(as: Double.self)[1], 1.0 / 999)
    }

    func testNumPyReadsWhatNablaWritesByteForByte() throws {
        try DataTestFiles.requirePythonWithNumPy(for: "NumPyInteropTests.testNumPyReadsWhatNablaWritesByteForByte")
        let dir = try DataTestFiles.directory(self).path
        try NPYWriter.write(Tensor([[1, 2, 3], [4, 5, 6]] as [[Float]]), to: URL(fileURLWithPath: dir + "/n.npy"))
        try NPYWriter.write(Tensor([Int64(7)]), to: URL(fileURLWithPath: dir + "/one.npy"))
        try NPZWriter.write(["x": Tensor([1.5, 2.5] as [Double]), "y": Tensor([UInt8(3)])], to: URL(fileURLWithPath: dir + "/w.npz"))
        let output = try DataTestFiles.runPython("""
            import numpy as np, io
            d = '\(dir)'
            for name, a in [('n', np.arange(1, 7, dtype='<f4').reshape(2, 3)), ('one', np.array([7], dtype='<i8'))]:
                buf = io.BytesIO(); np.save(buf, a)
                assert open(d + '/' + name + '.npy', 'rb').read() == buf.getvalue(), name + ' bytes differ'
                assert np.array_equal(np.load(d + '/' + name + '.npy'), a)
            z = np.load(d + '/w.npz')
            assert sorted(z.files) == ['x', 'y'], z.files
            assert z['x'].tolist() == [1.5, 2.5] and z['y'].dtype == np.uint8 and z['y'].tolist() == [3]
            print('ok')
            """)
        XCTAssertEqual(output.trimmingCharacters(in: .whitespacesAndNewlines), "ok")
    }
}
