/// GPT-2's byte-level alphabet and pre-tokenizer.
///
/// Every byte gets a printable character: the printable Latin-1 bytes (`!`…`~`, `¡`…`¬`, `®`…`ÿ`) stand
/// for themselves and the other 68 bytes map to U+0100 onwards in order (space becomes `Ġ`, newline `Ċ`).
/// BPE then works on these characters, so any text, emoji included, has a spelling without `<unk>`.
public enum ByteLevel {
    /// The character standing for each byte (GPT-2's `bytes_to_unicode`).
    public static let byteToCharacter: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            switch byte {
            case 33...126, 161...172, 174...255:
                table[byte] = Unicode.Scalar(UInt32(byte))!
            default:
                table[byte] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// The byte each byte-level character stands for (the inverse of `byteToCharacter`).
    public static let characterToByte: [Unicode.Scalar: UInt8] = {
        var inverse: [Unicode.Scalar: UInt8] = [:]
        for (byte, scalar) in byteToCharacter.enumerated() { inverse[scalar] = UInt8(byte) }
        return inverse
    }()

    /// The byte-level spelling of `text`'s UTF-8 bytes.
    public static func encode(_ text: String) -> String {
        var view = String.UnicodeScalarView()
        for byte in text.utf8 { view.append(byteToCharacter[Int(byte)]) }
        return String(view)
    }

    /// The text a byte-level spelling stands for; characters outside the alphabet are skipped and
    /// invalid UTF-8 becomes U+FFFD, as HuggingFace's `ByteLevel` decoder does.
    public static func decode(_ text: String) -> String {
        let bytes = text.unicodeScalars.compactMap { characterToByte[$0] }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Splits `text` as GPT-2's pattern does, written out by hand:
    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
    ///
    /// The pieces cover the text exactly (joining them gives `text` back).
    ///
    /// ```swift
    /// ByteLevel.split("Hello  world's 42!")   // ["Hello", " ", " world", "'s", " 42", "!"]
    /// ```
    public static func split(_ text: String) -> [String] {
        let s = Array(text.unicodeScalars)
        var pieces: [String] = []
        var i = 0
        while i < s.count {
            let end = matchEnd(s, at: i)
            pieces.append(String(String.UnicodeScalarView(s[i..<end])))
            i = end
        }
        return pieces
    }

    /// The end of the pattern's match starting at `i` (always past `i`).
    static func matchEnd(_ s: [Unicode.Scalar], at i: Int) -> Int {
        let n = s.count
        // 's 't 're 've 'm 'll 'd (case-sensitive, as in GPT-2).
        if s[i] == "'" && i + 1 < n {
            switch s[i + 1] {
            case "s", "t", "m", "d": return i + 2
            case "r" where i + 2 < n && s[i + 2] == "e": return i + 3
            case "v" where i + 2 < n && s[i + 2] == "e": return i + 3
            case "l" where i + 2 < n && s[i + 2] == "l": return i + 3
            default: break
            }
        }
        // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`.
        let j = s[i] == " " && i + 1 < n ? i + 1 : i
        for kind in [Kind.letter, .number, .other] where classify(s[j]) == kind {
            var k = j + 1
            while k < n && classify(s[k]) == kind { k += 1 }
            return k
        }
        // `\s+(?!\S)` then `\s+`.
        var k = i
        while k < n && isSpace(s[k]) { k += 1 }
        if k == n || k - 1 == i { return k }
        return k - 1
    }

    /// The pattern's character classes.
    enum Kind { case letter, number, space, other }

    static func classify(_ c: Unicode.Scalar) -> Kind {
        switch c.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return .letter
        case .decimalNumber, .letterNumber, .otherNumber: return .number
        default: return isSpace(c) ? .space : .other
        }
    }

    /// `\s`: Unicode White_Space.
    static func isSpace(_ c: Unicode.Scalar) -> Bool { c.properties.isWhitespace }
}
