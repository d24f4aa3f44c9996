/// CRC-32C (Castagnoli), the checksum of TFRecord framing, and TFRecord's masking of it.
///
/// Reflected polynomial `0x82F63B78`, initial value and final XOR `0xFFFFFFFF`; computed with
/// slicing-by-8 tables. Check value: `CRC32C.checksum("123456789".utf8) == 0xE306_9283`.
public enum CRC32C {
    /// The reflected Castagnoli polynomial.
    static let polynomial: UInt32 = 0x82F6_3B78

    /// Eight 256-entry tables for slicing-by-8; `tables[0]` is the classic byte-at-a-time table.
    private static let tables: [[UInt32]] = {
        var base = [UInt32](repeating: 0, count: 256)
        for n in 0..<256 {
            var c = UInt32(n)
            for _ in 0..<8 { c = (c & 1) != 0 ? (c >> 1) ^ polynomial : c >> 1 }
            base[n] = c
        }
        var all = [base]
        for k in 1..<8 {
            let previous = all[k - 1]
            all.append((0..<256).map { n in (previous[n] >> 8) ^ base[Int(previous[n] & 0xFF)] })
        }
        return all
    }()

    /// The CRC-32C of `bytes`.
    ///
    /// ```swift
    /// CRC32C.checksum(Array("123456789".utf8))  // 0xE3069283
    /// ```
    public static func checksum<Bytes: Collection>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        if let result = bytes.withContiguousStorageIfAvailable({ checksum(UnsafeRawBufferPointer($0)) }) {
            return result
        }
        return Array(bytes).withUnsafeBytes { checksum($0) }
    }

    /// The CRC-32C of the bytes in `buffer`.
    public static func checksum(_ buffer: UnsafeRawBufferPointer) -> UInt32 {
        tables.withUnsafeBufferPointer { t in
            let t0 = t[0], t1 = t[1], t2 = t[2], t3 = t[3], t4 = t[4], t5 = t[5], t6 = t[6], t7 = t[7]
            var crc: UInt32 = 0xFFFF_FFFF
            var i = 0
            let count = buffer.count
            while i + 8 <= count {
                let low = crc ^ (UInt32(buffer[i]) | UInt32(buffer[i + 1]) << 8
                    | UInt32(buffer[i + 2]) << 16 | UInt32(buffer[i + 3]) << 24)
                crc = t7[Int(low & 0xFF)] ^ t6[Int((low >> 8) & 0xFF)]
                    ^ t5[Int((low >> 16) & 0xFF)] ^ t4[Int(low >> 24)]
                    ^ t3[Int(buffer[i + 4])] ^ t2[Int(buffer[i + 5])]
                    ^ t1[Int(buffer[i + 6])] ^ t0[Int(buffer[i + 7])]
                i += 8
            }
            while i < count {
                crc = (crc >> 8) ^ t0[Int((crc ^ UInt32(buffer[i])) & 0xFF)]
                i += 1
            }
            return crc ^ 0xFFFF_FFFF
        }
    }

    /// TFRecord's masked CRC: `((crc >> 15) | (crc << 17)) + 0xA282EAD8`, all modulo 2³².
    ///
    /// Masking keeps a CRC stored next to data from being a CRC of data that contains CRCs.
    public static func mask(_ crc: UInt32) -> UInt32 {
        ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }

    /// The masked CRC-32C of `bytes`, as stored in TFRecord framing.
    public static func maskedChecksum<Bytes: Collection>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        mask(checksum(bytes))
    }
}
