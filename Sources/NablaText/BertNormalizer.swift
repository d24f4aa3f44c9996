import Foundation

/// BERT's text clean-up, exactly as HuggingFace `tokenizers`' `BertNormalizer`.
///
/// In order: drop NUL, U+FFFD and control/format characters (Unicode category C*, but keep tab, newline
/// and carriage return), turn whitespace into spaces, put spaces around CJK ideographs, strip accents
/// (NFD, then drop non-spacing marks, category Mn) and lower-case each character.
///
/// ```swift
/// BertNormalizer().normalize("Héllo\t世界")   // "hello  世  界 "
/// ```
public struct BertNormalizer: Sendable, Equatable {
    /// Remove control characters and map whitespace to spaces.
    public var cleanText: Bool
    /// Put spaces around CJK ideographs so that each becomes a word.
    public var handleChineseCharacters: Bool
    /// Strip accents; `nil` follows `lowercase` (as BERT does).
    public var stripAccents: Bool?
    /// Lower-case the text.
    public var lowercase: Bool

    /// Creates a normalizer; the defaults are those of the uncased BERT models.
    public init(cleanText: Bool = true, handleChineseCharacters: Bool = true, stripAccents: Bool? = nil,
                lowercase: Bool = true) {
        self.cleanText = cleanText
        self.handleChineseCharacters = handleChineseCharacters
        self.stripAccents = stripAccents
        self.lowercase = lowercase
    }

    /// The normalized text.
    public func normalize(_ text: String) -> String {
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(text.unicodeScalars.count)
        for s in text.unicodeScalars {
            if cleanText {
                if s.value == 0 || s.value == 0xFFFD || Self.isControl(s) { continue }
                if Self.isWhitespace(s) { scalars.append(" "); continue }
            }
            if handleChineseCharacters && Self.isChineseCharacter(s) {
                scalars.append(" "); scalars.append(s); scalars.append(" ")
            } else {
                scalars.append(s)
            }
        }
        var result = String(String.UnicodeScalarView(scalars))
        if stripAccents ?? lowercase {
            let decomposed = result.decomposedStringWithCanonicalMapping.unicodeScalars
            result = String(String.UnicodeScalarView(decomposed.filter { $0.properties.generalCategory != .nonspacingMark }))
        }
        if lowercase {
            // Character by character, as Rust's `char::to_lowercase` (no context-dependent rules).
            var lowered = String.UnicodeScalarView()
            for s in result.unicodeScalars { lowered.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars) }
            result = String(lowered)
        }
        return result
    }

    /// Whitespace as BERT counts it: tab, newline, carriage return and Unicode White_Space.
    static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        s == "\t" || s == "\n" || s == "\r" || s.properties.isWhitespace
    }

    /// Control characters as BERT counts them: categories Cc, Cf, Cs, Co, Cn, except tab, newline, CR.
    static func isControl(_ s: Unicode.Scalar) -> Bool {
        if s == "\t" || s == "\n" || s == "\r" { return false }
        switch s.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned: return true
        default: return false
        }
    }

    /// The CJK ideograph blocks of BERT's `_is_chinese_char`, as `tokenizers` spells them
    /// (its extension-C/D range starts at U+2B920).
    static func isChineseCharacter(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
             0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }
}

/// BERT's pre-tokenizer, as HuggingFace `tokenizers`' `BertPreTokenizer`: split on whitespace (dropped)
/// and make every punctuation character a word of its own.
///
/// Punctuation is the ASCII ranges 33–47, 58–64, 91–96, 123–126 and every Unicode P* category.
///
/// ```swift
/// BertPreTokenizer.split("don't stop!")   // ["don", "'", "t", "stop", "!"]
/// ```
public enum BertPreTokenizer {
    /// The words of `text`.
    public static func split(_ text: String) -> [String] {
        var words: [String] = []
        var current = String.UnicodeScalarView()
        func flush() {
            if !current.isEmpty { words.append(String(current)); current = String.UnicodeScalarView() }
        }
        for s in text.unicodeScalars {
            if s.properties.isWhitespace {
                flush()
            } else if isPunctuation(s) {
                flush()
                words.append(String(s))
            } else {
                current.append(s)
            }
        }
        flush()
        return words
    }

    /// ASCII punctuation (33–47, 58–64, 91–96, 123–126) or a Unicode punctuation category.
    public static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 33...47, 58...64, 91...96, 123...126: return true
        default: break
        }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }
}
