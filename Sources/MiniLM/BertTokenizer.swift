import Foundation

/// BERT's uncased WordPiece tokenizer, as Hugging Face `tokenizers` runs it for all-MiniLM-L6-v2:
/// clean text (drop NUL, U+FFFD and control characters; whitespace becomes a space), pad CJK ideographs
/// with spaces, strip accents (NFD, drop non-spacing marks), lower-case, split on whitespace and
/// punctuation, then greedy longest-match WordPiece with `##` continuations and `[UNK]`.
public struct BertTokenizer: Sendable {
    public let vocabulary: [String: Int32]
    public let maxSequenceLength: Int
    public let classifyID: Int32
    public let separatorID: Int32
    public let unknownID: Int32
    private let maxCharactersPerWord = 100

    public init(vocabularyFile: URL, maxSequenceLength: Int) throws {
        let text = try String(contentsOf: vocabularyFile, encoding: .utf8)
        var vocabulary: [String: Int32] = [:]
        var index: Int32 = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let token = line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
            if index == 0 || !token.isEmpty || vocabulary[token] == nil {
                if vocabulary[token] == nil { vocabulary[token] = index }
            }
            index += 1
        }
        guard let cls = vocabulary["[CLS]"], let sep = vocabulary["[SEP]"], let unk = vocabulary["[UNK]"] else {
            throw MiniLMError.invalidModel("vocab.txt lacks [CLS], [SEP] or [UNK]")
        }
        self.vocabulary = vocabulary
        self.maxSequenceLength = maxSequenceLength
        classifyID = cls
        separatorID = sep
        unknownID = unk
    }

    /// Token ids with `[CLS]` and `[SEP]`, truncated to `maxSequenceLength`.
    public func encode(_ text: String) -> [Int32] {
        var ids: [Int32] = [classifyID]
        let budget = maxSequenceLength - 2
        outer: for word in preTokenize(normalize(text)) {
            for piece in wordPieces(word) {
                if ids.count - 1 >= budget { break outer }
                ids.append(piece)
            }
        }
        ids.append(separatorID)
        return ids
    }

    /// Clean-up, CJK padding, accent stripping and lower-casing.
    func normalize(_ text: String) -> String {
        var cleaned = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value == 0 || value == 0xFFFD || Self.isControl(scalar) { continue }
            if Self.isWhitespace(scalar) {
                cleaned.append(" ")
            } else if Self.isCJK(value) {
                cleaned.append(" ")
                cleaned.append(scalar)
                cleaned.append(" ")
            } else {
                cleaned.append(scalar)
            }
        }
        var result = String.UnicodeScalarView()
        let decomposed = String(cleaned).decomposedStringWithCanonicalMapping
        for scalar in decomposed.unicodeScalars where scalar.properties.generalCategory != .nonspacingMark {
            if scalar.isASCII {
                result.append(scalar.properties.isUppercase ? Unicode.Scalar(scalar.value + 32)! : scalar)
            } else {
                result.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return String(result)
    }

    /// Splits on whitespace, and makes every punctuation character a word of its own.
    func preTokenize(_ text: String) -> [Substring.UnicodeScalarView] {
        var words: [Substring.UnicodeScalarView] = []
        let scalars = Substring(text).unicodeScalars
        var start = scalars.startIndex
        var index = start
        while index != scalars.endIndex {
            let scalar = scalars[index]
            let next = scalars.index(after: index)
            if Self.isWhitespace(scalar) {
                if start != index { words.append(scalars[start..<index]) }
                start = next
            } else if Self.isPunctuation(scalar) {
                if start != index { words.append(scalars[start..<index]) }
                words.append(scalars[index..<next])
                start = next
            }
            index = next
        }
        if start != scalars.endIndex { words.append(scalars[start..<scalars.endIndex]) }
        return words
    }

    /// Greedy longest-match-first WordPiece; a word with an unmatchable part is one `[UNK]`.
    func wordPieces(_ word: Substring.UnicodeScalarView) -> [Int32] {
        let scalars = Array(word)
        if scalars.count > maxCharactersPerWord { return [unknownID] }
        var pieces: [Int32] = []
        var start = 0
        while start < scalars.count {
            var end = scalars.count
            var found: Int32?
            while start < end {
                var candidate = String(String.UnicodeScalarView(scalars[start..<end]))
                if start > 0 { candidate = "##" + candidate }
                if let id = vocabulary[candidate] {
                    found = id
                    break
                }
                end -= 1
            }
            guard let id = found else { return [unknownID] }
            pieces.append(id)
            start = end
        }
        return pieces
    }

    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case " ", "\t", "\n", "\r": true
        default: scalar.properties.isWhitespace
        }
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "\t", "\n", "\r": return false
        default:
            switch scalar.properties.generalCategory {
            case .control, .format, .surrogate, .privateUse, .unassigned: return true
            default: return false
            }
        }
    }

    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if (33...47).contains(value) || (58...64).contains(value) || (91...96).contains(value) || (123...126).contains(value) {
            return true
        }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    static func isCJK(_ value: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(value) || (0x3400...0x4DBF).contains(value) || (0x20000...0x2A6DF).contains(value)
            || (0x2A700...0x2B73F).contains(value) || (0x2B740...0x2B81F).contains(value) || (0x2B820...0x2CEAF).contains(value)
            || (0xF900...0xFAFF).contains(value) || (0x2F800...0x2FA1F).contains(value)
    }
}
